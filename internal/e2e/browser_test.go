//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium is Debian's Chromium, which the browser tests drive with
// playwright-core (no browser is downloaded).
const chromium = "/usr/bin/chromium"

// TestBrowser runs the page side in headless Chromium against the real
// Worker: wxsign.js on WeChat's own JS-SDK (npm's weixin-js-sdk) with a
// test double of WeChat's native side, WeixinJSBridge, that verifies
// signatures as WeChat does; the debug page and the landing page
// (internal/browser/run.mjs).
// The static files' headers are checked here too.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: `make test` installs it (make browser-tools: apt-get install chromium)", chromium)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core is not installed: run npm ci (make test does)")
	}
	const corp, agent = "wwbrowser0123", "1000002"
	wc := startStandin(t, "-corp", corp, "-agents", agent+":browser-agent-secret")
	port := freePort(t) // the test pages' origin, which the Worker must allow
	w := startWorker(t, wc, map[string]string{
		"ALLOWED_HOSTS":          "127.0.0.1",
		"ALLOWED_ORIGINS":        fmt.Sprintf("http://127.0.0.1:%d", port),
		"WXSIGN_TEST_RECORD_TTL": "1", // the rotation test reads the new ticket at once, not within a minute
		"WECOM_CORPID":           corp, "WECOM_AGENTS": agent, "WECOM_SECRET_" + agent: "browser-agent-secret", "WECOM_API_BASE": wc.URL,
	})

	t.Run("assets", func(t *testing.T) {
		for _, c := range []struct{ path, cacheControl, contentType string }{
			{"/wxsign.js", "public, max-age=300", "text/javascript"},
			{"/debug", "no-cache", "text/html"},
			{"/debug?url=https%3A%2F%2F127.0.0.1%2F", "no-cache", "text/html"},
			{"/", "no-cache", "text/html"},
			{"/debug.js", "no-cache", "text/javascript"},
		} {
			r := w.get(t, c.path)
			h := r.Header
			if r.Status != 200 || h.Get("Cache-Control") != c.cacheControl || !strings.HasPrefix(h.Get("Content-Type"), c.contentType) ||
				h.Get("X-Content-Type-Options") != "nosniff" || h.Get("ETag") == "" {
				t.Errorf("%s: %d %v; want 200, Cache-Control %q, %s, nosniff and an ETag", c.path, r.Status, h, c.cacheControl, c.contentType)
			}
			// The pages load nothing from elsewhere and no site frames them;
			// run.mjs fails on any violation Chromium reports.
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
				!strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s: Content-Security-Policy %q, X-Frame-Options %q", c.path, csp, h.Get("X-Frame-Options"))
			}
		}
		// A path with no file still reaches the Worker.
		for _, path := range []string{"/nope", "/debug/info"} {
			if r := w.get(t, path); r.Status < 400 || !strings.Contains(string(r.Body), `"errcode"`) {
				t.Errorf("%s: %s, want the Worker's JSON error", path, r)
			}
		}
		if r := w.get(t, "/_headers"); r.Status != 404 {
			t.Errorf("/_headers is served: %s", r)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "internal/browser/run.mjs")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(),
		"WXSIGN_URL="+w.URL,
		"STANDIN_URL="+wc.URL,
		"APPID="+testAppID, "CORPID="+corp, "AGENTID="+agent,
		fmt.Sprintf("PAGE_PORT=%d", port),
		"SCREENSHOT_DIR="+filepath.Join(repoRoot, "build", "screenshots"),
	)
	out, err := cmd.CombinedOutput()
	t.Logf("internal/browser/run.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("the browser tests failed: %v", err)
	}
	if !regexp.MustCompile(`(?m)^[1-9]\d* passed, 0 failed$`).Match(out) {
		t.Fatalf("no closing line \"N passed, 0 failed\"")
	}
	for _, secret := range []string{wc.ticket(t), "TICKET_"} {
		if strings.Contains(string(out), secret) || strings.Contains(w.logs.String(), secret) {
			t.Errorf("a ticket appears in the output")
		}
	}
}
