package service

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/internal/fakes"
	"github.com/wxsign/wxsign/wechattest"
)

const (
	alertApp    = "wxalert0123456789"
	alertSecret = "alert-app-secret-0123456789"
	alertKey    = "alert-robot-key-0123456789"
)

// alertCoordinator is one coordinator's Go program against the stand-in,
// with the coordinator's part played by the test: it runs one pass at a
// time and, after each, posts the alerts its answer carries to the webhook
// as the Durable Object does, and leaves the webhook's answer as a receipt.
type alertCoordinator struct {
	t     *testing.T
	svc   *Service
	wc    *wechattest.Server
	hook  *wechattest.Webhook
	kv    *fakes.MemStore
	state *fakes.MemStore // the coordinator's storage, where the receipts go

	mu   sync.Mutex
	now  time.Time
	logs []string
}

func newAlertCoordinator(t *testing.T, env map[string]string) *alertCoordinator {
	c := &alertCoordinator{t: t, wc: wechattest.New(alertApp, alertSecret), hook: wechattest.NewWebhook(),
		kv: &fakes.MemStore{}, state: &fakes.MemStore{}, now: time.Unix(1_800_000_000, 0)}
	t.Cleanup(c.hook.Close)
	c.wc.SetClock(c.clock)
	vars := map[string]string{"WECHAT_APPID": alertApp, "WECHAT_APPSECRET": alertSecret, "WECHAT_API_BASE": "http://wechat.test",
		"ALERT_WEBHOOK": c.hook.URL + "/cgi-bin/webhook/send?key=" + alertKey}
	for k, v := range env {
		vars[k] = v
	}
	settings := api.LoadSettings(func(k string) string { return vars[k] })
	if !settings.OK() {
		t.Fatal(settings.Problems)
	}
	client := &wechat.Client{BaseURL: settings.APIBase, Doer: c.wc.Doer(), Timeout: 300 * time.Millisecond, Now: c.clock}
	c.svc = &Service{Settings: settings, WeChat: client, Now: c.clock, Store: c.kv, Mem: c.state,
		Logf: func(format string, a ...any) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.logs = append(c.logs, fmt.Sprintf(format, a...))
		}}
	return c
}

func (c *alertCoordinator) clock() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *alertCoordinator) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// pass runs one request of the coordinator and delivers what it says to
// send, returning the alerts' bodies.
func (c *alertCoordinator) pass(target string) (*httptest.ResponseRecorder, []string) {
	w := httptest.NewRecorder()
	c.svc.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
	var sent []string
	for _, h := range w.Header().Values(cred.AlertHeader) {
		f := strings.Split(h, " ")
		if len(f) != 4 {
			c.t.Fatalf("%s: %q", cred.AlertHeader, h)
		}
		to, err1 := base64.StdEncoding.DecodeString(f[2])
		body, err2 := base64.StdEncoding.DecodeString(f[3])
		if err1 != nil || err2 != nil {
			c.t.Fatalf("%s: %q: %v %v", cred.AlertHeader, h, err1, err2)
		}
		if string(to) != c.svc.Settings.AlertWebhook {
			c.t.Errorf("an alert for %q", to)
		}
		res, err := http.Post(string(to), "application/json", bytes.NewReader(body))
		receipt := f[1] + " 0 no answer"
		if err == nil {
			res.Body.Close()
			receipt = fmt.Sprintf("%s %d {\"errcode\":0}", f[1], res.StatusCode)
		}
		c.state.Put(context.Background(), f[0], receipt)
		sent = append(sent, string(body))
	}
	return w, sent
}

func (c *alertCoordinator) ask(kind string) (*httptest.ResponseRecorder, []string) {
	return c.pass(cred.CredentialPath + "?key=" + url.QueryEscape("wxsign:"+alertApp+":"+kind))
}

func (c *alertCoordinator) refresh() (*httptest.ResponseRecorder, []string) {
	return c.pass(cred.RefreshAsk(alertApp))
}

// TestServiceAlerts: the coordinator's program hands over exactly one
// alert per change, in the webhook's format, whatever the number of asks
// and cron runs: the first refusal, and the recovery.
func TestServiceAlerts(t *testing.T) {
	c := newAlertCoordinator(t, map[string]string{"ALERT_FORMAT": "wecom"})
	c.wc.SetWhitelist([]string{"203.0.113.9"})
	var sent []string
	for range 5 {
		w, s := c.ask("jsapi_ticket")
		if w.Code != 503 || !strings.Contains(w.Body.String(), "40164") {
			t.Fatalf("ask while WeChat refuses: %d %s", w.Code, w.Body)
		}
		sent = append(sent, s...)
	}
	for range 3 {
		_, s := c.refresh()
		sent = append(sent, s...)
		c.advance(31 * time.Second)
	}
	if len(sent) != 1 {
		t.Fatalf("%d alerts while WeChat refuses, want 1: %q", len(sent), sent)
	}
	if !strings.HasPrefix(sent[0], `{"msgtype":"markdown","markdown":{"content":"wxsign: access_token of `+alertApp+` cannot be fetched\nerrcode 40164: `) ||
		!strings.Contains(sent[0], "WeChat saw the IP") {
		t.Errorf("the failure's message: %s", sent[0])
	}
	c.wc.SetWhitelist(nil)
	c.advance(10 * time.Minute)
	sent = nil
	for range 3 {
		_, s := c.refresh()
		sent = append(sent, s...)
		w, s := c.ask("jsapi_ticket")
		if w.Code != 200 {
			t.Fatalf("ask after WeChat lets the Worker in: %d %s", w.Code, w.Body)
		}
		sent = append(sent, s...)
	}
	if len(sent) != 1 || !strings.Contains(sent[0], "access_token of "+alertApp+" works again") {
		t.Fatalf("alerts after the recovery %q, want one recovery", sent)
	}
	calls := c.hook.Calls()
	if len(calls) != 2 {
		t.Fatalf("the webhook got %d calls", len(calls))
	}
	secrets := []string{alertSecret, alertKey, c.wc.AccessToken(), c.wc.Ticket()}
	for _, call := range calls {
		for _, s := range secrets {
			if strings.Contains(string(call.Body), s) {
				t.Errorf("a message holds %q: %s", s, call.Body)
			}
		}
	}
	for _, l := range c.logs {
		for _, s := range secrets {
			if strings.Contains(l, s) {
				t.Errorf("a log line holds %q: %s", s, l)
			}
		}
	}
	// The receipts ride in the token's record with the recovery's write.
	raw, _, _ := c.kv.Get(context.Background(), "wxsign:"+alertApp+":access_token")
	if r := cred.ParseRecord(raw); r.AlertOK == 0 || r.AlertAt <= r.AlertOK || r.Alerted != 0 {
		t.Errorf("the token's record: %+v", r)
	}
}

// TestServiceAlertsWithoutWebhook: with no ALERT_WEBHOOK the alerts are
// logged, and nothing is handed over.
func TestServiceAlertsWithoutWebhook(t *testing.T) {
	c := newAlertCoordinator(t, map[string]string{"ALERT_WEBHOOK": ""})
	c.wc.SetWhitelist([]string{"203.0.113.9"})
	w, sent := c.ask("jsapi_ticket")
	if w.Code != 503 || len(sent) != 0 || len(w.Header().Values(cred.AlertHeader)) != 0 {
		t.Fatalf("%d %s, alerts %q", w.Code, w.Body, sent)
	}
	logged := 0
	for _, l := range c.logs {
		if strings.HasPrefix(l, "wxsign: alert: wxsign: access_token of "+alertApp+" cannot be fetched") {
			logged++
		}
	}
	if logged != 1 {
		t.Errorf("%d alert lines logged: %q", logged, c.logs)
	}
}

// TestServiceAlertKV: Workers KV refusing writes is told once, in Chinese
// here, while the coordinator still answers the record.
func TestServiceAlertKV(t *testing.T) {
	c := newAlertCoordinator(t, map[string]string{"ALERT_LANG": "zh"})
	c.svc.Store = fakes.WithFaults(c.kv, &fakes.Switches{KVWrite: true}, func() int64 { return c.clock().Unix() })
	var sent []string
	for range 3 {
		w, s := c.ask("jsapi_ticket")
		if w.Code != 200 {
			t.Fatalf("ask with KV writes failing: %d %s", w.Code, w.Body)
		}
		sent = append(sent, s...)
		_, s = c.refresh()
		sent = append(sent, s...)
	}
	if len(sent) != 1 || !strings.HasPrefix(sent[0], `{"text":"wxsign：公众号/企业 `+alertApp+` 的协调者访问 Workers KV 失败`) {
		t.Fatalf("alerts %q, want one, in Chinese", sent)
	}
}
