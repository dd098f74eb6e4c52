package api

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/pageurl"
	"github.com/wxsign/wxsign/internal/testkit"
)

const testNow = 1700000000

var testTicket = &cred.Record{Value: "TICKET-1", ExpiresAt: testNow + 3600, FetchedAt: testNow - 100}

type answer struct {
	Config
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func decode(t *testing.T, r Response) answer {
	t.Helper()
	var a answer
	if r.Status == 204 {
		return a
	}
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("status %d body %q is not JSON: %v", r.Status, r.Body, err)
	}
	return a
}

func TestServeConfig(t *testing.T) {
	app := &App{AppID: "wxapp", Hosts: pageurl.ParseAllowlist("h.example.com,*.example.org")}
	page := "https://h.example.com/p?a=1&b=%E4%B8%AD"
	q := "url=" + url.QueryEscape(page+"#frag")
	tests := []struct {
		name    string
		req     Request
		ticket  *cred.Record
		status  int
		errcode int
	}{
		{"GET query", Request{Method: "GET", Query: q}, testTicket, 200, 0},
		{"GET with other params", Request{Method: "GET", Query: "_=1&" + q + "&from=x"}, testTicket, 200, 0},
		{"GET with url twice", Request{Method: "GET", Query: "_=1&" + q + "&url=ignored"}, testTicket, 400, 1009},
		{"GET with url encoded and plain", Request{Method: "GET", Query: "%75rl=" + url.QueryEscape("https://h.example.com/a") + "&" + q}, testTicket, 400, 1009},
		{"POST JSON and query", Request{Method: "POST", Query: q, ContentType: "application/json", Body: []byte(`{"url":"` + page + `"}`)}, testTicket, 400, 1009},
		{"POST JSON url twice", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"url":"` + page + `","url":"https://evil.net/"}`)}, testTicket, 400, 1009},
		{"POST JSON URL key", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"URL":"` + page + `"}`)}, testTicket, 400, 1001},
		{"POST JSON lone surrogate", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"url":"` + page + `\ud800"}`)}, testTicket, 400, 1003},
		{"POST JSON invalid UTF-8", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"url":"` + page + "\xff" + `"}`)}, testTicket, 400, 1003},
		{"POST JSON", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"url":"` + page + `#frag"}`)}, testTicket, 200, 0},
		{"POST JSON charset", Request{Method: "POST", ContentType: "application/json; charset=UTF-8", Body: []byte(`{"url":"` + page + `"}`)}, testTicket, 200, 0},
		{"POST form", Request{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte(q)}, testTicket, 200, 0},
		{"POST text/plain JSON", Request{Method: "POST", ContentType: "text/plain;charset=UTF-8", Body: []byte(`{"url":"` + page + `"}`)}, testTicket, 200, 0},
		{"POST no body, query", Request{Method: "POST", Query: q}, testTicket, 200, 0},
		{"wildcard host", Request{Method: "GET", Query: "url=" + url.QueryEscape("https://a.example.org/")}, testTicket, 200, 0},
		{"no url", Request{Method: "GET"}, testTicket, 400, 1001},
		{"empty url", Request{Method: "GET", Query: "url="}, testTicket, 400, 1001},
		{"bad escape in query", Request{Method: "GET", Query: "url=%zz"}, testTicket, 400, 1021},
		{"unencoded plus becomes space", Request{Method: "GET", Query: "url=https://h.example.com/?a=b+c"}, testTicket, 400, 1003},
		{"relative url", Request{Method: "GET", Query: "url=/p"}, testTicket, 400, 1004},
		{"host not allowed", Request{Method: "GET", Query: "url=" + url.QueryEscape("https://evil.net/")}, testTicket, 403, 1010},
		{"lookalike host", Request{Method: "GET", Query: "url=" + url.QueryEscape("https://h.example.com.evil.net/")}, testTicket, 403, 1010},
		{"bad JSON", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"url":`)}, testTicket, 400, 1021},
		{"JSON without url", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"page":"x"}`)}, testTicket, 400, 1001},
		{"JSON url not a string", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"url":5}`)}, testTicket, 400, 1021},
		{"unsupported type", Request{Method: "POST", ContentType: "application/xml", Body: []byte(`<url/>`)}, testTicket, 415, 1023},
		{"body too large", Request{Method: "POST", ContentType: "application/json", Body: make([]byte, MaxBodyLen+1)}, testTicket, 413, 1022},
		{"PUT", Request{Method: "PUT", Query: q}, testTicket, 405, 1020},
		{"no ticket", Request{Method: "GET", Query: q}, nil, 503, 1051},
		{"empty ticket", Request{Method: "GET", Query: q}, &cred.Record{}, 503, 1051},
		{"expired ticket", Request{Method: "GET", Query: q}, &cred.Record{Value: "T", ExpiresAt: testNow}, 503, 1051},
		{"bad url checked before ticket", Request{Method: "GET", Query: "url=ftp://x"}, nil, 400, 1004},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := app.ServeConfig(nil, &tt.req, tt.ticket, testNow)
			a := decode(t, r)
			if r.Status != tt.status || a.ErrCode != tt.errcode {
				t.Fatalf("status %d errcode %d (%s), want %d %d", r.Status, a.ErrCode, r.Body, tt.status, tt.errcode)
			}
			if r.Status != 200 {
				if a.ErrMsg == "" {
					t.Fatalf("error without errmsg: %s", r.Body)
				}
				if r.NeedTicket != (a.ErrCode == 1051) {
					t.Fatalf("NeedTicket %v with errcode %d", r.NeedTicket, a.ErrCode)
				}
				if (r.Status == 503) != (r.RetryAfter > 0) {
					t.Fatalf("status %d with RetryAfter %d", r.Status, r.RetryAfter)
				}
				return
			}
			if a.AppID != "wxapp" || a.Timestamp != testNow || a.URL != strings.TrimSuffix(a.URL, "#frag") {
				t.Fatalf("payload %+v", a.Config)
			}
			if !regexp.MustCompile(`^[A-Za-z0-9]{16}$`).MatchString(a.NonceStr) {
				t.Fatalf("nonce %q", a.NonceStr)
			}
			if want := testkit.Signature(testTicket.Value, a.NonceStr, a.Timestamp, a.URL); a.Signature != want {
				t.Fatalf("signature %s does not verify (want %s)", a.Signature, want)
			}
		})
	}
}

func TestServeConfigSignsThePage(t *testing.T) {
	app := &App{AppID: "wxapp"}
	page := "https://any.example.net/a?b=%E4%B8%AD&c=d+e"
	r := app.ServeConfig(nil, &Request{Method: "GET", Query: "url=" + url.QueryEscape(page+"#/x")}, testTicket, testNow)
	if a := decode(t, r); r.Status != 200 || a.URL != page {
		t.Fatalf("status %d url %q, want 200 %q", r.Status, a.URL, page)
	}
	r2 := app.ServeConfig(nil, &Request{Method: "GET", Query: "url=" + url.QueryEscape(page)}, testTicket, testNow)
	if decode(t, r).NonceStr == decode(t, r2).NonceStr {
		t.Fatal("two answers share a nonce")
	}
}

// A page URL with a quote or a backslash (raw in a query: browsers
// percent-encode quotes but not always backslashes) is escaped in the
// payload, and one without is copied as is; so is a generated nonce, while
// a given one is escaped. Either way the payload has the bytes of
// Config.AppendJSON (held to encoding/json) and decodes to what was signed.
func TestServeConfigQuotedURL(t *testing.T) {
	app := &App{AppID: "wxapp"}
	for _, page := range []string{
		`https://h.example.com/a?q="x"`,
		`https://h.example.com/a?path=c:\dir\f`,
		`https://h.example.com/"\`,
		`https://h.example.com/a?q=1#"frag\`, // only in the fragment, which is cut
		"https://h.example.com/a?q=%22x%22",
	} {
		want, _, _ := strings.Cut(page, "#")
		r := app.ServeConfig(nil, &Request{Method: "GET", Query: "url=" + url.QueryEscape(page)}, testTicket, testNow)
		r2 := app.SignPage(nil, page, testTicket.Value, "n", testNow)
		r3 := app.SignPage(nil, page, testTicket.Value, `a"b\c`, testNow)
		for _, r := range []Response{r, r2, r3} {
			a := decode(t, r)
			if r.Status != 200 || a.URL != want {
				t.Fatalf("%s: status %d url %q, want 200 %q", page, r.Status, a.URL, want)
			}
			if sig := testkit.Signature(testTicket.Value, a.NonceStr, a.Timestamp, want); a.Signature != sig {
				t.Fatalf("%s: signature %s does not verify", page, a.Signature)
			}
			if ref := a.Config.AppendJSON(nil); string(r.Body) != string(ref) {
				t.Fatalf("%s: payload %s, Config.AppendJSON gives %s", page, r.Body, ref)
			}
		}
	}
}

// The payload carries the App's AppID, escaped, and follows a change of it.
func TestServeConfigAppIDChange(t *testing.T) {
	app := &App{}
	req := &Request{Method: "GET", Query: "url=https%3A%2F%2Fh.example.com%2F"}
	for _, id := range []string{"wx1", "wx2", `wx"3\`, "wx1", strings.Clone("wx1"), "wx0123456789abcdef"} {
		app.AppID = id
		for range 2 {
			r := app.ServeConfig(nil, req, testTicket, testNow)
			if a := decode(t, r); r.Status != 200 || a.AppID != id {
				t.Fatalf("AppID %q: status %d appId %q", id, r.Status, a.AppID)
			}
		}
	}
}

func TestServeConfigNotConfigured(t *testing.T) {
	r := (&App{}).ServeConfig(nil, &Request{Method: "GET", Query: "url=https%3A%2F%2Fa%2F"}, testTicket, testNow)
	if a := decode(t, r); r.Status != 503 || a.ErrCode != 1050 {
		t.Fatalf("status %d errcode %d", r.Status, a.ErrCode)
	}
}

func TestServeConfigCORS(t *testing.T) {
	app := &App{AppID: "wxapp", Origins: pageurl.ParseOriginList("https://h.example.com")}
	get := Request{Method: "GET", Query: "url=https%3A%2F%2Fh.example.com%2F"}
	tests := []struct {
		name, method, origin string
		status               int
		allow                string
	}{
		{"allowed origin", "GET", "https://h.example.com", 200, "https://h.example.com"},
		{"other origin", "GET", "https://evil.net", 200, ""},
		{"no origin", "GET", "", 200, ""},
		{"null origin", "GET", "null", 200, ""},
		{"origin with a path", "GET", "https://h.example.com/", 200, ""},
		{"two origins", "GET", "https://h.example.com, https://evil.net", 200, ""},
		{"same host over http", "GET", "http://h.example.com", 200, ""},
		{"same host, other port", "GET", "https://h.example.com:8443", 200, ""},
		{"default port", "GET", "https://h.example.com:443", 200, "https://h.example.com:443"},
		{"preflight allowed", "OPTIONS", "https://h.example.com", 204, "https://h.example.com"},
		{"preflight refused", "OPTIONS", "https://evil.net", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := get
			req.Method, req.Origin = tt.method, tt.origin
			r := app.ServeConfig(nil, &req, testTicket, testNow)
			if r.Status != tt.status || r.AllowOrigin != tt.allow || !r.Vary {
				t.Fatalf("status %d allow %q vary %v, want %d %q true", r.Status, r.AllowOrigin, r.Vary, tt.status, tt.allow)
			}
			h := map[string]string{}
			for _, kv := range r.Headers(nil) {
				h[kv.Name] = kv.Value
			}
			if h["X-Content-Type-Options"] != "nosniff" || h["Cache-Control"] != "no-store" {
				t.Fatalf("headers %v", h)
			}
			if got := h["Access-Control-Allow-Origin"]; got != tt.allow {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, tt.allow)
			}
			if _, ok := h["Access-Control-Allow-Methods"]; ok != (tt.status == 204) {
				t.Fatalf("preflight headers %v on status %d", h, r.Status)
			}
		})
	}
	// Without ALLOWED_ORIGINS, no CORS header at all and no Vary.
	r := (&App{AppID: "wxapp"}).ServeConfig(nil, &Request{Method: "GET", Origin: "https://h.example.com", Query: get.Query}, testTicket, testNow)
	if r.AllowOrigin != "" || r.Vary {
		t.Fatalf("CORS without ALLOWED_ORIGINS: %+v", r)
	}
}

// TestServeConfigAllocs: the page URL decoded from the query is the one
// allocation of a GET /config.
func TestServeConfigAllocs(t *testing.T) {
	app := &App{AppID: "wxapp", Hosts: pageurl.ParseAllowlist("h.example.com"), Origins: pageurl.ParseOriginList("https://h.example.com")}
	for _, q := range []string{"url=https://h.example.com/p?a=1", "url=" + url.QueryEscape(testkit.BenchURL)} {
		req := &Request{Method: "GET", Query: q, Origin: "https://h.example.com"}
		dst := make([]byte, 0, 1024)
		n := testing.AllocsPerRun(100, func() {
			app.ServeConfig(dst[:0], req, testTicket, testNow)
		})
		if n != 1 {
			t.Fatalf("ServeConfig allocates %.1f times per GET of %.40q, want 1 (the decoded page URL)", n, q)
		}
	}
}

func BenchmarkServeConfig(b *testing.B) {
	app := &App{AppID: "wxapp", Hosts: pageurl.ParseAllowlist("h.example.com")}
	req := &Request{Method: "GET", Query: "url=" + url.QueryEscape(testkit.BenchURL)}
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		app.ServeConfig(dst[:0], req, testTicket, testNow)
	}
}

// AppendHeaderLines is the signer's form of Headers: the same headers, in
// the same order, one "Name: Value\n" line each.
func TestAppendHeaderLines(t *testing.T) {
	tests := []Response{
		{Status: 200},
		{Status: 200, AllowOrigin: "https://h.example.com", Vary: true},
		{Status: 200, AllowOrigin: "https://h.example.com"},
		{Status: 200, Vary: true},
		{Status: 204, AllowOrigin: "https://h.example.com", Preflight: true, Vary: true},
		{Status: 503, RetryAfter: RetryAfterSeconds, Vary: true},
		{Status: 405, Allow: ConfigMethods},
		{Status: 403, Preflight: true}, // no origin allowed: no preflight headers
	}
	for _, r := range tests {
		var want strings.Builder
		for _, h := range r.Headers(nil) {
			want.WriteString(h.Name + ": " + h.Value + "\n")
		}
		if got := string(r.AppendHeaderLines([]byte("x"))); got != "x"+want.String() {
			t.Errorf("%+v: AppendHeaderLines =\n%s\nHeaders gives\n%s", r, got, want.String())
		}
	}
}

// TestGoldenSignPage: the payload /config answers for each golden vector
// carries the signature sha1sum computed, over the URL as it was signed.
func TestGoldenSignPage(t *testing.T) {
	for _, g := range testkit.LoadGolden(t, "../testdata/golden.json") {
		t.Run(g.Name, func(t *testing.T) {
			app := App{AppID: "wx0123456789abcdef"}
			r := app.SignPage(nil, g.URL, g.Ticket, g.Nonce, g.Timestamp)
			var c Config
			if err := json.Unmarshal(r.Body, &c); err != nil || r.Status != 200 {
				t.Fatalf("SignPage: status %d body %s err %v", r.Status, r.Body, err)
			}
			want := Config{AppID: app.AppID, Timestamp: g.Timestamp, NonceStr: g.Nonce, Signature: g.Signature, URL: g.SignedURL}
			if c != want {
				t.Fatalf("SignPage payload = %+v, want %+v", c, want)
			}
		})
	}
}
