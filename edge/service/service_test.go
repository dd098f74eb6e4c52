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
	"github.com/wxsign/wxsign/core/wechat"
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
	internal = "svc-internal-0123456789"
	relayKey = "svc-relay-key-0123456789"
)

// countingStore counts KV writes by kind of credential (the KV key's last
// part).
type countingStore struct {
	core.Store
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
	mem   *MemStore
	kv    *countingStore
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
	f := &fixture{wc: wechattest.New(appA, secretA), mem: &MemStore{}, now: time.Unix(1_800_000_000, 0)}
	f.wc.AddApp(appB, secretB)
	f.wc.AddCorp(corp, map[string]string{"1000002": secret2, "1000003": secret3})
	f.wc.SetClock(f.clock)
	vars := baseEnv()
	for k, v := range env {
		vars[k] = v
	}
	settings := core.LoadSettings(func(k string) string { return vars[k] })
	f.relay = &relayDoer{next: f.wc.Doer()}
	client := &wechat.Client{BaseURL: settings.APIBase, WeComBaseURL: settings.WeComAPIBase, RelayKey: settings.RelayKey,
		Doer: f.relay, Timeout: 300 * time.Millisecond, Now: f.clock}
	f.kv = &countingStore{Store: f.mem}
	f.svc = &Service{Settings: settings, WeChat: client, Internal: internal, Now: f.clock,
		Store: WithFaults(f.kv, &settings.Test, func() int64 { return f.clock().Unix() }),
		Logf: func(format string, a ...any) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.logs = append(f.logs, fmt.Sprintf(format, a...))
		}}
	return f
}

func (f *fixture) do(method, target string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		if k == "Host" {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.svc.ServeHTTP(w, r)
	return w
}

var authorized = map[string]string{"Authorization": "Bearer " + apiKey}

// get asks an authorized /token or /ticket for a value.
func (f *fixture) get(t *testing.T, target string) (string, *httptest.ResponseRecorder) {
	t.Helper()
	w := f.do("GET", target, authorized)
	var body map[string]any
	json.Unmarshal(w.Body.Bytes(), &body)
	field := "ticket"
	if strings.HasPrefix(target, "/token") {
		field = "access_token"
	}
	v, _ := body[field].(string)
	return v, w
}

// record is what KV holds at key.
func (f *fixture) record(key string) core.Record {
	raw, _, _ := f.mem.Get(context.Background(), key)
	return core.ParseRecord(raw)
}

func (f *fixture) credential(key string, header map[string]string) *httptest.ResponseRecorder {
	return f.do("GET", CredentialPath+"?key="+url.QueryEscape(key), header)
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

func decodeHealth(t *testing.T, w *httptest.ResponseRecorder) health {
	t.Helper()
	var h health
	if err := json.Unmarshal(w.Body.Bytes(), &h); err != nil {
		t.Fatalf("/healthz %d %q: %v", w.Code, w.Body, err)
	}
	return h
}

func (h health) cred(kind, owner string) *credHealth {
	for i := range h.Credentials {
		if c := &h.Credentials[i]; c.Kind == kind && c.Owner == owner {
			return c
		}
	}
	return nil
}

func TestRoutes(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		method, path string
		status, code int
		allow        string
	}{
		{"DELETE", "/token", 405, 1020, "GET, HEAD"},
		{"PUT", "/token", 405, 1020, "GET, HEAD"},
		{"TRACE", "/token", 405, 1020, "GET, HEAD"},
		{"POST", "/ticket", 405, 1020, "GET, HEAD"},
		{"DELETE", "/ticket", 405, 1020, "GET, HEAD"},
		{"PUT", "/ticket", 405, 1020, "GET, HEAD"},
		{"TRACE", "/ticket", 405, 1020, "GET, HEAD"},
		{"DELETE", "/healthz", 405, 1020, "GET, HEAD"},
		{"PUT", "/healthz", 405, 1020, "GET, HEAD"},
		{"TRACE", "/healthz", 405, 1020, "GET, HEAD"},
		{"DELETE", "/config", 405, 1020, core.ConfigMethods},
		{"GET", "/nope", 404, 1030, ""},
		{"GET", "/token/", 404, 1030, ""},
		{"GET", "/%74oken", 404, 1030, ""},
		{"GET", "/__test/panic", 404, 1030, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := f.do(tt.method, tt.path, authorized)
			e := decodeErr(t, w)
			if w.Code != tt.status || e.Code != tt.code || w.Header().Get("Allow") != tt.allow {
				t.Errorf("%d %s, Allow %q; want %d errcode %d, Allow %q", w.Code, w.Body, w.Header().Get("Allow"), tt.status, tt.code, tt.allow)
			}
		})
	}
	if n := f.wc.Stats().Calls(); n != 0 {
		t.Errorf("refused requests made %d WeChat calls", n)
	}
}

// TestColdPath is the signer module's cold path: it asks for a record it
// has none of, the Go program fetches it, and hands back what it stored.
func TestColdPath(t *testing.T) {
	f := newFixture(t, nil)
	for i, app := range []string{appA, appB} {
		key := "wxsign:" + app + ":jsapi_ticket"
		w := f.credential(key, map[string]string{InternalHeader: internal})
		if w.Code != 200 || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: %d %s", key, w.Code, w.Body)
		}
		var rec core.Record
		json.Unmarshal(w.Body.Bytes(), &rec)
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
		// Asked again, the record comes from KV.
		before := f.wc.Stats()
		if again := f.credential(key, map[string]string{InternalHeader: internal}); again.Body.String() != w.Body.String() || f.wc.Stats() != before {
			t.Errorf("second ask: %s, calls %+v then %+v", again.Body, before, f.wc.Stats())
		}
	}
}

func TestCredentialEndpointRefuses(t *testing.T) {
	key := "wxsign:" + appA + ":jsapi_ticket"
	tests := []struct {
		name     string
		internal string // the Service's
		key      string
		header   map[string]string
		status   int
	}{
		{"no header", internal, key, nil, 404},
		{"wrong header", internal, key, map[string]string{InternalHeader: "guess"}, 404},
		{"the header with more", internal, key, map[string]string{InternalHeader: internal + "x"}, 404},
		{"the header as a bearer", internal, key, map[string]string{"Authorization": "Bearer " + internal}, 404},
		{"no internal token set", "", key, map[string]string{InternalHeader: ""}, 404},
		{"an unknown key", internal, "wxsign:wxother:jsapi_ticket", map[string]string{InternalHeader: internal}, 404},
		{"a key of another namespace", internal, "other:" + appA + ":jsapi_ticket", map[string]string{InternalHeader: internal}, 404},
		{"right", internal, key, map[string]string{InternalHeader: internal}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.svc.Internal = tt.internal
			w := f.credential(tt.key, tt.header)
			if w.Code != tt.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tt.status)
			}
			if tt.status == 404 {
				if e := decodeErr(t, w); e.Code != core.ErrNotFound.Code {
					t.Errorf("errcode %d", e.Code)
				}
				if n := f.wc.Stats().Calls(); n != 0 {
					t.Errorf("a refused ask made %d WeChat calls", n)
				}
			}
		})
	}
}

func TestSecretEndpointsAuth(t *testing.T) {
	refused := []string{"", "Bearer", "Bearer ", "Bearer x", "Bearer " + apiKey + ", x", "Bearer " + apiKey + " ",
		"Bearer  " + apiKey, " Bearer " + apiKey, apiKey, "Basic " + apiKey,
		"Bearer " + apiKey[:len(apiKey)-1], "Bearer " + apiKey + "0"}
	for _, path := range []string{"/token", "/ticket", "/token?agentid=1000002"} {
		f := newFixture(t, nil)
		var first string
		for _, h := range refused {
			w := f.do("GET", path, map[string]string{"Authorization": h})
			e := decodeErr(t, w)
			if w.Code != 401 || e.Code != core.ErrUnauthorized.Code || w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s with %q: %d %s", path, h, w.Code, w.Body)
			}
			if first == "" {
				first = w.Body.String()
			} else if w.Body.String() != first {
				t.Errorf("%s: refusals differ: %s and %s", path, first, w.Body)
			}
		}
		if n := f.wc.Stats().Calls(); n != 0 {
			t.Errorf("%s: refusals made %d WeChat calls", path, n)
		}
		if v, w := f.get(t, path); w.Code != 200 || v == "" {
			t.Errorf("%s with the key: %d %s", path, w.Code, w.Body)
		}
	}
	g := newFixture(t, map[string]string{"API_KEY": ""})
	for _, h := range []string{"", "Bearer ", "Bearer x"} {
		for _, path := range []string{"/token", "/ticket"} {
			if w := g.do("GET", path, map[string]string{"Authorization": h}); w.Code != 404 {
				t.Errorf("%s without API_KEY, %q: %d %s", path, h, w.Code, w.Body)
			}
		}
	}
}

// TestSecretsPerOwner asks for every owner's token and ticket, B's first:
// each answer is the one the stand-in issued to that owner, never another's.
func TestSecretsPerOwner(t *testing.T) {
	f := newFixture(t, nil)
	app := func(id string, pick func(wechattest.AppState) string) func() string {
		return func() string { st, _ := f.wc.App(id); return pick(st) }
	}
	agent := func(id string, pick func(wechattest.AgentState) string) func() string {
		return func() string { st, _ := f.wc.Agent(corp, id); return pick(st) }
	}
	token := func(a wechattest.AppState) string { return a.AccessToken }
	ticket := func(a wechattest.AppState) string { return a.Ticket }
	tests := []struct {
		target string
		want   func() string
	}{
		{"/token?appid=" + appB, app(appB, token)},
		{"/ticket?appid=" + appB, app(appB, ticket)},
		{"/token?appid=" + appA, app(appA, token)},
		{"/token", app(appA, token)},
		{"/ticket", app(appA, ticket)},
		{"/ticket?appid=" + appA, app(appA, ticket)},
		{"/token?agentid=1000003", agent("1000003", func(a wechattest.AgentState) string { return a.AccessToken })},
		{"/token?agentid=1000002", agent("1000002", func(a wechattest.AgentState) string { return a.AccessToken })},
		{"/ticket?agentid=1000002", agent("1000002", func(a wechattest.AgentState) string { return a.CorpTicket })},
		{"/ticket?agentid=1000003", agent("1000003", func(a wechattest.AgentState) string { return a.CorpTicket })},
	}
	served := map[string]string{}
	for _, tt := range tests {
		v, w := f.get(t, tt.target)
		if w.Code != 200 || v == "" || v != tt.want() {
			t.Errorf("%s: %d %s; the stand-in issued %q", tt.target, w.Code, w.Body, tt.want())
		}
		var body struct {
			ExpiresAt int64 `json:"expires_at"`
		}
		json.Unmarshal(w.Body.Bytes(), &body)
		if body.ExpiresAt <= f.now.Unix() {
			t.Errorf("%s: expires_at %d", tt.target, body.ExpiresAt)
		}
		served[tt.target] = v
	}
	for _, pair := range [][2]string{
		{"/token?appid=" + appA, "/token?appid=" + appB}, {"/ticket?appid=" + appA, "/ticket?appid=" + appB},
		{"/token?agentid=1000002", "/token?agentid=1000003"},
	} {
		if served[pair[0]] == served[pair[1]] {
			t.Errorf("%s and %s both served %q", pair[0], pair[1], served[pair[0]])
		}
	}
	for _, target := range []string{"/token?appid=wxother", "/ticket?appid=wxother", "/token?agentid=1000009", "/ticket?agentid=x"} {
		w := f.do("GET", target, authorized)
		if e := decodeErr(t, w); w.Code != 404 || e.Code != core.ErrUnknownApp.Code {
			t.Errorf("%s: %d %s", target, w.Code, w.Body)
		}
	}
}

// TestSecretsMalformedQuery: a query that does not name one owner cleanly
// is a 400, never the first account's secret (net/url drops a bad pair).
func TestSecretsMalformedQuery(t *testing.T) {
	f := newFixture(t, nil)
	for _, target := range []string{
		"/token?agentid=1000003%zz", "/token?appid=" + appB + "%", "/ticket?appid=" + appB + "%",
		"/token?appid=" + appB + "&appid=" + appA, "/ticket?appid=" + appA + "&%61ppid=" + appB,
		"/token?agentid=1000002&agentid=1000003",
	} {
		w := f.do("GET", target, authorized)
		if e := decodeErr(t, w); w.Code != 400 || e.Code != core.ErrBadRequest.Code {
			t.Errorf("%s: %d %s", target, w.Code, w.Body)
		}
	}
	// One value that names no owner: unknown, not the first account.
	w := f.do("GET", "/ticket?appid="+appB+";x=1", authorized)
	if e := decodeErr(t, w); w.Code != 404 || e.Code != core.ErrUnknownApp.Code {
		t.Errorf("appid with a semicolon: %d %s", w.Code, w.Body)
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
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			f := newFixture(t, nil)
			if tt.kind == "whitelist" {
				f.wc.SetWhitelist([]string{"203.0.113.9"})
			} else {
				f.wc.SetFault(wechattest.Fault{Endpoint: "all", Kind: tt.kind, DelayMS: 2000})
			}
			_, w := f.get(t, "/ticket")
			e := decodeErr(t, w)
			retry, _ := strconv.Atoi(w.Header().Get("Retry-After"))
			if w.Code != 503 || e.Code != tt.code || !strings.Contains(e.Msg, tt.has) || retry < 1 || retry > 30 {
				t.Fatalf("cold /ticket: %d %s (Retry-After %q), want 503 errcode %d saying %q", w.Code, w.Body, w.Header().Get("Retry-After"), tt.code, tt.has)
			}
			before := f.wc.Stats()
			for i := 0; i < 50; i++ {
				f.get(t, "/ticket")
				f.credential("wxsign:"+appA+":jsapi_ticket", map[string]string{InternalHeader: internal})
			}
			if f.wc.Stats() != before {
				t.Fatalf("100 asks during the back-off called WeChat: %+v then %+v", before, f.wc.Stats())
			}
			h := decodeHealth(t, f.do("GET", "/healthz", nil))
			c := h.cred("jsapi_ticket", appA)
			if c == nil || c.LastErrCode != tt.code || c.Usable || c.Failures != 1 || c.NextAttempt <= f.now.Unix() {
				t.Fatalf("/healthz: %+v", c)
			}
			f.wc.ClearFaults()
			f.wc.SetWhitelist(nil)
			f.advance(31 * time.Second)
			if v, w := f.get(t, "/ticket"); w.Code != 200 || !f.wc.TicketValid(v) {
				t.Fatalf("after the back-off: %d %s", w.Code, w.Body)
			}
		})
	}
}

func TestRevokedToken(t *testing.T) {
	t.Run("refused once: one forced token, one retry", func(t *testing.T) {
		f := newFixture(t, nil)
		f.wc.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.Revoked, Count: 1})
		if v, w := f.get(t, "/ticket"); w.Code != 200 || !f.wc.TicketValid(v) {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if st := f.wc.Stats(); st.StableToken != 2 || st.Ticket != 2 {
			t.Fatalf("calls %+v, want a token, a forced one, and two tickets", st)
		}
	})
	t.Run("refused twice: reported", func(t *testing.T) {
		f := newFixture(t, nil)
		f.wc.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.Revoked, Count: 2})
		_, w := f.get(t, "/ticket")
		if e := decodeErr(t, w); w.Code != 503 || e.Code != 40001 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if st := f.wc.Stats(); st.StableToken != 2 || st.Ticket != 2 {
			t.Fatalf("calls %+v, want the second 40001 reported, not retried", st)
		}
	})
	t.Run("revoked at WeChat while stored", func(t *testing.T) {
		f := newFixture(t, nil)
		f.svc.Cron(context.Background())
		old := f.record("wxsign:" + appA + ":access_token").Value
		f.wc.Revoke()
		f.advance(time.Minute)
		// The card ticket is fetched on first use, with the stored token.
		w := f.credential("wxsign:"+appA+":wx_card_ticket", map[string]string{InternalHeader: internal})
		var rec core.Record
		json.Unmarshal(w.Body.Bytes(), &rec)
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
		_, w := f.get(t, "/ticket")
		if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrStorage.Code {
			t.Errorf("/ticket: %d %s", w.Code, w.Body)
		}
		w = f.credential(ticketKey, map[string]string{InternalHeader: internal})
		if e := decodeErr(t, w); w.Code != 503 || e.Code != core.ErrStorage.Code {
			t.Errorf("credential: %d %s", w.Code, w.Body)
		}
		w = f.do("GET", "/healthz", nil)
		if h := decodeHealth(t, w); w.Code != 503 || h.OK || !strings.Contains(strings.Join(h.Problems, ";"), core.ErrStorage.Msg) {
			t.Errorf("/healthz: %d %s", w.Code, w.Body)
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
		for i := 0; i < 2; i++ {
			if v, w := f.get(t, "/ticket"); w.Code != 200 || !f.wc.TicketValid(v) {
				t.Fatalf("/ticket: %d %s", w.Code, w.Body)
			}
		}
		if f.mem.Writes() != 0 {
			t.Errorf("%d writes reached KV", f.mem.Writes())
		}
		if err := f.svc.Cron(context.Background()); err != nil {
			t.Errorf("cron: %v", err)
		}
	})
	t.Run("faults from a time on", func(t *testing.T) {
		f := newFixture(t, map[string]string{"WXSIGN_TEST_KV_FAULT": "read,write", "WXSIGN_TEST_KV_FAULT_AT": fmt.Sprint(1_800_000_600)})
		if _, w := f.get(t, "/ticket"); w.Code != 200 {
			t.Fatalf("before: %d %s", w.Code, w.Body)
		}
		f.advance(10 * time.Minute)
		if _, w := f.get(t, "/ticket"); w.Code != 503 {
			t.Fatalf("after: %d %s", w.Code, w.Body)
		}
	})
}

func TestPanicBecomesJSON500(t *testing.T) {
	f := newFixture(t, map[string]string{"WXSIGN_TEST_PANIC": "1"})
	w := f.do("GET", "/__test/panic", nil)
	body := w.Body.String()
	if e := decodeErr(t, w); w.Code != 500 || e.Code != core.ErrInternal.Code || strings.Contains(body, apiKey) || strings.Contains(body, "panic") {
		t.Fatalf("panic: %d %s", w.Code, body)
	}
	if w := f.do("GET", "/healthz", nil); w.Code != 200 {
		t.Fatalf("after the panic: %d %s", w.Code, w.Body)
	}
	for _, l := range f.logs {
		if strings.Contains(l, apiKey) {
			t.Errorf("log %q", l)
		}
	}
	if w := newFixture(t, nil).do("GET", "/__test/panic", nil); w.Code != 404 {
		t.Fatalf("/__test/panic without WXSIGN_TEST_PANIC: %d", w.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	big := strings.Repeat("a", core.MaxBodyLen+1)
	for _, path := range []string{"/token", "/ticket", "/healthz"} {
		t.Run(path, func(t *testing.T) {
			f := newFixture(t, nil)
			r := httptest.NewRequest("GET", path, strings.NewReader(big))
			r.Header.Set("Authorization", "Bearer "+apiKey)
			w := httptest.NewRecorder()
			f.svc.ServeHTTP(w, r)
			if e := decodeErr(t, w); w.Code != 413 || e.Code != core.ErrBodyTooLarge.Code {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
		})
	}
}

// TestHealthz checks that /healthz shows every key's state and nothing
// secret: no secret, token or ticket, and URL settings without their
// userinfo and query.
func TestHealthz(t *testing.T) {
	f := newFixture(t, map[string]string{"WECHAT_RELAY_KEY": relayKey})
	ctx := context.Background()
	if err := f.svc.Cron(ctx); err != nil {
		t.Fatal(err)
	}
	// A page used app A's card ticket; nobody B's.
	if w := f.credential("wxsign:"+appA+":wx_card_ticket", map[string]string{InternalHeader: internal}); w.Code != 200 {
		t.Fatalf("card ticket: %d %s", w.Code, w.Body)
	}
	f.advance(10 * time.Minute)
	f.svc.Cron(ctx) // nothing is due yet; every value is now 600 s old
	w := f.do("GET", "/healthz", map[string]string{"Host": "wx.example.com"})
	h := decodeHealth(t, w)
	if w.Code != 200 || !h.OK || len(h.Problems) != 0 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var want []string
	for _, k := range f.svc.Settings.Keys() {
		if k.String() != "wxsign:"+appB+":wx_card_ticket" {
			want = append(want, k.Kind.Name+" "+k.Owner)
		}
	}
	var listed []string
	for _, c := range h.Credentials {
		listed = append(listed, c.Kind+" "+c.Owner)
		if !c.Present || !c.Usable || c.Due || c.ExpiresIn <= 0 || c.AgeS != 600 || c.LastError != "" {
			t.Errorf("%s %s: %+v", c.Kind, c.Owner, c)
		}
	}
	if strings.Join(listed, ", ") != strings.Join(want, ", ") {
		t.Errorf("credentials\n %s\nwant\n %s", strings.Join(listed, ", "), strings.Join(want, ", "))
	}
	if !h.Config.Relay || h.Config.APIBase != "http://wechat.test" || h.Config.TokenMode != "stable" || !h.Config.APIKeySet {
		t.Errorf("config %+v", h.Config)
	}
	if c := h.cred("wecom_corp_ticket", corp+"/1000002"); c == nil || c.Budget != 50-core.CronPerHour {
		t.Errorf("the corp ticket's budget: %+v", c)
	}
	// Nothing secret anywhere in the body.
	secrets := []string{secretA, secretB, secret2, secret3, apiKey, internal, relayKey}
	for _, id := range []string{appA, appB} {
		st, _ := f.wc.App(id)
		secrets = append(secrets, st.AccessToken, st.Ticket, st.CardTicket)
	}
	for _, id := range []string{"1000002", "1000003"} {
		st, _ := f.wc.Agent(corp, id)
		secrets = append(secrets, st.AccessToken, st.CorpTicket, st.AgentTicket)
	}
	for _, ti := range f.wc.Tickets() {
		secrets = append(secrets, ti.Ticket)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(w.Body.String(), s) {
			t.Errorf("/healthz reveals %q", s)
		}
	}
	for _, s := range []string{"ACCESS_TOKEN_", "TICKET_"} {
		if strings.Contains(w.Body.String(), s) {
			t.Errorf("/healthz has %q: %s", s, w.Body)
		}
	}
	if strings.Contains(strings.Join(h.Warnings, ";"), "workers.dev") {
		t.Errorf("a workers.dev warning on a custom domain: %q", h.Warnings)
	}
}

func TestHealthzHostWarning(t *testing.T) {
	f := newFixture(t, nil)
	for _, tt := range []struct {
		host string
		warn bool
	}{
		{"wxsign.someone.workers.dev", true},
		{"WXSIGN.SOMEONE.WORKERS.DEV:443", true},
		{"wx.example.com", false},
		{"workers.dev.example.com", false},
	} {
		h := decodeHealth(t, f.do("GET", "/healthz", map[string]string{"Host": tt.host}))
		if got := strings.Contains(strings.Join(h.Warnings, ";"), "workers.dev"); got != tt.warn {
			t.Errorf("Host %s: warnings %q", tt.host, h.Warnings)
		}
		if h.Config.Host != tt.host {
			t.Errorf("request_host %q, want %q", h.Config.Host, tt.host)
		}
	}
}

// TestHealthzSafeURL: a relay's URL may carry credentials in its userinfo
// or query; /healthz, which anyone can read, shows it without them.
func TestHealthzSafeURL(t *testing.T) {
	f := newFixture(t, map[string]string{
		"WECHAT_API_BASE": "https://wxsign:relaypass@relay.example.com/wx?key=qsecret#frag",
		"WECOM_API_BASE":  "https://relay.example.com/qy?token=qysecret",
	})
	w := f.do("GET", "/healthz", nil)
	h := decodeHealth(t, w)
	if h.Config.APIBase != "https://relay.example.com/wx" || h.Config.WeComAPIBase != "https://relay.example.com/qy" {
		t.Errorf("API bases shown as %q and %q", h.Config.APIBase, h.Config.WeComAPIBase)
	}
	for _, s := range []string{"relaypass", "qsecret", "qysecret", "frag"} {
		if strings.Contains(w.Body.String(), s) {
			t.Errorf("/healthz reveals %q", s)
		}
	}
}

func TestConcurrentRequests(t *testing.T) {
	f := newFixture(t, nil)
	var wg sync.WaitGroup
	targets := []string{"/ticket?appid=" + appA, "/ticket?appid=" + appB, "/token?agentid=1000002", "/healthz"}
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(target string) {
			defer wg.Done()
			if w := f.do("GET", target, authorized); w.Code != 200 {
				t.Errorf("%s: %d %s", target, w.Code, w.Body)
			}
		}(targets[i%len(targets)])
	}
	wg.Wait()
}

// TestTicketGap: WeChat hands back a ticket until it dies, so between the
// record's expiry (ExpirySafety before WeChat's) and its death there is no
// usable ticket; the request path says so with a Retry-After that ends
// after the death, never serving the dying ticket.
func TestTicketGap(t *testing.T) {
	f := newFixture(t, nil)
	f.svc.Cron(context.Background())
	old := f.record("wxsign:" + appA + ":jsapi_ticket")
	f.advance(time.Duration(7200-core.ExpirySafety/2) * time.Second)
	v, w := f.get(t, "/ticket")
	retry, _ := strconv.Atoi(w.Header().Get("Retry-After"))
	if w.Code != 503 || v != "" || retry < 1 || retry > core.ExpirySafety+1 {
		t.Fatalf("in the gap: %d %s, Retry-After %q", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	before := f.wc.Stats()
	f.get(t, "/ticket")
	if f.wc.Stats() != before {
		t.Errorf("a second ask in the gap called WeChat")
	}
	f.advance(time.Duration(retry) * time.Second)
	v, w = f.get(t, "/ticket")
	if w.Code != 200 || v == old.Value || !f.wc.TicketValid(v) {
		t.Fatalf("after the gap: %d %s", w.Code, w.Body)
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
// either token mode. At every step no stored ticket the record calls usable is
// dead at the stand-in, the pages' tickets are served, WeCom's budgets hold,
// and WeChat calls and KV writes stay few.
func TestCronDay(t *testing.T) {
	for _, mode := range []string{core.ModeStable, core.ModeClassic} {
		t.Run(mode, func(t *testing.T) { cronDay(t, mode) })
	}
}

func cronDay(t *testing.T, mode string) {
	f := newFixture(t, map[string]string{"WECHAT_TOKEN_MODE": mode})
	counter := &wecomCounter{next: f.relay, now: f.clock, agent: map[string]int{}, corp: map[int64]int{}}
	f.svc.WeChat.(*wechat.Client).Doer = counter
	ctx := context.Background()
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
	if err := f.svc.Cron(ctx); err != nil { // the first run fills the cache
		t.Fatal(err)
	}
	before, writes := f.wc.Stats(), map[string]int{}
	for k, n := range f.kv.puts {
		writes[k] = n
	}
	for step := 1; step <= 144; step++ {
		f.advance(10 * time.Minute)
		checkTickets(step, "before the cron")
		if err := f.svc.Cron(ctx); err != nil {
			t.Fatalf("step %d: cron: %v", step, err)
		}
		checkTickets(step, "after the cron")
		for _, target := range []string{"/ticket?appid=" + appA, "/ticket?appid=" + appB, "/ticket?agentid=1000002", "/ticket?agentid=1000003"} {
			if v, w := f.get(t, target); w.Code != 200 || !f.wc.TicketValid(v) {
				t.Fatalf("step %d: %s: %d %s", step, target, w.Code, w.Body)
			}
		}
		for _, agentID := range []string{"1000002", "1000003"} {
			for _, kind := range []string{"wecom_corp_ticket", "wecom_agent_ticket"} {
				w := f.credential("wxsign:"+corp+"/"+agentID+":"+kind, map[string]string{InternalHeader: internal})
				var rec core.Record
				json.Unmarshal(w.Body.Bytes(), &rec)
				if w.Code != 200 || !f.wc.TicketValid(rec.Value) {
					t.Fatalf("step %d: %s of %s: %d %s", step, kind, agentID, w.Code, w.Body)
				}
			}
		}
	}
	st := f.wc.Stats()
	tokens, other := st.StableToken-before.StableToken, st.Token-before.Token
	if mode == core.ModeClassic {
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
	totalCalls, totalWrites := 0, 0
	for _, kind := range []string{"access_token", "jsapi_ticket", "wx_card_ticket", "wecom_token", "wecom_corp_ticket", "wecom_agent_ticket"} {
		c, w := day[kind][0], day[kind][1]
		t.Logf("%s: %-18s %3d WeChat calls, %3d KV writes a day (two owners)", mode, kind, c, w)
		totalCalls, totalWrites = totalCalls+c, totalWrites+w
		// Each owner needs a new value at most once per lifetime less the
		// margin (a classic token is replaced as soon as it is due), one
		// write each; the cron asks again on each run within the margin
		// while WeChat hands back the value it has.
		if w > 2*(86400/(7200-1800)+1) || c > 2*13*4 {
			t.Errorf("%s: %d calls, %d writes a day for two owners", kind, c, w)
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
	if len(counter.agent) < 2*24 {
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

// TestConcurrentHealthz: /healthz adds to the settings' problems and
// warnings for its own answer, and must not write into theirs.
func TestConcurrentHealthz(t *testing.T) {
	f := newFixture(t, map[string]string{"WXSIGN_TEST_KV_FAULT": "read", "WECHAT_TOKEN_MODE": "fast",
		"REFRESH_MARGIN": "1", "WECHAT_APPSECRET_" + appB: ""})
	problems := len(f.svc.Settings.Problems)
	if problems != 3 {
		t.Fatalf("problems %q", f.svc.Settings.Problems)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := f.do("GET", "/healthz", map[string]string{"Host": "x.workers.dev"})
			if h := decodeHealth(t, w); len(h.Problems) != problems+1 {
				t.Errorf("problems %q", h.Problems)
			}
		}()
	}
	wg.Wait()
	if len(f.svc.Settings.Problems) != problems {
		t.Errorf("the settings' problems became %q", f.svc.Settings.Problems)
	}
}
