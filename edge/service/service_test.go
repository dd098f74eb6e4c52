package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/wechattest"
)

const (
	appID  = "wxsvc0123456789ab"
	secret = "svc-secret-0123456789"
	apiKey = "svc-api-key"
)

type fixture struct {
	svc   *Service
	wc    *wechattest.Server
	store *MemStore
	now   time.Time
	logs  []string
}

// stored is the value at key, "" when there is none.
func (f *fixture) stored(key string) string {
	v, _, _ := f.store.Get(context.Background(), key)
	return v
}

func newFixture(t *testing.T, env map[string]string) *fixture {
	t.Helper()
	f := &fixture{wc: wechattest.New(appID, secret), store: &MemStore{}, now: time.Unix(1_800_000_000, 0)}
	f.wc.SetClock(func() time.Time { return f.now })
	vars := map[string]string{"WECHAT_APPID": appID, "WECHAT_APPSECRET": secret, "API_KEY": apiKey, "WECHAT_API_BASE": "http://wechat.test"}
	for k, v := range env {
		vars[k] = v
	}
	settings := LoadSettings(func(k string) string { return vars[k] })
	client := &wechat.Client{BaseURL: settings.APIBase, AppID: settings.AppID, Secret: settings.AppSecret, Mode: settings.TokenMode,
		Doer: f.wc.Doer(), Timeout: 300 * time.Millisecond, Now: func() time.Time { return f.now }}
	f.svc = &Service{Settings: settings, Store: f.store, WeChat: client, Now: func() time.Time { return f.now },
		Logf: func(format string, a ...any) { f.logs = append(f.logs, fmt.Sprintf(format, a...)) }}
	return f
}

func (f *fixture) do(method, target string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.svc.ServeHTTP(w, r)
	return w
}

func (f *fixture) config(page string) *httptest.ResponseRecorder {
	return f.do("GET", "/config?url="+url.QueryEscape(page), nil)
}

type errBody struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

func decodeErr(t *testing.T, w *httptest.ResponseRecorder) errBody {
	t.Helper()
	var e errBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("%d %q: %v", w.Code, w.Body, err)
	}
	return e
}

func TestColdConfigFetchesAndHandsBackTheRecord(t *testing.T) {
	f := newFixture(t, nil)
	w := f.config("https://h.example.com/a?b=1#c")
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var c core.Config
	json.Unmarshal(w.Body.Bytes(), &c)
	if c.Signature != core.Sign(f.wc.Ticket(), c.NonceStr, c.Timestamp, "https://h.example.com/a?b=1") {
		t.Fatalf("signature does not verify: %+v", c)
	}
	var rec core.Record
	if err := json.Unmarshal([]byte(w.Header().Get(RecordHeader)), &rec); err != nil || rec.Value != f.wc.Ticket() {
		t.Fatalf("record header %q", w.Header().Get(RecordHeader))
	}
	if f.store.Writes() != 2 {
		t.Fatalf("%d KV writes, want 2 (token and ticket)", f.store.Writes())
	}
	// A second cold request finds the ticket in KV.
	f.config("https://h.example.com/")
	if st := f.wc.Stats(); st.StableToken != 1 || st.Ticket != 1 {
		t.Fatalf("calls %+v", st)
	}
}

func TestCronPolicy(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.svc.Cron(ctx) // nothing cached: fetch
	if st := f.wc.Stats(); st.StableToken != 1 || st.Ticket != 1 || f.store.Writes() != 2 {
		t.Fatalf("first cron: %+v, %d writes", st, f.store.Writes())
	}
	f.now = f.now.Add(10 * time.Minute)
	f.svc.Cron(ctx) // fresh: nothing
	if st := f.wc.Stats(); st.StableToken != 1 || st.Ticket != 1 || f.store.Writes() != 2 {
		t.Fatalf("cron on fresh records: %+v, %d writes", st, f.store.Writes())
	}
	f.now = f.now.Add(90 * time.Minute) // 100 min old: 20 min left, inside the 30 min margin
	f.svc.Cron(ctx)
	if st := f.wc.Stats(); st.Ticket != 2 {
		t.Fatalf("cron on a due ticket: %+v", st)
	}
	if !strings.Contains(strings.Join(f.logs, "\n"), "refreshed jsapi_ticket") {
		t.Fatalf("no log line for the refresh: %q", f.logs)
	}
	for _, l := range f.logs {
		if strings.Contains(l, secret) || strings.Contains(l, "TICKET_") || strings.Contains(l, "ACCESS_TOKEN_") {
			t.Fatalf("log line reveals a secret: %q", l)
		}
	}
}

// TestCronDay runs the cron every 10 minutes for a simulated day. The
// ticket must always be usable, and WeChat must be called only for what is
// new: a stable token is handed back unchanged until its last 5 minutes,
// so asking for it earlier would cost a call and a KV write per cron run.
func TestCronDay(t *testing.T) {
	for _, tc := range []struct {
		mode                  string
		maxCalls, maxWrites   int
		wantStable, wantToken bool
	}{
		// A refresh every 90 minutes (7200 s less the margin and
		// ExpirySafety, rounded to cron runs) is 16 a day; one call each
		// for the ticket, plus the token.
		{mode: "stable", maxCalls: 36, maxWrites: 36, wantStable: true},
		{mode: "classic", maxCalls: 36, maxWrites: 36, wantToken: true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			f := newFixture(t, map[string]string{"WECHAT_TOKEN_MODE": tc.mode})
			ctx := context.Background()
			f.svc.Cron(ctx)
			before, writes := f.wc.Stats(), f.store.Writes()
			for i := 0; i < 144; i++ {
				f.now = f.now.Add(10 * time.Minute)
				f.svc.Cron(ctx)
				if w := f.config("https://h.example.com/"); w.Code != 200 {
					t.Fatalf("run %d: /config %d %s", i, w.Code, w.Body)
				}
				var rec core.Record
				getJSON(ctx, f.store, ticketKey(appID), &rec)
				if !rec.Usable(f.now.Unix()) || rec.Due(f.now.Unix(), 600) {
					t.Fatalf("run %d: the ticket in KV expires in %d s", i, rec.ExpiresAt-f.now.Unix())
				}
			}
			st := f.wc.Stats()
			calls := st.Token + st.StableToken + st.Ticket - before.Token - before.StableToken - before.Ticket
			if calls > tc.maxCalls || f.store.Writes()-writes > tc.maxWrites {
				t.Errorf("a day: %d WeChat calls (%+v), %d KV writes; want at most %d and %d",
					calls, st, f.store.Writes()-writes, tc.maxCalls, tc.maxWrites)
			}
			if (st.StableToken > 0) != tc.wantStable || (st.Token > 0) != tc.wantToken {
				t.Errorf("%s mode called %+v", tc.mode, st)
			}
			t.Logf("%s: %d WeChat calls, %d KV writes a day", tc.mode, calls, f.store.Writes()-writes)
		})
	}
}

func TestRefreshFailureKeepsTheValidTicket(t *testing.T) {
	for _, kind := range []string{wechattest.Busy, wechattest.HTTP500, wechattest.NonJSON, wechattest.Slow, wechattest.Quota} {
		t.Run(kind, func(t *testing.T) {
			f := newFixture(t, nil)
			ctx := context.Background()
			f.svc.Cron(ctx)
			old := f.stored(ticketKey(appID))
			f.now = f.now.Add(100 * time.Minute)
			f.wc.SetFault(wechattest.Fault{Endpoint: "all", Kind: kind, DelayMS: 2000})
			if err := f.svc.Cron(ctx); err == nil {
				t.Fatal("cron under a fault reported no error")
			}
			if f.stored(ticketKey(appID)) != old {
				t.Fatal("a failed refresh changed the stored ticket")
			}
			w := f.do("GET", "/healthz", nil)
			var h health
			json.Unmarshal(w.Body.Bytes(), &h)
			if h.Refresh == nil || h.Refresh.LastError == "" || h.Refresh.LastErrorAt != f.now.Unix() || !h.Ticket.Usable {
				t.Fatalf("/healthz after a failed refresh: %s", w.Body)
			}
			if w := f.config("https://h.example.com/"); w.Code != 200 {
				t.Fatalf("/config with a valid ticket during a failure: %d %s", w.Code, w.Body)
			}
			f.wc.ClearFaults()
			f.now = f.now.Add(10 * time.Minute)
			if err := f.svc.Cron(ctx); err != nil || f.stored(ticketKey(appID)) == old {
				t.Fatalf("the next cron did not refresh: %v", err)
			}
		})
	}
}

func TestColdFailuresAndBackoff(t *testing.T) {
	tests := []struct {
		kind string
		code int
	}{
		{wechattest.Busy, -1},
		{wechattest.HTTP500, 1052},
		{wechattest.NonJSON, 1052},
		{wechattest.Slow, 1052},
		{wechattest.Quota, 45009},
		{wechattest.IP, 40164},
		{wechattest.BadSecret, 40125},
		{wechattest.BadAppID, 40013},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			f := newFixture(t, nil)
			f.wc.SetFault(wechattest.Fault{Endpoint: "all", Kind: tt.kind, DelayMS: 2000})
			w := f.config("https://h.example.com/")
			e := decodeErr(t, w)
			if w.Code != 503 || e.Code != tt.code || e.Msg == "" || w.Header().Get("Retry-After") == "" {
				t.Fatalf("cold /config: %d %s (Retry-After %q), want 503 errcode %d", w.Code, w.Body, w.Header().Get("Retry-After"), tt.code)
			}
			calls := f.wc.Stats()
			for i := 0; i < 50; i++ {
				f.config("https://h.example.com/")
			}
			if f.wc.Stats() != calls {
				t.Fatalf("50 requests during the back-off called WeChat: %+v then %+v", calls, f.wc.Stats())
			}
			var h health
			json.Unmarshal(f.do("GET", "/healthz", nil).Body.Bytes(), &h)
			if h.Refresh == nil || h.Refresh.LastErrCode != tt.code {
				t.Fatalf("/healthz: %+v", h.Refresh)
			}
			f.wc.ClearFaults()
			f.now = f.now.Add(31 * time.Second)
			if w := f.config("https://h.example.com/"); w.Code != 200 {
				t.Fatalf("after the back-off: %d %s", w.Code, w.Body)
			}
		})
	}
}

func TestRevokedToken(t *testing.T) {
	f := newFixture(t, nil)
	f.wc.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.Revoked, Count: 1})
	if w := f.config("https://h.example.com/"); w.Code != 200 {
		t.Fatalf("one 40001: %d %s", w.Code, w.Body)
	}
	if st := f.wc.Stats(); st.StableToken != 2 || st.Ticket != 2 {
		t.Fatalf("calls %+v, want a forced token refresh and one retry", st)
	}
	g := newFixture(t, nil)
	g.wc.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.Revoked, Count: 2})
	w := g.config("https://h.example.com/")
	if e := decodeErr(t, w); w.Code != 503 || e.Code != 40001 {
		t.Fatalf("two 40001: %d %s", w.Code, w.Body)
	}
	if st := g.wc.Stats(); st.Ticket != 2 {
		t.Fatalf("calls %+v, want the second 40001 reported, not retried", st)
	}
}

// failStore fails every read and write.
type failStore struct{ writes int }

func (s *failStore) Get(context.Context, string) (string, bool, error) {
	return "", false, errors.New("kv down")
}
func (s *failStore) Put(context.Context, string, string) error {
	s.writes++
	return errors.New("kv down")
}

func TestKVFailure(t *testing.T) {
	f := newFixture(t, nil)
	f.svc.Store = &failStore{}
	for _, path := range []string{"/config?url=https%3A%2F%2Fh.example.com%2F", "/healthz"} {
		w := f.do("GET", path, map[string]string{"Authorization": "Bearer " + apiKey})
		if w.Code != 503 || !strings.Contains(w.Body.String(), "errcode") && path != "/healthz" {
			t.Fatalf("%s with KV down: %d %s", path, w.Code, w.Body)
		}
	}
	w := f.do("GET", "/ticket", map[string]string{"Authorization": "Bearer " + apiKey})
	if e := decodeErr(t, w); w.Code != 503 || e.Code != 1053 {
		t.Fatalf("/ticket with KV down: %d %s", w.Code, w.Body)
	}
	// Writes failing while reads work: the fetched ticket is still served.
	g := newFixture(t, nil)
	g.svc.Store = &FaultyStore{Store: g.store, Write: true, Now: func() int64 { return 0 }}
	if w := g.config("https://h.example.com/"); w.Code != 200 {
		t.Fatalf("KV writes failing: %d %s", w.Code, w.Body)
	}
}

func TestSecretEndpoints(t *testing.T) {
	f := newFixture(t, nil)
	for _, path := range []string{"/token", "/ticket"} {
		none := f.do("GET", path, nil)
		wrong := f.do("GET", path, map[string]string{"Authorization": "Bearer x"})
		if none.Code != 401 || wrong.Code != 401 || none.Body.String() != wrong.Body.String() {
			t.Fatalf("%s: %d %s / %d %s", path, none.Code, none.Body, wrong.Code, wrong.Body)
		}
		right := f.do("GET", path, map[string]string{"Authorization": "Bearer " + apiKey})
		if right.Code != 200 {
			t.Fatalf("%s with the key: %d %s", path, right.Code, right.Body)
		}
	}
	g := newFixture(t, map[string]string{"API_KEY": ""})
	if w := g.do("GET", "/token", map[string]string{"Authorization": "Bearer "}); w.Code != 404 {
		t.Fatalf("/token without API_KEY: %d", w.Code)
	}
}

func TestPanicBecomesJSON500(t *testing.T) {
	f := newFixture(t, map[string]string{"WXSIGN_TEST_PANIC": "1"})
	w := f.do("GET", "/__test/panic", nil)
	if e := decodeErr(t, w); w.Code != 500 || e.Code != 1060 || strings.Contains(w.Body.String(), secret) || strings.Contains(w.Body.String(), "panic") {
		t.Fatalf("panic: %d %s", w.Code, w.Body)
	}
	if w := f.do("GET", "/nonce", nil); w.Code != 200 {
		t.Fatalf("after the panic: %d", w.Code)
	}
	if w := newFixture(t, nil).do("GET", "/__test/panic", nil); w.Code != 404 {
		t.Fatalf("/__test/panic without WXSIGN_TEST_PANIC: %d", w.Code)
	}
}

func TestSettings(t *testing.T) {
	tests := []struct {
		env      map[string]string
		problems string
	}{
		{map[string]string{"WECHAT_APPID": "", "WECHAT_APPSECRET": ""}, "WECHAT_APPID is not set; WECHAT_APPSECRET is not set"},
		{map[string]string{"WECHAT_TOKEN_MODE": "weird"}, `WECHAT_TOKEN_MODE must be "stable" or "classic"`},
		{map[string]string{"REFRESH_MARGIN": "10"}, "REFRESH_MARGIN must be"},
		{map[string]string{"WECHAT_API_BASE": "ftp://x"}, "WECHAT_API_BASE must be"},
		{map[string]string{"WECHAT_TOKEN_MODE": "Classic", "REFRESH_MARGIN": "600"}, ""},
	}
	for _, tt := range tests {
		f := newFixture(t, tt.env)
		got := strings.Join(f.svc.Settings.Problems, "; ")
		if tt.problems == "" && got != "" || !strings.Contains(got, tt.problems) {
			t.Errorf("env %v: problems %q, want %q", tt.env, got, tt.problems)
		}
		if tt.problems != "" {
			w := f.config("https://h.example.com/")
			if e := decodeErr(t, w); w.Code != 503 || e.Code != 1050 {
				t.Errorf("env %v: /config %d %s", tt.env, w.Code, w.Body)
			}
		}
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, nil)
	r := httptest.NewRequest("POST", "/config", strings.NewReader(strings.Repeat("a", core.MaxBodyLen+1)))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.svc.ServeHTTP(w, r)
	if e := decodeErr(t, w); w.Code != 413 || e.Code != 1022 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}
