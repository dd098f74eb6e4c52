package fleet

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/wechattest"
)

// Report is a simulated day's account.
type Report struct {
	Name      string
	Design    Design
	Locations int
	Isolates  int
	MemInMap  bool

	Pages          int // page requests
	Signed         int // answered with a signature
	Refused        int // answered 503
	Refused1055    int // of which errcode 1055: the ticket is past its expiry here, not yet dead at WeChat
	Internal       int // more turns than the entry allows (a bug)
	DeadSignatures int // signatures made with a ticket WeChat no longer accepted (the stand-in's TicketValid)

	KVReads               int // every read, both kinds below
	KVReadsIsolates       int // by isolates (in the old design, their cold paths' too)
	KVReadsCoordinators   int // by coordinators, or in the old design by the cron
	KVWrites              int
	MaxWritesPerKeySecond int // the most writes to one key within one second

	WeChat   wechattest.Stats // calls that reached WeChat, by kind
	Timeouts int              // calls whose answer was lost

	DORequests    int // requests to coordinators: Asks + CronPokes
	Asks          int // isolates asking a coordinator for a record
	CronPokes     int // the cron waking a coordinator
	Alerts        int // messages to ALERT_WEBHOOK the coordinators decided (issue 29)
	Alarms        int // coordinators' alarms that fired
	AlarmsSet     int // passes that set the alarm (each a write to the object's storage)
	Hibernations  int // coordinators woken after CoordIdle or more
	MemWrites     int // writes to coordinators' memory (in their storage: rows written)
	ColdRuns      int // old design: Go program runs in isolates (a cold path)
	Pushes        int // WeChat's pushes to the platform's event URL
	CronRuns      int
	FreshIsolates int // isolates replaced during the day

	Longest1055ByLoc    []int64        // per location, seconds: the longest run of 1055s for one key, from the first to the end of the last's Retry-After
	OutageByLoc         []int64        // per location, seconds: the longest outage for one key, from a 503 to the next page signed there
	RefusedOutside      int            // pages answered 503 outside the refusal hours
	Longest503Outside   int64          // seconds: the longest run of 503s at a location for one key, as Longest1055ByLoc, outside the refusal hours
	Rollovers           int            // tickets WeChat issued
	TicketCalls         int            // ticket calls outside the refusal hours
	MaxTicketCalls      int            // the most ticket calls for one key in one rollover, outside the refusal hours
	MaxTicketCallsWhere string         // which key and when
	WritesByKey         map[string]int // KV writes per key
	TicketCallsPerKey   map[string]int // ticket calls outside the refusal hours, per key
	RolloversPerKey     map[string]int
	RefusalHours        [][2]int64 // the IP windows, seconds into the day
}

// wkey is a key's record at a location.
type wkey struct {
	loc int
	key string
}

type span struct{ from, to int64 }

// windows merges the refusals' [answer, answer+Retry-After] intervals
// that overlap into runs, per wkey: how long a location's isolates told
// its pages to wait.
type windows struct {
	open map[wkey]span
	done []outage
}

func (w *windows) add(k wkey, from, to int64) {
	sp, ok := w.open[k]
	if ok && from <= sp.to {
		sp.to = max(sp.to, to)
	} else {
		if ok {
			w.close(k, sp)
		}
		sp = span{from, to}
	}
	w.open[k] = sp
}

func (w *windows) close(k wkey, sp span) { w.done = append(w.done, outage{k, sp}) }

func (w *windows) flush() {
	for k, sp := range w.open {
		w.close(k, sp)
	}
	clear(w.open)
}

// outages keeps, per wkey, how long pages went unsigned: from a 503 to
// the next page signed with that key there (or the day's end). A location
// whose pages come seldom shows the gap to its next page too.
type outages struct {
	since map[wkey]int64
	done  []outage
}

type outage struct {
	wkey
	span
}

func (o *outages) refused(k wkey, now int64) {
	if _, down := o.since[k]; !down {
		o.since[k] = now
	}
}

func (o *outages) signed(k wkey, now int64) {
	if t, down := o.since[k]; down {
		o.done = append(o.done, outage{k, span{t, now}})
		delete(o.since, k)
	}
}

// refused counts a 503 answered at loc for k with the held body.
func (s *sim) refused(loc int, k *cred.Key, body []byte, retry int64) {
	s.rep.Refused++
	var e struct {
		ErrCode int `json:"errcode"`
	}
	json.Unmarshal(body, &e)
	now := s.sec()
	s.out.refused(wkey{loc, k.String()}, now)
	s.win503.add(wkey{loc, k.String()}, now, now+retry)
	if e.ErrCode == core.ErrStillOld.Code {
		s.rep.Refused1055++
		s.win1055.add(wkey{loc, k.String()}, now, now+retry)
	}
	if !s.inRefusal(now - Day) {
		s.rep.RefusedOutside++
	}
}

// report finishes the day's account.
func (s *sim) report() *Report {
	r := s.rep
	r.KVReads, r.KVWrites, r.MaxWritesPerKeySecond = s.kv.reads, s.kv.writes, s.kv.maxRate
	r.WeChat = s.wc.Stats()
	r.DORequests = r.Asks + r.CronPokes
	for _, c := range s.coords {
		for _, m := range c.mems {
			r.MemWrites += m.Writes()
		}
	}
	r.WritesByKey = map[string]int{}
	for key, log := range s.kv.log {
		r.WritesByKey[key] = len(log)
	}

	for _, f := range s.sc.Faults {
		if f.Kind == wechattest.IP {
			r.RefusalHours = append(r.RefusalHours, [2]int64{f.From, f.Until})
		}
	}
	s.win1055.flush()
	s.win503.flush()
	r.Longest1055ByLoc = make([]int64, s.sc.Locations)
	for _, w := range s.win1055.done {
		r.Longest1055ByLoc[w.loc] = max(r.Longest1055ByLoc[w.loc], w.to-w.from)
	}
	for _, w := range s.win503.done {
		if !r.meetsRefusal(w.from-Day, w.to-Day) {
			r.Longest503Outside = max(r.Longest503Outside, w.to-w.from)
		}
	}
	for k := range s.out.since {
		s.out.signed(k, Day+86400)
	}
	r.OutageByLoc = make([]int64, s.sc.Locations)
	for _, o := range s.out.done {
		d := o.to - o.from
		r.OutageByLoc[o.loc] = max(r.OutageByLoc[o.loc], d)
	}

	// Ticket calls per rollover: a key's rollover runs from one ticket
	// WeChat issued for it to the next; calls in the refusal hours are
	// left out.
	issued := map[string][]int64{}
	for _, t := range s.wc.Tickets() {
		key := ticketKey(t)
		issued[key] = append(issued[key], t.IssuedAt)
		r.Rollovers++
	}
	r.RolloversPerKey = map[string]int{}
	for key, times := range issued {
		slices.Sort(times)
		r.RolloversPerKey[key] = len(times)
	}
	perRollover := map[string]map[int]int{}
	r.TicketCallsPerKey = map[string]int{}
	for _, c := range s.calls {
		if c.key.Kind.Field != "ticket" || r.inRefusal(c.at/1000-Day) {
			continue
		}
		key := c.key.String()
		times := issued[key]
		n := sort.Search(len(times), func(i int) bool { return times[i] > c.at/1000 })
		if perRollover[key] == nil {
			perRollover[key] = map[int]int{}
		}
		perRollover[key][n]++
		r.TicketCalls++
		r.TicketCallsPerKey[key]++
		if m := perRollover[key][n]; m > r.MaxTicketCalls {
			r.MaxTicketCalls = m
			since := int64(Day)
			if n > 0 {
				since = times[n-1]
			}
			r.MaxTicketCallsWhere = fmt.Sprintf("%s, rollover from %s", key, clock(since-Day))
		}
	}
	return r
}

// inRefusal reports whether t (seconds into the day) is in the refusal hours.
func (s *sim) inRefusal(t int64) bool {
	for _, f := range s.sc.Faults {
		if f.Kind == wechattest.IP && t >= f.From && t < f.Until {
			return true
		}
	}
	return false
}

// meetsRefusal reports whether [from, to] (seconds into the day) meets
// the refusal hours.
func (r *Report) meetsRefusal(from, to int64) bool {
	for _, w := range r.RefusalHours {
		if from < w[1] && to >= w[0] {
			return true
		}
	}
	return false
}

func (r *Report) inRefusal(t int64) bool {
	for _, w := range r.RefusalHours {
		if t >= w[0] && t < w[1] {
			return true
		}
	}
	return false
}

// ticketKey is the KV key of the credential a ticket the stand-in issued
// belongs to.
func ticketKey(t wechattest.TicketInfo) string {
	switch t.Type {
	case "jsapi":
		return "wxsign:" + t.AppID + ":" + cred.JSAPITicket.Name
	case "wx_card":
		return "wxsign:" + t.AppID + ":" + cred.CardTicket.Name
	case "corp_jsapi":
		return "wxsign:" + t.AppID + "/" + t.AgentID + ":" + cred.WeComCorpTicket.Name
	}
	return "wxsign:" + t.AppID + "/" + t.AgentID + ":" + cred.WeComAgentTicket.Name
}

// clock is seconds into the day as hh:mm:ss.
func clock(t int64) string { return fmt.Sprintf("%02d:%02d:%02d", t/3600, t/60%60, t%60) }

// median is the middle of v (the upper one of two), 0 for none.
func median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// MaxLongest1055 is the longest 1055 run at any one location.
func (r *Report) MaxLongest1055() int64 { return slices.Max(append([]int64{0}, r.Longest1055ByLoc...)) }

// String is the report as make bench and the test print it.
func (r *Report) String() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, "  "+format+"\n", a...) }
	fmt.Fprintf(&b, "%s — %s — %d locations × %d isolates\n", r.Name, r.Design, r.Locations, r.Isolates)
	p("page requests %d: signed %d, 503 %d (1055: %d), internal errors %d", r.Pages, r.Signed, r.Refused, r.Refused1055, r.Internal)
	p("signatures with a dead ticket: %d", r.DeadSignatures)
	p("KV: %d reads (isolates %d, coordinators/cron %d), %d writes, at most %d write(s) per key in one second",
		r.KVReads, r.KVReadsIsolates, r.KVReadsCoordinators, r.KVWrites, r.MaxWritesPerKeySecond)
	w := r.WeChat
	p("WeChat: %d calls: stable_token %d, token %d, getticket jsapi %d, getticket wx_card %d, WeCom gettoken %d, get_jsapi_ticket %d, ticket/get %d; %d timed out",
		w.Calls(), w.StableToken, w.Token, w.Ticket, w.CardTicket, w.WeComToken, w.CorpTicket, w.AgentTicket, r.Timeouts)
	p("tickets issued (rollovers): %d; ticket calls outside the refusal hours: %d, at most %d for one key in one rollover (%s)",
		r.Rollovers, r.TicketCalls, r.MaxTicketCalls, r.MaxTicketCallsWhere)
	if r.Design == Isolated {
		p("cold paths run in isolates: %d; cron runs: %d", r.ColdRuns, r.CronRuns)
	} else {
		mem := "its storage"
		if r.MemInMap {
			mem = "a Map, lost"
		}
		p("DO requests: %d (asks %d, cron %d); alarms fired %d, set %d; hibernations %d (memory: %s); memory writes %d",
			r.DORequests, r.Asks, r.CronPokes, r.Alarms, r.AlarmsSet, r.Hibernations, mem, r.MemWrites)
		p("alerts to ALERT_WEBHOOK: %d", r.Alerts)
	}
	if r.Pushes > 0 {
		p("platform: %d pushes from WeChat; component calls: %d (api_component_token %d, api_authorizer_token %d, api_query_auth %d)",
			r.Pushes, w.ComponentCalls(), w.ComponentToken, w.AuthorizerToken, w.QueryAuth)
	}
	saw := 0
	for _, d := range r.Longest1055ByLoc {
		if d > 0 {
			saw++
		}
	}
	p("1055 (a ticket between its expiry here and its death): longest run at a location %d s, median over locations %d s, %d of %d locations saw one",
		r.MaxLongest1055(), median(r.Longest1055ByLoc), saw, r.Locations)
	p("503 outside the refusal hours: %d pages; the longest run at a location for one key %d s (as 1055 runs)",
		r.RefusedOutside, r.Longest503Outside)
	p("outage, the longest at each location for one key (a 503 to the next page signed there): most %d s, median %d s",
		slices.Max(append([]int64{0}, r.OutageByLoc...)), median(r.OutageByLoc))
	if r.FreshIsolates > 0 {
		p("isolates replaced: %d", r.FreshIsolates)
	}
	keys := make([]string, 0, len(r.WritesByKey))
	for k := range r.WritesByKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", strings.TrimPrefix(k, "wxsign:"), r.WritesByKey[k]))
	}
	p("KV writes by key: %s", strings.Join(parts, ", "))
	return b.String()
}

// Check is one of issue 25's goals, measured on a day.
type Check struct {
	Name  string
	Value int64
	Limit int64 // the goal: Value ≤ Limit
}

// OK reports whether the goal is met.
func (c Check) OK() bool { return c.Value <= c.Limit }

// Checks are issue 25's goals for the fleet's day r, whose 1055 runs are
// held to those of the same day served from one location (single).
func Checks(r, single *Report) []Check {
	return []Check{
		{"KV writes a day", int64(r.KVWrites), 150},
		{"KV writes to one key in one second", int64(r.MaxWritesPerKeySecond), 1},
		{"KV reads a day", int64(r.KVReads), 10_000},
		{"ticket calls for one key in one rollover, outside the refusal hours", int64(r.MaxTicketCalls), 2},
		{"signatures with a dead ticket", int64(r.DeadSignatures), 0},
		{"longest 1055 run at one location, s (limit: one location's)", r.MaxLongest1055(), single.MaxLongest1055()},
		{"requests that ran out of turns", int64(r.Internal), 0},
		// A coordinator decides an alert where it writes a key's change,
		// once, whatever the isolates and locations that asked.
		{"alerts beyond one location's (one per change, fleet-wide)", int64(abs(r.Alerts - single.Alerts)), 0},
	}
}

// PlatformChecks are issue 28's goals for its day: a platform of 20
// authorizers within the free plan's KV budgets (100,000 reads and 1,000
// writes a day), and what holds for every day.
func PlatformChecks(r *Report) []Check {
	return []Check{
		{"KV writes a day (the free plan's)", int64(r.KVWrites), 1_000},
		{"KV reads a day (the free plan's)", int64(r.KVReads), 100_000},
		{"KV writes to one key in one second", int64(r.MaxWritesPerKeySecond), 1},
		{"Durable Object requests a day, alarms and pushes too (the free plan's)", int64(r.DORequests + r.Alarms + r.Pushes), 100_000},
		{"ticket calls for one key in one rollover, outside the refusal hours", int64(r.MaxTicketCalls), 2},
		{"signatures with a dead ticket", int64(r.DeadSignatures), 0},
		{"requests that ran out of turns", int64(r.Internal), 0},
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
