package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/wechattest"
)

// The tests talk to the stand-in in-process (its Doer), through its
// gateway rules, so that they also run where there are no sockets
// (GOOS=wasip1).

const (
	appID    = "wxtest0123456789a"
	secret   = "test-secret-abcdef0123456789"
	corpID   = "wwtest0123456789"
	secret2  = "agent-secret-2-0123456789"
	secret3  = "agent-secret-3-0123456789"
	relayKey = "relay-key-0123456789"
)

var clock = time.Unix(1_700_000_000, 0)

func env(extra map[string]string) func(string) string {
	vars := map[string]string{"WECHAT_APPID": appID, "WECHAT_APPSECRET": secret,
		"WECOM_CORPID": corpID, "WECOM_AGENTS": "1000002,1000003", "WECOM_SECRET_1000002": secret2, "WECOM_SECRET_1000003": secret3}
	for k, v := range extra {
		vars[k] = v
	}
	return func(k string) string { return vars[k] }
}

// key is the settings' key named name (its KV key).
func key(t *testing.T, s *api.Settings, name string) *cred.Key {
	t.Helper()
	for _, k := range s.Keys() {
		if k.String() == name {
			return k
		}
	}
	t.Fatalf("no key %s among %v", name, s.Keys())
	return nil
}

// sent is a request as it left the client.
type sent struct {
	Method, Host, Path string
	Query              url.Values
	ContentLength      int64
	ContentType        string
	RelayKey           string
	Body               []byte
}

// recorder is a Doer that records each request and passes it on. It strips
// the relay key header before passing it on, as the relay does, and with
// chunk set it drops the body's length, as syumai/workers' fetch did.
type recorder struct {
	next  wechat.Doer
	chunk bool
	reqs  []sent
}

func (d *recorder) Do(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	d.reqs = append(d.reqs, sent{Method: r.Method, Host: r.URL.Host, Path: r.URL.Path, Query: r.URL.Query(),
		ContentLength: r.ContentLength, ContentType: r.Header.Get("Content-Type"), RelayKey: r.Header.Get(wechat.RelayKeyHeader), Body: body})
	out := r.Clone(r.Context())
	out.Header.Del(wechat.RelayKeyHeader)
	if r.Body != nil {
		out.Body = io.NopCloser(bytes.NewReader(body))
		if d.chunk {
			out.ContentLength = 0 // unknown: net/http sends it chunked
		}
	}
	return d.next.Do(out)
}

func (d *recorder) last() sent { return d.reqs[len(d.reqs)-1] }

type fixture struct {
	wc       *wechattest.Server
	rec      *recorder
	client   *wechat.Client
	settings api.Settings
}

func newFixture(t *testing.T, extra map[string]string) *fixture {
	t.Helper()
	wc := wechattest.New(appID, secret)
	wc.AddCorp(corpID, map[string]string{"1000002": secret2, "1000003": secret3})
	wc.SetClock(func() time.Time { return clock })
	f := &fixture{wc: wc, rec: &recorder{next: wc.Doer()}, settings: api.LoadSettings(env(extra))}
	f.client = &wechat.Client{BaseURL: "http://api.test", WeComBaseURL: "http://qyapi.test", RelayKey: f.settings.RelayKey,
		Doer: f.rec, Timeout: 2 * time.Second, Now: func() time.Time { return clock }}
	if !f.settings.OK() {
		t.Fatal(f.settings.Problems)
	}
	return f
}

// fetch fetches k, with a token fetched first for a kind that needs one,
// and returns that token too.
func (f *fixture) fetch(t *testing.T, k *cred.Key, force bool) (cred.Record, string, error) {
	t.Helper()
	token := ""
	if k.Token != nil {
		tok, err := f.client.Fetch(context.Background(), k.Token, cred.Inputs{})
		if err != nil {
			t.Fatalf("token for %s: %v", k, err)
		}
		token = tok.Value
	}
	rec, err := f.client.Fetch(context.Background(), k, cred.Inputs{Token: token, Force: force})
	return rec, token, err
}

func TestFetchEachKind(t *testing.T) {
	agent := func(id string, pick func(wechattest.AgentState) string) func(*wechattest.Server) string {
		return func(s *wechattest.Server) string { st, _ := s.Agent(corpID, id); return pick(st) }
	}
	app := func(pick func(wechattest.AppState) string) func(*wechattest.Server) string {
		return func(s *wechattest.Server) string { st, _ := s.App(appID); return pick(st) }
	}
	tests := []struct {
		mode, key    string
		method, host string
		path         string
		query        []string          // the query's names; the token's and secret's values are checked below
		literal      map[string]string // query values written in the kind
		body         map[string]any    // a POST's JSON body
		value        func(*wechattest.Server) string
		calls        func(wechattest.Stats) int
	}{
		{mode: "stable", key: "wxsign:" + appID + ":access_token", method: "POST", host: "api.test", path: "/cgi-bin/stable_token",
			body:  map[string]any{"grant_type": "client_credential", "appid": appID, "secret": secret, "force_refresh": false},
			value: app(func(a wechattest.AppState) string { return a.AccessToken }), calls: func(s wechattest.Stats) int { return s.StableToken }},
		{mode: "classic", key: "wxsign:" + appID + ":access_token", method: "GET", host: "api.test", path: "/cgi-bin/token",
			query: []string{"appid", "grant_type", "secret"}, literal: map[string]string{"grant_type": "client_credential", "appid": appID, "secret": secret},
			value: app(func(a wechattest.AppState) string { return a.AccessToken }), calls: func(s wechattest.Stats) int { return s.Token }},
		{mode: "stable", key: "wxsign:" + appID + ":jsapi_ticket", method: "GET", host: "api.test", path: "/cgi-bin/ticket/getticket",
			query: []string{"access_token", "type"}, literal: map[string]string{"type": "jsapi"},
			value: app(func(a wechattest.AppState) string { return a.Ticket }), calls: func(s wechattest.Stats) int { return s.Ticket }},
		{mode: "classic", key: "wxsign:" + appID + ":wx_card_ticket", method: "GET", host: "api.test", path: "/cgi-bin/ticket/getticket",
			query: []string{"access_token", "type"}, literal: map[string]string{"type": "wx_card"},
			value: app(func(a wechattest.AppState) string { return a.CardTicket }), calls: func(s wechattest.Stats) int { return s.CardTicket }},
	}
	for _, id := range []string{"1000002", "1000003"} {
		owner := "wxsign:" + corpID + "/" + id
		sec := map[string]string{"1000002": secret2, "1000003": secret3}[id]
		tests = append(tests, []struct {
			mode, key    string
			method, host string
			path         string
			query        []string
			literal      map[string]string
			body         map[string]any
			value        func(*wechattest.Server) string
			calls        func(wechattest.Stats) int
		}{
			{mode: "stable", key: owner + ":wecom_token", method: "GET", host: "qyapi.test", path: "/cgi-bin/gettoken",
				query: []string{"corpid", "corpsecret"}, literal: map[string]string{"corpid": corpID, "corpsecret": sec},
				value: agent(id, func(a wechattest.AgentState) string { return a.AccessToken }), calls: func(s wechattest.Stats) int { return s.WeComToken }},
			{mode: "stable", key: owner + ":wecom_corp_ticket", method: "GET", host: "qyapi.test", path: "/cgi-bin/get_jsapi_ticket",
				query: []string{"access_token"},
				value: agent(id, func(a wechattest.AgentState) string { return a.CorpTicket }), calls: func(s wechattest.Stats) int { return s.CorpTicket }},
			{mode: "stable", key: owner + ":wecom_agent_ticket", method: "GET", host: "qyapi.test", path: "/cgi-bin/ticket/get",
				query: []string{"access_token", "type"}, literal: map[string]string{"type": "agent_config"},
				value: agent(id, func(a wechattest.AgentState) string { return a.AgentTicket }), calls: func(s wechattest.Stats) int { return s.AgentTicket }},
		}...)
	}
	for _, tt := range tests {
		t.Run(tt.mode+" "+tt.key, func(t *testing.T) {
			f := newFixture(t, map[string]string{"WECHAT_TOKEN_MODE": tt.mode})
			k := key(t, &f.settings, tt.key)
			rec, token, err := f.fetch(t, k, false)
			if err != nil {
				t.Fatal(err)
			}
			want := cred.Record{Value: tt.value(f.wc), FetchedAt: clock.Unix(), ExpiresAt: clock.Unix() + 7200 - cred.ExpirySafety}
			if want.Value == "" || rec != want {
				t.Fatalf("Fetch = %+v, want %+v", rec, want)
			}
			if n := tt.calls(f.wc.Stats()); n != 1 {
				t.Errorf("%d calls reached the stand-in's endpoint, want 1", n)
			}
			r := f.rec.last()
			if r.Method != tt.method || r.Host != tt.host || r.Path != tt.path {
				t.Errorf("sent %s %s%s, want %s %s%s", r.Method, r.Host, r.Path, tt.method, tt.host, tt.path)
			}
			if tt.method == "POST" {
				var body map[string]any
				if err := json.Unmarshal(r.Body, &body); err != nil || !reflect.DeepEqual(body, tt.body) {
					t.Errorf("body %s, want %v", r.Body, tt.body)
				}
				if r.ContentLength != int64(len(r.Body)) || r.ContentType != "application/json" || len(r.Query) != 0 {
					t.Errorf("POST with Content-Length %d for %d bytes, Content-Type %q, query %v", r.ContentLength, len(r.Body), r.ContentType, r.Query)
				}
			} else {
				var names []string
				for n := range r.Query {
					names = append(names, n)
				}
				slices.Sort(names)
				if !slices.Equal(names, tt.query) || len(r.Body) != 0 {
					t.Errorf("query %v, want the names %v and no body", r.Query, tt.query)
				}
				for n, v := range tt.literal {
					if r.Query.Get(n) != v {
						t.Errorf("%s=%q, want %q", n, r.Query.Get(n), v)
					}
				}
				if k.Token != nil && (token == "" || r.Query.Get("access_token") != token) {
					t.Errorf("access_token=%q, want the token fetched for it, %q", r.Query.Get("access_token"), token)
				}
			}
			if st := f.wc.Stats(); st.PostsWithoutLength != 0 || st.RejectedChunked != 0 || st.LeakedRelayKey != 0 {
				t.Errorf("the gateway saw %+v", st)
			}
		})
	}
}

// TestTicketsUseTheirOwnToken fetches both agents' tickets of one corp:
// each is fetched with its agent's token and is that agent's.
func TestTicketsUseTheirOwnToken(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	got := map[string]string{}
	for _, id := range []string{"1000002", "1000003"} {
		owner := "wxsign:" + corpID + "/" + id
		tok, err := f.client.Fetch(ctx, key(t, &f.settings, owner+":wecom_token"), cred.Inputs{})
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"wecom_corp_ticket", "wecom_agent_ticket"} {
			rec, err := f.client.Fetch(ctx, key(t, &f.settings, owner+":"+kind), cred.Inputs{Token: tok.Value})
			if err != nil {
				t.Fatal(err)
			}
			got[id+kind] = rec.Value
		}
		got[id] = tok.Value
		st, _ := f.wc.Agent(corpID, id)
		if st.AccessToken != tok.Value || st.CorpTicket != got[id+"wecom_corp_ticket"] || st.AgentTicket != got[id+"wecom_agent_ticket"] {
			t.Errorf("agent %s: fetched %q, the stand-in issued %+v", id, got, st)
		}
	}
	if got["1000002"] == got["1000003"] || got["1000002wecom_agent_ticket"] == got["1000003wecom_agent_ticket"] {
		t.Errorf("two agents got the same token or agent ticket: %q", got)
	}
}

func TestStableTokenForce(t *testing.T) {
	f := newFixture(t, nil)
	k := key(t, &f.settings, "wxsign:"+appID+":access_token")
	ctx := context.Background()
	a, err1 := f.client.Fetch(ctx, k, cred.Inputs{})
	b, err2 := f.client.Fetch(ctx, k, cred.Inputs{})
	c, err3 := f.client.Fetch(ctx, k, cred.Inputs{Force: true})
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if a.Value != b.Value || c.Value == a.Value || c.Value != f.wc.AccessToken() {
		t.Errorf("tokens %q, %q, forced %q", a.Value, b.Value, c.Value)
	}
	var body struct {
		Force *bool `json:"force_refresh"`
	}
	json.Unmarshal(f.rec.last().Body, &body)
	if body.Force == nil || !*body.Force {
		t.Errorf("forced fetch sent %s", f.rec.last().Body)
	}
}

// fixedDoer answers every request with one HTTP answer.
type fixedDoer struct {
	status int
	body   string
}

func (d fixedDoer) Do(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: d.status, Body: io.NopCloser(strings.NewReader(d.body)), Header: http.Header{}}, nil
}

func TestFetchErrors(t *testing.T) {
	const (
		tok         = "wxsign:" + appID + ":access_token"
		jsapi       = "wxsign:" + appID + ":jsapi_ticket"
		wtok        = "wxsign:" + corpID + "/1000002:wecom_token"
		wcorp       = "wxsign:" + corpID + "/1000002:wecom_corp_ticket"
		secretToken = "ACCESS_TOKEN_GIVEN_TO_THE_CALL"
	)
	tests := []struct {
		name    string
		env     map[string]string
		key     string
		token   string // "" for a token kind; "fetch" for a real one
		setup   func(*fixture)
		code    int  // APIError code, 0 for a TransportError
		status  int  // TransportError status
		invalid bool // APIError.TokenInvalid
		has     string
		timeout bool
	}{
		{name: "stable, wrong secret", env: map[string]string{"WECHAT_APPSECRET": "wrong-secret-0123"}, key: tok, code: 40125},
		{name: "classic, wrong secret", env: map[string]string{"WECHAT_APPSECRET": "wrong-secret-0123", "WECHAT_TOKEN_MODE": "classic"}, key: tok, code: 40125},
		{name: "unknown appid", env: map[string]string{"WECHAT_APPID": "wxunknown0000000"}, key: "wxsign:wxunknown0000000:access_token", code: 40013},
		{name: "WeCom, wrong secret", env: map[string]string{"WECOM_SECRET_1000002": "wrong-secret-0123"}, key: wtok, code: 40001, invalid: true},
		{name: "WeCom, unknown corp", env: map[string]string{"WECOM_CORPID": "wwunknown00000"}, key: "wxsign:wwunknown00000/1000002:wecom_token", code: 40013},
		{name: "ticket, invalid token", key: jsapi, token: secretToken, code: 40001, invalid: true},
		{name: "WeCom ticket, invalid token", key: wcorp, token: secretToken, code: 40014, invalid: true},
		{name: "ticket, expired token", key: jsapi, token: "fetch", code: 42001, invalid: true,
			setup: func(f *fixture) { f.wc.SetClock(func() time.Time { return clock.Add(7201 * time.Second) }) }},
		{name: "system busy", key: tok, code: -1,
			setup: func(f *fixture) { f.wc.SetFault(wechattest.Fault{Endpoint: "all", Kind: wechattest.Busy}) }},
		{name: "whitelist", key: tok, code: 40164, has: "127.0.0.1",
			setup: func(f *fixture) { f.wc.SetWhitelist([]string{"203.0.113.9"}) }},
		{name: "WeCom trusted IPs", key: wtok, code: 60020, has: "127.0.0.1",
			setup: func(f *fixture) { f.wc.SetWhitelist([]string{"203.0.113.9"}) }},
		{name: "HTTP 500", key: jsapi, token: "fetch", status: 500, has: "HTTP 500",
			setup: func(f *fixture) { f.wc.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.HTTP500}) }},
		{name: "not JSON", key: tok, status: 200, has: "not JSON",
			setup: func(f *fixture) { f.wc.SetFault(wechattest.Fault{Endpoint: "token", Kind: wechattest.NonJSON}) }},
		{name: "a chunked body gets 412", key: tok, status: 412, has: "HTTP 412: unexpected HTTP status (WeChat's gateway refuses chunked request bodies)",
			setup: func(f *fixture) { f.rec.chunk = true }},
		{name: "no answer in time", key: tok, timeout: true,
			setup: func(f *fixture) {
				f.client.Timeout = 50 * time.Millisecond
				f.wc.SetFault(wechattest.Fault{Endpoint: "token", Kind: wechattest.Slow, DelayMS: 5000})
			}},
		{name: "the relay refuses the key", key: tok, status: 401, has: "check WECHAT_RELAY_KEY",
			setup: func(f *fixture) { f.client.Doer = fixedDoer{401, `{"errcode":1041,"errmsg":"forbidden: wrong key"}`} }},
		{name: "an answer without the ticket", key: jsapi, token: secretToken, status: 200, has: "answer has no ticket",
			setup: func(f *fixture) { f.client.Doer = fixedDoer{200, `{"errcode":0,"errmsg":"ok"}`} }},
		{name: "a bad API base", key: tok, has: "bad API base URL",
			setup: func(f *fixture) { f.client.BaseURL = "http://[::1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.env)
			k := key(t, &f.settings, tt.key)
			token := tt.token
			if token == "fetch" {
				rec, err := f.client.Fetch(context.Background(), k.Token, cred.Inputs{})
				if err != nil {
					t.Fatal(err)
				}
				token = rec.Value
			}
			if tt.setup != nil {
				tt.setup(f)
			}
			rec, err := f.client.Fetch(context.Background(), k, cred.Inputs{Token: token})
			if err == nil {
				t.Fatalf("no error, %+v", rec)
			}
			var api *cred.APIError
			var tr *wechat.TransportError
			switch {
			case tt.code != 0:
				if !errors.As(err, &api) || api.Code != tt.code || api.Msg == "" || api.TokenInvalid() != tt.invalid {
					t.Fatalf("error %v, want APIError %d (token invalid: %v)", err, tt.code, tt.invalid)
				}
			case tt.timeout:
				if !errors.As(err, &tr) || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("error %v, want a timeout", err)
				}
				if d := cred.Describe(err); d.Code != core.ErrUpstream.Code || !strings.Contains(d.Msg, "in time") {
					t.Errorf("described as %+v", d)
				}
			default:
				if !errors.As(err, &tr) || tr.Status != tt.status {
					t.Fatalf("error %v, want a TransportError with HTTP %d", err, tt.status)
				}
			}
			if st := f.wc.Stats(); f.rec.chunk && (st.RejectedChunked != 1 || st.PostsWithoutLength != 1) {
				t.Errorf("the gateway saw %+v, want one chunked POST refused", st)
			}
			msg := err.Error()
			t.Logf("%s; described: %s", msg, cred.Describe(err).Msg)
			if !strings.Contains(msg, tt.has) || !strings.Contains(cred.Describe(err).Msg, tt.has) {
				t.Errorf("error %q (described %q) lacks %q", msg, cred.Describe(err).Msg, tt.has)
			}
			for _, s := range []string{secret, secret2, secret3, "wrong-secret-0123", secretToken, token, "ACCESS_TOKEN_"} {
				if s != "" && (strings.Contains(msg, s) || strings.Contains(cred.Describe(err).Msg, s)) {
					t.Errorf("error %q reveals %q", msg, s)
				}
			}
		})
	}
}

// TestRelayKey: each relay key goes with the calls to its own base only,
// and never to WeChat's own hosts.
func TestRelayKey(t *testing.T) {
	for _, c := range []struct {
		name                  string
		base, wecomBase       string
		key, wecomKey         string
		wantKey, wantWeComKey string
	}{
		{name: "no keys", base: "http://api.test", wecomBase: "http://qyapi.test"},
		{name: "relay for both", base: "http://api.test", wecomBase: "http://qyapi.test", key: relayKey, wecomKey: relayKey,
			wantKey: relayKey, wantWeComKey: relayKey},
		{name: "relay for official accounts, WeCom direct", base: "http://api.test", wecomBase: cred.DefaultWeComAPIBase,
			key: relayKey, wecomKey: relayKey, wantKey: relayKey},
		{name: "two relays, two keys", base: "http://api.test", wecomBase: "http://qyapi.test", key: relayKey, wecomKey: "wecom-key",
			wantKey: relayKey, wantWeComKey: "wecom-key"},
		{name: "WeChat's own hosts never get a key", base: cred.DefaultAPIBase, wecomBase: cred.DefaultWeComAPIBase, key: relayKey, wecomKey: relayKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.client.BaseURL, f.client.WeComBaseURL, f.client.RelayKey, f.client.WeComRelayKey = c.base, c.wecomBase, c.key, c.wecomKey
			for _, k := range f.settings.Keys() {
				if _, _, err := f.fetch(t, k, false); err != nil {
					t.Fatalf("%s: %v", k, err)
				}
			}
			for _, r := range f.rec.reqs {
				want := c.wantKey
				if strings.HasPrefix(r.Path, "/cgi-bin/gettoken") || strings.Contains(r.Path, "jsapi_ticket") || r.Path == "/cgi-bin/ticket/get" {
					want = c.wantWeComKey
				}
				if r.RelayKey != want {
					t.Errorf("%s %s%s sent %s %q, want %q", r.Method, r.Host, r.Path, wechat.RelayKeyHeader, r.RelayKey, want)
				}
			}
			if len(f.rec.reqs) < len(f.settings.Keys()) {
				t.Fatalf("%d requests", len(f.rec.reqs))
			}
		})
	}
}

// redirector answers every call with a redirect to another host, and
// records whether the next hop was asked for.
type redirector struct {
	status   int
	followed bool
}

func (d *redirector) Do(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "evil.test" {
		d.followed = true
	}
	h := http.Header{"Location": {"https://evil.test/steal?x=1"}}
	return &http.Response{StatusCode: d.status, Header: h, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// TestRedirectNotFollowed: a 3xx from the base is an error naming the
// base, the Location is not asked for, and the error holds no secret.
func TestRedirectNotFollowed(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		f := newFixture(t, nil)
		d := &redirector{status: status}
		f.client.BaseURL, f.client.WeComBaseURL, f.client.RelayKey, f.client.Doer = "http://relay.test/wx?", "http://qyapi.test", relayKey, d
		for _, k := range f.settings.Keys() {
			_, err := f.client.Fetch(context.Background(), k, cred.Inputs{Token: "TOKEN_SECRET"})
			var te *wechat.TransportError
			if !errors.As(err, &te) || te.Status != status || !strings.Contains(err.Error(), "redirect") {
				t.Fatalf("%d %s: %v", status, k, err)
			}
			if !strings.Contains(err.Error(), "http://relay.test/wx") && !strings.Contains(err.Error(), "http://qyapi.test") {
				t.Errorf("%d %s: the base is not named: %v", status, k, err)
			}
			for _, secret := range []string{"TOKEN_SECRET", relayKey, secret, secret2, "evil.test", "steal"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("%d %s: the error shows %q: %v", status, k, secret, err)
				}
			}
		}
		if d.followed {
			t.Errorf("%d: the redirect was followed", status)
		}
	}
	// A Doer that follows redirects by itself (an *http.Client) still gets
	// the error: the answer's request is not the one sent.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/moved/cgi-bin/stable_token" {
			http.Redirect(w, r, "/moved"+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		io.WriteString(w, `{"access_token":"T","expires_in":7200}`)
	}))
	defer srv.Close()
	f := newFixture(t, nil)
	f.client.BaseURL, f.client.Doer = srv.URL, srv.Client()
	_, err := f.client.Fetch(context.Background(), f.settings.Key(cred.StableToken.Name, appID), cred.Inputs{})
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("a redirect the Doer followed: %v", err)
	}
}

// failingDoer fails as a network error does: net/http's *url.Error quotes
// the URL, query included, and other Doers may quote it in their own
// words.
type failingDoer struct{ quote bool }

func (d failingDoer) Do(r *http.Request) (*http.Response, error) {
	if d.quote {
		return nil, fmt.Errorf("fetch %s: connection refused", r.URL)
	}
	return nil, &url.Error{Op: r.Method, URL: r.URL.String(), Err: errors.New("dial tcp 203.0.113.1:443: connection refused")}
}

func TestTransportErrorHidesSecrets(t *testing.T) {
	const token = "ACCESS_TOKEN_SECRET_VALUE_0123"
	for _, mode := range []string{"stable", "classic"} {
		for _, quote := range []bool{false, true} {
			settings := api.LoadSettings(env(map[string]string{"WECHAT_TOKEN_MODE": mode, "WECHAT_RELAY_KEY": relayKey}))
			c := &wechat.Client{BaseURL: "http://api.test", WeComBaseURL: "http://qyapi.test", RelayKey: relayKey, Doer: failingDoer{quote}}
			for _, k := range settings.Keys() {
				_, err := c.Fetch(context.Background(), k, cred.Inputs{Token: token})
				var tr *wechat.TransportError
				// A quoted URL is cut at its query, and the cause with it.
				if !errors.As(err, &tr) || !quote && !strings.Contains(err.Error(), "connection refused") {
					t.Fatalf("%s %s: error %v", mode, k, err)
				}
				for _, s := range []string{secret, secret2, secret3, token, relayKey} {
					if strings.Contains(err.Error(), s) || strings.Contains(cred.Describe(err).Msg, s) {
						t.Errorf("%s %s (quoting %v): error %q reveals %q", mode, k, quote, err, s)
					}
				}
			}
		}
	}
}
