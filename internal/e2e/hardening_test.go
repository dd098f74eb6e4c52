//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHardening sends the findings of the hardening review (issue 14)
// through the real Worker, one Worker for all but the last subtest.
func TestHardening(t *testing.T) {
	wc := startStandin(t)
	origins := []string{"https://allowed.example"}
	for i := 1; i <= 8; i++ {
		origins = append(origins, fmt.Sprintf("https://o%d.example.com", i))
	}
	w := startWorker(t, wc, map[string]string{
		"ALLOWED_HOSTS":   "h.example.com,*.good.example,*.example.com",
		"ALLOWED_ORIGINS": strings.Join(origins, ","),
	})
	page := "https://h.example.com/hard?x=1"
	var ticket string

	// First, while nothing is cached: requests that arrive while the one
	// cold-path fetch is in flight wait for it, then each is answered with
	// its own fields.
	t.Run("cold-path waiters keep their own request", func(t *testing.T) {
		wc.fault(t, map[string]any{"endpoint": "ticket", "kind": "slow", "delay_ms": 700, "count": 1})
		var wg sync.WaitGroup
		replies := make([]reply, 8)
		errs := make([]error, 8)
		for i := range replies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				replies[i], errs[i] = w.try("GET", configPath(fmt.Sprintf("https://h.example.com/w/%d?o=%d", i+1, i+1)),
					nil, map[string]string{"Origin": origins[i+1]})
			}()
		}
		wg.Wait()
		ticket = wc.ticket(t)
		for i, r := range replies {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			verify(t, r, ticket, fmt.Sprintf("https://h.example.com/w/%d?o=%d", i+1, i+1))
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != origins[i+1] {
				t.Fatalf("request %d from %s got Access-Control-Allow-Origin %q", i+1, origins[i+1], got)
			}
		}
		if st := wc.stats(t); st.StableToken != 1 || st.Ticket != 1 {
			t.Fatalf("8 cold requests: %+v, want one token and one ticket fetch", st)
		}
	})
	cfg := configPath(page)
	if ticket == "" { // the subtest above was not run (-run) or failed
		w.get(t, cfg)
		ticket = wc.ticket(t)
	}

	t.Run("malformed escapes in the path", func(t *testing.T) {
		for _, path := range []string{"/%zz", "/nonce%", "/token%2", "/config%zz?url=" + url.QueryEscape(page), "/%", "/healthz%zz", "/card/ext%", "/config%2"} {
			for _, method := range []string{"GET", "POST", "DELETE"} {
				for _, h := range []map[string]string{nil, bearer(testAPIKey)} {
					r := w.do(t, method, path, strings.NewReader(`{"url":"`+page+`"}`), h)
					wantError(t, fmt.Sprintf("%s %s (auth %v)", method, path, h != nil), r, 404, 1030)
				}
			}
		}
	})

	big := `{"url":"https://h.example.com/` + strings.Repeat("a", 20<<10) + `"}`
	t.Run("a body over 16 KiB with its length", func(t *testing.T) {
		for _, path := range []string{"/config", "/debug/check", "/card/ext"} {
			r := w.do(t, "POST", path, strings.NewReader(big), jsonHeader(testAPIKey))
			wantError(t, path, r, 413, 1022)
		}
	})

	t.Run("a chunked body over 16 KiB, then the same connection", func(t *testing.T) {
		client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
		defer client.CloseIdleConnections()
		post := func(body io.Reader) (reply, bool) {
			var reused bool
			req, _ := http.NewRequest("POST", w.URL+"/config", body)
			req.Header.Set("Content-Type", "application/json")
			req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
				GotConn: func(c httptrace.GotConnInfo) { reused = c.Reused }}))
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return reply{res.StatusCode, res.Header, b}, reused
		}
		for i := 0; i < 3; i++ {
			chunked := io.MultiReader(strings.NewReader(big[:100]), strings.NewReader(big[100:]))
			r, _ := post(chunked)
			wantError(t, "chunked 20 KiB", r, 413, 1022)
			r, reused := post(strings.NewReader(`{"url":"` + page + `"}`))
			verify(t, r, ticket, page)
			if !reused {
				t.Fatalf("round %d: the request after the refused chunked body did not reuse the connection", i)
			}
		}
	})

	// A body of any size or framing touches no other request: chunked
	// bodies past what the entry keeps (1 MiB and more) are refused 413,
	// and the next POST, on the same connection or another, is answered.
	t.Run("chunked bodies of any size, then the next POST", func(t *testing.T) {
		client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
		defer client.CloseIdleConnections()
		post := func(body io.Reader, header map[string]string) reply {
			req, _ := http.NewRequest("POST", w.URL+"/config", body)
			req.Header.Set("Content-Type", "application/json")
			for k, v := range header {
				req.Header.Set(k, v)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return reply{res.StatusCode, res.Header, b}
		}
		chunks := func(n int) io.Reader { // n bytes in 64 KiB chunks, no length
			return io.MultiReader(strings.NewReader(`{"url":"`), io.LimitReader(repeatReader('a'), int64(n)), strings.NewReader(`"}`))
		}
		for _, n := range []int{1<<20 - 100, 1<<20 + 1, 3 << 20} {
			wantError(t, fmt.Sprintf("chunked %d bytes", n), post(chunks(n), nil), 413, 1022)
			verify(t, post(strings.NewReader(`{"url":"`+page+`"}`), nil), ticket, page)
			// and on a new connection
			verify(t, w.do(t, "POST", "/config", strings.NewReader(`{"url":"`+page+`"}`), map[string]string{"Content-Type": "application/json"}), ticket, page)
		}
	})

	t.Run("a request over 64 KiB", func(t *testing.T) {
		// The input region is 64 KiB: requests near it and past it. workerd
		// itself refuses request lines a little longer (text/plain 431).
		allowed := origins[1]
		refused := 0
		for n := 65300; n <= 65600; n += 4 {
			path := cfg + "&pad=" + strings.Repeat("p", n-len(cfg)-5)
			r := w.do(t, "GET", path, nil, map[string]string{"Origin": allowed})
			switch {
			case r.Status == 431 && strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain"):
				// workerd's own limit: not the Worker's answer.
			case r.Status == 200:
				verify(t, r, ticket, page)
				if r.Header.Get("Access-Control-Allow-Origin") != allowed {
					t.Fatalf("path of %d bytes: 200 without CORS for %s", n, allowed)
				}
			case r.Status == 414 || r.Status == 431:
				wantError(t, fmt.Sprintf("path of %d bytes", n), r, r.Status, 0)
				if r.Header.Get("Access-Control-Allow-Origin") != "" {
					t.Fatalf("path of %d bytes: %d with CORS", n, r.Status)
				}
				refused++
			default:
				t.Fatalf("path of %d bytes: %s, want 200, 414 or 431", n, r)
			}
		}
		if refused == 0 {
			t.Fatal("no request path was long enough to overflow the input region")
		}
		// An Origin that is allowed up to where a cut would fall.
		for _, origin := range []string{allowed + strings.Repeat("a", 70<<10), allowed + ", " + strings.Repeat("b", 70<<10)} {
			r := w.do(t, "GET", cfg, nil, map[string]string{"Origin": origin})
			wantError(t, "a 70 KiB Origin", r, 431, 1025)
			if r.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatal("CORS for a 70 KiB Origin")
			}
		}
		r := w.do(t, "GET", cfg, nil, map[string]string{"Origin": allowed, "Authorization": "Bearer " + strings.Repeat("k", 70<<10)})
		wantError(t, "a 70 KiB Authorization", r, 431, 1025)
	})

	t.Run("hosts that only look allowed", func(t *testing.T) {
		for _, p := range []string{
			"https://evil.com%2F.good.example/",
			"https://evil.com%2f.good.example/x",
			"https://\u212a.example.com/",       // KELVIN SIGN, which folds to k
			"https://%E2%84%AA.example.com/",    // the same, escaped
			"https://a\u212a.good.example/",     // in a name under a wildcard
			"https://evil.com%00.good.example/", // an escaped NUL
		} {
			r := w.get(t, configPath(p))
			if wantError(t, p, r, 400, 0); r.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("%s: CORS on a refusal without Origin", p)
			}
		}
		verify(t, w.get(t, configPath("https://k.example.com/")), ticket, "https://k.example.com/")
		verify(t, w.get(t, configPath("https://a.good.example/")), ticket, "https://a.good.example/")
	})

	t.Run("url in two spellings", func(t *testing.T) {
		a, b := url.QueryEscape(page), url.QueryEscape("https://evil.net/")
		for _, q := range []string{"%75rl=" + a + "&url=" + b, "url=" + a + "&%75rl=" + b, "url=" + a + "&url=" + a, "%75%72%6c=" + a + "&url=" + a} {
			wantError(t, q, w.get(t, "/config?"+q), 400, 1009)
		}
		r := w.do(t, "POST", "/config?%75rl="+a, strings.NewReader(`{"url":"`+page+`"}`), jsonHeader(""))
		wantError(t, "url in the query and the body", r, 400, 1009)
	})

	t.Run("JSON keys match exactly", func(t *testing.T) {
		for _, body := range []string{
			`{"url":"` + page + `","URL":"https://evil.net/"}`,
			`{"URL":"https://evil.net/","url":"` + page + `","Url":"https://evil.net/"}`,
		} {
			verify(t, w.do(t, "POST", "/config", strings.NewReader(body), jsonHeader("")), ticket, page)
		}
		wantError(t, "URL only", w.do(t, "POST", "/config", strings.NewReader(`{"URL":"`+page+`"}`), jsonHeader("")), 400, 1001)
	})

	t.Run("invalid text in a JSON url", func(t *testing.T) {
		for _, body := range []string{
			`{"url":"https://h.example.com/\ud800"}`,
			`{"url":"https://h.example.com/\udc00x"}`,
			`{"url":"https://h.example.com/` + "\xff\xfe" + `"}`,
			`{"url":"https://h.example.com/` + "\xed\xa0\x80" + `"}`, // a surrogate in UTF-8
		} {
			wantError(t, body, w.do(t, "POST", "/config", strings.NewReader(body), jsonHeader("")), 400, 1003)
		}
		// A valid pair is text.
		verify(t, w.do(t, "POST", "/config", strings.NewReader(`{"url":"https://h.example.com/\ud83d\ude00"}`), jsonHeader("")), ticket, "https://h.example.com/\U0001F600")
	})

	t.Run("an Origin list is no origin", func(t *testing.T) {
		for _, o := range []string{"https://allowed.example, https://evil", "https://allowed.example,https://allowed.example", "https://allowed.example/", "null"} {
			r := w.do(t, "GET", cfg, nil, map[string]string{"Origin": o})
			verify(t, r, ticket, page)
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Fatalf("Origin %q: Access-Control-Allow-Origin %q", o, got)
			}
			r = w.do(t, "OPTIONS", "/config", nil, map[string]string{"Origin": o, "Access-Control-Request-Method": "POST"})
			if r.Status != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("preflight from %q: %s %v", o, r, r.Header)
			}
		}
	})

	t.Run("Authorization is the key and nothing else", func(t *testing.T) {
		// (Whitespace at either end of a header value is not part of it in
		// HTTP: "Bearer <key> " arrives as "Bearer <key>".)
		for _, h := range []string{"Bearer " + testAPIKey + ", x", "Bearer " + testAPIKey + ",", "Bearer  " + testAPIKey, "Bearer " + testAPIKey + " x", "Bearer=" + testAPIKey} {
			r := w.do(t, "GET", "/token", nil, map[string]string{"Authorization": h})
			wantError(t, fmt.Sprintf("Authorization %q", h), r, 401, 1040)
		}
		if r := w.do(t, "GET", "/token", nil, map[string]string{"Authorization": "bearer " + testAPIKey}); r.Status != 200 {
			t.Fatalf("the scheme in lower case: %s", r)
		}
	})

	t.Run("methods the back-end endpoints do not answer", func(t *testing.T) {
		for _, path := range []string{"/token", "/ticket", "/healthz"} {
			for _, method := range []string{"DELETE", "PUT", "TRACE", "PATCH"} {
				r := w.do(t, method, path, nil, bearer(testAPIKey))
				wantError(t, method+" "+path, r, 405, 1020)
				if allow := r.Header.Get("Allow"); allow != "GET, HEAD" {
					t.Fatalf("%s %s: Allow %q, want \"GET, HEAD\"", method, path, allow)
				}
			}
		}
	})

	t.Run("a body on GET and HEAD", func(t *testing.T) {
		for _, path := range []string{"/token", "/ticket", "/healthz", cfg, "/nonce"} {
			for _, method := range []string{"GET", "HEAD"} {
				for _, chunked := range []bool{false, true} {
					var body io.Reader = strings.NewReader(`{"url":"` + page + `"}`)
					if chunked {
						body = io.MultiReader(body)
					}
					r := w.do(t, method, path, body, bearer(testAPIKey))
					if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
						t.Fatalf("%s %s with a body (chunked %v): %s", method, path, chunked, r)
					}
				}
			}
		}
	})

	t.Run("/healthz shows API bases without userinfo or query", func(t *testing.T) {
		host := strings.TrimPrefix(wc.URL, "http://")
		w2 := startWorker(t, wc, map[string]string{
			"WECHAT_API_BASE": "http://wxuser:wxpass@" + host + "/?x=apisecret",
			"WECOM_API_BASE":  "http://wcuser:wcpass@" + host + "/wecom?y=wecomsecret#frag",
			"WECOM_CORPID":    "wwe2e0123456789ab", "WECOM_AGENTS": "1000002", "WECOM_SECRET_1000002": "agent-secret",
		})
		r := w2.get(t, "/healthz")
		var h struct {
			Config struct {
				APIBase      string `json:"wechat_api_base"`
				WeComAPIBase string `json:"wecom_api_base"`
			} `json:"config"`
		}
		if err := json.Unmarshal(r.Body, &h); err != nil {
			t.Fatalf("/healthz: %s", r)
		}
		if h.Config.APIBase != "http://"+host+"/" || h.Config.WeComAPIBase != "http://"+host+"/wecom" {
			t.Fatalf("/healthz shows %q and %q", h.Config.APIBase, h.Config.WeComAPIBase)
		}
		for _, s := range []string{"wxuser", "wxpass", "apisecret", "wcuser", "wcpass", "wecomsecret", "frag"} {
			if strings.Contains(string(r.Body), s) {
				t.Fatalf("/healthz shows %q: %s", s, r.Body)
			}
		}
	})
}

// sameWindow waits, if need be, until at least need is left of the current
// minute: wrangler dev's rate limiter counts in fixed windows of the
// period (60 s) on the clock.
func sameWindow(t testing.TB, need time.Duration) {
	now := time.Now()
	if next := now.Truncate(time.Minute).Add(time.Minute); next.Sub(now) < need {
		t.Logf("waiting %v for the next rate-limit window", time.Until(next).Round(time.Second))
		time.Sleep(time.Until(next) + 100*time.Millisecond)
	}
}

// burst sends n GETs of path, 16 at a time, and returns the answers.
func burst(t testing.TB, w *worker, n int, path string, header map[string]string) []reply {
	replies := make([]reply, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	var mu sync.Mutex
	var firstErr error
	for i := range replies {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, err := w.try("GET", path, nil, header)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			replies[i] = r
		}()
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	return replies
}

// TestRateLimit: the [[ratelimits]] bindings of wrangler.toml, which
// wrangler dev emulates: AUTH_RATE_LIMIT (10 failed authentications a
// minute per IP) and CONFIG_RATE_LIMIT (600 signing requests a minute),
// and RATE_LIMITS=off.
func TestRateLimit(t *testing.T) {
	wc := startStandin(t)
	w := startWorker(t, wc, nil)
	page := "https://h.example.com/limit"
	verify(t, w.get(t, configPath(page)), wc.ticket(t), page)
	ticket := wc.ticket(t)
	wrong := bearer("wrong-" + testAPIKey)

	sameWindow(t, 15*time.Second) // both bursts below in one window, most runs
	t.Run("failed authentications", func(t *testing.T) {
		sameWindow(t, 5*time.Second)
		first := 0
		for i := 1; i <= 14; i++ {
			r := w.do(t, "GET", "/token", nil, wrong)
			switch {
			case r.Status == 401 && first == 0:
				wantError(t, fmt.Sprintf("failure %d", i), r, 401, 1040)
			case r.Status == 429:
				if first == 0 {
					first = i
				}
				wantError(t, fmt.Sprintf("failure %d", i), r, 429, 1026)
				if r.Header.Get("Retry-After") != "60" {
					t.Fatalf("429 with Retry-After %q", r.Header.Get("Retry-After"))
				}
			default:
				t.Fatalf("failure %d: %s (first 429 at %d)", i, r, first)
			}
		}
		if first < 11 || first > 12 {
			t.Fatalf("the first 429 came with failure %d, want the 11th (or the 12th)", first)
		}
		if r := w.do(t, "POST", "/card/ext", strings.NewReader(`{"card_id":"x"}`), wrong); r.Status != 429 {
			t.Fatalf("a failed authentication at /card/ext after the limit: %s, want 429", r)
		}
		if r := w.do(t, "GET", "/token", nil, bearer(testAPIKey)); r.Status != 200 {
			t.Fatalf("the right key after the limit: %s", r)
		}
		verify(t, w.get(t, configPath(page)), ticket, page) // another binding
	})

	t.Run("signing requests", func(t *testing.T) {
		sameWindow(t, 10*time.Second)
		start := time.Now()
		replies := burst(t, w, 610, configPath(page), nil)
		ok, limited := 0, 0
		for _, r := range replies {
			switch r.Status {
			case 200:
				if p := decodePayload(t, r); p.Signature != sign(ticket, p.NonceStr, p.Timestamp, page) {
					t.Fatalf("a 200 that does not verify: %s", r)
				}
				ok++
			case 429:
				wantError(t, "/config over the limit", r, 429, 1026)
				if r.Header.Get("Retry-After") == "" {
					t.Fatal("429 without Retry-After")
				}
				limited++
			default:
				t.Fatalf("/config: %s", r)
			}
		}
		t.Logf("610 /config in %v: %d signed, %d limited", time.Since(start).Round(time.Millisecond), ok, limited)
		if limited < 10 || ok > 600 {
			t.Fatalf("%d signed and %d limited, want at most 600 signed", ok, limited)
		}
		// Every route is counted, unknown paths too: a loop from one address
		// spends no more of the plan's requests by moving to another path.
		for _, path := range []string{"/nonce", "/healthz", "/nope"} {
			if r := w.get(t, path); r.Status != 429 {
				t.Fatalf("%s past the limit: %s", path, r)
			}
		}
	})

	t.Run("RATE_LIMITS=off", func(t *testing.T) {
		w2 := startWorker(t, wc, map[string]string{"RATE_LIMITS": "off"})
		for i := 1; i <= 14; i++ {
			wantError(t, fmt.Sprintf("failure %d", i), w2.do(t, "GET", "/token", nil, wrong), 401, 1040)
		}
		for _, r := range burst(t, w2, 650, configPath(page), nil) {
			if r.Status != 200 {
				t.Fatalf("/config with RATE_LIMITS=off: %s", r)
			}
		}
	})
}

// repeatReader reads as an endless run of one byte, in reads of at most
// 64 KiB: a chunked body of any size without holding it.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	p = p[:min(len(p), 64<<10)]
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}
