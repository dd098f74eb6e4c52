package testhost_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/pageurl"
	"github.com/wxsign/wxsign/internal/testhost"
	"github.com/wxsign/wxsign/internal/testkit"
)

// wasmBytes is the signer module under test: $WXSIGN_WASM (the Makefile
// points it at build/signer.wasm, the file that ships) or, for a plain
// `go test`, one built here the same way.
var wasmBytes []byte

func TestMain(m *testing.M) {
	var err error
	if path := os.Getenv("WXSIGN_WASM"); path != "" {
		wasmBytes, err = os.ReadFile(path)
	} else {
		wasmBytes, err = buildSigner()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// buildSigner builds the signer module as the Makefile does and reads it,
// leaving nothing behind (os.Exit runs no deferred call).
func buildSigner() ([]byte, error) {
	dir, err := os.MkdirTemp("", "wxsign-signer")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "signer.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", path, "../../wasm/signer")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the signer module: %v\n%s", err, out)
	}
	return os.ReadFile(path)
}

// testCache makes every Signer after the first skip compilation.
var testCache = wazero.NewCompilationCache()

func newSigner(t testing.TB) *testhost.Signer {
	t.Helper()
	s, err := testhost.New(context.Background(), wasmBytes, &testhost.Options{Cache: testCache})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func loadGolden(t testing.TB) []testkit.Golden {
	return testkit.LoadGolden(t, "../../core/testdata/golden.json")
}

// TestGolden runs every golden vector (signatures from sha1sum) through
// the module's /config at the vector's time: it signs the vector's URL
// as the vector does, with a nonce of its own the signature verifies for.
func TestGolden(t *testing.T) {
	s := newSigner(t)
	for _, g := range loadGolden(t) {
		t.Run(g.Name, func(t *testing.T) {
			at := g.Timestamp
			if at <= 0 {
				at = now // no request is served at time 0: the URL is signed at now
			}
			rec, _ := json.Marshal(cred.Record{Value: g.Ticket, ExpiresAt: at + 3600, FetchedAt: at - 60})
			r, err := s.Config(context.Background(), testhost.ConfigInput{Method: "GET", URL: "https://w/config?url=" + url.QueryEscape(g.URL),
				AppID: "wxgolden", Ticket: rec}, at)
			if err != nil {
				t.Fatal(err)
			}
			var c payload
			if err := json.Unmarshal(r.Body, &c); err != nil || r.Status != 200 {
				t.Fatalf("status %d body %s: %v", r.Status, r.Body, err)
			}
			if c.AppID != "wxgolden" || c.Timestamp != at || c.URL != g.SignedURL || !nonceRE.MatchString(c.NonceStr) || !verifies(g.Ticket, c) {
				t.Fatalf("got %+v, want URL %q signed at %d", c, g.SignedURL, at)
			}
		})
	}
}

const now = 1_700_000_000

func record(value string, expiresAt int64) []byte {
	b, _ := json.Marshal(cred.Record{Value: value, ExpiresAt: expiresAt, FetchedAt: now - 60})
	return b
}

// payload is a /config answer (docs/api.md).
type payload struct {
	AppID     string `json:"appId"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
	URL       string `json:"url"`
}

// verifies reports whether c's signature is that of ticket, by a SHA-1 of
// its own.
func verifies(ticket string, c payload) bool {
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, c.NonceStr, c.Timestamp, c.URL)))
	return hex.EncodeToString(sum[:]) == c.Signature
}

var nonceRE = regexp.MustCompile(`^[A-Za-z0-9]{16}$`)

func TestConfig(t *testing.T) {
	s := newSigner(t)
	good := record("TICKET", now+3600)
	page := "https://h.example.com/p?a=1&b=%E4%B8%AD"
	get := "https://wxsign.example/config?url=" + url.QueryEscape(page+"#frag")
	q := func(page string) string { return "https://w/config?url=" + url.QueryEscape(page) }
	long := "https://h.example.com/" + strings.Repeat("a", 4096)
	tests := []struct {
		name       string
		in         testhost.ConfigInput
		status     int
		err        *core.Error // nil for 200
		needTicket bool
	}{
		{"GET", testhost.ConfigInput{Method: "GET", URL: get}, 200, nil, false},
		{"HEAD", testhost.ConfigInput{Method: "HEAD", URL: get}, 200, nil, false},
		{"GET with a fragment on the request URL", testhost.ConfigInput{Method: "GET", URL: get + "#x"}, 200, nil, false},
		{"GET, the url parameter after others", testhost.ConfigInput{Method: "GET", URL: "https://w/config?a=b&url=" + url.QueryEscape(page)}, 200, nil, false},
		{"GET, a second url", testhost.ConfigInput{Method: "GET", URL: "https://w/config?a=b&url=" + url.QueryEscape(page) + "&%75rl=x"}, 400, core.ErrURLTwice, false},
		{"GET, the query's '?' after a fragment is not a query", testhost.ConfigInput{Method: "GET", URL: "https://w/config#?url=" + url.QueryEscape(page)}, 400, core.ErrURLMissing, false},
		{"POST JSON", testhost.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "application/json", Body: []byte(`{"url":"` + page + `#f"}`)}, 200, nil, false},
		{"POST JSON with charset", testhost.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "Application/JSON; charset=utf-8", Body: []byte(` {"url":"` + page + `"} `)}, 200, nil, false},
		{"POST form", testhost.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "application/x-www-form-urlencoded", Body: []byte("url=" + url.QueryEscape(page+"#f"))}, 200, nil, false},
		{"POST text/plain JSON", testhost.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "text/plain;charset=UTF-8", Body: []byte(`{"url":"` + page + `"}`)}, 200, nil, false},
		{"POST without a body reads ?url=", testhost.ConfigInput{Method: "POST", URL: get}, 200, nil, false},
		{"POST bad JSON", testhost.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "application/json", Body: []byte(`{"url":`)}, 400, core.ErrBadRequest, false},
		{"POST JSON without url", testhost.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "application/json", Body: []byte(`{"u":"x"}`)}, 400, core.ErrURLMissing, false},
		{"POST XML", testhost.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "application/xml", Body: []byte(`<url/>`)}, 415, core.ErrMediaType, false},
		{"no url", testhost.ConfigInput{Method: "GET", URL: "https://w/config"}, 400, core.ErrURLMissing, false},
		{"empty url", testhost.ConfigInput{Method: "GET", URL: "https://w/config?url="}, 400, core.ErrURLMissing, false},
		{"malformed query escape", testhost.ConfigInput{Method: "GET", URL: "https://w/config?url=https%3A%2F%2Fh%ZZ"}, 400, core.ErrBadRequest, false},
		{"bad scheme", testhost.ConfigInput{Method: "GET", URL: q("ftp://x/")}, 400, core.ErrURLScheme, false},
		{"relative", testhost.ConfigInput{Method: "GET", URL: q("/p")}, 400, core.ErrURLScheme, false},
		{"no host", testhost.ConfigInput{Method: "GET", URL: q("https:///p")}, 400, core.ErrURLNoHost, false},
		{"bad port", testhost.ConfigInput{Method: "GET", URL: q("https://h.example.com:99999/")}, 400, core.ErrURLBadHost, false},
		{"userinfo", testhost.ConfigInput{Method: "GET", URL: q("https://h.example.com@evil.net/")}, 400, core.ErrURLUserinfo, false},
		{"page escape", testhost.ConfigInput{Method: "GET", URL: q("https://h.example.com/%zz")}, 400, core.ErrURLEscape, false},
		{"space", testhost.ConfigInput{Method: "GET", URL: q("https://h.example.com/a b")}, 400, core.ErrURLBadChar, false},
		{"too long", testhost.ConfigInput{Method: "GET", URL: q(long)}, 400, core.ErrURLTooLong, false},
		{"host not allowed", testhost.ConfigInput{Method: "GET", URL: q("https://evil.net/"), AllowedHosts: "h.example.com"}, 403, core.ErrHostForbidden, false},
		{"host allowed by wildcard", testhost.ConfigInput{Method: "GET", URL: get, AllowedHosts: "x.org, *.example.com"}, 200, nil, false},
		{"no ticket", testhost.ConfigInput{Method: "GET", URL: get, Ticket: []byte{}}, 503, core.ErrNoTicket, true},
		{"expired ticket", testhost.ConfigInput{Method: "GET", URL: get, Ticket: record("OLD", now)}, 503, core.ErrNoTicket, true},
		{"empty ticket value", testhost.ConfigInput{Method: "GET", URL: get, Ticket: record("", now+3600)}, 503, core.ErrNoTicket, true},
		{"garbage ticket", testhost.ConfigInput{Method: "GET", URL: get, Ticket: []byte("{not json")}, 503, core.ErrNoTicket, true},
		{"ticket of the wrong JSON type", testhost.ConfigInput{Method: "GET", URL: get, Ticket: []byte(`{"value":"T","expires_at":"soon"}`)}, 503, core.ErrNoTicket, true},
		{"no ticket but a bad request: the request's error first", testhost.ConfigInput{Method: "GET", URL: "https://w/config", Ticket: []byte{}}, 400, core.ErrURLMissing, false},
		{"not configured", testhost.ConfigInput{Method: "GET", URL: get, AppID: "-"}, 503, core.ErrNotConfigured, false},
		{"body too large", testhost.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "application/json", Body: make([]byte, api.MaxBodyLen+1)}, 413, core.ErrBodyTooLarge, false},
		{"PUT", testhost.ConfigInput{Method: "PUT", URL: get}, 405, core.ErrMethod, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.Ticket == nil {
				in.Ticket = good
			}
			switch in.AppID {
			case "":
				in.AppID = "wxapp"
			case "-":
				in.AppID = ""
			}
			r, err := s.Config(context.Background(), in, now)
			if err != nil {
				t.Fatal(err)
			}
			var a struct {
				payload
				ErrCode int    `json:"errcode"`
				ErrMsg  string `json:"errmsg"`
			}
			if err := json.Unmarshal(r.Body, &a); err != nil {
				t.Fatalf("body %q: %v", r.Body, err)
			}
			wantCode := 0
			if tt.err != nil {
				wantCode = tt.err.Code
				if tt.err.Status != tt.status || !strings.HasPrefix(a.ErrMsg, tt.err.Msg) {
					t.Fatalf("errmsg %q, want %q (status %d)", a.ErrMsg, tt.err.Msg, tt.err.Status)
				}
			}
			if r.Status != tt.status || a.ErrCode != wantCode || r.NeedTicket != tt.needTicket {
				t.Fatalf("status %d errcode %d need %v (%s), want %d %d %v", r.Status, a.ErrCode, r.NeedTicket, r.Body, tt.status, wantCode, tt.needTicket)
			}
			if r.Get("Content-Type") != "application/json; charset=utf-8" || r.Get("X-Content-Type-Options") != "nosniff" || r.Get("Cache-Control") != "no-store" {
				t.Fatalf("headers %v", r.Header)
			}
			if (r.Status == 503) != (r.Get("Retry-After") != "") {
				t.Fatalf("status %d with Retry-After %q", r.Status, r.Get("Retry-After"))
			}
			if (r.Status == 405) != (r.Get("Allow") != "") {
				t.Fatalf("status %d with Allow %q", r.Status, r.Get("Allow"))
			}
			if r.Status != 200 {
				return
			}
			if a.URL != page || a.AppID != "wxapp" || a.Timestamp != now || !nonceRE.MatchString(a.NonceStr) || !verifies("TICKET", a.payload) {
				t.Fatalf("payload %+v does not verify", a.payload)
			}
		})
	}
}

// TestConfigNonce: every answer has a fresh nonce, and its timestamp is now.
func TestConfigNonce(t *testing.T) {
	s := newSigner(t)
	seen := map[string]bool{}
	for i := range 200 {
		ts := int64(now + i)
		r, err := s.Config(context.Background(), testhost.ConfigInput{Method: "GET", URL: "https://w/config?url=https%3A%2F%2Fh.example.com%2F", AppID: "wxapp", Ticket: record("TICKET", now+3600)}, ts)
		if err != nil {
			t.Fatal(err)
		}
		var c payload
		if err := json.Unmarshal(r.Body, &c); err != nil || r.Status != 200 {
			t.Fatalf("%d %s %v", r.Status, r.Body, err)
		}
		if !nonceRE.MatchString(c.NonceStr) || seen[c.NonceStr] || c.Timestamp != ts || !verifies("TICKET", c) {
			t.Fatalf("call %d: %+v (nonce seen before: %v)", i, c, seen[c.NonceStr])
		}
		seen[c.NonceStr] = true
	}
}

func TestConfigCORS(t *testing.T) {
	s := newSigner(t)
	in := testhost.ConfigInput{Method: "OPTIONS", URL: "https://w/config", Origin: "https://h.example.com", AppID: "wxapp", AllowedOrigins: "https://h.example.com"}
	r, err := s.Config(context.Background(), in, now)
	if err != nil || r.Status != 204 || r.Get("Access-Control-Allow-Origin") != "https://h.example.com" || r.Get("Access-Control-Allow-Methods") == "" {
		t.Fatalf("preflight: %+v %v", r, err)
	}
	in.Origin = "https://evil.net"
	if r, _ := s.Config(context.Background(), in, now); r.Status != 403 || r.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another origin: %+v", r)
	}

	get := testhost.ConfigInput{Method: "GET", URL: "https://w/config?url=https%3A%2F%2Fh.example.com%2F", AppID: "wxapp", Ticket: record("T", now+3600), AllowedOrigins: "https://h.example.com, https://*.example.org"}
	for _, tt := range []struct {
		origin, allow string
		status        int
	}{
		{"https://h.example.com", "https://h.example.com", 200},
		{"https://a.example.org", "https://a.example.org", 200},
		{"https://evil.net", "", 200}, // answered, but the browser will not let the page read it
		{"", "", 200},
		{"null", "", 200},
	} {
		get.Origin = tt.origin
		r, err := s.Config(context.Background(), get, now)
		if err != nil || r.Status != tt.status || r.Get("Access-Control-Allow-Origin") != tt.allow || r.Get("Vary") != "Origin" || r.Get("Access-Control-Allow-Methods") != "" {
			t.Fatalf("GET from %q: %d %v %v, want Allow-Origin %q", tt.origin, r.Status, r.Header, err, tt.allow)
		}
	}
	// An error keeps the CORS decision, so that the page can read it.
	get.Origin, get.Ticket = "https://h.example.com", []byte{}
	if r, _ := s.Config(context.Background(), get, now); r.Status != 503 || r.Get("Access-Control-Allow-Origin") != "https://h.example.com" {
		t.Fatalf("503 from an allowed origin: %d %v", r.Status, r.Header)
	}
	// No ALLOWED_ORIGINS: no CORS headers and no Vary.
	get.AllowedOrigins, get.Ticket = "", record("T", now+3600)
	if r, _ := s.Config(context.Background(), get, now); r.Status != 200 || r.Get("Access-Control-Allow-Origin") != "" || r.Get("Vary") != "" {
		t.Fatalf("without ALLOWED_ORIGINS: %d %v", r.Status, r.Header)
	}
}

// TestSettingsCache: the module caches parsed settings and ticket by their
// bytes; a change must take effect on the next call.
func TestSettingsCache(t *testing.T) {
	s, err := testhost.New(context.Background(), wasmBytes, &testhost.Options{PoolSize: 1, Cache: testCache})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	// Tickets of WeChat's length; each change of ticket must take effect.
	t1, t2, t3 := strings.Repeat("1", 86), strings.Repeat("2", 86), strings.Repeat("3", 86)
	in := testhost.ConfigInput{Method: "GET", URL: "https://w/config?url=https%3A%2F%2Fa.example.com%2F", AppID: "wxapp", AllowedHosts: "a.example.com", Ticket: record(t1, now+3600)}
	steps := []struct {
		change func()
		status int
		ticket string
	}{
		{func() {}, 200, t1},
		{func() { in.AllowedHosts = "b.example.com" }, 403, ""},
		{func() { in.AllowedHosts = "" }, 200, t1},
		{func() { in.Ticket = record(t2, now+3600) }, 200, t2},
		{func() { in.Ticket = nil }, 503, ""},
		{func() { in.Ticket = record(t3, now+3600); in.AppID = "wxother" }, 200, t3},
		{func() { in.AppID = "wxthird" }, 200, t3},
		{func() { in.Ticket = record("SHORT", now+3600) }, 200, "SHORT"},
		{func() { in.Ticket = record(t1, now+3600) }, 200, t1},
	}
	for i, st := range steps {
		st.change()
		if in.Ticket == nil {
			in.Ticket = []byte{}
		}
		r, err := s.Config(context.Background(), in, now)
		if err != nil || r.Status != st.status {
			t.Fatalf("step %d: %d %s %v, want %d", i, r.Status, r.Body, err, st.status)
		}
		if st.ticket != "" {
			var c payload
			json.Unmarshal(r.Body, &c)
			if !verifies(st.ticket, c) || c.AppID != in.AppID {
				t.Fatalf("step %d: %+v not signed with %s for %s", i, c, st.ticket, in.AppID)
			}
		}
	}
}

// TestMalformedInput: framing errors are answered, never a trap.
func TestMalformedInput(t *testing.T) {
	s := newSigner(t)
	// Input larger than the module's region is refused by the host.
	if _, err := s.Config(context.Background(), testhost.ConfigInput{Method: "POST", Body: make([]byte, 70<<10)}, now); err == nil {
		t.Fatal("input larger than the region accepted")
	}
	// And the instance still answers.
	r, err := s.Config(context.Background(), testhost.ConfigInput{Method: "GET", URL: "https://w/config?url=https%3A%2F%2Fh%2F", AppID: "a", Ticket: record("t", now+60)}, now)
	if err != nil || r.Status != 200 {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestConcurrent(t *testing.T) {
	s := newSigner(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				page := fmt.Sprintf("https://h.example.com/g%d/%d", g, i)
				r, err := s.Config(context.Background(), testhost.ConfigInput{Method: "GET", URL: "https://w/config?url=" + url.QueryEscape(page),
					AppID: "wxapp", Ticket: record(fmt.Sprintf("T%d", g), now+3600)}, now)
				var c payload
				if err == nil {
					err = json.Unmarshal(r.Body, &c)
				}
				if err != nil || c.URL != page || !verifies(fmt.Sprintf("T%d", g), c) {
					errs <- fmt.Errorf("goroutine %d call %d: %v %s", g, i, err, r.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// FuzzNativeVsWasm: the native core and the module give the same answer
// to a /config request: status, errcode, the need for a ticket and the
// CORS answer agree, errors byte for byte; a 200 verifies and has the
// bytes of the native SignPage with the nonce the module drew.
func FuzzNativeVsWasm(f *testing.F) {
	for _, g := range loadGolden(f) {
		f.Add(g.Ticket, "", "GET", "url="+url.QueryEscape(g.URL), "", "", "", "")
		f.Add(g.Ticket, "", "POST", "", "application/json", "https://h.example.com", `{"url":"`+g.URL+`"}`, "h.example.com")
	}
	f.Add("t", "h.example.com,*.x.org", "POST", "a=1", "application/x-www-form-urlencoded", "https://a.x.org", "url=https%3A%2F%2Fb.x.org%2F", "*.x.org")
	f.Add("t", "h.example.com", "OPTIONS", "", "", "https://evil.net", "", "evil.net")
	f.Add("", "", "PUT", "url=%zz#x", "text/plain", "null", "{", "")
	s := newSigner(f)
	f.Fuzz(func(t *testing.T, ticket, hosts, method, rawQuery, contentType, origin, body, origins string) {
		ctx := context.Background()
		app := api.App{AppID: "wxfuzz", Hosts: pageurl.ParseAllowlist(hosts), Origins: pageurl.ParseOriginList(origins)}

		// The request path. The ticket goes through JSON as it does in KV
		// (which turns invalid UTF-8 into U+FFFD): the native side gets the
		// value the module will read.
		rec := record(ticket, now+3600)
		var nrec cred.Record
		if err := json.Unmarshal(rec, &nrec); err != nil {
			t.Fatal(err)
		}
		if len(body) > api.MaxBodyLen+1 {
			body = body[:api.MaxBodyLen+1] // what the Worker passes at most
		}
		reqURL := "https://w/config?" + rawQuery
		q, _, _ := strings.Cut(rawQuery, "#")
		req := api.Request{Method: method, Query: q, ContentType: contentType, Origin: origin, Body: []byte(body)}
		nr := app.ServeConfig(nil, &req, &nrec, now)
		if route, err := api.Route(method, "/config"); err != nil && route != nil {
			nr.Allow = route.Methods // the module's router answers a method /config does not take, as it says
		}
		wr, err := s.Config(ctx, testhost.ConfigInput{Method: method, URL: reqURL, ContentType: contentType, Origin: origin, Body: []byte(body),
			Ticket: rec, AppID: "wxfuzz", AllowedHosts: hosts, AllowedOrigins: origins}, now)
		if err != nil {
			t.Fatal(err)
		}
		var nh []api.Header
		nh = nr.Headers(nh)
		if nr.Status != wr.Status || nr.NeedTicket != wr.NeedTicket || len(nh) != len(wr.Header) {
			t.Fatalf("ServeConfig: native %d %v %s, wasm %d %v %s", nr.Status, nh, nr.Body, wr.Status, wr.Header, wr.Body)
		}
		for i := range nh {
			if nh[i] != wr.Header[i] {
				t.Fatalf("header %d: native %v, wasm %v", i, nh[i], wr.Header[i])
			}
		}
		switch wr.Status {
		case 200:
			var nc, wc payload
			if err := json.Unmarshal(nr.Body, &nc); err != nil {
				t.Fatalf("native body %q: %v", nr.Body, err)
			}
			if err := json.Unmarshal(wr.Body, &wc); err != nil || !verifies(nrec.Value, wc) || wc.URL != nc.URL || wc.Timestamp != now || wc.AppID != "wxfuzz" || !nonceRE.MatchString(wc.NonceStr) {
				t.Fatalf("wasm answer %s does not verify (native %s)", wr.Body, nr.Body)
			}
			if sp := app.SignPage(nil, wc.URL, nrec.Value, wc.NonceStr, now); sp.Status != 200 || string(sp.Body) != string(wr.Body) {
				t.Fatalf("wasm %s, native SignPage %d %s", wr.Body, sp.Status, sp.Body)
			}
		case 204:
			if len(wr.Body) != 0 || len(nr.Body) != 0 {
				t.Fatalf("204 with a body: native %q, wasm %q", nr.Body, wr.Body)
			}
		default:
			// Errors carry no nonce: identical bytes.
			if string(nr.Body) != string(wr.Body) {
				t.Fatalf("native %s, wasm %s", nr.Body, wr.Body)
			}
		}
	})
}
