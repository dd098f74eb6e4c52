package testhost_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/internal/testhost"
)

// backend is a testhost.Backend in memory: KV holds kv, the rate-limit
// bindings in deny say no and the others yes, and an ask of the
// coordinator answers fetch's result. It records every call.
type backend struct {
	mu      sync.Mutex
	kv      map[string]string
	deny    []string
	fetch   func(key string) (int, string, string)
	limits  []string // "binding key" per Limit call
	reads   []string // the keys read
	fetches []string // the keys asked of the coordinator
}

func (b *backend) Read(_ context.Context, key string) (string, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reads = append(b.reads, key)
	v, ok := b.kv[key]
	return v, ok, nil
}

func (b *backend) Fetch(_ context.Context, key string) (int, string, string) {
	b.mu.Lock()
	b.fetches = append(b.fetches, key)
	b.mu.Unlock()
	if b.fetch == nil {
		return 503, `{"errcode":1051,"errmsg":"no valid jsapi_ticket is available yet"}`, "30"
	}
	return b.fetch(key)
}

func (b *backend) Limit(_ context.Context, binding, key string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limits = append(b.limits, binding+" "+key)
	return !slices.Contains(b.deny, binding)
}

const serveKey = "serve-test-api-key-0123456789"

func serveEnv(extra ...string) map[string]string {
	env := map[string]string{
		"WECHAT_APPID": "wxapp", "WECHAT_APPSECRET": "s", "API_KEY": serveKey,
		"@WXSIGN_KV": "", "@CONFIG_RATE_LIMIT": "", "@AUTH_RATE_LIMIT": "",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "-" {
			delete(env, extra[i])
		} else {
			env[extra[i]] = extra[i+1]
		}
	}
	return env
}

// TestServeHardening holds the answers README's "When WeChat fails" and
// docs/api.md promise for requests that are not signed: 404 JSON for an
// unknown path, 405 naming the endpoint's own methods, 413 by
// Content-Length, 429 from either rate-limit binding (and none when
// RATE_LIMITS is off or the binding is absent), 401 with its challenge.
// Every request, unknown paths and 405s too, is counted by
// CONFIG_RATE_LIMIT first; failed authentications by AUTH_RATE_LIMIT too.
func TestServeHardening(t *testing.T) {
	page := "https://w.example/config?url=" + url.QueryEscape("https://h.example.com/a")
	ticket := string(record("TICKET", now+3600))
	token := string(record("TOKEN", now+3600))
	const (
		config = "CONFIG_RATE_LIMIT 198.51.100.7"
		auth   = "AUTH_RATE_LIMIT 198.51.100.7"
	)
	both := []string{api.LimitConfig, api.LimitAuth}
	bearer := map[string]string{"authorization": "Bearer " + serveKey}
	tests := []struct {
		name    string
		env     map[string]string
		method  string
		url     string
		header  map[string]string
		deny    []string // the rate-limit bindings that say no
		status  int
		errcode int
		headers map[string]string // headers the answer must carry
		limits  []string          // the Limit calls expected
		token   string            // the access_token answered
	}{
		{name: "unknown path", method: "GET", url: "https://w.example/nope", status: 404, errcode: 1030, limits: []string{config}},
		{name: "an unknown path is limited", method: "GET", url: "https://w.example/nope", deny: both, status: 429, errcode: 1026,
			headers: map[string]string{"Retry-After": "60"}, limits: []string{config}},
		{name: "a path with a trailing slash is no route", method: "GET", url: "https://w.example/config/", status: 404, errcode: 1030, limits: []string{config}},
		{name: "an escaped path is no route", method: "GET", url: "https://w.example/%63onfig?url=x", status: 404, errcode: 1030, limits: []string{config}},
		{name: "405 names /nonce's methods", method: "DELETE", url: "https://w.example/nonce", status: 405, errcode: 1020,
			headers: map[string]string{"Allow": "GET, HEAD, OPTIONS"}, limits: []string{config}},
		{name: "405 names /token's methods", method: "POST", url: "https://w.example/token", status: 405, errcode: 1020,
			headers: map[string]string{"Allow": "GET, HEAD"}, limits: []string{config}},
		{name: "405 names /healthz's methods", method: "PUT", url: "https://w.example/healthz", status: 405, errcode: 1020,
			headers: map[string]string{"Allow": "GET, HEAD"}, limits: []string{config}},
		{name: "405 names /config's methods", method: "DELETE", url: page, status: 405, errcode: 1020,
			headers: map[string]string{"Allow": api.ConfigMethods}, limits: []string{config}},
		{name: "a 405 is limited", method: "DELETE", url: "https://w.example/nonce", deny: both, status: 429, errcode: 1026,
			headers: map[string]string{"Retry-After": "60"}, limits: []string{config}},
		{name: "413 by Content-Length", method: "POST", url: "https://w.example/config",
			header: map[string]string{"content-length": "20000", "content-type": "application/json"}, status: 413, errcode: 1022,
			limits: []string{config}},
		{name: "413 on /token by Content-Length", method: "GET", url: "https://w.example/token",
			header: map[string]string{"content-length": "20000", "authorization": "Bearer " + serveKey}, status: 413, errcode: 1022,
			limits: []string{config}},
		{name: "413 on /healthz by Content-Length", method: "GET", url: "https://w.example/healthz",
			header: map[string]string{"content-length": "20000"}, status: 413, errcode: 1022, limits: []string{config}},
		{name: "signed when the binding allows", method: "GET", url: page, status: 200, limits: []string{config}},
		{name: "429 when CONFIG_RATE_LIMIT says no", method: "GET", url: page, deny: []string{api.LimitConfig}, status: 429, errcode: 1026,
			headers: map[string]string{"Retry-After": "60"}, limits: []string{config}},
		{name: "RATE_LIMITS=off", env: serveEnv("RATE_LIMITS", "off"), method: "GET", url: page, deny: both, status: 200},
		{name: "no binding, no limit", env: serveEnv("@CONFIG_RATE_LIMIT", "-"), method: "GET", url: page, deny: both, status: 200},
		{name: "/nonce is limited", method: "GET", url: "https://w.example/nonce", deny: both, status: 429, errcode: 1026,
			headers: map[string]string{"Retry-After": "60"}, limits: []string{config}},
		{name: "/healthz is limited", method: "GET", url: "https://w.example/healthz", deny: both, status: 429, errcode: 1026,
			headers: map[string]string{"Retry-After": "60"}, limits: []string{config}},
		{name: "/token is limited before its key is looked at", method: "GET", url: "https://w.example/token", header: bearer,
			deny: []string{api.LimitConfig}, status: 429, errcode: 1026, limits: []string{config}},
		{name: "401 with its challenge", method: "GET", url: "https://w.example/token", status: 401, errcode: 1040,
			headers: map[string]string{"WWW-Authenticate": `Bearer realm="wxsign"`}, limits: []string{config, auth}},
		{name: "429 when AUTH_RATE_LIMIT says no", method: "GET", url: "https://w.example/ticket",
			header: map[string]string{"authorization": "Bearer wrong"}, deny: []string{api.LimitAuth}, status: 429, errcode: 1026,
			headers: map[string]string{"Retry-After": "60"}, limits: []string{config, auth}},
		{name: "the right key: the module answers /token", method: "GET", url: "https://w.example/token",
			header: bearer, deny: []string{api.LimitAuth}, status: 200, limits: []string{config}, token: "TOKEN"},
		{name: "no API_KEY: /token does not exist", env: serveEnv("API_KEY", "-"), method: "GET", url: "https://w.example/token",
			header: map[string]string{"authorization": "Bearer "}, status: 404, errcode: 1030, limits: []string{config}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSigner(t)
			env := tt.env
			if env == nil {
				env = serveEnv()
			}
			h := map[string]string{"cf-connecting-ip": "198.51.100.7"}
			for k, v := range tt.header {
				h[k] = v
			}
			b := &backend{kv: map[string]string{"wxsign:wxapp:jsapi_ticket": ticket, "wxsign:wxapp:access_token": token}, deny: tt.deny}
			r, err := s.Serve(context.Background(), env, testhost.Request{Method: tt.method, URL: tt.url, Header: h}, now, b)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(b.limits, "; ") != strings.Join(tt.limits, "; ") {
				t.Errorf("Limit calls %q, want %q", b.limits, tt.limits)
			}
			var e struct {
				ErrCode   int    `json:"errcode"`
				ErrMsg    string `json:"errmsg"`
				Token     string `json:"access_token"`
				ExpiresAt int64  `json:"expires_at"`
			}
			if err := json.Unmarshal(r.Body, &e); err != nil {
				t.Fatalf("body %q: %v", r.Body, err)
			}
			if r.Status != tt.status || e.ErrCode != tt.errcode || (tt.errcode != 0) != (e.ErrMsg != "") {
				t.Fatalf("%d %s, want %d errcode %d", r.Status, r.Body, tt.status, tt.errcode)
			}
			if e.Token != tt.token || tt.token != "" && e.ExpiresAt != now+3600 {
				t.Fatalf("%s: access_token %q expires_at %d, want %q", r.Body, e.Token, e.ExpiresAt, tt.token)
			}
			if r.Get("Content-Type") != "application/json; charset=utf-8" || r.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", r.Header)
			}
			for name, want := range tt.headers {
				if got := r.Get(name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if tt.status != 200 && len(b.fetches) != 0 {
				t.Errorf("a refused request asked the coordinator for %q", b.fetches)
			}
		})
	}
}

// TestServeOverflow: a field too large for the input region, written as
// the JS entry writes it (its length, 2^32-1, and none of its bytes), is
// refused by which field it is: the request URL 414, a header 431, the
// body 413.
func TestServeOverflow(t *testing.T) {
	a := newABI(t)
	tooBig := binary.LittleEndian.AppendUint32(nil, 0xffffffff)
	u := "https://w.example/config?url=https%3A%2F%2Fh.example.com%2F"
	for _, tt := range []struct {
		name   string
		before []string // the fields that fit
		status int
		err    *core.Error
	}{
		{"request URL", []string{"GET"}, 414, core.ErrURITooLong},
		{"Content-Type", []string{"GET", u}, 431, core.ErrHeaderTooLarge},
		{"Authorization", []string{"GET", u, "", ""}, 431, core.ErrHeaderTooLarge},
		{"body", []string{"POST", u, "application/json", "", "", "", ""}, 413, core.ErrBodyTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw := append(frame(tt.before...), tooBig...)
			status, _, body := a.call(t, a.config, raw, uint32(len(raw)))
			if status != tt.status || errcode(t, body) != tt.err.Code {
				t.Fatalf("%d %s, want %d errcode %d", status, body, tt.status, tt.err.Code)
			}
		})
	}
}

// TestServeStillOld: when the coordinator answers that WeChat still hands
// out the ticket that is about to die (1055), the module passes its answer
// and Retry-After on, and keeps giving it without asking again until
// Retry-After has passed.
func TestServeStillOld(t *testing.T) {
	s := newSigner(t)
	stillOld := `{"errcode":1055,"errmsg":"` + core.ErrStillOld.Msg + `"}`
	b := &backend{
		kv:    map[string]string{"wxsign:wxapp:jsapi_ticket": string(record("OLD", now-1))},
		fetch: func(string) (int, string, string) { return 503, stillOld, "11" },
	}
	req := testhost.Request{Method: "GET", URL: "https://w.example/config?url=" + url.QueryEscape("https://h.example.com/"),
		Header: map[string]string{"cf-connecting-ip": "198.51.100.7"}}
	for i, at := range []int64{now, now + 5} {
		r, err := s.Serve(context.Background(), serveEnv(), req, at, b)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != 503 || string(r.Body) != stillOld || r.Get("Retry-After") != []string{"11", "6"}[i] {
			t.Fatalf("at +%d: %d %s, Retry-After %q", at-now, r.Status, r.Body, r.Get("Retry-After"))
		}
	}
	if len(b.fetches) != 1 {
		t.Fatalf("%d fetches, want 1: the answer holds until Retry-After", len(b.fetches))
	}
}
