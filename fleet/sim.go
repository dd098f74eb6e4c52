// Package fleet simulates a day of wxsign's whole fleet on a simulated
// clock (issue 25): L locations × I isolates serving page requests, one
// Workers KV whose writes reach other locations after a lag, the cron in a
// random location every 10 minutes, one coordinator per credential owner
// with its alarm, and WeChat as wechattest models it (sticky tickets that
// keep their first expiry, quotas, WeCom budgets, faults).
//
// It runs the project's policy code, not a model of it: each isolate
// holds its records in cred.Held and acts on Held.Next as the signer
// module's need/ready do; each coordinator is an edge/service.Service
// (cred.Vault over its memory and KV) answering the entry's two paths; the
// credential table is api.Settings.Keys; WeChat calls go through
// core/wechat.Client to the stand-in's handler in-process. The old design
// (Isolated) runs the same Vault without memory in every isolate.
//
// Everything is instantaneous and single-threaded: a request's turns (a
// KV read, an ask) happen at its arrival, so the entry's one ask per key
// in flight and the coordinator's one pass at a time hold by construction.
// A run of a day takes a second or two; the same Scenario gives the same
// Report.
package fleet

import (
	"bytes"
	"container/heap"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/core/wechat/wire"
	"github.com/wxsign/wxsign/edge/service"
	"github.com/wxsign/wxsign/internal/fakes"
	"github.com/wxsign/wxsign/wechattest"
)

// Design is the architecture a run simulates.
type Design uint8

const (
	// Coordinated is the design on main: an isolate reads a record from KV
	// once and trusts it until it expires; a dead or missing record is
	// asked of its owner's coordinator, which runs a pass (core/coord:
	// cred.Vault over its memory, then KV) one at a time and sets its alarm
	// from the Wake header; the cron reads KV and wakes the coordinators
	// with a key due or failing.
	Coordinated Design = iota
	// Isolated is the design before it: an isolate reads a record from KV
	// again every api.RecordTTL seconds and on a dead or missing record
	// runs cred.Vault itself, without memory, on its location's view of KV;
	// the cron runs Vault.Refresh over every key against KV.
	Isolated
)

// String names the design as the reports do.
func (d Design) String() string {
	if d == Isolated {
		return "before: every isolate fetches"
	}
	return "after: a coordinator per owner"
}

// Fault is WeChat misbehaving during the day.
type Fault struct {
	Kind     string // wechattest.IP (a window), wechattest.Busy (a burst) or Timeout
	Endpoint string // "token", "ticket" or "all", as in wechattest.Fault
	From     int64  // seconds into the day
	Until    int64  // the end of a window: IP, and Timeout when Count is 0
	Count    int    // a burst: the next Count calls to Endpoint from From on
}

// Timeout is a Fault kind: WeChat handles the call, but its answer never
// arrives and the client gives up (context.DeadlineExceeded). A ticket
// call that times out may still have made WeChat issue a new ticket.
const Timeout = "timeout"

// Share is a part of the page requests: Endpoint "config" (an official
// account's wx.config, its jsapi_ticket), "card" (its wx_card ticket),
// "wecom" (an agent's corp and agent tickets) or "authorizer" (the
// wx.config of an account that authorized the platform); Owner the AppID
// or AgentID.
type Share struct {
	Endpoint string
	Owner    string
	Weight   int
}

// Scenario is one simulated day.
type Scenario struct {
	Name        string
	Design      Design
	Seed        uint64
	Locations   int
	Isolates    int               // per location
	Requests    int               // page requests in the day, each at a uniformly random time, location and isolate
	Lag         int64             // seconds before a KV write reaches the other locations
	CoordIdle   int64             // seconds without a request or alarm after which a coordinator hibernates; 0 = never
	MemInMap    bool              // the coordinator's memory is a Map, lost when it hibernates (edge/entry.mjs before fleet/); else its storage
	IsolateLife int64             // seconds an isolate lives before a fresh one replaces it; 0 = all day
	CronOffset  int64             // seconds into the day of the first cron run; then every 10 minutes
	Env         map[string]string // the Worker's settings
	Authorizers []string          // the accounts that authorize the platform (COMPONENT_APPID) at the day's start
	Mix         []Share
	Faults      []Fault
}

// Owners of the standard scenarios: two official accounts and one WeCom
// corp with two agents.
const (
	AppA   = "wxfleet00000000a1"
	AppB   = "wxfleet00000000b2"
	Corp   = "wwfleet00000000c3"
	Agent1 = "1000002"
	Agent2 = "1000003"
)

// Day is the simulated day's first second: 2027-01-16 00:00 UTC.
const Day = 1_800_057_600

// Goal is issue 25's day: two official accounts plus one WeCom corp with
// two agents, 50 locations × 2 isolates, 100,000 page requests, KV lagging
// 60 s, WeChat refusing every token call (40164) from 08:00 to 14:00; and
// the other faults: two -1 bursts and a ticket call that times out after
// WeChat issued the ticket.
func Goal() Scenario {
	return Scenario{
		Name: "issue 25", Design: Coordinated, Seed: 25,
		Locations: 50, Isolates: 2, Requests: 100_000, Lag: 60,
		CoordIdle: 10, CronOffset: 300,
		Env: map[string]string{
			"WECHAT_APPID": AppA + "," + AppB, "WECHAT_APPSECRET_" + AppA: "secret-a", "WECHAT_APPSECRET_" + AppB: "secret-b",
			"WECOM_CORPID": Corp, "WECOM_AGENTS": Agent1 + "," + Agent2,
			"WECOM_SECRET_" + Agent1: "secret-1", "WECOM_SECRET_" + Agent2: "secret-2",
			"WECHAT_API_BASE": "http://api.weixin.test", "WECOM_API_BASE": "http://qyapi.weixin.test",
			"ALERT_WEBHOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=fleet",
		},
		Mix: []Share{
			{"config", AppA, 40}, {"config", AppB, 25}, {"card", AppA, 5},
			{"wecom", Agent1, 20}, {"wecom", Agent2, 10},
		},
		Faults: []Fault{
			{Kind: wechattest.IP, Endpoint: "token", From: 8 * 3600, Until: 14 * 3600},
			{Kind: wechattest.Busy, Endpoint: "ticket", From: 15*3600 + 300, Count: 2},
			{Kind: wechattest.Busy, Endpoint: "token", From: 17*3600 + 300, Count: 3},
			{Kind: Timeout, Endpoint: "ticket", From: 19*3600 + 300, Count: 1},
		},
	}
}

// Platform is the issue 25 day with a third-party platform besides: 20
// accounts authorize it before the day starts, WeChat pushes its verify
// ticket every 10 minutes, and their pages are a third of the requests.
func Platform() Scenario {
	s := Goal()
	s.Name = "issue 28"
	s.Env["COMPONENT_APPID"] = PlatformID
	s.Env["COMPONENT_APPSECRET"] = "component-secret"
	s.Env["COMPONENT_TOKEN"] = "component-token"
	s.Env["COMPONENT_AES_KEY"] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	for i := range 20 {
		id := "wxfleetauth" + strconv.Itoa(100000+i)
		s.Authorizers = append(s.Authorizers, id)
		s.Mix = append(s.Mix, Share{"authorizer", id, 2})
	}
	return s
}

// PlatformID is the platform of the Platform scenario.
const PlatformID = "wxfleetcomponent0"

// Single is s with one location of one isolate: the fleet of one that
// today's windows are measured against.
func Single(s Scenario) Scenario {
	s.Name += ", one location"
	s.Locations, s.Isolates = 1, 1
	return s
}

// InMap is s with the coordinator's memory in a Map, as edge/entry.mjs
// kept it before the fleet simulation: lost whenever the coordinator
// hibernates.
func InMap(s Scenario) Scenario {
	s.Name += ", memory in a Map"
	s.MemInMap = true
	return s
}

// Before is s in the old design.
func Before(s Scenario) Scenario {
	s.Name += ", before"
	s.Design = Isolated
	return s
}

// sim is one run.
type sim struct {
	sc       Scenario
	now      int64 // Unix milliseconds
	settings api.Settings
	pages    []page
	wc       *wechattest.Server
	fetcher  service.WeChat
	kv       *kv
	coords   map[string]*coordinator
	isolates [][]*isolate
	events   events
	rng      *rand.Rand
	timeouts []*Fault
	calls    []call
	win1055  windows // 1055 runs
	win503   windows // runs of every 503
	out      outages
	rep      *Report
	client   *wechat.Client // the platform's calls go to it uncounted: they fetch no credential
	closers  []func()
}

type page struct {
	name string
	keys []*cred.Key
	list *cred.Key // the platform's list of authorizers, for an authorizer's page
}

// call is a fetch from WeChat: which key, when (ms).
type call struct {
	key *cred.Key
	at  int64
}

// isolate is one isolate's memory: the records it holds.
type isolate struct {
	loc  int
	born int64
	held map[*cred.Key]*cred.Held
}

func (i *isolate) entry(k *cred.Key) *cred.Held {
	h := i.held[k]
	if h == nil {
		h = &cred.Held{Key: k}
		i.held[k] = h
	}
	return h
}

// coordinator is one owner's Durable Object: the Go program (edge/service)
// over its memory, its alarm, and its stored refresh path.
type coordinator struct {
	name    string
	svc     *service.Service
	mems    []*fakes.MemStore // its memory, and those it lost
	refresh string            // what to ask when its alarm fires: from the Wake header, kept in its storage
	active  int64             // ms of its last request or alarm
	alarm   int64             // ms; 0 = none
}

// Run simulates the scenario's day and reports it.
func Run(sc Scenario) *Report {
	s := newSim(sc)
	s.schedule()
	reqs := s.requests()
	for _, r := range reqs {
		s.runUntil(r.at)
		s.now = r.at
		s.serve(r)
	}
	s.runUntil((Day + 86400) * 1000)
	for _, c := range s.closers {
		c()
	}
	return s.report()
}

func newSim(sc Scenario) *sim {
	s := &sim{sc: sc, now: Day * 1000, coords: map[string]*coordinator{}, rng: rand.New(rand.NewPCG(sc.Seed, 0x666c656574))}
	s.rep = &Report{Name: sc.Name, Design: sc.Design, Locations: sc.Locations, Isolates: sc.Isolates, MemInMap: sc.MemInMap}
	s.win1055, s.win503 = windows{open: map[wkey]span{}}, windows{open: map[wkey]span{}}
	s.out = outages{since: map[wkey]int64{}}
	s.settings = api.LoadSettings(func(k string) string { return sc.Env[k] })
	s.kv = newKV(s, sc.Lag)

	s.wc = wechattest.New("wxfleetunused0000", "unused") // the stand-in wants a first app; the settings' are added
	for _, a := range s.settings.Apps {
		s.wc.AddApp(a.AppID, a.Secret)
	}
	if w := s.settings.WeCom; w != nil {
		agents := map[string]string{}
		for _, a := range w.Agents {
			agents[a.AgentID] = a.Secret
		}
		s.wc.AddCorp(w.CorpID, agents)
	}
	s.wc.SetClock(s.clock)
	client := &wechat.Client{BaseURL: s.settings.APIBase, WeComBaseURL: s.settings.WeComAPIBase,
		Doer: doer{s, s.wc.Doer()}, Now: s.clock}
	s.fetcher = counting{s, client}
	s.client = client
	if p := s.settings.Platform; p != nil {
		s.platform(p)
	}

	for _, m := range sc.Mix {
		p := page{name: m.Endpoint + " " + m.Owner}
		switch m.Endpoint {
		case "config":
			p.keys = []*cred.Key{s.settings.Key(cred.JSAPITicket.Name, m.Owner)}
		case "card":
			p.keys = []*cred.Key{s.settings.Key(cred.CardTicket.Name, m.Owner)}
		case "wecom":
			owner := s.settings.WeCom.CorpID + "/" + m.Owner
			p.keys = []*cred.Key{s.settings.Key(cred.WeComCorpTicket.Name, owner), s.settings.Key(cred.WeComAgentTicket.Name, owner)}
		case "authorizer":
			p.keys, p.list = s.settings.AuthorizerKeys(m.Owner)[2:], s.settings.AuthorizerListKey()
		}
		if slices.Contains(p.keys, nil) {
			panic("fleet: no key for " + p.name)
		}
		for range m.Weight {
			s.pages = append(s.pages, p)
		}
	}
	s.isolates = make([][]*isolate, sc.Locations)
	for l := range s.isolates {
		for range sc.Isolates {
			s.isolates[l] = append(s.isolates[l], &isolate{loc: l, born: s.now, held: map[*cred.Key]*cred.Held{}})
		}
	}
	return s
}

func (s *sim) clock() time.Time { return time.UnixMilli(s.now) }

// sec is the clock as core reads it: Unix seconds.
func (s *sim) sec() int64 { return s.now / 1000 }

// request is one page request.
type request struct {
	at       int64
	loc, iso int
	page     *page
}

// requests draws the day's page requests, in time order.
func (s *sim) requests() []request {
	reqs := make([]request, s.sc.Requests)
	for i := range reqs {
		reqs[i] = request{at: Day*1000 + s.rng.Int64N(86400*1000), loc: s.rng.IntN(s.sc.Locations),
			iso: s.rng.IntN(s.sc.Isolates), page: &s.pages[s.rng.IntN(len(s.pages))]}
	}
	slices.SortStableFunc(reqs, func(a, b request) int { return int(a.at - b.at) })
	return reqs
}

// schedule queues the cron runs and the faults.
func (s *sim) schedule() {
	for t := s.sc.CronOffset; t < 86400; t += 600 {
		s.at((Day+t)*1000, s.cron)
	}
	for i := range s.sc.Faults {
		f := &s.sc.Faults[i]
		s.at((Day+f.From)*1000, func() {
			if f.Kind == Timeout {
				g := *f
				s.timeouts = append(s.timeouts, &g)
				return
			}
			if err := s.wc.SetFault(wechattest.Fault{Endpoint: f.Endpoint, Kind: f.Kind, Count: f.Count}); err != nil {
				panic("fleet: " + err.Error())
			}
		})
		if f.Until > f.From && f.Kind != Timeout {
			s.at((Day+f.Until)*1000, s.wc.ClearFaults) // every stand-in fault: windows must not overlap bursts
		}
	}
}

// serve answers one page request as the signer module would: each ticket
// the page needs is readied by cred.Held.Next (read it from KV, ask for
// it, or answer the refusal held), at most 8 turns as the entry allows.
func (s *sim) serve(r request) {
	s.rep.Pages++
	iso := s.isolates[r.loc][r.iso]
	if s.sc.IsolateLife > 0 && s.now-iso.born >= s.sc.IsolateLife*1000 {
		iso = &isolate{loc: r.loc, born: s.now, held: map[*cred.Key]*cred.Held{}}
		s.isolates[r.loc][r.iso] = iso
		s.rep.FreshIsolates++
	}
	maxAge := int64(0) // page signing: a ticket is trusted until it expires
	if s.sc.Design == Isolated {
		maxAge = api.RecordTTL
	}
turns:
	for range 8 {
		now := s.sec()
		if l := r.page.list; l != nil {
			// The module reads the list of authorizers again after
			// api.AuthorizersTTL; the coordinator writes it before the day.
			if h := iso.entry(l); h.Stale(now, api.AuthorizersTTL) {
				s.read(iso, h)
				continue turns
			}
		}
		for _, k := range r.page.keys {
			h := iso.entry(k)
			switch h.Next(now, maxAge) {
			case cred.NeedNothing:
				continue
			case cred.NeedRead:
				s.read(iso, h)
			case cred.NeedAsk:
				s.ask(iso, h)
			case cred.NeedWait:
				body, retry := h.Failure(now)
				s.refused(r.loc, k, body, retry)
				return
			}
			continue turns
		}
		s.rep.Signed++
		for _, k := range r.page.keys {
			if !s.wc.TicketValid(iso.entry(k).Rec.Value) {
				s.rep.DeadSignatures++
			}
			s.out.signed(wkey{r.loc, k.String()}, now)
		}
		return
	}
	s.rep.Internal++
}

// read reads h's record from the isolate's location's view of KV.
func (s *sim) read(iso *isolate, h *cred.Held) {
	v := view{s.kv, iso.loc, &s.rep.KVReadsIsolates}
	value, ok, _ := v.Get(context.Background(), h.Key.String())
	if ok {
		h.Hand(cred.FromKV, []byte(value), 0, s.sec())
	} else {
		h.Hand(cred.Absent, nil, 0, s.sec())
	}
}

// ask gets h's record: from its owner's coordinator, or in the old
// design from the Go program run in the isolate.
func (s *sim) ask(iso *isolate, h *cred.Held) {
	now := s.sec()
	if s.sc.Design == Isolated {
		s.rep.ColdRuns++
		v := &cred.Vault{Store: view{s.kv, iso.loc, &s.rep.KVReadsIsolates}, Fetcher: s.fetcher, Now: now,
			RefreshMargin: s.settings.RefreshMargin}
		ctx, cancel := context.WithTimeout(context.Background(), coord.ColdPathTimeout)
		defer cancel()
		rec, err := v.Get(ctx, h.Key)
		if err != nil {
			h.Hand(cred.CoordRefuse, err.Error.AppendJSON(nil), retryAfter(err.RetryAt, now), now)
			return
		}
		h.Hand(cred.FromCoord, rec.AppendJSON(nil), 0, now)
		return
	}
	s.rep.Asks++
	c := s.coordinator(h.Key.Coordinator(), iso.loc)
	w := c.pass(s, http.MethodGet, h.Key.AskPath(), nil)
	if w.Code == http.StatusOK {
		h.Hand(cred.FromCoord, w.Body.Bytes(), 0, now)
		return
	}
	retry, _ := strconv.ParseInt(w.Header().Get("Retry-After"), 10, 64)
	h.Hand(cred.CoordRefuse, w.Body.Bytes(), retry, now)
}

func retryAfter(at, now int64) int64 {
	if d := at - now; d > 0 {
		return d
	}
	return api.RetryAfterSeconds
}

// coordinator is the named Durable Object, made where it is first called.
func (s *sim) coordinator(name string, loc int) *coordinator {
	c := s.coords[name]
	if c == nil {
		c = &coordinator{name: name, mems: []*fakes.MemStore{{}}}
		c.svc = &service.Service{Settings: s.settings, Store: view{s.kv, loc, &s.rep.KVReadsCoordinators},
			Mem: c.mems[0], WeChat: s.fetcher, Platform: s.client, Now: s.clock}
		s.coords[name] = c
	}
	return c
}

// pass runs one request through the coordinator's Go program, after the
// memory it lost if it sat idle (hibernated or evicted), and sets its
// alarm from the Wake header, as edge/entry.mjs's Coordinator does.
func (c *coordinator) pass(s *sim, method, path string, body []byte) *httptest.ResponseRecorder {
	c.wake(s)
	w := httptest.NewRecorder()
	c.svc.ServeHTTP(w, httptest.NewRequest(method, "https://coordinator.wxsign"+path, bytes.NewReader(body)))
	for _, v := range w.Header().Values(cred.AlertHeader) {
		s.rep.Alerts += len(strings.Split(v, ", "))
	}
	at, refresh, _ := strings.Cut(w.Header().Get(cred.WakeHeader), " ")
	if wake, _ := strconv.ParseInt(at, 10, 64); wake > 0 && wake*1000 != c.alarm {
		s.rep.AlarmsSet++
		c.alarm, c.refresh = wake*1000, refresh
		at := c.alarm
		s.at(at, func() {
			if c.alarm != at {
				return // replaced
			}
			c.alarm = 0
			s.rep.Alarms++
			c.pass(s, http.MethodGet, c.refresh, nil)
		})
	}
	return w
}

// wake marks the coordinator active after a hibernation if it was idle
// for CoordIdle or more; a memory kept in a Map is then lost.
func (c *coordinator) wake(s *sim) {
	if idle := s.sc.CoordIdle * 1000; idle > 0 && c.active != 0 && s.now-c.active >= idle {
		s.rep.Hibernations++
		if s.sc.MemInMap {
			c.mems = append(c.mems, &fakes.MemStore{})
			c.svc.Mem = c.mems[len(c.mems)-1]
		}
	}
	c.active = s.now
}

// cron is one run of the scheduled event, in a random location.
func (s *sim) cron() {
	loc := s.rng.IntN(s.sc.Locations)
	s.rep.CronRuns++
	if s.sc.Design == Isolated {
		v := &cred.Vault{Store: view{s.kv, loc, &s.rep.KVReadsCoordinators}, Fetcher: s.fetcher, Now: s.sec(),
			RefreshMargin: s.settings.RefreshMargin}
		ctx, cancel := context.WithTimeout(context.Background(), coord.CronTimeout)
		defer cancel()
		v.Refresh(ctx, s.settings.Keys())
		return
	}
	kv := view{s.kv, loc, &s.rep.KVReadsIsolates}
	names := s.settings.CronOwners(s.sec(), func(k *cred.Key) (cred.Record, bool) {
		raw, _, err := kv.Get(context.Background(), k.String())
		return cred.ParseRecord(raw), err != nil
	})
	for _, name := range names {
		s.rep.CronPokes++
		s.coordinator(name, loc).pass(s, http.MethodGet, cred.RefreshAsk(name), nil)
	}
}

// platform configures the stand-in's platform, with its pushes arriving
// at the platform's coordinator in a random location, as WeChat's POSTs
// reach the nearest one: every account authorizes it now, and WeChat
// pushes the verify ticket now and every 10 minutes.
func (s *sim) platform(p *api.PlatformSettings) {
	events := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.rep.Pushes++
		res := s.coordinator(p.AppID, s.rng.IntN(s.sc.Locations)).pass(s, r.Method, cred.PlatformPath+"event?"+r.URL.RawQuery, body)
		w.WriteHeader(res.Code)
		w.Write(res.Body.Bytes())
	}))
	s.closers = append(s.closers, events.Close)
	if err := s.wc.SetComponent(wechattest.Component{AppID: p.AppID, Secret: p.Secret, Token: p.Token,
		EncodingAESKey: p.AESKey, EventURL: events.URL}); err != nil {
		panic("fleet: " + err.Error())
	}
	push := func() {
		if res, err := s.wc.PushVerifyTicket(); err != nil || !res.OK {
			panic("fleet: a verify ticket push was refused")
		}
	}
	s.now = (Day - 3600) * 1000
	push()
	s.now = Day * 1000
	for t := int64(0); t < 86400; t += 600 {
		s.at((Day+t)*1000, push)
	}
	// The accounts authorize it in the minutes before the day starts, one
	// a minute: each authorization writes the list once.
	for i, id := range s.sc.Authorizers {
		s.now = (Day - int64(len(s.sc.Authorizers)-i)*60) * 1000
		s.wc.AddAuthorizer(id)
		if res, err := s.wc.Authorize(id, "authorized"); err != nil || !res.OK {
			panic("fleet: " + id + " could not authorize the platform")
		}
	}
	s.now = Day * 1000
}

// doer passes calls to the stand-in and makes the Timeout faults: the
// stand-in handles the call, the answer is lost.
type doer struct {
	s    *sim
	next wechat.Doer
}

// Do sends r to the stand-in; a Timeout fault then loses its answer.
func (d doer) Do(r *http.Request) (*http.Response, error) {
	res, err := d.next.Do(r)
	if err == nil && d.s.timesOut(r.URL.Path) {
		res.Body.Close()
		d.s.rep.Timeouts++
		return nil, context.DeadlineExceeded
	}
	return res, err
}

// timesOut reports whether a call to path now times out, counting a
// burst's call.
func (s *sim) timesOut(path string) bool {
	endpoint := "ticket"
	switch path {
	case "/cgi-bin/token", "/cgi-bin/stable_token", "/cgi-bin/gettoken":
		endpoint = "token"
	}
	for _, f := range s.timeouts {
		if f.Endpoint != endpoint && f.Endpoint != "all" {
			continue
		}
		if f.Count > 0 {
			f.Count--
			s.timeouts = slices.DeleteFunc(s.timeouts, func(g *Fault) bool { return g.Count == 0 })
			return true
		}
		if s.now < (Day+f.Until)*1000 {
			return true
		}
	}
	return false
}

// counting notes every fetch from WeChat, by key.
type counting struct {
	s    *sim
	next service.WeChat
}

// Fetch notes the call and makes it.
func (c counting) Fetch(ctx context.Context, k *cred.Key, in cred.Inputs) (cred.Record, error) {
	c.s.calls = append(c.s.calls, call{key: k, at: c.s.now})
	return c.next.Fetch(ctx, k, in)
}

// Send notes a credential's call and sends it.
func (c counting) Send(ctx context.Context, r *wire.Request) (wire.Answer, error) {
	if r.Key != nil {
		c.s.calls = append(c.s.calls, call{key: r.Key, at: c.s.now})
	}
	return c.next.Send(ctx, r)
}

// events is the queue of timed events (cron runs, alarms, faults), in
// time order, then in the order they were queued.
type events struct {
	q   []event
	seq int
}

type event struct {
	at, seq int64
	run     func()
}

func (e *events) Len() int { return len(e.q) }
func (e *events) Less(i, j int) bool {
	return e.q[i].at < e.q[j].at || e.q[i].at == e.q[j].at && e.q[i].seq < e.q[j].seq
}
func (e *events) Swap(i, j int) { e.q[i], e.q[j] = e.q[j], e.q[i] }
func (e *events) Push(x any)    { e.q = append(e.q, x.(event)) }
func (e *events) Pop() any {
	x := e.q[len(e.q)-1]
	e.q = e.q[:len(e.q)-1]
	return x
}

// at queues run at t (ms).
func (s *sim) at(t int64, run func()) {
	s.events.seq++
	heap.Push(&s.events, event{at: t, seq: int64(s.events.seq), run: run})
}

// runUntil runs the events due before t (ms).
func (s *sim) runUntil(t int64) {
	for s.events.Len() > 0 && s.events.q[0].at < t {
		e := heap.Pop(&s.events).(event)
		s.now = max(s.now, e.at)
		e.run()
	}
}
