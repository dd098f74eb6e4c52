//go:build e2e

package e2e

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var regexpNonce = regexp.MustCompile(`^\{"nonceStr":"[A-Za-z0-9]{16}"\}\s*$`)

func configPath(page string) string { return "/config?url=" + url.QueryEscape(page) }

// TestConfig covers what a page does: one fetch, a signature that verifies,
// for every way of asking; and the token is bought with a body of known
// length (WeChat's gateway answers HTTP 412 to a chunked one).
func TestConfig(t *testing.T) {
	wc := startStandin(t)
	w := startWorker(t, wc, map[string]string{"ALLOWED_HOSTS": "h.example.com,*.example.org"})

	page := "https://h.example.com/article/7?from=singlemessage&isappinstalled=0&q=%E4%B8%AD"
	first := w.get(t, configPath(page+"#/route?x=1")) // cold: the Go path fetches the ticket
	ticket := wc.ticket(t)
	verify(t, first, ticket, page)

	tests := []struct {
		name   string
		method string
		path   string
		body   string
		ctype  string
		want   string
	}{
		{"GET, fragment stripped, query kept", "GET", configPath(page + "#frag"), "", "", page},
		{"/all", "GET", "/all?url=" + url.QueryEscape(page), "", "", page},
		{"POST JSON", "POST", "/config", `{"url":"` + page + `#x"}`, "application/json", page},
		{"POST form", "POST", "/config", "url=" + url.QueryEscape(page), "application/x-www-form-urlencoded", page},
		{"POST text/plain JSON", "POST", "/config", `{"url":"` + page + `"}`, "text/plain;charset=UTF-8", page},
		{"wildcard host, port", "GET", configPath("http://a.example.org:8080/x?y=1"), "", "", "http://a.example.org:8080/x?y=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.ctype != "" {
				h["Content-Type"] = tt.ctype
			}
			r := w.do(t, tt.method, tt.path, strings.NewReader(tt.body), h)
			verify(t, r, ticket, tt.want)
			if r.Header.Get("X-Wxsign-Record") != "" {
				t.Fatal("the internal record header left the Worker")
			}
		})
	}
	st := wc.stats(t)
	if st.StableToken != 1 || st.Ticket != 1 {
		t.Fatalf("upstream calls %+v, want one token and one ticket", st)
	}
	// WeChat's gateway answers HTTP 412 to a chunked body: the stable_token
	// POST (the default token mode) must come with a Content-Length.
	if st.Posts < 1 || st.PostsWithoutLength != 0 || st.RejectedChunked != 0 {
		t.Fatalf("upstream POSTs %+v: want at least one, each with a Content-Length", st)
	}
	// The signer started in workerd's global scope (where random values are
	// forbidden), not lazily in the first request.
	if strings.Contains(w.logs.String(), "signer not started in global scope") {
		t.Fatalf("the signer could not start in global scope:\n%s", w.logs)
	}
}

// TestBadURLs sends the core's refusals through the real Worker.
func TestBadURLs(t *testing.T) {
	wc := startStandin(t)
	w := startWorker(t, wc, map[string]string{"ALLOWED_HOSTS": "h.example.com"})
	tests := []struct {
		name, path      string
		status, errcode int
	}{
		{"missing", "/config", 400, 1001},
		{"too long", configPath("https://h.example.com/?q=" + strings.Repeat("a", 4100)), 400, 1002},
		{"whitespace", configPath("https://h.example.com/a b"), 400, 1003},
		{"control", configPath("https://h.example.com/\x01"), 400, 1003},
		{"scheme", configPath("ftp://h.example.com/"), 400, 1004},
		{"relative", configPath("/page"), 400, 1004},
		{"no host", configPath("https:///page"), 400, 1005},
		{"userinfo", configPath("https://a@h.example.com/"), 400, 1006},
		{"lookalike userinfo", configPath("https://h.example.com@evil.net/"), 400, 1006},
		{"escape", configPath("https://h.example.com/%zz"), 400, 1007},
		{"port", configPath("https://h.example.com:99999/"), 400, 1008},
		{"host not allowed", configPath("https://evil.net/"), 403, 1010},
		{"lookalike host", configPath("https://h.example.com.evil.net/"), 403, 1010},
		{"bad query escape", "/config?url=%zz", 400, 1021},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.get(t, tt.path)
			p := decodePayload(t, r)
			if r.Status != tt.status || p.ErrCode == nil || *p.ErrCode != tt.errcode || p.ErrMsg == "" {
				t.Fatalf("got %s, want %d errcode %d", r, tt.status, tt.errcode)
			}
		})
	}
	if st := wc.stats(t); st.StableToken+st.Token+st.Ticket != 0 {
		t.Fatalf("refused requests called WeChat: %+v", st)
	}
}

// TestColdConcurrency: many requests at once in a fresh Worker cause one
// token and one ticket fetch, and every one of them gets a valid signature.
func TestColdConcurrency(t *testing.T) {
	wc := startStandin(t)
	wc.fault(t, map[string]any{"endpoint": "ticket", "kind": "slow", "delay_ms": 500, "count": 0})
	w := startWorker(t, wc, nil)
	page := "https://h.example.com/cold"
	var wg sync.WaitGroup
	replies := make([]reply, 50)
	for i := range replies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = w.get(t, configPath(page))
		}()
	}
	wg.Wait()
	wc.clearFaults(t)
	ticket := wc.ticket(t)
	for _, r := range replies {
		verify(t, r, ticket, page)
	}
	if st := wc.stats(t); st.StableToken > 1 || st.Ticket > 1 {
		t.Fatalf("50 cold requests made %+v upstream calls, want at most one token and one ticket", st)
	}
}

// TestWarm: once the ticket is cached, requests never reach WeChat.
func TestWarm(t *testing.T) {
	wc := startStandin(t)
	w := startWorker(t, wc, map[string]string{"RATE_LIMITS": "off"}) // 300 requests from one IP
	page := "https://h.example.com/warm"
	w.get(t, configPath(page))
	before := wc.stats(t)
	ticket := wc.ticket(t)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	errs := make(chan string, 300)
	for i := 0; i < 300; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := w.get(t, configPath(page))
			if r.Status != 200 {
				errs <- r.String()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("warm request: %s", e)
	}
	verify(t, w.get(t, configPath(page)), ticket, page)
	if after := wc.stats(t); after != before {
		t.Fatalf("300 warm requests called WeChat: %+v before, %+v after", before, after)
	}
}

// TestCron: the scheduled refresh fetches a ticket that is due. WeChat
// hands back the same ticket with a fresh expires_in while it is valid:
// the ticket keeps the expiry it was first seen with, and nothing is
// written. Once WeChat has a new ticket, the cron stores it and then
// leaves it alone.
func TestCron(t *testing.T) {
	wc := startStandin(t)
	// A short-lived ticket: with REFRESH_MARGIN 1800, a 1000 s ticket would
	// be due at once, were it not sticky.
	wc.control(t, "POST", "/__standin/config", map[string]any{"ticket_expires_in": 1000})
	w := startWorker(t, wc, nil)
	w.get(t, configPath("https://h.example.com/"))
	first, before := wc.ticket(t), wc.stats(t)
	// The coordinator's log line may reach wrangler's output after its answer.
	refreshed := func() int { return strings.Count(w.logs.String(), "refreshed wxsign:"+testAppID+":jsapi_ticket") }
	for deadline := time.Now().Add(5 * time.Second); refreshed() == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if n := refreshed(); n != 1 {
		t.Fatalf("the first fetch logged %d refreshes, want 1:\n%s", n, w.logs)
	}
	// WeChat hands a live ticket back unchanged: the cron asks for none.
	for range 3 {
		w.cron(t)
	}
	if st := wc.stats(t); st != before {
		t.Fatalf("the cron called WeChat for a live ticket: %+v before, %+v after", before, st)
	}
	if h := w.health(t).ticket(); wc.ticket(t) != first || h.ExpiresIn > 1000 || !h.Usable {
		t.Fatalf("the ticket must be the first, with its first expiry: %+v", h)
	}
	if n := refreshed(); n != 1 {
		t.Fatalf("the cron stored the ticket again:\n%s", w.logs)
	}
}

// TestCronRefused: while WeChat refuses every call (an IP not yet
// whitelisted, the usual state after a first deploy), the cron tries once
// per back-off step and KV is written only when the error changes: 12
// cron runs make at most 4 KV writes.
func TestCronRefused(t *testing.T) {
	wc := startStandin(t)
	wc.control(t, "POST", "/__standin/whitelist", map[string]any{"ips": []string{"203.0.113.9"}})
	w := startWorker(t, wc, nil)
	blobs := map[string]bool{}
	writes := func() int {
		files, _ := filepath.Glob(filepath.Join(w.state, "v3", "kv", "*", "blobs", "*"))
		for _, f := range files {
			blobs[filepath.Base(f)] = true
		}
		return len(blobs)
	}
	start := time.Now()
	for i := range 12 {
		w.cron(t)
		writes()
		if i == 0 {
			time.Sleep(31 * time.Second) // past the first back-off step
		}
	}
	if r := w.get(t, configPath("https://h.example.com/")); r.Status != 503 || !strings.Contains(string(r.Body), "40164") {
		t.Fatalf("/config while WeChat refuses: %s", r)
	}
	n := writes()
	st := wc.stats(t)
	t.Logf("12 cron runs over %v: %d KV writes, %d token calls (%d refused)", time.Since(start).Round(time.Second), n, st.StableToken, st.RefusedIP)
	if n > 4 {
		t.Fatalf("%d KV writes for 12 refused cron runs, want at most 4", n)
	}
	if st.StableToken < 2 || st.StableToken > 3 {
		t.Fatalf("%d token calls over two back-off steps, want 2 (one per step; a third by the page)", st.StableToken)
	}
}

// TestTicketExpiry runs through a ticket's death as WeChat has it: a
// re-fetch returns the same ticket with a fresh expires_in until it dies
// at its first expiry. Every /config answered 200 across it must verify
// at the stand-in against a ticket that is still alive; refusals happen
// only in the seconds before the old ticket dies; afterwards the new one
// signs.
func TestTicketExpiry(t *testing.T) {
	wc := startStandin(t)
	const life = 40
	wc.control(t, "POST", "/__standin/config", map[string]any{"ticket_expires_in": life})
	w := startWorker(t, wc, map[string]string{"REFRESH_MARGIN": "60", "WXSIGN_TEST_RECORD_TTL": "1"})
	page := "https://h.example.com/expiry"
	start := time.Now()
	var ok, refused int
	var firstRefusal, lastRefusal time.Duration
	lastCron := time.Time{}
	for time.Since(start) < (life+8)*time.Second {
		if time.Since(lastCron) > 5*time.Second {
			w.cron(t)
			lastCron = time.Now()
		}
		r := w.get(t, configPath(page))
		switch r.Status {
		case 200:
			p := decodePayload(t, r)
			var v struct {
				OK     bool   `json:"ok"`
				Reason string `json:"reason"`
			}
			json.Unmarshal(wc.control(t, "POST", "/__standin/verify", map[string]any{"kind": "jsapi", "appid": testAppID,
				"url": page, "timestamp": p.Timestamp, "nonceStr": p.NonceStr, "signature": p.Signature}), &v)
			if !v.OK {
				t.Fatalf("after %v: signed with a ticket WeChat would refuse: %s", time.Since(start).Round(time.Second), v.Reason)
			}
			ok++
		case 503:
			if refused == 0 {
				firstRefusal = time.Since(start)
			}
			lastRefusal = time.Since(start)
			refused++
		default:
			t.Fatalf("/config: %s", r)
		}
		time.Sleep(300 * time.Millisecond)
	}
	var tickets []struct {
		Ticket string `json:"ticket"`
		Type   string `json:"type"`
	}
	json.Unmarshal(wc.control(t, "GET", "/__standin/tickets", nil), &tickets)
	if len(tickets) < 2 {
		t.Fatalf("the ticket was never replaced: %+v", tickets)
	}
	t.Logf("%d signed, %d refused between %v and %v", ok, refused, firstRefusal.Round(time.Second), lastRefusal.Round(time.Second))
	if refused > 0 && lastRefusal-firstRefusal > 15*time.Second {
		t.Fatalf("refused for %v around the ticket's death: longer than the expiry safety", lastRefusal-firstRefusal)
	}
	verify(t, w.get(t, configPath(page)), wc.ticket(t), page)
}

// TestSecretEndpoints: /token and /ticket only for API_KEY holders.
func TestSecretEndpoints(t *testing.T) {
	wc := startStandin(t)
	w := startWorker(t, wc, nil)
	for _, path := range []string{"/token", "/ticket"} {
		t.Run(path, func(t *testing.T) {
			none := w.get(t, path)
			wrong := w.do(t, "GET", path, nil, map[string]string{"Authorization": "Bearer wrong-key"})
			for _, r := range []reply{none, wrong} {
				p := decodePayload(t, r)
				if r.Status != 401 || p.ErrCode == nil || *p.ErrCode != 1040 {
					t.Fatalf("without the key: %s, want 401 errcode 1040", r)
				}
			}
			if string(none.Body) != string(wrong.Body) {
				t.Fatalf("401s differ: %s vs %s", none, wrong)
			}
			right := w.do(t, "GET", path, nil, map[string]string{"Authorization": "Bearer " + testAPIKey})
			if right.Status != 200 {
				t.Fatalf("with the key: %s", right)
			}
			field := map[string]string{"/token": `"access_token":"`, "/ticket": `"ticket":"`}[path]
			if !strings.Contains(string(right.Body), field) || !strings.Contains(string(right.Body), `"expires_at":`) {
				t.Fatalf("with the key: %s", right)
			}
		})
	}
	if !strings.Contains(string(w.do(t, "GET", "/ticket", nil, map[string]string{"Authorization": "Bearer " + testAPIKey}).Body), wc.ticket(t)) {
		t.Fatal("/ticket does not hand out the stand-in's ticket")
	}
	// Without API_KEY the endpoints do not exist.
	w2 := startWorker(t, wc, map[string]string{"API_KEY": ""})
	if r := w2.do(t, "GET", "/token", nil, map[string]string{"Authorization": "Bearer "}); r.Status != 404 {
		t.Fatalf("/token without API_KEY: %s, want 404", r)
	}
}

// TestHealthAndNonce covers the small endpoints.
func TestHealthAndNonce(t *testing.T) {
	wc := startStandin(t)
	w := startWorker(t, wc, nil)
	h := w.get(t, "/healthz")
	if h.Status != 200 || !strings.Contains(string(h.Body), "ALLOWED_HOSTS is not set") {
		t.Fatalf("/healthz: %s", h)
	}
	for _, secret := range []string{testSecret, testAPIKey} {
		if strings.Contains(string(h.Body), secret) {
			t.Fatalf("/healthz shows a secret: %s", h)
		}
	}
	n := w.get(t, "/nonce")
	if n.Status != 200 || !regexpNonce.Match(n.Body) {
		t.Fatalf("/nonce: %s", n)
	}
	if r := w.get(t, "/nope"); r.Status != 404 || !strings.Contains(string(r.Body), `"errcode":1030`) {
		t.Fatalf("/nope: %s", r)
	}
	// A missing required setting: a clear error, never a crash.
	w2 := startWorker(t, wc, map[string]string{"WECHAT_APPID": ""})
	if r := w2.get(t, "/healthz"); r.Status != 503 || !strings.Contains(string(r.Body), "WECHAT_APPID is not set") {
		t.Fatalf("/healthz without WECHAT_APPID: %s", r)
	}
	if r := w2.get(t, configPath("https://h.example.com/")); r.Status != 503 || !strings.Contains(string(r.Body), `"errcode":1050`) {
		t.Fatalf("/config without WECHAT_APPID: %s", r)
	}
}
