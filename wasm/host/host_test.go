package host_test

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
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/wasm/host"
)

// wasmBytes is the signer module under test: $WXSIGN_WASM (the Makefile
// points it at build/signer.wasm, the file that ships) or, for a plain
// `go test`, one built here the same way.
var wasmBytes []byte

func TestMain(m *testing.M) {
	path := os.Getenv("WXSIGN_WASM")
	if path == "" {
		dir, err := os.MkdirTemp("", "wxsign-signer")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "signer.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", path, "../signer")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building the signer module: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	var err error
	if wasmBytes, err = os.ReadFile(path); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// testCache makes every Signer after the first skip compilation.
var testCache = wazero.NewCompilationCache()

func newSigner(t testing.TB) *host.Signer {
	t.Helper()
	s, err := host.New(context.Background(), wasmBytes, &host.Options{Cache: testCache})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

type golden struct {
	Name      string `json:"name"`
	Ticket    string `json:"ticket"`
	Nonce     string `json:"noncestr"`
	Timestamp int64  `json:"timestamp"`
	URL       string `json:"url"`
	SignedURL string `json:"signed_url"`
	Signature string `json:"signature"`
}

func loadGolden(t testing.TB) []golden {
	b, err := os.ReadFile("../../core/testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g []golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGolden runs every golden vector (signatures from sha1sum) through the
// module under wazero.
func TestGolden(t *testing.T) {
	s := newSigner(t)
	for _, g := range loadGolden(t) {
		t.Run(g.Name, func(t *testing.T) {
			r, err := s.Sign(context.Background(), host.SignInput{AppID: "wxgolden", Ticket: g.Ticket, Nonce: g.Nonce, Timestamp: g.Timestamp, URL: g.URL})
			if err != nil {
				t.Fatal(err)
			}
			var c core.Config
			if err := json.Unmarshal(r.Body, &c); err != nil || r.Status != 200 {
				t.Fatalf("status %d body %s: %v", r.Status, r.Body, err)
			}
			want := core.Config{AppID: "wxgolden", Timestamp: g.Timestamp, NonceStr: g.Nonce, Signature: g.Signature, URL: g.SignedURL}
			if c != want {
				t.Fatalf("got %+v, want %+v", c, want)
			}
		})
	}
}

const now = 1_700_000_000

func record(value string, expiresAt int64) []byte {
	b, _ := json.Marshal(core.Record{Value: value, ExpiresAt: expiresAt, FetchedAt: now - 60})
	return b
}

func verifies(ticket string, c core.Config) bool {
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, c.NonceStr, c.Timestamp, c.URL)))
	return hex.EncodeToString(sum[:]) == c.Signature
}

var nonceRE = regexp.MustCompile(`^[A-Za-z0-9]{16}$`)

func TestConfig(t *testing.T) {
	s := newSigner(t)
	good := record("TICKET", now+3600)
	page := "https://h.example.com/p?a=1&b=%E4%B8%AD"
	get := "https://wxsign.example/config?url=" + url.QueryEscape(page+"#frag")
	tests := []struct {
		name       string
		in         host.ConfigInput
		status     int
		errcode    int
		needTicket bool
	}{
		{"GET", host.ConfigInput{Method: "GET", URL: get}, 200, 0, false},
		{"GET with a fragment on the request URL", host.ConfigInput{Method: "GET", URL: get + "#x"}, 200, 0, false},
		{"POST JSON", host.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "application/json", Body: []byte(`{"url":"` + page + `#f"}`)}, 200, 0, false},
		{"POST form", host.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "application/x-www-form-urlencoded", Body: []byte("url=" + url.QueryEscape(page))}, 200, 0, false},
		{"POST text/plain", host.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "text/plain;charset=UTF-8", Body: []byte(`{"url":"` + page + `"}`)}, 200, 0, false},
		{"no url", host.ConfigInput{Method: "GET", URL: "https://w/config"}, 400, 1001, false},
		{"bad scheme", host.ConfigInput{Method: "GET", URL: "https://w/config?url=ftp%3A%2F%2Fx%2F"}, 400, 1004, false},
		{"userinfo", host.ConfigInput{Method: "GET", URL: "https://w/config?url=" + url.QueryEscape("https://h.example.com@evil.net/")}, 400, 1006, false},
		{"escape", host.ConfigInput{Method: "GET", URL: "https://w/config?url=" + url.QueryEscape("https://h.example.com/%zz")}, 400, 1007, false},
		{"host not allowed", host.ConfigInput{Method: "GET", URL: "https://w/config?url=" + url.QueryEscape("https://evil.net/"), AllowedHosts: "h.example.com"}, 403, 1010, false},
		{"no ticket", host.ConfigInput{Method: "GET", URL: get, Ticket: []byte{}}, 503, 1051, true},
		{"expired ticket", host.ConfigInput{Method: "GET", URL: get, Ticket: record("OLD", now)}, 503, 1051, true},
		{"garbage ticket", host.ConfigInput{Method: "GET", URL: get, Ticket: []byte("{not json")}, 503, 1051, true},
		{"not configured", host.ConfigInput{Method: "GET", URL: get, AppID: "-"}, 503, 1050, false},
		{"body too large", host.ConfigInput{Method: "POST", URL: "https://w/config", ContentType: "application/json", Body: make([]byte, core.MaxBodyLen+1)}, 413, 1022, false},
		{"PUT", host.ConfigInput{Method: "PUT", URL: get}, 405, 1020, false},
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
				core.Config
				ErrCode int `json:"errcode"`
			}
			if err := json.Unmarshal(r.Body, &a); err != nil {
				t.Fatalf("body %q: %v", r.Body, err)
			}
			if r.Status != tt.status || a.ErrCode != tt.errcode || r.NeedTicket != tt.needTicket {
				t.Fatalf("status %d errcode %d need %v (%s), want %d %d %v", r.Status, a.ErrCode, r.NeedTicket, r.Body, tt.status, tt.errcode, tt.needTicket)
			}
			if r.Get("Content-Type") != "application/json; charset=utf-8" || r.Get("X-Content-Type-Options") != "nosniff" || r.Get("Cache-Control") != "no-store" {
				t.Fatalf("headers %v", r.Header)
			}
			if tt.status == 503 && r.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
			if r.Status != 200 {
				return
			}
			if a.URL != page || a.AppID != "wxapp" || a.Timestamp != now || !nonceRE.MatchString(a.NonceStr) || !verifies("TICKET", a.Config) {
				t.Fatalf("payload %+v does not verify", a.Config)
			}
		})
	}
}

func TestConfigCORS(t *testing.T) {
	s := newSigner(t)
	in := host.ConfigInput{Method: "OPTIONS", URL: "https://w/config", Origin: "https://h.example.com", AppID: "wxapp", AllowedOrigins: "https://h.example.com"}
	r, err := s.Config(context.Background(), in, now)
	if err != nil || r.Status != 204 || r.Get("Access-Control-Allow-Origin") != "https://h.example.com" || r.Get("Access-Control-Allow-Methods") == "" {
		t.Fatalf("preflight: %+v %v", r, err)
	}
	in.Origin = "https://evil.net"
	if r, _ := s.Config(context.Background(), in, now); r.Status != 403 || r.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another origin: %+v", r)
	}
}

// TestSettingsCache: the module caches parsed settings and ticket by their
// bytes; a change must take effect on the next call.
func TestSettingsCache(t *testing.T) {
	s, err := host.New(context.Background(), wasmBytes, &host.Options{PoolSize: 1, Cache: testCache})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	in := host.ConfigInput{Method: "GET", URL: "https://w/config?url=https%3A%2F%2Fa.example.com%2F", AppID: "wxapp", AllowedHosts: "a.example.com", Ticket: record("T1", now+3600)}
	steps := []struct {
		change func()
		status int
		ticket string
	}{
		{func() {}, 200, "T1"},
		{func() { in.AllowedHosts = "b.example.com" }, 403, ""},
		{func() { in.AllowedHosts = "" }, 200, "T1"},
		{func() { in.Ticket = record("T2", now+3600) }, 200, "T2"},
		{func() { in.Ticket = nil }, 503, ""},
		{func() { in.Ticket = record("T3", now+3600); in.AppID = "wxother" }, 200, "T3"},
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
			var c core.Config
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
	r, err := s.Sign(context.Background(), host.SignInput{AppID: "a", Ticket: "t", Nonce: "n", Timestamp: 1, URL: "https://h/"})
	if err != nil || r.Status != 200 {
		t.Fatalf("%+v %v", r, err)
	}
	// Input larger than the module's region is refused by the host.
	if _, err := s.Config(context.Background(), host.ConfigInput{Method: "POST", Body: make([]byte, 70<<10)}, now); err == nil {
		t.Fatal("input larger than the region accepted")
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
				r, err := s.Config(context.Background(), host.ConfigInput{Method: "GET", URL: "https://w/config?url=" + url.QueryEscape(page),
					AppID: "wxapp", Ticket: record(fmt.Sprintf("T%d", g), now+3600)}, now)
				var c core.Config
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

// FuzzNativeVsWasm: the native core and the module give the same answer.
func FuzzNativeVsWasm(f *testing.F) {
	for _, g := range loadGolden(f) {
		f.Add(g.URL, g.Nonce, g.Timestamp, g.Ticket, "")
	}
	f.Add("https://h.example.com/", "n", int64(-1), "t", "h.example.com,*.x.org")
	f.Add("https://evil.net/", "n", int64(0), "t", "h.example.com")
	f.Add("http://[::1]:99999/", "", int64(1), "", "")
	s := newSigner(f)
	f.Fuzz(func(t *testing.T, page, nonce string, ts int64, ticket, hosts string) {
		app := core.App{AppID: "wxfuzz", Hosts: core.ParseAllowlist(hosts)}
		native := app.SignPage(nil, page, ticket, nonce, ts)
		r, err := s.Sign(context.Background(), host.SignInput{AppID: "wxfuzz", Ticket: ticket, Nonce: nonce, Timestamp: ts, URL: page, AllowedHosts: hosts})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != native.Status || string(r.Body) != string(native.Body) {
			t.Fatalf("native %d %s, wasm %d %s", native.Status, native.Body, r.Status, r.Body)
		}
		// The request path too: status and errcode agree (nonces differ).
		if !utf8.ValidString(ticket) {
			return // JSON, the KV format, cannot carry it
		}
		rec := record(ticket, now+3600)
		req := core.Request{Method: "GET", Query: "url=" + url.QueryEscape(page)}
		nr := (&core.App{AppID: "wxfuzz", Hosts: app.Hosts}).ServeConfig(nil, &req, &core.Record{Value: ticket, ExpiresAt: now + 3600}, now)
		wr, err := s.Config(context.Background(), host.ConfigInput{Method: "GET", URL: "https://w/config?url=" + url.QueryEscape(page), Ticket: rec, AppID: "wxfuzz", AllowedHosts: hosts}, now)
		if err != nil {
			t.Fatal(err)
		}
		if nr.Status != wr.Status || nr.NeedTicket != wr.NeedTicket {
			t.Fatalf("ServeConfig native %d %s, wasm %d %s", nr.Status, nr.Body, wr.Status, wr.Body)
		}
		if wr.Status == 200 {
			var c core.Config
			if err := json.Unmarshal(wr.Body, &c); err != nil || !verifies(ticket, c) {
				t.Fatalf("wasm answer %s does not verify", wr.Body)
			}
		}
	})
}
