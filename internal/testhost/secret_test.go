package testhost_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/edge/service"
	"github.com/wxsign/wxsign/internal/fakes"
	"github.com/wxsign/wxsign/internal/testhost"
	"github.com/wxsign/wxsign/internal/testkit"
	"github.com/wxsign/wxsign/wechattest"
)

// The module's back-end endpoints and /healthz, over a Worker in small:
// the module under wazero, Workers KV in memory, and the coordinator
// (edge/service, with its memory) against the WeChat stand-in.

const (
	appA     = "wxhostA0123456789"
	appB     = "wxhostB0123456789"
	secretA  = "host-secret-A-0123456789"
	secretB  = "host-secret-B-0123456789"
	corp     = "wwhost0123456789"
	secret2  = "host-agent-secret-2-0123"
	secret3  = "host-agent-secret-3-0123"
	apiKey   = "host-api-key-0123456789"
	relayKey = "host-relay-key-0123456789"
	clientIP = "198.51.100.7"
)

// worker is the module with its host: KV, the coordinator, the bindings.
type worker struct {
	s     *testhost.Signer
	coord *testhost.Signer // where the coordinator's passes run
	env   map[string]string
	wc    *wechattest.Server
	kv    *fakes.MemStore
	svc   *service.Service

	mu        sync.Mutex
	now       int64
	failReads bool     // every KV read fails, as Workers KV may
	reads     []string // KV keys read by the module
	fetches   []string // keys asked of the coordinator
	limits    []string // "binding ip" per rate-limit check
}

// workerEnv is two official accounts and a WeCom corp with two agents.
func workerEnv() map[string]string {
	return map[string]string{
		"WECHAT_APPID": appA + "," + appB, "WECHAT_APPSECRET_" + appA: secretA, "WECHAT_APPSECRET_" + appB: secretB,
		"WECOM_CORPID": corp, "WECOM_AGENTS": "1000002,1000003", "WECOM_SECRET_1000002": secret2, "WECOM_SECRET_1000003": secret3,
		"API_KEY": apiKey, "ALLOWED_HOSTS": "h.example.com", "WECHAT_API_BASE": "http://wechat.test", "WECOM_API_BASE": "http://qyapi.test",
		"@WXSIGN_KV": "", "@CONFIG_RATE_LIMIT": "", "@AUTH_RATE_LIMIT": "",
	}
}

// newWorker starts a Worker whose module instance is one (PoolSize 1), so
// that what it holds between requests is what one isolate holds.
func newWorker(t testing.TB, env map[string]string) *worker {
	t.Helper()
	s, err := testhost.New(context.Background(), wasmBytes, &testhost.Options{Cache: testCache, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	c, err := testhost.New(context.Background(), wasmBytes, &testhost.Options{Cache: testCache, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	w := &worker{s: s, coord: c, env: workerEnv(), wc: wechattest.New(appA, secretA), kv: &fakes.MemStore{}, now: 1_800_000_000}
	for k, v := range env {
		if v == "-" {
			delete(w.env, k)
		} else {
			w.env[k] = v
		}
	}
	w.wc.AddApp(appB, secretB)
	w.wc.AddCorp(corp, map[string]string{"1000002": secret2, "1000003": secret3})
	w.wc.SetClock(w.clock)
	settings := api.LoadSettings(func(k string) string { return w.env[k] })
	client := &wechat.Client{BaseURL: settings.APIBase, WeComBaseURL: settings.WeComAPIBase, RelayKey: settings.RelayKey,
		Doer: relayDoer{w.wc.Doer()}, Timeout: 300 * time.Millisecond, Now: w.clock}
	w.svc = &service.Service{Settings: settings, Store: w.kv, Mem: &fakes.MemStore{}, WeChat: client, Now: w.clock}
	return w
}

// relayDoer takes the relay key off, as cmd/wxsign-relay does.
type relayDoer struct{ next wechat.Doer }

func (d relayDoer) Do(r *http.Request) (*http.Response, error) {
	out := r.Clone(r.Context())
	out.Header.Del(wechat.RelayKeyHeader)
	return d.next.Do(out)
}

func (w *worker) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return time.Unix(w.now, 0)
}

func (w *worker) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now += int64(d / time.Second)
}

func (w *worker) Read(ctx context.Context, key string) (string, bool, error) {
	w.mu.Lock()
	w.reads = append(w.reads, key)
	fail := w.failReads
	w.mu.Unlock()
	if fail {
		return "", false, errors.New("KV read failed")
	}
	return w.kv.Get(ctx, key)
}

// Fetch asks the key's coordinator, as the Worker's entry does: its pass
// runs in the module, in an instance of its own (the coordinator's
// isolate), so that the Worker's keeps what it holds.
func (w *worker) Fetch(ctx context.Context, key string) (int, string, string) {
	w.mu.Lock()
	w.fetches = append(w.fetches, key)
	w.mu.Unlock()
	r, err := w.coord.Pass(ctx, w.env, cred.CredentialPath+"?key="+url.QueryEscape(key), w.clock().Unix(),
		&coord.Host{Store: w.kv, Mem: w.svc.Mem, Send: w.svc.WeChat.Send})
	if err != nil {
		return 500, err.Error(), ""
	}
	return r.Status, string(r.Body), r.Get("Retry-After")
}

func (w *worker) Limit(_ context.Context, binding, key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.limits = append(w.limits, binding+" "+key)
	return true
}

// counts returns how many KV reads and coordinator asks there were so far.
func (w *worker) counts() (reads, fetches int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.reads), len(w.fetches)
}

// do sends the module a GET with the given Authorization ("" for none).
func (w *worker) do(t testing.TB, target, authorization string) testhost.Result {
	t.Helper()
	h := map[string]string{"cf-connecting-ip": clientIP}
	if authorization != "" {
		h["authorization"] = authorization
	}
	r, err := w.s.Serve(context.Background(), w.env, testhost.Request{Method: "GET", URL: "https://wx.example.com" + target, Header: h},
		w.clock().Unix(), w)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var authorized = "Bearer " + apiKey

// secret asks an authorized /token or /ticket for its value.
func (w *worker) secret(t testing.TB, target string) (string, int64, testhost.Result) {
	t.Helper()
	r := w.do(t, target, authorized)
	var body map[string]any
	json.Unmarshal(r.Body, &body)
	field := "ticket"
	if strings.HasPrefix(target, "/token") {
		field = "access_token"
	}
	v, _ := body[field].(string)
	exp, _ := body["expires_at"].(float64)
	return v, int64(exp), r
}

type errBody struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

func decodeErr(t testing.TB, r testhost.Result) errBody {
	t.Helper()
	var e errBody
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Code == 0 {
		t.Fatalf("%d %q is no error JSON: %v", r.Status, r.Body, err)
	}
	if r.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", r.Get("Content-Type"))
	}
	return e
}

// health is /healthz's answer.
type health = testkit.Health

func decodeHealth(t testing.TB, r testhost.Result) health {
	t.Helper()
	var h health
	if err := json.Unmarshal(r.Body, &h); err != nil {
		t.Fatalf("/healthz %d %q: %v", r.Status, r.Body, err)
	}
	return h
}

// healthz asks for /healthz at the given URL host.
func (w *worker) healthz(t testing.TB, hostport string) (health, testhost.Result) {
	t.Helper()
	r, err := w.s.Serve(context.Background(), w.env, testhost.Request{Method: "GET", URL: "https://" + hostport + "/healthz",
		Header: map[string]string{"cf-connecting-ip": clientIP}}, w.clock().Unix(), w)
	if err != nil {
		t.Fatal(err)
	}
	return decodeHealth(t, r), r
}

// TestSecretsPerOwner asks for every owner's token and ticket, B's first,
// of an isolate that holds nothing (each is asked of the coordinator):
// each answer is the one the stand-in issued to that owner, never
// another's. Asked again, each comes from what the isolate holds.
func TestSecretsPerOwner(t *testing.T) {
	w := newWorker(t, nil)
	app := func(id string, pick func(wechattest.AppState) string) func() string {
		return func() string { st, _ := w.wc.App(id); return pick(st) }
	}
	agent := func(id string, pick func(wechattest.AgentState) string) func() string {
		return func() string { st, _ := w.wc.Agent(corp, id); return pick(st) }
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
	for round := range 2 {
		_, fetches := w.counts()
		for _, tt := range tests {
			v, exp, r := w.secret(t, tt.target)
			if r.Status != 200 || v == "" || v != tt.want() || r.Get("Cache-Control") != "no-store" {
				t.Errorf("round %d: %s: %d %s; the stand-in issued %q", round, tt.target, r.Status, r.Body, tt.want())
			}
			if exp <= w.clock().Unix() {
				t.Errorf("%s: expires_at %d", tt.target, exp)
			}
			if round == 1 && v != served[tt.target] {
				t.Errorf("%s: %q, then %q", tt.target, served[tt.target], v)
			}
			served[tt.target] = v
		}
		if _, n := w.counts(); round == 1 && n != fetches {
			t.Errorf("the second round asked the coordinator %d times", n-fetches)
		}
	}
	for _, pair := range [][2]string{
		{"/token?appid=" + appA, "/token?appid=" + appB}, {"/ticket?appid=" + appA, "/ticket?appid=" + appB},
		{"/token?agentid=1000002", "/token?agentid=1000003"},
	} {
		if served[pair[0]] == served[pair[1]] {
			t.Errorf("%s and %s both served %q", pair[0], pair[1], served[pair[0]])
		}
	}
	for _, target := range []string{"/token?appid=wxother", "/ticket?appid=wxother", "/token?agentid=1000009", "/ticket?agentid=x",
		"/token?appid=" + appB + "&agentid=1000002"} {
		r := w.do(t, target, authorized)
		if e := decodeErr(t, r); r.Status != 404 || e.Code != core.ErrUnknownApp.Code {
			t.Errorf("%s: %d %s", target, r.Status, r.Body)
		}
	}
}

// TestSecretStrictQuery: a query that is malformed, repeats a parameter
// or names no configured owner is refused (400 bad request, or 404 unknown
// app), never answered with another owner's value, app A's (the default)
// least of all, and costs no KV read and no ask.
func TestSecretStrictQuery(t *testing.T) {
	w := newWorker(t, nil)
	// Every value held, so that a wrong pick would show.
	var values []string
	for _, target := range []string{"/token", "/ticket", "/token?appid=" + appB, "/ticket?appid=" + appB,
		"/token?agentid=1000002", "/token?agentid=1000003", "/ticket?agentid=1000002", "/ticket?agentid=1000003"} {
		v, _, r := w.secret(t, target)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", target, r.Status, r.Body)
		}
		values = append(values, v)
	}
	bad, unknown := core.ErrBadRequest, core.ErrUnknownApp
	for _, tt := range []struct {
		target string
		want   *core.Error
	}{
		{"/token?agentid=1000003%zz", bad},
		{"/ticket?agentid=1000003%zz", bad},
		{"/token?appid=" + appB + "%", bad},
		{"/ticket?appid=" + appB + "%", bad},
		{"/token?appid=%zz" + appB, bad},
		{"/ticket?appid=" + appB + "&appid=" + appB, bad},
		{"/token?appid=" + appB + "&appid=" + appA, bad},
		{"/ticket?appid=" + appA + "&appid=" + appB, bad},
		{"/token?agentid=1000002&agentid=1000003", bad},
		{"/ticket?appid=" + appB + ";x=1", unknown},
		{"/token?appid=" + appB + ";x=1", unknown},
		{"/token?appid=" + appB + "x", unknown},
		{"/ticket?appid=", bad},
		{"/token?agentid=", bad},
	} {
		reads, fetches := w.counts()
		r := w.do(t, tt.target, authorized)
		e := decodeErr(t, r)
		if r.Status != tt.want.Status || e.Code != tt.want.Code {
			t.Errorf("%s: %d %s, want %d errcode %d", tt.target, r.Status, r.Body, tt.want.Status, tt.want.Code)
		}
		for _, v := range values {
			if strings.Contains(string(r.Body), v) {
				t.Errorf("%s: answered %q", tt.target, v)
			}
		}
		if r2, f2 := w.counts(); r2 != reads || f2 != fetches {
			t.Errorf("%s: %d KV reads, %d asks", tt.target, r2-reads, f2-fetches)
		}
	}
}

// TestSecretAuth: every refused Authorization gets the same 401 body with
// its challenge, is counted by both rate-limit bindings, and costs no KV
// read, ask or WeChat call; without API_KEY the endpoints do not exist.
func TestSecretAuth(t *testing.T) {
	refused := []string{"", "Bearer", "Bearer ", "Bearer x", "Bearer " + apiKey + ", x", "Bearer " + apiKey + " ",
		"Bearer  " + apiKey, " Bearer " + apiKey, apiKey, "Basic " + apiKey,
		"Bearer " + apiKey[:len(apiKey)-1], "Bearer " + apiKey + "0"}
	for _, path := range []string{"/token", "/ticket", "/token?agentid=1000002", "/ticket?appid=" + appB} {
		w := newWorker(t, nil)
		var first string
		for _, h := range refused {
			w.limits = nil
			r := w.do(t, path, h)
			e := decodeErr(t, r)
			if r.Status != 401 || e.Code != core.ErrUnauthorized.Code || r.Get("WWW-Authenticate") != `Bearer realm="wxsign"` {
				t.Errorf("%s with %q: %d %s %v", path, h, r.Status, r.Body, r.Header)
			}
			if first == "" {
				first = string(r.Body)
			} else if string(r.Body) != first {
				t.Errorf("%s: refusals differ: %s and %s", path, first, r.Body)
			}
			if want := []string{api.LimitConfig + " " + clientIP, api.LimitAuth + " " + clientIP}; !slices.Equal(w.limits, want) {
				t.Errorf("%s with %q: rate-limit checks %q, want %q", path, h, w.limits, want)
			}
		}
		if reads, fetches := w.counts(); reads != 0 || fetches != 0 || w.wc.Stats().Calls() != 0 {
			t.Errorf("%s: refusals made %d KV reads, %d asks, %d WeChat calls", path, reads, fetches, w.wc.Stats().Calls())
		}
		if v, _, r := w.secret(t, path); r.Status != 200 || v == "" {
			t.Errorf("%s with the key: %d %s", path, r.Status, r.Body)
		}
	}
	w := newWorker(t, map[string]string{"API_KEY": "-"})
	for _, h := range []string{"", "Bearer ", "Bearer x", "Bearer " + apiKey} {
		for _, path := range []string{"/token", "/ticket"} {
			if r := w.do(t, path, h); r.Status != 404 || decodeErr(t, r).Code != core.ErrNotFound.Code {
				t.Errorf("%s without API_KEY, %q: %d %s", path, h, r.Status, r.Body)
			}
		}
	}
}

// TestSecretRereads: tokens can be revoked before they expire, so /token
// and /ticket read the record from KV again after RecordTTL, and not
// before.
func TestSecretRereads(t *testing.T) {
	w := newWorker(t, nil)
	ctx := context.Background()
	key := "wxsign:" + appA + ":access_token"
	put := func(v string) {
		rec := cred.Record{Value: v, ExpiresAt: w.clock().Unix() + 7000, FetchedAt: w.clock().Unix()}
		w.kv.Put(ctx, key, string(rec.AppendJSON(nil)))
	}
	put("TOKEN_ONE")
	if v, _, r := w.secret(t, "/token"); v != "TOKEN_ONE" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	put("TOKEN_TWO")
	w.advance((api.RecordTTL - 1) * time.Second)
	reads, _ := w.counts()
	if v, _, _ := w.secret(t, "/token"); v != "TOKEN_ONE" {
		t.Errorf("within RecordTTL: %q", v)
	}
	if r, _ := w.counts(); r != reads {
		t.Errorf("within RecordTTL: %d KV reads", r-reads)
	}
	w.advance(time.Second)
	if v, _, _ := w.secret(t, "/token"); v != "TOKEN_TWO" {
		t.Errorf("after RecordTTL: %q", v)
	}
	if r, _ := w.counts(); r != reads+1 {
		t.Errorf("after RecordTTL: %d KV reads, want 1", r-reads)
	}
	if _, f := w.counts(); f != 0 || w.wc.Stats().Calls() != 0 {
		t.Errorf("records KV held were asked of the coordinator")
	}
}

// TestSecretRefused: a record the coordinator refuses is answered 503 with
// its errcode and Retry-After, and asked again only after Retry-After.
func TestSecretRefused(t *testing.T) {
	for _, target := range []string{"/token", "/ticket?appid=" + appB, "/token?agentid=1000003"} {
		t.Run(target, func(t *testing.T) {
			w := newWorker(t, nil)
			w.wc.SetWhitelist([]string{"203.0.113.9"})
			start := w.clock().Unix()
			var first string
			for _, at := range []int64{0, 10, 29} {
				w.advance(time.Duration(start+at-w.clock().Unix()) * time.Second)
				r := w.do(t, target, authorized)
				e := decodeErr(t, r)
				if r.Status != 503 || (e.Code != 40164 && e.Code != 60020) || r.Get("Retry-After") != strconv.Itoa(int(30-at)) {
					t.Fatalf("at +%d: %d %s, Retry-After %q", at, r.Status, r.Body, r.Get("Retry-After"))
				}
				if first == "" {
					first = string(r.Body)
				} else if string(r.Body) != first {
					t.Errorf("at +%d: %s, first %s", at, r.Body, first)
				}
			}
			if _, f := w.counts(); f != 1 || w.wc.Stats().Calls() != 1 {
				t.Fatalf("%d asks, %d WeChat calls during the back-off, want 1", f, w.wc.Stats().Calls())
			}
			w.wc.SetWhitelist(nil)
			w.advance(time.Second)
			if v, _, r := w.secret(t, target); r.Status != 200 || v == "" {
				t.Fatalf("after Retry-After: %d %s", r.Status, r.Body)
			}
			if _, f := w.counts(); f != 2 {
				t.Errorf("%d asks, want 2", f)
			}
		})
	}
}

// TestHealthz checks that /healthz shows every key's state, as KV holds
// it, and nothing secret: no secret, token or ticket, and URL settings
// without their userinfo and query.
func TestHealthz(t *testing.T) {
	w := newWorker(t, map[string]string{"WECHAT_RELAY_KEY": relayKey})
	ctx := context.Background()
	if err := w.svc.Cron(ctx); err != nil {
		t.Fatal(err)
	}
	// A page used app A's card ticket; nobody B's.
	if code, body, _ := w.Fetch(ctx, "wxsign:"+appA+":wx_card_ticket"); code != 200 {
		t.Fatalf("card ticket: %d %s", code, body)
	}
	w.fetches = nil
	w.advance(10 * time.Minute)
	w.svc.Cron(ctx) // nothing is due yet; every value is now 600 s old
	h, r := w.healthz(t, "wx.example.com")
	if r.Status != 200 || !h.OK || len(h.Problems) != 0 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var want []string
	for _, k := range w.svc.Settings.Keys() {
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
	if !h.Config.Relay || h.Config.APIBase != "http://wechat.test" || h.Config.TokenMode != "stable" || !h.Config.APIKeySet ||
		h.Config.Host != "wx.example.com" {
		t.Errorf("config %+v", h.Config)
	}
	if c := h.Cred("wecom_corp_ticket", corp+"/1000002"); c == nil || c.Budget != 50-cred.CronPerHour {
		t.Errorf("the corp ticket's budget: %+v", c)
	}
	// Nothing secret anywhere in the body.
	secrets := []string{secretA, secretB, secret2, secret3, apiKey, relayKey}
	for _, id := range []string{appA, appB} {
		st, _ := w.wc.App(id)
		secrets = append(secrets, st.AccessToken, st.Ticket, st.CardTicket)
	}
	for _, id := range []string{"1000002", "1000003"} {
		st, _ := w.wc.Agent(corp, id)
		secrets = append(secrets, st.AccessToken, st.CorpTicket, st.AgentTicket)
	}
	for _, ti := range w.wc.Tickets() {
		secrets = append(secrets, ti.Ticket)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(string(r.Body), s) {
			t.Errorf("/healthz reveals %q", s)
		}
	}
	for _, s := range []string{"ACCESS_TOKEN_", "TICKET_"} {
		if strings.Contains(string(r.Body), s) {
			t.Errorf("/healthz has %q: %s", s, r.Body)
		}
	}
	if strings.Contains(strings.Join(h.Warnings, ";"), "workers.dev") {
		t.Errorf("a workers.dev warning on a custom domain: %q", h.Warnings)
	}
	if _, f := w.counts(); f != 0 {
		t.Errorf("/healthz asked the coordinator %d times", f)
	}
}

// TestHealthzError: a refusal the coordinator wrote to KV shows in
// /healthz, with its errcode and back-off: at once in another isolate, and
// in the one that asked once HealthTTL has passed.
func TestHealthzError(t *testing.T) {
	w := newWorker(t, nil)
	w.wc.SetWhitelist([]string{"203.0.113.9"})
	start := w.clock().Unix()
	if _, _, r := w.secret(t, "/ticket"); r.Status != 503 {
		t.Fatalf("/ticket: %d %s", r.Status, r.Body)
	}
	check := func(who string, h health) {
		t.Helper()
		c := h.Cred("jsapi_ticket", appA)
		if c == nil || c.LastErrCode != 40164 || c.Usable || c.Failures != 1 || c.NextAttempt <= start ||
			!strings.Contains(c.LastError, "add it to the whitelist") {
			t.Errorf("%s: /healthz: %+v", who, c)
		}
	}
	other := newSigner(t)
	r, err := other.Serve(context.Background(), w.env, testhost.Request{Method: "GET", URL: "https://wx.example.com/healthz"}, w.clock().Unix(), w)
	if err != nil {
		t.Fatal(err)
	}
	check("another isolate", decodeHealth(t, r))
	w.advance(api.HealthTTL * time.Second)
	h, _ := w.healthz(t, "wx.example.com")
	check("the isolate that asked, after HealthTTL", h)
}

// TestHealthzTTL: /healthz reads every key from KV once, then answers from
// what the isolate holds until HealthTTL has passed: a monitor polling it
// cannot spend the plan's KV reads.
func TestHealthzTTL(t *testing.T) {
	w := newWorker(t, nil)
	ctx := context.Background()
	keys := len(w.svc.Settings.Keys())
	h, _ := w.healthz(t, "wx.example.com")
	if reads, _ := w.counts(); reads != keys {
		t.Fatalf("the first /healthz read %d keys, want %d", reads, keys)
	}
	if c := h.Cred("access_token", appA); c == nil || c.Present {
		t.Fatalf("before the cron: %+v", c)
	}
	if err := w.svc.Cron(ctx); err != nil {
		t.Fatal(err)
	}
	w.advance((api.HealthTTL - 1) * time.Second)
	for range 5 {
		h, _ = w.healthz(t, "wx.example.com")
	}
	if reads, _ := w.counts(); reads != keys {
		t.Errorf("within HealthTTL: %d more KV reads", reads-keys)
	}
	if c := h.Cred("access_token", appA); c == nil || c.Present {
		t.Errorf("within HealthTTL, what the isolate held: %+v", c)
	}
	w.advance(time.Second)
	h, _ = w.healthz(t, "wx.example.com")
	if reads, _ := w.counts(); reads != 2*keys {
		t.Errorf("after HealthTTL: %d more KV reads, want %d", reads-keys, keys)
	}
	if c := h.Cred("access_token", appA); c == nil || !c.Present || !c.Usable {
		t.Errorf("after HealthTTL: %+v", c)
	}
	if _, f := w.counts(); f != 0 {
		t.Errorf("/healthz asked the coordinator %d times", f)
	}
}

func TestHealthzHostWarning(t *testing.T) {
	w := newWorker(t, nil)
	for _, tt := range []struct {
		host string
		warn bool
	}{
		{"wxsign.someone.workers.dev", true},
		{"WXSIGN.SOMEONE.WORKERS.DEV:443", true},
		{"wx.example.com", false},
		{"workers.dev.example.com", false},
	} {
		h, _ := w.healthz(t, tt.host)
		if got := strings.Contains(strings.Join(h.Warnings, ";"), "workers.dev"); got != tt.warn {
			t.Errorf("host %s: warnings %q", tt.host, h.Warnings)
		}
		if h.Config.Host != tt.host {
			t.Errorf("request_host %q, want %q", h.Config.Host, tt.host)
		}
	}
}

// TestHealthzSafeURL: a relay's URL may carry credentials in its userinfo
// or query; /healthz, which anyone can read, shows it without them.
func TestHealthzSafeURL(t *testing.T) {
	w := newWorker(t, map[string]string{
		"WECHAT_API_BASE": "https://wxsign:relaypass@relay.example.com/wx?key=qsecret#frag",
		"WECOM_API_BASE":  "https://relay.example.com/qy?token=qysecret",
	})
	h, r := w.healthz(t, "wx.example.com")
	if h.Config.APIBase != "https://relay.example.com/wx" || h.Config.WeComAPIBase != "https://relay.example.com/qy" {
		t.Errorf("API bases shown as %q and %q", h.Config.APIBase, h.Config.WeComAPIBase)
	}
	for _, s := range []string{"relaypass", "qsecret", "qysecret", "frag"} {
		if strings.Contains(string(r.Body), s) {
			t.Errorf("/healthz reveals %q", s)
		}
	}
}

// TestConcurrentHealthz: /healthz adds to the settings' problems and
// warnings for its own answer, and must not write into theirs: the same
// count on every answer, one instance after another and many at once.
func TestConcurrentHealthz(t *testing.T) {
	env := map[string]string{"WECHAT_TOKEN_MODE": "fast", "REFRESH_MARGIN": "1", "WECHAT_APPSECRET_" + appB: "-"}
	w := newWorker(t, env)
	w.failReads = true
	settings := w.svc.Settings
	problems, warnings := len(settings.Problems), len(settings.Warnings)
	if problems != 3 {
		t.Fatalf("problems %q", settings.Problems)
	}
	check := func(h health, r testhost.Result) {
		// Its own: Workers KV failing, and the workers.dev host.
		if r.Status != 503 || h.OK || len(h.Problems) != problems+1 || len(h.Warnings) != warnings+1 {
			t.Errorf("%d: problems %q, warnings %q", r.Status, h.Problems, h.Warnings)
		}
	}
	for range 4 {
		check(w.healthz(t, "x.workers.dev"))
	}
	s := newSigner(t) // a pool of instances
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 {
				r, err := s.Serve(context.Background(), w.env, testhost.Request{Method: "GET", URL: "https://x.workers.dev/healthz"}, w.clock().Unix(), w)
				if err != nil {
					t.Error(err)
					return
				}
				var h health
				if err := json.Unmarshal(r.Body, &h); err != nil {
					t.Errorf("%q: %v", r.Body, err)
					return
				}
				check(h, r)
			}
		}()
	}
	wg.Wait()
	if reads, fetches := w.counts(); reads == 0 || fetches != 0 {
		t.Errorf("%d KV reads, %d asks of the coordinator: want reads tried and failed, no ask", reads, fetches)
	}
}
