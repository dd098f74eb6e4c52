//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxsign/wxsign/wechattest"
)

// alertsHealth is /healthz's alerts member.
type alertsHealth struct {
	WebhookSet bool   `json:"webhook_set"`
	Format     string `json:"format"`
	Lang       string `json:"lang"`
	LastSentAt int64  `json:"last_sent_at"`
	Delivered  *bool  `json:"delivered"`

	LastDeliveredAt int64 `json:"last_delivered_at"`
}

func (w *worker) alerts(t testing.TB) (alertsHealth, []byte) {
	t.Helper()
	r := w.get(t, "/healthz")
	var h struct {
		Alerts *alertsHealth `json:"alerts"`
	}
	if err := json.Unmarshal(r.Body, &h); err != nil || h.Alerts == nil {
		t.Fatalf("/healthz %s: %v", r, err)
	}
	return *h.Alerts, r.Body
}

// noSecret fails when a message the webhook got holds a secret, a token or
// a ticket WeChat issued, or the webhook's own key.
func noSecret(t testing.TB, wc *standin, calls []wechattest.WebhookCall, more ...string) {
	t.Helper()
	secrets := append([]string{testSecret, testAPIKey}, more...)
	for _, tk := range wc.tickets(t) {
		secrets = append(secrets, tk.Ticket)
	}
	if st := wc.state(t, "appid="+testAppID); st["access_token"] != "" {
		secrets = append(secrets, st["access_token"])
	}
	for _, c := range calls {
		for _, s := range secrets {
			if s != "" && strings.Contains(string(c.Body), s) {
				t.Errorf("a message holds the secret %q: %s", s, c.Body)
			}
		}
	}
}

// waitCalls waits up to d for the webhook to have received n calls.
func waitCalls(hook *wechattest.Webhook, n int, d time.Duration) []wechattest.WebhookCall {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && len(hook.Calls()) < n {
		time.Sleep(200 * time.Millisecond)
	}
	return hook.Calls()
}

// TestAlertOnceFleetWide: WeChat refuses token calls (IP whitelist) for a
// stretch of cron runs and several concurrent cold requests, then lets
// them in again: the webhook gets exactly one failure message and one
// recovery message, in WeCom's format, neither holding a secret; and
// /healthz shows the webhook set (never its URL) and the last alert.
func TestAlertOnceFleetWide(t *testing.T) {
	hook := wechattest.NewWebhook()
	defer hook.Close()
	const key = "e2e-robot-key-0123456789abcdef"
	webhook := hook.URL + "/cgi-bin/webhook/send?key=" + key
	wc := startStandin(t)
	wc.control(t, "POST", "/__standin/whitelist", map[string]any{"ips": []string{"203.0.113.9"}})
	w := startWorker(t, wc, map[string]string{"ALERT_WEBHOOK": webhook, "ALERT_FORMAT": "wecom"})
	page := configPath("https://h.example.com/alerts")

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := w.try("GET", page, nil, nil); err != nil || r.Status != 503 {
				t.Errorf("/config while WeChat refuses: %v %v", r, err)
			}
		}()
	}
	wg.Wait()
	for range 4 {
		w.cron(t)
	}
	time.Sleep(31 * time.Second) // past the first back-off step: the alarm and the cron try again, refused again
	for range 3 {
		w.cron(t)
		w.get(t, page)
	}
	calls := waitCalls(hook, 1, 10*time.Second)
	time.Sleep(2 * time.Second) // any duplicate would have come by now
	calls = hook.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d messages while WeChat refuses, want 1:\n%s", len(calls), bodies(calls))
	}
	fail := calls[0]
	t.Logf("failure message, as the webhook got it: %s %s\n%s", fail.Method, fail.Path, fail.Body)
	var m struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	if err := json.Unmarshal(fail.Body, &m); err != nil || m.MsgType != "markdown" {
		t.Fatalf("not a WeCom robot message: %s (%v)", fail.Body, err)
	}
	for _, want := range []string{"access_token of " + testAppID, "errcode 40164", "127.0.0.1", "whitelist"} {
		if !strings.Contains(m.Markdown.Content, want) {
			t.Errorf("the failure message does not say %q: %s", want, m.Markdown.Content)
		}
	}
	if fail.ContentLength <= 0 || !strings.HasPrefix(fail.ContentType, "application/json") {
		t.Errorf("sent with Content-Length %d, Content-Type %q", fail.ContentLength, fail.ContentType)
	}
	if fail.Path != "/cgi-bin/webhook/send?key="+key {
		t.Errorf("posted to %s", fail.Path)
	}
	a, raw := w.alerts(t)
	if !a.WebhookSet || a.Format != "wecom" || a.LastSentAt == 0 || strings.Contains(string(raw), key) || strings.Contains(string(raw), hook.URL) {
		t.Errorf("/healthz's alerts: %+v in %s", a, raw)
	}

	// WeChat lets the Worker in again: the coordinator's next back-off
	// step (its alarm, or a cron) recovers.
	wc.control(t, "POST", "/__standin/whitelist", map[string]any{"ips": []string{}})
	deadline := time.Now().Add(150 * time.Second)
	for time.Now().Before(deadline) && len(hook.Calls()) < 2 {
		w.cron(t)
		time.Sleep(5 * time.Second)
	}
	if r := w.get(t, page); r.Status != 200 {
		t.Fatalf("/config after WeChat let the Worker in: %s", r)
	}
	for range 4 {
		w.cron(t)
		w.get(t, page)
	}
	time.Sleep(2 * time.Second)
	calls = hook.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d messages in all, want one failure and one recovery:\n%s", len(calls), bodies(calls))
	}
	t.Logf("recovery message, as the webhook got it: %s", calls[1].Body)
	if !strings.Contains(string(calls[1].Body), `"msgtype":"markdown"`) || !strings.Contains(string(calls[1].Body), "access_token of "+testAppID+" works again") {
		t.Errorf("the recovery message: %s", calls[1].Body)
	}
	// The webhook's answer to the failure's message rode in the recovery's
	// KV write: /healthz knows it was delivered.
	a, raw = w.alerts(t)
	if a.LastSentAt == 0 || a.LastDeliveredAt == 0 || a.LastDeliveredAt >= a.LastSentAt {
		t.Errorf("/healthz's alerts after the recovery: %+v in %s", a, raw)
	}
	noSecret(t, wc, calls, key)
	if strings.Contains(w.logs.String(), key) {
		t.Errorf("wrangler's output shows the webhook's key")
	}
}

// TestAlertWebhookDown: a webhook that does not answer in time, or answers
// HTTP 500, delays no /config. The alert (here Workers KV failing, while
// pages are signed from the coordinator's answer) is tried three times,
// after the answer.
func TestAlertWebhookDown(t *testing.T) {
	for _, tc := range []struct {
		name, format, lang string
		set                func(*wechattest.Webhook)
	}{
		{"timeout", "feishu", "zh", func(h *wechattest.Webhook) { h.Hang(30 * time.Second) }},
		{"http500", "", "", func(h *wechattest.Webhook) { h.Fail(500) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hook := wechattest.NewWebhook()
			defer hook.Close()
			tc.set(hook)
			wc := startStandin(t)
			vars := map[string]string{"ALERT_WEBHOOK": hook.URL + "/hook/e2e-feishu-hook-0123456789", "WXSIGN_TEST_KV_FAULT": "write"}
			if tc.format != "" {
				vars["ALERT_FORMAT"] = tc.format
			}
			if tc.lang != "" {
				vars["ALERT_LANG"] = tc.lang
			}
			w := startWorker(t, wc, vars)
			page := "https://h.example.com/down"
			start := time.Now()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var slowest time.Duration
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					t0 := time.Now()
					r, err := w.try("GET", configPath(page), nil, nil)
					d := time.Since(t0)
					mu.Lock()
					slowest = max(slowest, d)
					mu.Unlock()
					if err != nil || r.Status != 200 {
						t.Errorf("/config with KV failing: %v %v", r, err)
						return
					}
					verify(t, r, wc.ticket(t), page)
				}()
			}
			wg.Wait()
			// While the alert is being retried, pages and the cron go on.
			for range 5 {
				t0 := time.Now()
				if r := w.get(t, configPath(page)); r.Status != 200 {
					t.Fatalf("/config: %s", r)
				}
				w.cron(t)
				slowest = max(slowest, time.Since(t0))
				time.Sleep(500 * time.Millisecond)
			}
			t.Logf("slowest /config (cold ones included): %v", slowest)
			if slowest > 4*time.Second {
				t.Errorf("a /config took %v while the webhook is down", slowest)
			}
			calls := waitCalls(hook, 3, 40*time.Second)
			time.Sleep(time.Second)
			calls = hook.Calls()
			if len(calls) != 3 {
				t.Fatalf("%d tries of the alert, want 3:\n%s", len(calls), bodies(calls))
			}
			if gap := calls[1].At.Sub(calls[0].At); gap < 2*time.Second {
				t.Errorf("the second try came %v after the first: no back-off", gap)
			}
			t.Logf("the message, as the webhook got it (%v after the first request): %s", calls[0].At.Sub(start).Round(time.Millisecond), calls[0].Body)
			for _, c := range calls {
				if string(c.Body) != string(calls[0].Body) {
					t.Errorf("the tries differ: %s / %s", calls[0].Body, c.Body)
				}
			}
			body := string(calls[0].Body)
			switch tc.format {
			case "feishu":
				if !strings.HasPrefix(body, `{"msg_type":"text","content":{"text":"wxsign：`) || !strings.Contains(body, "Workers KV") {
					t.Errorf("not a Feishu text message in Chinese: %s", body)
				}
			default:
				if !strings.HasPrefix(body, `{"text":"wxsign: Workers KV is failing`) {
					t.Errorf("not a plain text message: %s", body)
				}
			}
			noSecret(t, wc, calls, "e2e-feishu-hook-0123456789")
		})
	}
}

func bodies(calls []wechattest.WebhookCall) string {
	var b strings.Builder
	for _, c := range calls {
		b.WriteString(string(c.Body))
		b.WriteByte('\n')
	}
	return b.String()
}
