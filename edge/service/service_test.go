package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/core/wechat/wire"
	"github.com/wxsign/wxsign/internal/fakes"
	"github.com/wxsign/wxsign/wechattest"
)

const (
	appA     = "wxsvcA0123456789"
	appB     = "wxsvcB0123456789"
	secretA  = "svc-secret-A-0123456789"
	secretB  = "svc-secret-B-0123456789"
	corp     = "wwsvc0123456789"
	secret2  = "svc-agent-secret-2-0123"
	secret3  = "svc-agent-secret-3-0123"
	apiKey   = "svc-api-key-0123456789"
	relayKey = "svc-relay-key-0123456789"
)

// countingStore counts KV writes by kind of credential (the KV key's last
// part).
type countingStore struct {
	cred.Store
	mu   sync.Mutex
	puts map[string]int
}

func (s *countingStore) Put(ctx context.Context, key, value string) error {
	s.mu.Lock()
	if s.puts == nil {
		s.puts = map[string]int{}
	}
	s.puts[key[strings.LastIndexByte(key, ':')+1:]]++
	s.mu.Unlock()
	return s.Store.Put(ctx, key, value)
}

// relayDoer stands for a relay in front of the stand-in: it takes the
// relay key off, as cmd/wxsign-relay does, and remembers what it saw.
type relayDoer struct {
	next wechat.Doer
	mu   sync.Mutex
	seen []*http.Request
}

func (d *relayDoer) Do(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	d.seen = append(d.seen, r)
	d.mu.Unlock()
	out := r.Clone(r.Context())
	out.Header.Del(wechat.RelayKeyHeader)
	return d.next.Do(out)
}

type fixture struct {
	svc   *Service
	wc    *wechattest.Server
	mem   *fakes.MemStore // Workers KV
	kv    *countingStore  // mem, counting writes by kind
	coord *fakes.MemStore // the coordinator's memory (Service.Mem)
	relay *relayDoer

	mu   sync.Mutex
	now  time.Time
	logs []string
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// baseEnv is two official accounts and a WeCom corp with two agents.
func baseEnv() map[string]string {
	return map[string]string{
		"WECHAT_APPID": appA + "," + appB, "WECHAT_APPSECRET_" + appA: secretA, "WECHAT_APPSECRET_" + appB: secretB,
		"WECOM_CORPID": corp, "WECOM_AGENTS": "1000002,1000003", "WECOM_SECRET_1000002": secret2, "WECOM_SECRET_1000003": secret3,
		"API_KEY": apiKey, "ALLOWED_HOSTS": "h.example.com", "WECHAT_API_BASE": "http://wechat.test", "WECOM_API_BASE": "http://qyapi.test",
	}
}

func newFixture(t *testing.T, env map[string]string) *fixture {
	t.Helper()
	f := &fixture{wc: wechattest.New(appA, secretA), mem: &fakes.MemStore{}, coord: &fakes.MemStore{}, now: time.Unix(1_800_000_000, 0)}
	f.wc.AddApp(appB, secretB)
	f.wc.AddCorp(corp, map[string]string{"1000002": secret2, "1000003": secret3})
	f.wc.SetClock(f.clock)
	vars := baseEnv()
	for k, v := range env {
		vars[k] = v
	}
	settings := api.LoadSettings(func(k string) string { return vars[k] })
	switches := fakes.LoadSwitches(func(k string) string { return vars[k] })
	f.relay = &relayDoer{next: f.wc.Doer()}
	client := &wechat.Client{BaseURL: settings.APIBase, WeComBaseURL: settings.WeComAPIBase, RelayKey: settings.RelayKey, WeComRelayKey: settings.WeComRelayKey,
		Doer: f.relay, Timeout: 300 * time.Millisecond, Now: f.clock}
	f.kv = &countingStore{Store: f.mem}
	f.svc = &Service{Settings: settings, WeChat: client, Now: f.clock, Mem: f.coord,
		Store: fakes.WithFaults(f.kv, &switches, func() int64 { return f.clock().Unix() }),
		Logf: func(format string, a ...any) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.logs = append(f.logs, fmt.Sprintf(format, a...))
		}}
	return f
}

func (f *fixture) do(method, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.svc.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

// credential is an isolate asking the coordinator for key's record.
func (f *fixture) credential(key string) *httptest.ResponseRecorder {
	return f.do("GET", cred.CredentialPath+"?key="+url.QueryEscape(key))
}

// ask is credential, with the record it answered.
func (f *fixture) ask(t *testing.T, key string) (cred.Record, *httptest.ResponseRecorder) {
	t.Helper()
	w := f.credential(key)
	var rec cred.Record
	if w.Code == 200 {
		if err := json.Unmarshal(w.Body.Bytes(), &rec); err != nil {
			t.Fatalf("%s: %q: %v", key, w.Body, err)
		}
	}
	return rec, w
}

// refresh is the cron or the alarm waking owner's coordinator.
func (f *fixture) refresh(owner string) *httptest.ResponseRecorder {
	return f.do("GET", cred.RefreshAsk(owner))
}

// wake is the coordinator's next alarm as an answer sets it: it must be
// in the future, and ask for the refresh of the coordinator's owner.
func (f *fixture) wake(t *testing.T, w *httptest.ResponseRecorder) int64 {
	t.Helper()
	h := w.Header().Get(cred.WakeHeader)
	at, path, _ := strings.Cut(h, " ")
	wake, err := strconv.ParseInt(at, 10, 64)
	if err != nil || wake <= f.clock().Unix() || !strings.HasPrefix(path, cred.RefreshPath+"?owner=") {
		t.Fatalf("%s: %q at %d: %v", cred.WakeHeader, h, f.clock().Unix(), err)
	}
	return wake
}

// record is what KV holds at key.
func (f *fixture) record(key string) cred.Record {
	raw, _, _ := f.mem.Get(context.Background(), key)
	return cred.ParseRecord(raw)
}

type errBody struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

func decodeErr(t *testing.T, w *httptest.ResponseRecorder) errBody {
	t.Helper()
	var e errBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == 0 {
		t.Fatalf("%d %q is no error JSON: %v", w.Code, w.Body, err)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	return e
}

// owners are the coordinators of baseEnv: one per account, one for the corp.
var owners = []string{appA, appB, corp}

// TestCoordinatorRefuses: the service answers the coordinator's two paths
// and nothing else, and only for keys and owners of the settings.
func TestCoordinatorRefuses(t *testing.T) {
	f := newFixture(t, nil)
	for _, target := range []string{
		"/token", "/ticket", "/healthz", "/config", "/__test/panic", "/nope", cred.CredentialPath + "/",
		cred.CredentialPath + "?key=wxsign:wxother:jsapi_ticket",
		cred.CredentialPath + "?key=" + url.QueryEscape("other:"+appA+":jsapi_ticket"),
		cred.CredentialPath,
		cred.RefreshPath + "?owner=wxother",
		cred.RefreshPath + "?owner=" + url.QueryEscape(corp+"/1000002"), // an agent is no coordinator
		cred.RefreshPath,
	} {
		w := f.do("GET", target)
		if e := decodeErr(t, w); w.Code != 404 || e.Code != core.ErrNotFound.Code {
			t.Errorf("%s: %d %s", target, w.Code, w.Body)
		}
		if w.Header().Get(cred.WakeHeader) != "" {
			t.Errorf("%s: a refusal set the alarm", target)
		}
	}
	if n := f.wc.Stats().Calls(); n != 0 || f.mem.Writes() != 0 {
		t.Errorf("refused requests made %d WeChat calls, %d KV writes", n, f.mem.Writes())
	}
	g := newFixture(t, map[string]string{"WECHAT_APPSECRET_" + appB: ""})
	w := g.credential("wxsign:" + appA + ":jsapi_ticket")
	if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrNotConfigured.Code || !strings.Contains(e.Msg, appB) {
		t.Errorf("unconfigured: %d %s", w.Code, w.Body)
	}
}

// TestColdPath is the signer module's cold path: it asks for a record it
// has none of, the coordinator fetches it, and hands back what it stored.
func TestColdPath(t *testing.T) {
	f := newFixture(t, nil)
	for i, app := range []string{appA, appB} {
		key := "wxsign:" + app + ":jsapi_ticket"
		rec, w := f.ask(t, key)
		if w.Code != 200 || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: %d %s", key, w.Code, w.Body)
		}
		st, _ := f.wc.App(app)
		if rec.Value != st.Ticket || !rec.Usable(f.now.Unix()) || !f.wc.TicketValid(rec.Value) {
			t.Fatalf("%s: record %+v, the stand-in's ticket %q", key, rec, st.Ticket)
		}
		raw, _, _ := f.mem.Get(context.Background(), key)
		if w.Body.String() != raw {
			t.Errorf("answer %s is not the record stored, %s", w.Body, raw)
		}
		if st := f.wc.Stats(); st.StableToken != i+1 || st.Ticket != i+1 || f.mem.Writes() != 2*(i+1) {
			t.Errorf("%s: calls %+v, %d KV writes; want a token and a ticket each", key, st, f.mem.Writes())
		}
		// The alarm: the token's refresh comes before the ticket dies.
		if wake := f.wake(t, w); wake > rec.Dies()+1 {
			t.Errorf("%s: wakes at +%d, after the ticket dies at +%d", key, wake-f.now.Unix(), rec.Dies()-f.now.Unix())
		}
		// Asked again, the record comes from the coordinator's memory.
		before, writes := f.wc.Stats(), f.mem.Writes()
		if again := f.credential(key); again.Body.String() != w.Body.String() || f.wc.Stats() != before || f.mem.Writes() != writes {
			t.Errorf("second ask: %s, calls %+v then %+v, KV writes %d then %d", again.Body, before, f.wc.Stats(), writes, f.mem.Writes())
		}
	}
}

// TestRelayKey: with WECHAT_RELAY_KEY and WECOM_RELAY_KEY, every WeChat
// call carries its base's key to the relay, which takes it off; WeChat
// never sees it, nor does the isolate the record goes to.
func TestRelayKey(t *testing.T) {
	f := newFixture(t, map[string]string{"WECHAT_RELAY_KEY": relayKey, "WECOM_RELAY_KEY": relayKey})
	for _, key := range []string{"wxsign:" + appA + ":jsapi_ticket", "wxsign:" + corp + "/1000002:wecom_agent_ticket"} {
		if _, w := f.ask(t, key); w.Code != 200 || strings.Contains(w.Body.String(), relayKey) {
			t.Fatalf("%s: %d %s", key, w.Code, w.Body)
		}
	}
	if len(f.relay.seen) != 4 {
		t.Errorf("the relay saw %d calls, want 4", len(f.relay.seen))
	}
	for _, r := range f.relay.seen {
		if r.Header.Get(wechat.RelayKeyHeader) != relayKey {
			t.Errorf("%s reached the relay without its key", r.URL.Path)
		}
	}
	if st := f.wc.Stats(); st.LeakedRelayKey != 0 {
		t.Errorf("WeChat saw the relay key %d times", st.LeakedRelayKey)
	}
}

func TestColdFailuresAndBackoff(t *testing.T) {
	tests := []struct {
		kind string
		code int
		has  string
	}{
		{wechattest.Busy, -1, "system error"},
		{wechattest.HTTP500, 1052, "HTTP 500"},
		{wechattest.NonJSON, 1052, "not JSON"},
		{wechattest.Slow, 1052, "in time"},
		{wechattest.Quota, 45009, "quota"},
		{wechattest.IP, 40164, "WeChat saw the IP 127.0.0.1"},
		{wechattest.Confirm, 89503, "confirm calls from IP 127.0.0.1"},
		{wechattest.BadSecret, 40125, "invalid appsecret"},
		{wechattest.BadAppID, 40013, "invalid appid"},
		{"whitelist", 40164, "add it to the whitelist"},
	}
	ticketKey := "wxsign:" + appA + ":jsapi_ticket"
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			f := newFixture(t, nil)
			if tt.kind == "whitelist" {
				f.wc.SetWhitelist([]string{"203.0.113.9"})
			} else {
				f.wc.SetFault(wechattest.Fault{Endpoint: "all", Kind: tt.kind, DelayMS: 2000})
			}
			w := f.credential(ticketKey)
			e := decodeErr(t, w)
			retry, _ := strconv.Atoi(w.Header().Get("Retry-After"))
			if w.Code != 503 || e.Code != tt.code || !strings.Contains(e.Msg, tt.has) || retry < 1 || retry > 30 {
				t.Fatalf("cold ask: %d %s (Retry-After %q), want 503 errcode %d saying %q", w.Code, w.Body, w.Header().Get("Retry-After"), tt.code, tt.has)
			}
			if wake := f.wake(t, w); wake != f.now.Unix()+int64(retry) {
				t.Errorf("wakes at +%d, want the end of the back-off, +%d", wake-f.now.Unix(), retry)
			}
			// KV gets the error once, for isolates and /healthz to see.
			if c := f.record(ticketKey); c.LastErrCode != tt.code || c.Usable(f.now.Unix()) || c.Failures != 1 || c.NextAttempt <= f.now.Unix() {
				t.Fatalf("the record in KV: %+v", c)
			}
			before, writes := f.wc.Stats(), f.mem.Writes()
			for i := 0; i < 50; i++ {
				f.credential(ticketKey)
				f.refresh(appA)
				f.advance(time.Duration(retry-1) * time.Second / 50)
			}
			if f.wc.Stats() != before || f.mem.Writes() != writes {
				t.Fatalf("100 asks during the back-off called WeChat or wrote KV: %+v then %+v, %d writes then %d",
					before, f.wc.Stats(), writes, f.mem.Writes())
			}
			if p := f.kv.puts["jsapi_ticket"]; p != 1 {
				t.Errorf("the ticket's error was written to KV %d times, want once", p)
			}
			f.wc.ClearFaults()
			f.wc.SetWhitelist(nil)
			f.advance(31 * time.Second)
			rec, w := f.ask(t, ticketKey)
			if w.Code != 200 || !f.wc.TicketValid(rec.Value) {
				t.Fatalf("after the back-off: %d %s", w.Code, w.Body)
			}
			if n := f.wc.Stats().Calls() - before.Calls(); n != 2 {
				t.Errorf("after the back-off: %d WeChat calls, want one try: a token and a ticket", n)
			}
		})
	}
}

// TestRefusalsWriteKVOnChange: while WeChat refuses every call, each step
// of the back-off costs one try, remembered in the coordinator's memory;
// KV is written only when the error changes, so that isolates and
// /healthz learn of it without a write per attempt.
func TestRefusalsWriteKVOnChange(t *testing.T) {
	f := newFixture(t, nil)
	tokenKey, ticketKey := "wxsign:"+appA+":access_token", "wxsign:"+appA+":jsapi_ticket"
	f.wc.SetWhitelist([]string{"203.0.113.9"})
	tries := 0
	step := func(cron bool) {
		t.Helper()
		before := f.wc.Stats().Calls()
		if cron {
			f.refresh(appA)
		} else {
			f.credential(ticketKey)
		}
		// The back-off holds for the rest of the step.
		for i := 0; i < 5; i++ {
			f.credential(ticketKey)
			f.refresh(appA)
		}
		tries += f.wc.Stats().Calls() - before
		mem := cred.ParseRecord(must(f.coord.Get(context.Background(), tokenKey)))
		f.advance(time.Duration(mem.NextAttempt-f.clock().Unix()) * time.Second)
	}
	for i := 0; i < 8; i++ {
		step(i%2 == 1)
	}
	if tries != 8 {
		t.Errorf("%d WeChat calls over 8 steps of the back-off, want one try each", tries)
	}
	mem := cred.ParseRecord(must(f.coord.Get(context.Background(), tokenKey)))
	if mem.Failures != 8 || mem.LastErrCode != 40164 {
		t.Errorf("the coordinator's memory: %+v", mem)
	}
	if f.kv.puts["access_token"] != 1 || f.kv.puts["jsapi_ticket"] != 1 {
		t.Errorf("KV writes %v over 8 refusals of one error, want one per key", f.kv.puts)
	}
	if c := f.record(tokenKey); c.LastErrCode != 40164 {
		t.Errorf("KV holds %+v", c)
	}
	// Another error is written once more.
	f.wc.SetWhitelist(nil)
	f.wc.SetFault(wechattest.Fault{Endpoint: "all", Kind: wechattest.Busy})
	for i := 0; i < 4; i++ {
		step(false)
	}
	if f.kv.puts["access_token"] != 2 || f.kv.puts["jsapi_ticket"] != 2 {
		t.Errorf("KV writes %v after a second error, want two per key", f.kv.puts)
	}
	if c := f.record(tokenKey); c.LastErrCode != -1 {
		t.Errorf("KV holds %+v, want the new error", c)
	}
	// Success is written, once.
	f.wc.ClearFaults()
	if rec, w := f.ask(t, ticketKey); w.Code != 200 || !f.wc.TicketValid(rec.Value) {
		t.Fatalf("after the refusals: %d %s", w.Code, w.Body)
	}
	if f.kv.puts["access_token"] != 3 || f.kv.puts["jsapi_ticket"] != 3 {
		t.Errorf("KV writes %v after success", f.kv.puts)
	}
}

func must(v string, _ bool, err error) string {
	if err != nil {
		panic(err)
	}
	return v
}

func TestRevokedToken(t *testing.T) {
	ticketKey := "wxsign:" + appA + ":jsapi_ticket"
	t.Run("refused once: one forced token, one retry", func(t *testing.T) {
		f := newFixture(t, nil)
		f.wc.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.Revoked, Count: 1})
		if rec, w := f.ask(t, ticketKey); w.Code != 200 || !f.wc.TicketValid(rec.Value) {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if st := f.wc.Stats(); st.StableToken != 2 || st.Ticket != 2 {
			t.Fatalf("calls %+v, want a token, a forced one, and two tickets", st)
		}
	})
	t.Run("refused twice: reported", func(t *testing.T) {
		f := newFixture(t, nil)
		f.wc.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.Revoked, Count: 2})
		w := f.credential(ticketKey)
		if e := decodeErr(t, w); w.Code != 503 || e.Code != 40001 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if st := f.wc.Stats(); st.StableToken != 2 || st.Ticket != 2 {
			t.Fatalf("calls %+v, want the second 40001 reported, not retried", st)
		}
	})
	t.Run("revoked at WeChat while stored", func(t *testing.T) {
		f := newFixture(t, nil)
		f.refresh(appA)
		old := f.record("wxsign:" + appA + ":access_token").Value
		f.wc.Revoke()
		f.advance(time.Minute)
		// The card ticket is fetched on first use, with the stored token.
		rec, w := f.ask(t, "wxsign:"+appA+":wx_card_ticket")
		st, _ := f.wc.App(appA)
		if w.Code != 200 || rec.Value != st.CardTicket || f.record("wxsign:"+appA+":access_token").Value == old {
			t.Fatalf("%d %s; stored token still the revoked one: %v", w.Code, w.Body, f.record("wxsign:"+appA+":access_token").Value == old)
		}
	})
}

func TestKVFailure(t *testing.T) {
	ticketKey := "wxsign:" + appA + ":jsapi_ticket"
	t.Run("reads fail", func(t *testing.T) {
		f := newFixture(t, map[string]string{"WXSIGN_TEST_KV_FAULT": "read"})
		w := f.credential(ticketKey)
		if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrStorage.Code {
			t.Errorf("credential: %d %s", w.Code, w.Body)
		}
		for _, owner := range owners {
			w := f.refresh(owner)
			if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrStorage.Code {
				t.Errorf("refresh %s: %d %s", owner, w.Code, w.Body)
			}
		}
		if err := f.svc.Cron(context.Background()); err == nil {
			t.Error("cron reported no error")
		}
		if n := f.wc.Stats().Calls(); n != 0 {
			t.Errorf("%d WeChat calls without KV", n)
		}
	})
	t.Run("writes fail: what was fetched is served", func(t *testing.T) {
		f := newFixture(t, map[string]string{"WXSIGN_TEST_KV_FAULT": "write"})
		rec, w := f.ask(t, ticketKey)
		if w.Code != 200 || !f.wc.TicketValid(rec.Value) {
			t.Fatalf("credential: %d %s", w.Code, w.Body)
		}
		// The coordinator's memory holds it: asked again, no WeChat call.
		before := f.wc.Stats()
		if again, w := f.ask(t, ticketKey); w.Code != 200 || again.Value != rec.Value || f.wc.Stats() != before {
			t.Fatalf("second ask: %d %s, calls %+v then %+v", w.Code, w.Body, before, f.wc.Stats())
		}
		if f.mem.Writes() != 0 {
			t.Errorf("%d writes reached KV", f.mem.Writes())
		}
		for _, owner := range owners {
			if w := f.refresh(owner); w.Code != 200 {
				t.Errorf("refresh %s: %d %s", owner, w.Code, w.Body)
			}
		}
		if err := f.svc.Cron(context.Background()); err != nil {
			t.Errorf("cron: %v", err)
		}
	})
	t.Run("faults from a time on", func(t *testing.T) {
		f := newFixture(t, map[string]string{"WXSIGN_TEST_KV_FAULT": "read,write", "WXSIGN_TEST_KV_FAULT_AT": fmt.Sprint(1_800_000_600)})
		if _, w := f.ask(t, ticketKey); w.Code != 200 {
			t.Fatalf("before: %d %s", w.Code, w.Body)
		}
		f.advance(10 * time.Minute)
		// What the coordinator holds in memory is served, and so is what it
		// remembers KV lacked (its card ticket, fetched now, the write
		// failing); another coordinator's key, never read, cannot be.
		if _, w := f.ask(t, ticketKey); w.Code != 200 {
			t.Fatalf("after, held: %d %s", w.Code, w.Body)
		}
		if w := f.credential("wxsign:" + appA + ":wx_card_ticket"); w.Code != 200 {
			t.Fatalf("after, known absent: %d %s", w.Code, w.Body)
		}
		if r := f.record("wxsign:" + appA + ":wx_card_ticket"); r.Value != "" {
			t.Fatalf("a write reached KV while it fails: %+v", r)
		}
		w := f.credential("wxsign:" + appB + ":jsapi_ticket")
		if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrStorage.Code {
			t.Fatalf("after, never read: %d %s", w.Code, w.Body)
		}
	})
}

// panicker is a WeChat client that panics, as a bug would.
type panicker struct{}

func (panicker) Fetch(context.Context, *cred.Key, cred.Inputs) (cred.Record, error) {
	panic("fetcher bug with " + secretA)
}

func (panicker) Send(context.Context, *wire.Request) (wire.Answer, error) {
	panic("sender bug with " + secretA)
}

// TestPanicBecomesJSON500: a panic while serving (here, in the Fetcher)
// becomes a 500 JSON answer without internals, and the coordinator goes on.
func TestPanicBecomesJSON500(t *testing.T) {
	f := newFixture(t, nil)
	wc := f.svc.WeChat
	f.svc.WeChat = panicker{}
	w := f.credential("wxsign:" + appA + ":jsapi_ticket")
	body := w.Body.String()
	if e := decodeErr(t, w); w.Code != 500 || e.Code != core.ErrInternal.Code || strings.Contains(body, secretA) || strings.Contains(body, "panic") {
		t.Fatalf("panic: %d %s", w.Code, body)
	}
	f.svc.WeChat = wc
	if _, w := f.ask(t, "wxsign:"+appB+":jsapi_ticket"); w.Code != 200 {
		t.Fatalf("after the panic: %d %s", w.Code, w.Body)
	}
	for _, l := range f.logs {
		if strings.Contains(l, secretA) {
			t.Errorf("log %q", l)
		}
	}
}

func TestConcurrentRequests(t *testing.T) {
	f := newFixture(t, nil)
	var wg sync.WaitGroup
	targets := []string{
		cred.CredentialPath + "?key=wxsign:" + appA + ":jsapi_ticket",
		cred.CredentialPath + "?key=wxsign:" + appB + ":jsapi_ticket",
		cred.CredentialPath + "?key=" + url.QueryEscape("wxsign:"+corp+"/1000002:wecom_token"),
		cred.CredentialPath + "?key=" + url.QueryEscape("wxsign:"+corp+"/1000003:wecom_agent_ticket"),
		cred.RefreshAsk(appA),
		cred.RefreshAsk(corp),
	}
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func(target string) {
			defer wg.Done()
			if w := f.do("GET", target); w.Code != 200 {
				t.Errorf("%s: %d %s", target, w.Code, w.Body)
			}
		}(targets[i%len(targets)])
	}
	wg.Wait()
}

// TestTicketGap: WeChat hands back a ticket until it dies, so between the
// record's expiry (ExpirySafety before WeChat's) and its death there is no
// usable ticket; the coordinator says so (1055) without calling WeChat,
// with a Retry-After that ends after the death, never handing out the
// dying ticket; its alarm is set for the second after the death.
func TestTicketGap(t *testing.T) {
	f := newFixture(t, nil)
	f.wc.SetTicketExpiresIn(3600) // the ticket dies before the token is due
	ticketKey := "wxsign:" + appA + ":jsapi_ticket"
	w := f.refresh(appA)
	old := f.record(ticketKey)
	if w.Code != 200 || !old.Usable(f.now.Unix()) {
		t.Fatalf("refresh: %d %s, ticket %+v", w.Code, w.Body, old)
	}
	if wake := f.wake(t, w); wake != old.Dies()+1 {
		t.Fatalf("wakes at +%d, want the second after the ticket dies, +%d", wake-f.now.Unix(), old.Dies()+1-f.now.Unix())
	}
	f.advance(time.Duration(3600-cred.ExpirySafety/2) * time.Second)
	before := f.wc.Stats()
	w = f.credential(ticketKey)
	retry, _ := strconv.Atoi(w.Header().Get("Retry-After"))
	if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrStillOld.Code || retry < 1 || retry > cred.ExpirySafety+1 ||
		f.clock().Unix()+int64(retry) <= old.Dies() {
		t.Fatalf("in the gap: %d %s, Retry-After %q", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	if wake := f.wake(t, w); wake != old.Dies()+1 {
		t.Errorf("in the gap: wakes at %d, want %d", wake, old.Dies()+1)
	}
	w = f.credential(ticketKey)
	if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrStillOld.Code || w.Header().Get("Retry-After") != strconv.Itoa(retry) {
		t.Errorf("asked again in the gap: %d %s, Retry-After %q", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	f.refresh(appA)
	if f.wc.Stats() != before {
		t.Errorf("asks in the gap called WeChat: %+v then %+v", before, f.wc.Stats())
	}
	f.advance(time.Duration(retry) * time.Second)
	w = f.refresh(appA) // the alarm
	rec := f.record(ticketKey)
	if w.Code != 200 || rec.Value == old.Value || !f.wc.TicketValid(rec.Value) {
		t.Fatalf("after the gap: %d %s, ticket %+v", w.Code, w.Body, rec)
	}
	if got, w := f.ask(t, ticketKey); w.Code != 200 || got.Value != rec.Value {
		t.Fatalf("after the gap: %d %s", w.Code, w.Body)
	}
	if st := f.wc.Stats(); st.Ticket-before.Ticket != 1 {
		t.Errorf("%d ticket calls for one rollover", st.Ticket-before.Ticket)
	}
}

// TestAlarms follows each coordinator's alarm (WakeHeader) besides the
// cron, over two ticket rollovers: the alarm fetches a ticket's successor
// the second after it dies, so that no ticket is missing past its death,
// and it wakes the coordinator a few times a rollover, not more.
func TestAlarms(t *testing.T) {
	for _, owner := range owners {
		t.Run(owner, func(t *testing.T) {
			f := newFixture(t, nil)
			var keys []*cred.Key
			for _, k := range f.svc.Settings.Keys() {
				if k.Coordinator() == owner && k.Kind.Sticky && !k.Kind.Lazy {
					keys = append(keys, k)
				}
			}
			start, before := f.clock().Unix(), f.wc.Stats()
			wake, cron := f.wake(t, f.refresh(owner)), start+600
			alarms := 0
			for f.clock().Unix() < start+5*3600 {
				at := min(wake, cron)
				f.advance(time.Duration(at-f.clock().Unix()) * time.Second)
				if at == cron {
					cron += 600
				} else {
					alarms++
				}
				w := f.refresh(owner)
				wake = f.wake(t, w)
				now := f.clock().Unix()
				for _, k := range keys {
					if rec := f.record(k.String()); !rec.Usable(now) && (now < rec.ExpiresAt || now > rec.Dies()) {
						t.Fatalf("at +%d: %s has no ticket past its death: %+v (refresh %d %s)", now-start, k, rec, w.Code, w.Body)
					}
				}
			}
			calls := f.wc.Stats().Calls() - before.Calls()
			t.Logf("%s: %d alarms, %d WeChat calls in 5 hours", owner, alarms, calls)
			// Each key once at first and once a rollover: what WeChat hands
			// back unchanged is not asked for again.
			n := 0
			for _, k := range f.svc.Settings.Keys() {
				if k.Coordinator() == owner && !k.Kind.Lazy {
					n++
				}
			}
			if alarms > 2*4 || calls > 3*n {
				t.Errorf("%d alarms, %d WeChat calls over two rollovers of %d keys", alarms, calls, n)
			}
		})
	}
}

// wecomCounter is a Doer that counts WeCom ticket fetches per agent and
// per corp in each hour of the simulated clock, and the 45009s answered.
type wecomCounter struct {
	next  wechat.Doer
	now   func() time.Time
	mu    sync.Mutex
	agent map[string]int // "<agent> <hour>"
	corp  map[int64]int  // corp tickets by hour
	quota int
}

func (d *wecomCounter) Do(r *http.Request) (*http.Response, error) {
	res, err := d.next.Do(r)
	if err != nil {
		return res, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body = io.NopCloser(strings.NewReader(string(body)))
	d.mu.Lock()
	defer d.mu.Unlock()
	if strings.Contains(string(body), `"errcode":45009`) {
		d.quota++
	}
	hour := d.now().Unix() / 3600
	if r.URL.Path == "/cgi-bin/get_jsapi_ticket" || r.URL.Path == "/cgi-bin/ticket/get" {
		tok := r.URL.Query().Get("access_token") // the stand-in's tokens end in _<agentid>
		d.agent[fmt.Sprint(tok[strings.LastIndexByte(tok, '_')+1:], " ", hour)]++
		if r.URL.Path == "/cgi-bin/get_jsapi_ticket" {
			d.corp[hour]++
		}
	}
	return res, nil
}

// TestCronDay runs the cron every 10 minutes for a simulated day against
// the strict stand-in, for two apps and a WeCom corp with two agents, in
// either token mode: each run wakes every coordinator (RefreshPath). At
// every step no stored ticket the record calls usable is dead at the
// stand-in, each answer sets the coordinator's alarm in the future and
// never past the death of a ticket it holds, the pages' tickets are handed
// out (1055 only between a ticket's expiry and its death, without a WeChat
// call), WeCom's budgets hold, and WeChat calls and KV writes stay few.
func TestCronDay(t *testing.T) {
	for _, mode := range []string{api.ModeStable, api.ModeClassic} {
		t.Run(mode, func(t *testing.T) { cronDay(t, mode) })
	}
}

func cronDay(t *testing.T, mode string) {
	f := newFixture(t, map[string]string{"WECHAT_TOKEN_MODE": mode})
	counter := &wecomCounter{next: f.relay, now: f.clock, agent: map[string]int{}, corp: map[int64]int{}}
	f.svc.WeChat.(*wechat.Client).Doer = counter
	keys := f.svc.Settings.Keys()
	checkTickets := func(step int, when string) {
		t.Helper()
		now := f.clock().Unix()
		for _, k := range keys {
			if k.Kind.Field != "ticket" {
				continue
			}
			rec := f.record(k.String())
			if rec.Usable(now) && !f.wc.TicketValid(rec.Value) {
				t.Fatalf("step %d, %s: %s is usable until +%d, but the stand-in killed it", step, when, k, rec.ExpiresAt-now)
			}
			if rec.LastErrCode == 45009 || k.PerHour > 0 && rec.FetchesThisHour(now) > k.PerHour {
				t.Fatalf("step %d: %s over budget: %+v", step, k, rec)
			}
		}
	}
	gaps := 0 // answers 1055: a value between its expiry here and its death
	refresh := func(step int, owner string) int64 {
		t.Helper()
		w := f.refresh(owner)
		if w.Code != 200 {
			// A token WeChat hands back until it dies (WeCom's) has its gap
			// too: the refresh says so, and it is no failure.
			if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrStillOld.Code {
				t.Fatalf("step %d: refresh %s: %d %s", step, owner, w.Code, w.Body)
			}
			gaps++
		}
		wake := f.wake(t, w)
		for _, k := range keys {
			if rec := f.record(k.String()); k.Coordinator() == owner && k.Kind.Sticky && rec.Value != "" && wake > rec.Dies()+1 {
				t.Fatalf("step %d: %s sleeps until +%d, past %s's death at +%d", step, owner,
					wake-f.clock().Unix(), k, rec.Dies()-f.clock().Unix())
			}
		}
		return wake
	}
	for _, owner := range owners { // the first run fills the cache
		refresh(0, owner)
	}
	// A page asks for every ticket a page signs with: answered from what
	// the coordinator holds or fetches, or 1055 in a ticket's gap.
	pages := []string{"wxsign:" + appA + ":jsapi_ticket", "wxsign:" + appB + ":jsapi_ticket"}
	for _, agentID := range []string{"1000002", "1000003"} {
		for _, kind := range []string{"wecom_corp_ticket", "wecom_agent_ticket"} {
			pages = append(pages, "wxsign:"+corp+"/"+agentID+":"+kind)
		}
	}
	askPages := func(step int) {
		t.Helper()
		for _, key := range pages {
			before := f.wc.Stats()
			rec, w := f.ask(t, key)
			if w.Code == 200 && f.wc.TicketValid(rec.Value) {
				continue
			}
			held, now := f.record(key), f.clock().Unix()
			if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrStillOld.Code || now < held.ExpiresAt || now > held.Dies() || f.wc.Stats() != before {
				t.Fatalf("step %d: %s: %d %s (held %+v)", step, key, w.Code, w.Body, held)
			}
			gaps++
		}
	}
	askPages(0)
	before, writes := f.wc.Stats(), map[string]int{}
	for k, n := range f.kv.puts {
		writes[k] = n
	}
	for step := 1; step <= 144; step++ {
		f.advance(10 * time.Minute)
		checkTickets(step, "before the cron")
		for _, owner := range owners {
			refresh(step, owner)
		}
		checkTickets(step, "after the cron")
		askPages(step)
	}
	t.Logf("%s: %d answers 1055 in a gap over the day", mode, gaps)
	st := f.wc.Stats()
	tokens, other := st.StableToken-before.StableToken, st.Token-before.Token
	if mode == api.ModeClassic {
		tokens, other = other, tokens
	}
	day := map[string][2]int{ // calls, writes by kind over the day
		"access_token":       {tokens, f.kv.puts["access_token"] - writes["access_token"]},
		"jsapi_ticket":       {st.Ticket - before.Ticket, f.kv.puts["jsapi_ticket"] - writes["jsapi_ticket"]},
		"wx_card_ticket":     {st.CardTicket - before.CardTicket, f.kv.puts["wx_card_ticket"] - writes["wx_card_ticket"]},
		"wecom_token":        {st.WeComToken - before.WeComToken, f.kv.puts["wecom_token"] - writes["wecom_token"]},
		"wecom_corp_ticket":  {st.CorpTicket - before.CorpTicket, f.kv.puts["wecom_corp_ticket"] - writes["wecom_corp_ticket"]},
		"wecom_agent_ticket": {st.AgentTicket - before.AgentTicket, f.kv.puts["wecom_agent_ticket"] - writes["wecom_agent_ticket"]},
	}
	kinds := map[string]*cred.Kind{}
	for _, k := range cred.Kinds {
		kinds[k.Name] = k
	}
	totalCalls, totalWrites := 0, 0
	for _, kind := range []string{"access_token", "jsapi_ticket", "wx_card_ticket", "wecom_token", "wecom_corp_ticket", "wecom_agent_ticket"} {
		c, w := day[kind][0], day[kind][1]
		t.Logf("%s: %-18s %3d WeChat calls, %3d KV writes a day (two owners)", mode, kind, c, w)
		totalCalls, totalWrites = totalCalls+c, totalWrites+w
		// Each owner needs a new value at most once per lifetime less the
		// margin (a classic token is replaced as soon as it is due), one
		// write each; the cron asks again on each run within the margin
		// while WeChat hands back the value it has. A sticky ticket is
		// fetched once it dies, once.
		if w > 2*(86400/(7200-1800)+1) || c > 2*13*4 {
			t.Errorf("%s: %d calls, %d writes a day for two owners", kind, c, w)
		}
		if k := kinds[kind]; k.Sticky && c > 2*(86400/7200+1) {
			t.Errorf("%s: %d calls a day for two owners, want one per rollover", kind, c)
		}
	}
	t.Logf("%s: total: %d WeChat calls, %d KV writes a day; %d refused at the gateway", mode, totalCalls, totalWrites, st.RejectedChunked)
	if day["wx_card_ticket"] != [2]int{} || other != 0 {
		t.Errorf("a card ticket nobody used, or tokens of the other mode, were fetched: %+v", st)
	}
	if totalWrites > 1000/4 {
		t.Errorf("%d KV writes a day: the free plan's 1,000 would not last", totalWrites)
	}
	if counter.quota != 0 || st.RejectedChunked != 0 || st.PostsWithoutLength != 0 {
		t.Errorf("%d answers 45009, gateway %+v", counter.quota, st)
	}
	// Each agent's sticky tickets are fetched at each rollover, every 2 hours.
	if len(counter.agent) < 2*24/2 {
		t.Errorf("WeCom ticket fetches counted for only %d agent-hours: %v", len(counter.agent), counter.agent)
	}
	for k, n := range counter.agent {
		if n > 100 {
			t.Errorf("agent and hour %s: %d ticket fetches, WeCom allows 100", k, n)
		}
	}
	for h, n := range counter.corp {
		if n > 400 {
			t.Errorf("hour %d: %d corp ticket fetches, WeCom allows 400", h, n)
		}
	}
	for _, l := range f.logs {
		for _, s := range []string{secretA, secretB, secret2, secret3, "TICKET_", "ACCESS_TOKEN_"} {
			if strings.Contains(l, s) {
				t.Fatalf("log line %q reveals %q", l, s)
			}
		}
	}
}
