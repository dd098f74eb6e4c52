//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRandomizedLimits sends randomized requests sized just under and
// just over every fixed limit (the 64 KiB input region, the 16 KiB output
// region and body limit, MaxURLLen, the debug and card field limits), to
// a Worker with a very large environment (100 variables of 5,000 bytes,
// more than the input region holds) and to one whose API base redirects.
// Every answer is JSON of the right shape; none is a 500; every 200 that
// signs verifies and is for an allowed host; a field past its limit is 400
// errcode 1027 naming it; and the redirecting base gets no secret followed
// anywhere.
func TestRandomizedLimits(t *testing.T) {
	seed := uint64(20261206)
	if s := strings.TrimSpace(os.Getenv("WXSIGN_E2E_SEED")); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (set WXSIGN_E2E_SEED to replay)", seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	wc := startStandin(t)

	vars := map[string]string{"ALLOWED_HOSTS": "h.example.com,*.example.org", "RATE_LIMITS": "off"}
	for i := 0; i < 100; i++ {
		vars[fmt.Sprintf("AAA_PAD_%03d", i)] = strings.Repeat(string(rune('a'+i%26)), 5000)
	}
	big := startWorker(t, wc, vars)

	// The redirecting base: it sends every call on to the stand-in with a
	// 307 (which keeps method, body and, if followed, the relay key).
	var redirected atomic.Int64
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected.Add(1)
		http.Redirect(w, r, wc.URL+strings.TrimPrefix(r.URL.RequestURI(), "/wx"), http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	moved := startWorker(t, wc, map[string]string{"ALLOWED_HOSTS": "h.example.com", "RATE_LIMITS": "off",
		"WECHAT_API_BASE": redirector.URL + "/wx", "WECHAT_RELAY_KEY": "relay-key-for-the-redirect-test"})

	t.Run("a large environment keeps its allowlist", func(t *testing.T) {
		verify(t, big.get(t, configPath("https://h.example.com/a")), wc.ticket(t), "https://h.example.com/a")
		wantError(t, "evil host", big.get(t, configPath("https://evil.net/a")), 403, 1010)
	})
	ticket := wc.ticket(t)
	before := wc.stats(t)

	t.Run("a redirecting API base is refused, not followed", func(t *testing.T) {
		p := wantError(t, "cold /config", moved.get(t, configPath("https://h.example.com/a")), 503, 0)
		if !strings.Contains(p.ErrMsg, "redirect") || !strings.Contains(p.ErrMsg, redirector.URL+"/wx") {
			t.Errorf("errmsg %q: want the redirect and the base named", p.ErrMsg)
		}
		if redirected.Load() == 0 {
			t.Fatal("the redirector was never called")
		}
	})

	reqs := make([]sizedRequest, 600)
	for i := range reqs {
		reqs[i] = generateSized(rng)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	failures := 0
	statuses := map[string]int{}
	for i, g := range reqs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w, name := big, "big"
			if i%4 == 3 {
				w, name = moved, "moved"
			}
			var body io.Reader = strings.NewReader(g.body)
			if g.chunked {
				body = io.MultiReader(strings.NewReader(g.body))
			}
			r, err := w.send(http.DefaultClient, 20*time.Second, g.method, g.path, body, g.header)
			msg := ""
			switch {
			case err != nil:
				msg = err.Error()
			case name == "moved" && r.Status == 200 && signing(g.path):
				msg = "signed through a redirecting base"
			case name == "moved" && r.Status == 503:
				if !strings.Contains(string(r.Body), `"errcode"`) {
					msg = fmt.Sprintf("503 without errcode: %.200q", r.Body)
				}
			default:
				msg = judgeSized(g, r, ticket)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				statuses[fmt.Sprintf("%s %d", name, r.Status)]++
			}
			if msg != "" {
				if failures++; failures <= 10 {
					t.Errorf("%s request %d (%s): %s %.100q… (%d bytes) chunked=%v: %s", name, i, g.what, g.method, g.path, len(g.path), g.chunked, msg)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests: %v, %d wrong", len(reqs), statuses, failures)
	if statuses["big 200"] == 0 || statuses["big 400"] == 0 || statuses["big 413"] == 0 {
		t.Errorf("statuses %v: the generator should reach 200, 400 and 413", statuses)
	}
	after := wc.stats(t)
	if after.StableToken != before.StableToken || after.LeakedRelayKey != 0 {
		t.Errorf("the stand-in was reached through the redirect: %+v then %+v", before, after)
	}
}

type sizedRequest struct {
	genRequest
	what  string // what the size is next to
	field string // the field a 1027 must name, "" when none may come
}

// around is a size just under, at or just over limit.
func around(rng *rand.Rand, limit int) int { return limit - 2 + rng.IntN(5) }

// generateSized makes a request whose size lands next to a fixed limit.
func generateSized(rng *rand.Rand) sizedRequest {
	const host = "https://h.example.com/"
	quotes := func(prefix string, JSONLen int) string { // prefix + quotes, jsonLen bytes as JSON
		n := max(0, (JSONLen-len(prefix))/2)
		return prefix + strings.Repeat(`"`, n) + strings.Repeat("a", max(0, JSONLen-len(prefix)-2*n))
	}
	plain := func(prefix string, n int) string { return prefix + strings.Repeat("p", max(0, n-len(prefix))) }
	jsonBody := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	h := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + testAPIKey}
	switch rng.IntN(9) {
	case 0: // the page URL limit (4096), of plain bytes or of quotes (the answer's largest /config)
		u := plain(host+"?q=", around(rng, 4096))
		if rng.IntN(2) == 0 {
			u = host + "?q=" + strings.Repeat(`"`, around(rng, 4096)-len(host)-3)
		}
		return sizedRequest{genRequest{method: "GET", path: configPath(u)}, "MaxURLLen", ""}
	case 1: // the 64 KiB input region, by the request URL
		p := configPath(host) + "&pad="
		return sizedRequest{genRequest{method: "GET", path: p + strings.Repeat("p", around(rng, 65400)-len(p))}, "input region (URL)", ""}
	case 2: // the 16 KiB body limit, with its length or chunked
		body := `{"url":"` + host + `","pad":"`
		body += strings.Repeat("p", around(rng, 16<<10)-len(body)-2) + `"}`
		return sizedRequest{genRequest{method: "POST", path: "/config", body: body, header: h, chunked: rng.IntN(2) == 0}, "MaxBodyLen", ""}
	case 3: // /debug/info's url, 2,048 bytes as JSON, and the 4,000 quotes
		u := quotes(host+"?q=", around(rng, 2048))
		if rng.IntN(4) == 0 {
			u = host + "?" + strings.Repeat(`"`, 4000)
		}
		return sizedRequest{genRequest{method: "GET", path: "/debug/info?url=" + url.QueryEscape(u)}, "MaxDebugURLLen (info)", "url"}
	case 4: // /debug/check's signed_url, and an 8 KB fragment
		s := quotes(host+"#", around(rng, 2048))
		if rng.IntN(4) == 0 {
			s = host + "#" + strings.Repeat("f", 8<<10)
		}
		b := jsonBody(map[string]any{"url": host, "signed_url": s, "nonceStr": "n", "timestamp": 1, "signature": strings.Repeat("ab", 20)})
		return sizedRequest{genRequest{method: "POST", path: "/debug/check", body: b, header: h}, "MaxDebugURLLen (check)", "signed_url"}
	case 5: // a card field at 256 bytes, and the 4,200 quotes in code
		field := pick(rng, []string{"code", "openid", "outer_str", "card_id"})
		v := strings.Repeat("\x01", around(rng, 256))
		if rng.IntN(4) == 0 {
			field, v = "code", strings.Repeat(`"`, 4200)
		}
		m := map[string]string{"card_id": "c", field: v}
		return sizedRequest{genRequest{method: "POST", path: "/card/ext", body: jsonBody(m), header: h}, "MaxCardFieldLen", field}
	case 6: // /card/choose's fields
		field := pick(rng, []string{"shop_id", "card_type", "card_id"})
		b := jsonBody(map[string]string{field: strings.Repeat(`\`, around(rng, 256))})
		return sizedRequest{genRequest{method: "POST", path: "/card/choose", body: b, header: h}, "MaxCardFieldLen (choose)", field}
	case 7: // chunked bodies past what the entry keeps
		body := `{"url":"` + host + `","pad":"` + strings.Repeat("p", around(rng, 1<<20)) + `"}`
		return sizedRequest{genRequest{method: "POST", path: "/config", body: body, header: h, chunked: true}, "DRAIN", ""}
	default: // a header near the input region
		return sizedRequest{genRequest{method: "GET", path: configPath(host), header: map[string]string{"Origin": "https://h.example.com/" + strings.Repeat("o", around(rng, 65300))}}, "input region (header)", ""}
	}
}

// judgeSized is judgeAny, plus: a 1027 must name the field the request
// is sized for, and only such a request may get one.
func judgeSized(g sizedRequest, r reply, ticket string) string {
	if r.Status == 431 && strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") && strings.HasPrefix(g.what, "input region") {
		return "" // workerd's own limit on a request line or headers, before the Worker runs
	}
	if msg := judgeAny(g.genRequest, r, ticket); msg != "" {
		return msg
	}
	if r.Status == 400 && strings.Contains(string(r.Body), `"errcode":1027`) {
		var p payload
		json.Unmarshal(r.Body, &p)
		if g.field == "" || !strings.HasPrefix(p.ErrMsg, g.field+" is longer") {
			return fmt.Sprintf("1027 %q for a request sized for %s", p.ErrMsg, g.what)
		}
	}
	return ""
}

// TestSettingsRefused: settings that would have fallen open are problems
// at the real Worker. An ALLOWED_HOSTS that names no host (":443") and an
// API base with a query make every signing endpoint 503 naming them and
// /healthz list them; the back-end endpoints refuse a query that names no
// one owner cleanly with 400, never answering for the first account.
func TestSettingsRefused(t *testing.T) {
	wc := startStandin(t)
	bad := startWorker(t, wc, map[string]string{"ALLOWED_HOSTS": ":443", "WECHAT_API_BASE": wc.URL + "/?x=1"})
	for _, path := range []string{configPath("https://evil.net/"), configPath("https://h.example.com/"), "/debug/info?url=" + url.QueryEscape("https://evil.net/")} {
		p := wantError(t, path, bad.get(t, path), 503, 1050)
		if !strings.Contains(p.ErrMsg, "ALLOWED_HOSTS is set but names no host") || !strings.Contains(p.ErrMsg, "WECHAT_API_BASE must not have a query") {
			t.Errorf("%s: errmsg %q", path, p.ErrMsg)
		}
	}
	if h := bad.health(t); len(h.Problems) != 2 {
		t.Errorf("/healthz problems %q, want ALLOWED_HOSTS and WECHAT_API_BASE", h.Problems)
	}

	w := startWorker(t, wc, map[string]string{"ALLOWED_HOSTS": "h.example.com"})
	for _, path := range []string{"/token?appid=" + testAppID + "%", "/ticket?agentid=1000003%zz", "/token?appid=" + testAppID + "&appid=" + testAppID} {
		wantError(t, path, w.do(t, "GET", path, nil, bearer(testAPIKey)), 400, 1021)
	}
	wantError(t, "appid with a semicolon", w.do(t, "GET", "/ticket?appid="+testAppID+";x=1", nil, bearer(testAPIKey)), 404, 1031)
	if st := wc.stats(t); st.StableToken != 0 || st.Ticket != 0 {
		t.Errorf("a refused query reached WeChat: %+v", st)
	}
}
