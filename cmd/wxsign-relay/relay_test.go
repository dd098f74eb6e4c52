package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/internal/testkit"
	"github.com/wxsign/wxsign/wechattest"
)

const testKey = "k3y-0123456789abcdef-relay"

// seen is what the upstream got.
type seen struct {
	Method, Path, RawQuery, Host, RemoteAddr string
	Body                                     string
	ContentLength                            int64
	TransferEncoding                         []string
	Header                                   http.Header
}

// upstream is an httptest server that records each request and answers
// with answer (a small JSON body when nil).
type upstream struct {
	*httptest.Server
	mu  sync.Mutex
	got []seen
}

func newUpstream(t *testing.T, answer http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.got = append(u.got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.RemoteAddr, string(b), r.ContentLength, r.TransferEncoding, r.Header.Clone()})
		u.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; encoding=utf-8")
		io.WriteString(w, `{"access_token":"ACCESS_TOKEN","expires_in":7200}`)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.got...)
}

func newTestRelay(t *testing.T, cfg config) (http.Handler, *testkit.Buffer) {
	t.Helper()
	logs := &testkit.Buffer{}
	if cfg.Key == "" {
		cfg.Key = testKey
	}
	cfg.Log = log.New(logs, "", 0)
	h, err := newRelay(cfg)
	if err != nil {
		t.Fatalf("newRelay: %v", err)
	}
	return h, logs
}

// do serves one request on h directly.
func do(h http.Handler, method, target, key string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	for k, v := range header {
		r.Header[k] = v
	}
	if key != "" {
		r.Header.Set(KeyHeader, key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type errorBody struct {
	Code *int   `json:"errcode"`
	Msg  string `json:"errmsg"`
}

// wantError checks a refusal's status, errcode and Content-Type.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status, code int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d (body %s)", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var e errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == nil || *e.Code != code || e.Msg == "" {
		t.Errorf("body %s, want errcode %d and an errmsg", w.Body, code)
	}
}

func TestForwardsEachAllowedPath(t *testing.T) {
	tests := []struct {
		method, path, query, body string
	}{
		{"GET", "/cgi-bin/token", "grant_type=client_credential&appid=wx0123&secret=S3CRET", ""},
		{"POST", "/cgi-bin/stable_token", "", `{"grant_type":"client_credential","appid":"wx0123","secret":"S3CRET","force_refresh":false}`},
		{"GET", "/cgi-bin/ticket/getticket", "access_token=AT%2B1&type=jsapi", ""},
		{"GET", "/cgi-bin/gettoken", "corpid=ww01&corpsecret=CS%3D%3D", ""},
		{"GET", "/cgi-bin/get_jsapi_ticket", "access_token=AT", ""},
		{"GET", "/cgi-bin/ticket/get", "access_token=AT&type=agent_config", ""},
		// The query goes as sent, not re-encoded or reordered.
		{"GET", "/cgi-bin/token", "secret=a+b%20c&appid=x&appid=y&grant_type=client_credential&empty=", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			up := newUpstream(t, nil)
			h, _ := newTestRelay(t, config{Upstream: up.URL})
			target := tt.path
			if tt.query != "" {
				target += "?" + tt.query
			}
			hdr := http.Header{
				"Content-Type":     {"application/json"},
				"X-Forwarded-For":  {"198.51.100.9"},
				"Forwarded":        {"for=198.51.100.9"},
				"Cf-Connecting-Ip": {"198.51.100.9"},
				"Cookie":           {"a=b"},
			}
			w := do(h, tt.method, target, testKey, strings.NewReader(tt.body), hdr)
			if w.Code != 200 || w.Body.String() != `{"access_token":"ACCESS_TOKEN","expires_in":7200}` {
				t.Fatalf("answer %d %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; encoding=utf-8" {
				t.Errorf("upstream's Content-Type not passed back: %q", ct)
			}
			got := up.requests()
			if len(got) != 1 {
				t.Fatalf("upstream got %d requests, want 1", len(got))
			}
			g := got[0]
			if g.Method != tt.method || g.Path != tt.path || g.RawQuery != tt.query {
				t.Errorf("upstream got %s %s ? %s, want %s %s ? %s", g.Method, g.Path, g.RawQuery, tt.method, tt.path, tt.query)
			}
			if g.Body != tt.body || (tt.body != "" && g.ContentLength != int64(len(tt.body))) || len(g.TransferEncoding) != 0 {
				t.Errorf("upstream got body %q, Content-Length %d, Transfer-Encoding %v", g.Body, g.ContentLength, g.TransferEncoding)
			}
			if g.Host != strings.TrimPrefix(up.URL, "http://") {
				t.Errorf("upstream got Host %q", g.Host)
			}
			for _, name := range []string{KeyHeader, "X-Forwarded-For", "Forwarded", "Cf-Connecting-Ip", "Cookie", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v, ok := g.Header[name]; ok {
					t.Errorf("upstream got %s: %q", name, v)
				}
			}
			if g.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type not forwarded: %q", g.Header.Get("Content-Type"))
			}
		})
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		name   string
		keys   []string
		status int
		code   int
	}{
		{"missing", nil, 401, 1040},
		{"empty", []string{""}, 401, 1040},
		{"wrong", []string{"not-the-relay-key-at-all"}, 403, 1041},
		{"prefix of the key", []string{testKey[:len(testKey)-1]}, 403, 1041},
		{"key with an extra character", []string{testKey + "x"}, 403, 1041},
		{"other case", []string{strings.ToUpper(testKey)}, 403, 1041},
		{"key with a space", []string{" " + testKey}, 403, 1041},
		{"two values", []string{testKey, testKey}, 403, 1041},
		{"right", []string{testKey}, 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, nil)
			h, _ := newTestRelay(t, config{Upstream: up.URL})
			w := do(h, "GET", "/cgi-bin/token?appid=a&secret=s", "", nil, http.Header{KeyHeader: tt.keys})
			if tt.status == 200 {
				if w.Code != 200 || len(up.requests()) != 1 {
					t.Fatalf("right key: %d, upstream got %d", w.Code, len(up.requests()))
				}
				return
			}
			wantError(t, w, tt.status, tt.code)
			if n := len(up.requests()); n != 0 {
				t.Errorf("upstream got %d requests", n)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	tests := []struct {
		method, target string
		status         int
		allow          string
	}{
		{"GET", "/cgi-bin/user/info?access_token=AT", 404, ""},
		{"POST", "/cgi-bin/menu/create", 404, ""},
		{"GET", "/", 404, ""},
		{"GET", "/cgi-bin/token/../menu/create", 404, ""},
		{"GET", "/cgi-bin/menu/../token", 404, ""},
		{"GET", "/cgi-bin/./token", 404, ""},
		{"GET", "//cgi-bin/token", 404, ""},
		{"GET", "/cgi-bin//token", 404, ""},
		{"GET", "/cgi-bin/token/", 404, ""},
		{"GET", "/cgi-bin/%74oken", 404, ""},
		{"GET", "/cgi-bin%2Ftoken", 404, ""},
		{"GET", "/CGI-BIN/TOKEN", 404, ""},
		{"GET", "/cgi-bin/tokens", 404, ""},
		{"GET", "/cgi-bin/ticket", 404, ""},
		{"POST", "/cgi-bin/token", 405, "GET"},
		{"HEAD", "/cgi-bin/token", 405, "GET"},
		{"PUT", "/cgi-bin/ticket/getticket", 405, "GET"},
		{"GET", "/cgi-bin/stable_token", 405, "POST"},
		{"DELETE", "/cgi-bin/stable_token", 405, "POST"},
		{"OPTIONS", "/cgi-bin/gettoken", 405, "GET"},
		{"POST", "/cgi-bin/get_jsapi_ticket", 405, "GET"},
		{"POST", "/cgi-bin/ticket/get", 405, "GET"},
	}
	up := newUpstream(t, nil)
	h, _ := newTestRelay(t, config{Upstream: up.URL})
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			w := do(h, tt.method, tt.target, testKey, nil, nil)
			code := 1030
			if tt.status == 405 {
				code = 1020
			}
			if tt.method == "HEAD" {
				if w.Code != tt.status {
					t.Fatalf("status %d, want %d", w.Code, tt.status)
				}
			} else {
				wantError(t, w, tt.status, code)
			}
			if a := w.Header().Get("Allow"); a != tt.allow {
				t.Errorf("Allow %q, want %q", a, tt.allow)
			}
		})
	}
	if n := len(up.requests()); n != 0 {
		t.Errorf("upstream got %d requests", n)
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct {
		upstreamPath, prefix, target string
		want                         string // path upstream got; "" for a 404
	}{
		{"", "/wx", "/wx/cgi-bin/token?appid=a", "/cgi-bin/token"},
		{"", "/wx/", "/wx/cgi-bin/ticket/get?access_token=a", "/cgi-bin/ticket/get"},
		{"/base", "/wx", "/wx/cgi-bin/token?appid=a", "/base/cgi-bin/token"},
		{"/base/", "", "/cgi-bin/gettoken?corpid=a", "/base/cgi-bin/gettoken"},
		{"", "/relay/wx", "/relay/wx/cgi-bin/token", "/cgi-bin/token"},
		{"", "/wx", "/cgi-bin/token?appid=a", ""},
		{"", "/wx", "/wx", ""},
		{"", "/wx", "/wx/", ""},
		{"", "/wx", "/wxcgi-bin/token", ""},
		{"", "/wx", "/wx/wx/cgi-bin/token", ""},
		{"", "/wx", "/wx//cgi-bin/token", ""},
		{"", "/wx", "/wx/../cgi-bin/token", ""},
		{"", "/wx", "/other/cgi-bin/token", ""},
	}
	for _, tt := range tests {
		t.Run(tt.prefix+" "+tt.target, func(t *testing.T) {
			up := newUpstream(t, nil)
			h, _ := newTestRelay(t, config{Upstream: up.URL + tt.upstreamPath, Prefix: tt.prefix})
			w := do(h, "GET", tt.target, testKey, nil, nil)
			got := up.requests()
			if tt.want == "" {
				wantError(t, w, 404, 1030)
				if len(got) != 0 {
					t.Errorf("upstream got %v", got)
				}
				return
			}
			if w.Code != 200 || len(got) != 1 || got[0].Path != tt.want {
				t.Fatalf("status %d, upstream got %v, want path %s", w.Code, got, tt.want)
			}
			if _, q, _ := strings.Cut(tt.target, "?"); got[0].RawQuery != q {
				t.Errorf("query %q, want %q", got[0].RawQuery, q)
			}
		})
	}
}

// chunked hides a reader's length so the client sends it chunked.
type chunked struct{ io.Reader }

func TestBodyBounds(t *testing.T) {
	exact := `{"secret":"` + strings.Repeat("a", maxRequestBody-13) + `"}`
	if len(exact) != maxRequestBody {
		t.Fatalf("test body is %d bytes", len(exact))
	}
	big := strings.Repeat("b", maxRequestBody+1)
	tests := []struct {
		name    string
		body    io.Reader
		status  int
		wantLen int
	}{
		{"small, with Content-Length", strings.NewReader(`{"appid":"a"}`), 200, 13},
		{"small, chunked", chunked{strings.NewReader(`{"appid":"a"}`)}, 200, 13},
		{"64 KiB, chunked", chunked{strings.NewReader(exact)}, 200, maxRequestBody},
		{"64 KiB + 1, with Content-Length", strings.NewReader(big), 413, 0},
		{"64 KiB + 1, chunked", chunked{strings.NewReader(big)}, 413, 0},
		{"empty", http.NoBody, 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, nil)
			h, _ := newTestRelay(t, config{Upstream: up.URL})
			var inTE []string
			var inLen int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inTE, inLen = r.TransferEncoding, r.ContentLength
				h.ServeHTTP(w, r)
			}))
			defer srv.Close()
			req, _ := http.NewRequest("POST", srv.URL+"/cgi-bin/stable_token", tt.body)
			req.Header.Set(KeyHeader, testKey)
			req.Header.Set("Content-Type", "application/json")
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if _, ok := tt.body.(chunked); ok && (len(inTE) != 1 || inTE[0] != "chunked" || inLen != -1) {
				t.Fatalf("the relay did not get a chunked body: %v %d", inTE, inLen)
			}
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, b)
			}
			got := up.requests()
			if tt.status == 413 {
				if !strings.Contains(string(b), `"errcode":1022`) || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
					t.Errorf("413 answer %q %s", res.Header.Get("Content-Type"), b)
				}
				if len(got) != 0 {
					t.Errorf("upstream got %d requests", len(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("upstream got %d requests", len(got))
			}
			g := got[0]
			if len(g.TransferEncoding) != 0 || g.ContentLength != int64(tt.wantLen) || len(g.Body) != tt.wantLen {
				t.Errorf("upstream got Transfer-Encoding %v, Content-Length %d, %d bytes; want no Transfer-Encoding and %d", g.TransferEncoding, g.ContentLength, len(g.Body), tt.wantLen)
			}
			if cl := g.Header.Get("Content-Length"); cl != strconv.Itoa(tt.wantLen) {
				t.Errorf("upstream got Content-Length header %q, want %d", cl, tt.wantLen)
			}
		})
	}
}

func TestUpstreamAnswers(t *testing.T) {
	tests := []struct {
		name   string
		answer http.HandlerFunc
		status int
		body   string
	}{
		{"WeChat's error passes through", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"errcode":40164,"errmsg":"invalid ip 203.0.113.7, not in whitelist"}`)
		}, 200, `{"errcode":40164,"errmsg":"invalid ip 203.0.113.7, not in whitelist"}`},
		{"an HTTP error passes through", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(412)
			io.WriteString(w, "precondition failed")
		}, 412, "precondition failed"},
		{"a streamed answer of 1 MiB", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			io.WriteString(w, strings.Repeat("x", maxUpstreamBody))
		}, 200, strings.Repeat("x", maxUpstreamBody)},
		{"an answer over 1 MiB, streamed", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			io.WriteString(w, strings.Repeat("x", maxUpstreamBody+1))
		}, 502, ""},
		{"an answer over 1 MiB, with Content-Length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(maxUpstreamBody+1))
			io.WriteString(w, strings.Repeat("x", maxUpstreamBody+1))
		}, 502, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, tt.answer)
			h, _ := newTestRelay(t, config{Upstream: up.URL})
			w := do(h, "GET", "/cgi-bin/token?secret=s", testKey, nil, nil)
			if tt.status == 502 {
				wantError(t, w, 502, 1052)
				return
			}
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Fatalf("answer %d %.80s", w.Code, w.Body)
			}
			if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(len(tt.body)) {
				t.Errorf("Content-Length %q, want %d", cl, len(tt.body))
			}
		})
	}
}

func TestUpstreamDown(t *testing.T) {
	up := newUpstream(t, nil)
	up.Close()
	h, logs := newTestRelay(t, config{Upstream: up.URL})
	w := do(h, "GET", "/cgi-bin/token?grant_type=client_credential&appid=a&secret=S3CRET", testKey, nil, nil)
	wantError(t, w, 502, 1052)
	l := logs.String()
	if !strings.Contains(l, "status=502") || !strings.Contains(l, "err=") {
		t.Errorf("log does not note the failure: %s", l)
	}
	if strings.Contains(l, "S3CRET") || strings.Contains(l, "secret=") || strings.Contains(l, "?") {
		t.Errorf("log has the query: %s", l)
	}
}

func TestDescribe(t *testing.T) {
	ue := &url.Error{Op: "Get", URL: "https://api.weixin.qq.com/cgi-bin/token?secret=S", Err: errors.New("dial tcp: connection refused")}
	tests := []struct {
		err  error
		want string
	}{
		{ue, "dial tcp: connection refused"},
		{fmt.Errorf("wrapped: %w", ue), "dial tcp: connection refused"},
		{errors.New("GET /cgi-bin/token?secret=S failed"), "GET /cgi-bin/token?…"},
	}
	for _, tt := range tests {
		if got := describe(tt.err); got != tt.want {
			t.Errorf("describe(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestLogsNoSecrets(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"access_token":"UPSTREAM-TOKEN-VALUE","expires_in":7200}`)
	})
	h, logs := newTestRelay(t, config{Upstream: up.URL, Prefix: "/wx"})
	srv := httptest.NewServer(h)
	body := `{"grant_type":"client_credential","appid":"wx0123","secret":"BODY-SECRET"}`
	reqs := []struct{ method, path, key, body string }{
		{"GET", "/wx/cgi-bin/token?grant_type=client_credential&appid=wx0123&secret=QUERY-SECRET", testKey, ""},
		{"POST", "/wx/cgi-bin/stable_token", testKey, body},
		{"GET", "/wx/cgi-bin/ticket/getticket?access_token=QUERY-TOKEN&type=jsapi", testKey, ""},
		{"GET", "/wx/cgi-bin/gettoken?corpid=ww&corpsecret=CORP-SECRET", testKey, ""},
		{"GET", "/wx/cgi-bin/token?secret=QUERY-SECRET", testKey + "x", ""},
		{"GET", "/wx/cgi-bin/user/info?access_token=QUERY-TOKEN", testKey, ""},
		{"GET", "/wx/healthz?secret=QUERY-SECRET", "", ""},
	}
	for _, rq := range reqs {
		req, _ := http.NewRequest(rq.method, srv.URL+rq.path, strings.NewReader(rq.body))
		if rq.key != "" {
			req.Header.Set(KeyHeader, rq.key)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	srv.Close() // waits for the handlers, and so for their log lines
	l := logs.String()
	if n := strings.Count(l, "\n"); n != len(reqs) {
		t.Errorf("%d log lines for %d requests:\n%s", n, len(reqs), l)
	}
	for _, want := range []string{`method=GET path="/wx/cgi-bin/token" status=200 dur=`, `method=POST path="/wx/cgi-bin/stable_token" status=200`, `status=403`, `status=404`} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
	for _, bad := range []string{testKey, "secret=", "access_token=", "corpsecret", "QUERY-", "CORP-SECRET", "BODY-SECRET", "grant_type", "UPSTREAM-TOKEN-VALUE", "?"} {
		if strings.Contains(l, bad) {
			t.Errorf("log contains %q:\n%s", bad, l)
		}
	}
}

func TestHealthz(t *testing.T) {
	tests := []struct {
		upstream, prefix, method, target string
		status                           int
	}{
		{"https://api.weixin.qq.com", "", "GET", "/healthz", 200},
		{"https://qyapi.weixin.qq.com/", "/wx", "GET", "/wx/healthz", 200},
		{"https://api.weixin.qq.com", "/wx", "GET", "/healthz", 200},
		{"https://api.weixin.qq.com", "/wx", "HEAD", "/wx/healthz", 200},
		{"https://api.weixin.qq.com", "/wx", "POST", "/wx/healthz", 405},
		{"https://api.weixin.qq.com", "/wx", "GET", "/other/healthz", 401},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			h, _ := newTestRelay(t, config{Upstream: tt.upstream, Prefix: tt.prefix})
			w := do(h, tt.method, tt.target, "", nil, nil)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status != 200 || tt.method == "HEAD" {
				return
			}
			want := `{"ok":true,"upstream":"` + strings.TrimRight(tt.upstream, "/") + `"}`
			if w.Body.String() != want || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("healthz %q %s, want %s", w.Header().Get("Content-Type"), w.Body, want)
			}
			if strings.Contains(w.Body.String(), testKey) {
				t.Error("healthz shows the key")
			}
		})
	}
}

func TestNewRelayRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  config
		want string
	}{
		{"no key", config{Key: "", Upstream: "https://api.weixin.qq.com"}, "WXSIGN_RELAY_KEY"},
		{"short key", config{Key: strings.Repeat("k", 15), Upstream: "https://api.weixin.qq.com"}, "at least 16 bytes"},
		{"ftp upstream", config{Key: testKey, Upstream: "ftp://api.weixin.qq.com"}, "-upstream"},
		{"upstream without a scheme", config{Key: testKey, Upstream: "api.weixin.qq.com"}, "-upstream"},
		{"upstream without a host", config{Key: testKey, Upstream: "https:///cgi-bin"}, "-upstream"},
		{"upstream with user info", config{Key: testKey, Upstream: "https://user:pw@api.weixin.qq.com"}, "user info"},
		{"upstream with a query", config{Key: testKey, Upstream: "https://api.weixin.qq.com/?a=b"}, "query"},
		{"prefix without a slash", config{Key: testKey, Upstream: "https://api.weixin.qq.com", Prefix: "wx"}, "-prefix"},
		{"prefix with dots", config{Key: testKey, Upstream: "https://api.weixin.qq.com", Prefix: "/wx/../x"}, "-prefix"},
		{"prefix with an escape", config{Key: testKey, Upstream: "https://api.weixin.qq.com", Prefix: "/w%78"}, "-prefix"},
		{"source not an IP", config{Key: testKey, Upstream: "https://api.weixin.qq.com", Source: "eth0"}, "-source"},
		{"source with a port", config{Key: testKey, Upstream: "https://api.weixin.qq.com", Source: "127.0.0.1:80"}, "-source"},
		{"source not on this machine", config{Key: testKey, Upstream: "https://api.weixin.qq.com", Source: "192.0.2.1"}, "-source 192.0.2.1 is not usable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := newRelay(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("newRelay = %v, %v; want an error with %q", h, err, tt.want)
			}
			if tt.cfg.Key != "" && strings.Contains(err.Error(), tt.cfg.Key) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}

func TestSource(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
		t.Run(ip, func(t *testing.T) {
			if l, err := net.Listen("tcp", ip+":0"); err != nil {
				t.Skipf("%s is not usable here: %v", ip, err)
			} else {
				l.Close()
			}
			up := newUpstream(t, nil) // listens on 127.0.0.1
			h, _ := newTestRelay(t, config{Upstream: up.URL, Source: ip})
			if w := do(h, "GET", "/cgi-bin/token", testKey, nil, nil); w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			got := up.requests()
			if len(got) != 1 {
				t.Fatalf("upstream got %d requests", len(got))
			}
			if host, _, _ := net.SplitHostPort(got[0].RemoteAddr); host != ip {
				t.Errorf("upstream saw the call from %s, want %s", got[0].RemoteAddr, ip)
			}
		})
	}
}

func TestParseOptions(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	o, err := parseOptions(nil, env(map[string]string{"WXSIGN_RELAY_KEY": testKey}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := options{listen: ":8080", cfg: config{Upstream: "https://api.weixin.qq.com", Key: testKey}}
	if o != want {
		t.Errorf("defaults %+v, want %+v", o, want)
	}
	o, err = parseOptions([]string{"-listen", "127.0.0.1:9000", "-upstream", "https://qyapi.weixin.qq.com", "-prefix", "/wx", "-source", "127.0.0.1"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want = options{listen: "127.0.0.1:9000", cfg: config{Upstream: "https://qyapi.weixin.qq.com", Prefix: "/wx", Source: "127.0.0.1"}}
	if o != want {
		t.Errorf("flags %+v, want %+v", o, want)
	}
	if _, err := parseOptions([]string{"-nope"}, env(nil), io.Discard); err == nil {
		t.Error("an unknown flag was accepted")
	}
	if _, err := parseOptions([]string{"extra"}, env(nil), io.Discard); err == nil {
		t.Error("an argument was accepted")
	}
	if _, err := parseOptions([]string{"-h"}, env(nil), io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestServerBounds(t *testing.T) {
	s := newServer(http.NotFoundHandler(), nil)
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= requestTimeout || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 || s.MaxHeaderBytes > 64<<10 {
		t.Errorf("server bounds: %+v", s)
	}
}

// TestWechatClientThroughRelay runs wxsign's own WeChat client against the
// project's WeChat stand-in through the relay, with a prefix in the base.
func TestWechatClientThroughRelay(t *testing.T) {
	wc := wechattest.NewServer("wx0123456789abcdef", "the-app-secret")
	defer wc.Close()
	h, logs := newTestRelay(t, config{Upstream: wc.URL, Prefix: "/wx"})
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	for _, mode := range []string{api.ModeStable, api.ModeClassic} {
		env := map[string]string{"WECHAT_APPID": "wx0123456789abcdef", "WECHAT_APPSECRET": "the-app-secret", "WECHAT_TOKEN_MODE": mode}
		settings := api.LoadSettings(func(k string) string { return env[k] })
		keys := settings.Keys()
		c := &wechat.Client{BaseURL: srv.URL + "/wx", RelayKey: testKey, Doer: srv.Client()}
		tok, err := c.Fetch(ctx, keys[0], cred.Inputs{})
		if err != nil || tok.Value == "" {
			t.Fatalf("%s token through the relay: %v", mode, err)
		}
		tic, err := c.Fetch(ctx, keys[1], cred.Inputs{Token: tok.Value})
		if err != nil || tic.Value == "" {
			t.Fatalf("ticket through the relay: %v", err)
		}
	}
	if s := wc.Stats(); s.Token != 1 || s.StableToken != 1 || s.Ticket != 2 || s.LeakedRelayKey != 0 {
		t.Errorf("stand-in stats %+v", s)
	}
	srv.Close()
	if l := logs.String(); strings.Contains(l, "the-app-secret") || strings.Contains(l, "?") {
		t.Errorf("log: %s", l)
	}
}
