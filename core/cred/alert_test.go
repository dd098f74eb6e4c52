package cred_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/internal/testkit"
)

func TestAlertFormatFor(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", cred.AlertWeCom},
		{"https://QYAPI.weixin.qq.com:443/cgi-bin/webhook/send?key=abc", cred.AlertWeCom},
		{"https://open.feishu.cn/open-apis/bot/v2/hook/abc", cred.AlertFeishu},
		{"https://open.larksuite.com/open-apis/bot/v2/hook/abc", cred.AlertFeishu},
		{"https://hooks.slack.com/services/T/B/x", cred.AlertText},
		{"https://qyapi.weixin.qq.com.evil.example/send", cred.AlertText},
		{"http://127.0.0.1:8080/hook", cred.AlertText},
		{"", cred.AlertText},
		{"::not a url", cred.AlertText},
	} {
		if got := cred.AlertFormatFor(tt.url); got != tt.want {
			t.Errorf("AlertFormatFor(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestAlertSettings(t *testing.T) {
	base := map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "secretA1"}
	for _, tt := range []struct {
		name           string
		env            map[string]string
		format, lang   string
		problem        string
		webhookPresent bool
	}{
		{name: "none", format: cred.AlertText, lang: "en"},
		{name: "WeCom by host", env: map[string]string{"ALERT_WEBHOOK": " https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1 "},
			format: cred.AlertWeCom, lang: "en", webhookPresent: true},
		{name: "Feishu by host, Chinese", env: map[string]string{"ALERT_WEBHOOK": "https://open.feishu.cn/open-apis/bot/v2/hook/h1", "ALERT_LANG": "zh"},
			format: cred.AlertFeishu, lang: "zh", webhookPresent: true},
		{name: "format overrides the host", env: map[string]string{"ALERT_WEBHOOK": "https://relay.example.com/robot", "ALERT_FORMAT": "WeCom"},
			format: cred.AlertWeCom, lang: "en", webhookPresent: true},
		{name: "lark and zh-CN", env: map[string]string{"ALERT_WEBHOOK": "https://x.example/h", "ALERT_FORMAT": "lark", "ALERT_LANG": "zh-CN"},
			format: cred.AlertFeishu, lang: "zh", webhookPresent: true},
		{name: "slack", env: map[string]string{"ALERT_WEBHOOK": "https://open.feishu.cn/h", "ALERT_FORMAT": "slack"},
			format: cred.AlertText, lang: "en", webhookPresent: true},
		{name: "not a URL", env: map[string]string{"ALERT_WEBHOOK": "qyapi.weixin.qq.com/send"}, format: cred.AlertText, lang: "en",
			problem: "ALERT_WEBHOOK must be an http(s) URL", webhookPresent: true},
		{name: "bad format", env: map[string]string{"ALERT_FORMAT": "teams"}, format: cred.AlertText, lang: "en", problem: "ALERT_FORMAT must be"},
		{name: "bad language", env: map[string]string{"ALERT_LANG": "fr"}, format: cred.AlertText, lang: "en", problem: "ALERT_LANG must be"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			s := api.LoadSettings(testkit.Env(env))
			if s.AlertFormat != tt.format || s.AlertLang != tt.lang || (s.AlertWebhook != "") != tt.webhookPresent {
				t.Errorf("format %q, lang %q, webhook %q; want %q, %q, set %v", s.AlertFormat, s.AlertLang, s.AlertWebhook, tt.format, tt.lang, tt.webhookPresent)
			}
			want := []string{}
			if tt.problem != "" {
				want = []string{tt.problem}
			}
			if msg := testkit.HasProblems(s.Problems, want); msg != "" {
				t.Error(msg)
			}
			for _, p := range s.Problems {
				if strings.Contains(p, "qyapi") {
					t.Errorf("a problem shows the webhook: %q", p)
				}
			}
		})
	}
}

// alertEvents is one event of each kind, about keys of the tests'
// settings, with a WeChat refusal that names an IP.
func alertEvents(t *testing.T) []cred.Event {
	s := api.LoadSettings(testkit.Env(map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "secretA1",
		"WECOM_CORPID": "ww01", "WECOM_AGENTS": "1000002", "WECOM_SECRET_1000002": "secret2"}))
	tok, tick, corp := keyNamed(t, &s, kTok), keyNamed(t, &s, kTick), keyNamed(t, &s, kCorpT)
	ip := cred.Describe(&cred.APIError{Call: "stable_token", Code: 40164, Msg: "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist"})
	return []cred.Event{
		{Kind: cred.EventFailing, Key: tok, At: vNow, Code: ip.Code, Msg: ip.Msg},
		{Kind: cred.EventFailing, Key: tok, At: vNow, Code: 40125, Msg: "WeChat: invalid appsecret", Changed: true},
		{Kind: cred.EventRecovered, Key: tok, At: vNow, Code: 40164},
		{Kind: cred.EventExpiring, Key: tick, At: vNow, ExpiresAt: vNow + 420, Code: ip.Code, Msg: ip.Msg},
		{Kind: cred.EventBudget, Key: corp, At: vNow, Fetches: 75, Budget: 94},
		{Kind: cred.EventKVFailing, Owner: "wxA1", At: vNow, Msg: "Workers KV write: 429 Too Many Requests"},
		{Kind: cred.EventKVRecovered, Owner: "wxA1", At: vNow},
	}
}

// TestAlertMessages: every event, in every format and language, is one
// JSON object of the receiver's shape whose text says what happened, to
// which key, and what to do.
func TestAlertMessages(t *testing.T) {
	says := map[cred.EventKind][2][]string{ // English, Chinese
		cred.EventFailing:     {{"access_token of wxA1", "errcode 40164", "WeChat saw the IP 203.0.113.7", "relay"}, {"wxA1 的 access_token 获取失败", "错误码 40164", "203.0.113.7"}},
		cred.EventRecovered:   {{"access_token of wxA1 works again", "40164"}, {"已恢复", "40164"}},
		cred.EventExpiring:    {{"jsapi_ticket of wxA1 expires in 7 min", "no successor", "40164"}, {"7 分钟后过期", "40164"}},
		cred.EventBudget:      {{"wecom_corp_ticket of ww01/1000002", "75 of its 94"}, {"75 次", "94 次"}},
		cred.EventKVFailing:   {{"Workers KV is failing", "wxA1", "429"}, {"Workers KV 失败", "429"}},
		cred.EventKVRecovered: {{"Workers KV works again", "wxA1"}, {"已恢复"}},
	}
	for _, format := range []string{cred.AlertWeCom, cred.AlertFeishu, cred.AlertText} {
		for li, lang := range []string{"en", "zh"} {
			a := cred.Alerter{Format: format, Lang: lang}
			for _, e := range alertEvents(t) {
				body := cred.AppendAlert(nil, a.Format, a.Text(e))
				var m struct {
					MsgType  string `json:"msgtype"`
					Markdown *struct {
						Content string `json:"content"`
					} `json:"markdown"`
					FeishuType string `json:"msg_type"`
					Content    *struct {
						Text string `json:"text"`
					} `json:"content"`
					Text *string `json:"text"`
				}
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatalf("%s %s %d: not JSON: %v\n%s", format, lang, e.Kind, err, body)
				}
				var text string
				switch {
				case format == cred.AlertWeCom && m.MsgType == "markdown" && m.Markdown != nil && m.Content == nil && m.Text == nil:
					text = m.Markdown.Content
				case format == cred.AlertFeishu && m.FeishuType == "text" && m.Content != nil && m.Markdown == nil && m.Text == nil:
					text = m.Content.Text
				case format == cred.AlertText && m.Text != nil && m.Markdown == nil && m.Content == nil:
					text = *m.Text
				default:
					t.Fatalf("%s: not of the format's shape: %s", format, body)
				}
				if text != a.Text(e) {
					t.Errorf("the body's text %q is not Text's %q", text, a.Text(e))
				}
				want := says[e.Kind][li]
				if e.Changed {
					want = []string{"40125", map[string]string{"en": "another error", "zh": "错误已改变"}[lang]}
				}
				for _, w := range append(want, "wxsign", "2027-01-15 08:16:40 UTC") {
					if !strings.Contains(text, w) {
						t.Errorf("%s %s, event %d: %q does not say %q", format, lang, e.Kind, text, w)
					}
				}
			}
		}
	}
}

// TestAlertNoSecrets: nothing secret reaches a message, even when an
// error message quotes it: the settings' secrets, the webhook's key, and
// the values the coordinator holds.
func TestAlertNoSecrets(t *testing.T) {
	s := api.LoadSettings(testkit.Env(map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "secretA1-0123456789",
		"API_KEY": "api-key-0123456789", "WECHAT_RELAY_KEY": "relay-key-0123456789",
		"WECOM_CORPID": "ww01", "WECOM_AGENTS": "1000002", "WECOM_SECRET_1000002": "agent-secret-0123456789",
		"ALERT_WEBHOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-0123456789"}))
	if !s.OK() {
		t.Fatal(s.Problems)
	}
	secrets := []string{"secretA1-0123456789", "api-key-0123456789", "relay-key-0123456789", "agent-secret-0123456789",
		"robot-key-0123456789", "TOKEN-VALUE-0123456789", "TICKET-VALUE-0123456789"}
	a := s.Alerter()
	a.Secrets = append(a.Secrets, "TOKEN-VALUE-0123456789", "TICKET-VALUE-0123456789", "")
	tok := s.Key("access_token", "wxA1")
	leaky := "WeChat: " + strings.Join(secrets, " ") + " " + s.AlertWebhook
	for _, lang := range []string{"en", "zh"} {
		a.Lang = lang
		for _, format := range []string{cred.AlertWeCom, cred.AlertFeishu, cred.AlertText} {
			a.Format = format
			for _, e := range append(alertEvents(t), cred.Event{Kind: cred.EventFailing, Key: tok, At: vNow, Code: 1052, Msg: leaky},
				cred.Event{Kind: cred.EventKVFailing, Owner: "wxA1", At: vNow, Msg: leaky}) {
				e.Msg += " " + leaky
				body := string(cred.AppendAlert(nil, a.Format, a.Text(e)))
				for _, secret := range secrets {
					if strings.Contains(body, secret) {
						t.Errorf("%s %s: the message holds %q: %s", format, lang, secret, body)
					}
				}
				quotes := e.Kind == cred.EventFailing || e.Kind == cred.EventExpiring || e.Kind == cred.EventKVFailing
				if quotes && !strings.Contains(body, "[redacted]") {
					t.Errorf("nothing redacted in %s", body)
				}
			}
		}
	}
}

func TestAlertDelivered(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   bool
	}{
		{200, `{"errcode":0,"errmsg":"ok"}`, true},
		{200, `{"code":0,"msg":"success","data":{}}`, true},
		{200, `{"StatusCode":0,"StatusMessage":"success"}`, true},
		{200, `ok`, true},
		{204, ``, true},
		{200, `{"errcode":93000,"errmsg":"invalid webhook url"}`, false},
		{200, `{"code":19024,"msg":"Key Words Not Found"}`, false},
		{500, `{"errcode":0}`, false},
		{429, ``, false},
		{0, `TimeoutError`, false},
	} {
		if got := cred.AlertDelivered(tt.status, tt.body); got != tt.want {
			t.Errorf("AlertDelivered(%d, %q) = %v", tt.status, tt.body, got)
		}
	}
}

func TestAppendAlertCuts(t *testing.T) {
	long := strings.Repeat("微信", 1000) // 6,000 bytes
	b := cred.AppendAlert(nil, cred.AlertWeCom, long)
	var m struct {
		Markdown struct{ Content string } `json:"markdown"`
	}
	if err := json.Unmarshal(b, &m); err != nil || len(m.Markdown.Content) > cred.MaxAlert+3 || !strings.HasSuffix(m.Markdown.Content, "…") {
		t.Fatalf("%d bytes, %v", len(m.Markdown.Content), err)
	}
}

// alertRun is a vault over shared stores, a pass at a time, collecting
// the events each pass decides.
type alertRun struct {
	t      *testing.T
	s      api.Settings
	kv     *memKV
	mem    *memKV
	state  *memKV
	wc     *fakeWeChat
	now    int64
	events []cred.Event
}

func newAlertRun(t *testing.T, env map[string]string) *alertRun {
	return &alertRun{t: t, s: api.LoadSettings(testkit.Env(env)), kv: &memKV{}, mem: &memKV{}, state: &memKV{},
		wc: &fakeWeChat{now: vNow, replies: map[string][]reply{}}, now: vNow}
}

func (r *alertRun) vault() *cred.Vault {
	r.wc.now = r.now
	return &cred.Vault{Store: r.kv, Mem: r.mem, State: r.state, Fetcher: r.wc, Now: r.now, RefreshMargin: r.s.RefreshMargin,
		Notify: func(e cred.Event) { r.events = append(r.events, e) }}
}

// get is a page's cold request for name; refresh is the cron's pass.
func (r *alertRun) get(name string) {
	v := r.vault()
	v.Get(context.Background(), keyNamed(r.t, &r.s, name))
	v.Settle(context.Background(), "wxA1")
}

func (r *alertRun) refresh() {
	v := r.vault()
	v.Refresh(context.Background(), r.s.Keys())
	v.Settle(context.Background(), r.s.Keys()[0].Coordinator())
}

// take returns the events so far as "<kind> <key or owner> <code>", and
// forgets them.
func (r *alertRun) take() []string {
	var out []string
	for _, e := range r.events {
		who := e.Owner
		if e.Key != nil {
			who = e.Key.String()
		}
		s := fmt.Sprintf("%d %s %d", e.Kind, who, e.Code)
		if e.Changed {
			s += " changed"
		}
		out = append(out, s)
	}
	r.events = nil
	return out
}

func (r *alertRun) want(what string, want ...string) {
	r.t.Helper()
	if got := r.take(); strings.Join(got, "|") != strings.Join(want, "|") {
		r.t.Errorf("%s: events %q, want %q", what, got, want)
	}
}

func refusal(code int, msg string) reply {
	return reply{err: &cred.APIError{Call: "stable_token", Code: code, Msg: msg}}
}

// TestVaultAlerts: one event per change of a key's state, whatever the
// number of passes and requests, decided where the change is written:
// they cost the KV no write of their own.
func TestVaultAlerts(t *testing.T) {
	r := newAlertRun(t, vaultEnv)
	ipMsg := "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist"
	r.wc.replies[kTok] = []reply{refusal(40164, ipMsg), refusal(40164, ipMsg), refusal(40164, "invalid ip 198.51.100.2, not in whitelist"),
		refusal(40125, "invalid appsecret")}

	// Cold requests and the cron while WeChat refuses: one event, about
	// the token; the ticket's failure is the token's.
	r.get(kTick)
	r.get(kTick)
	r.refresh()
	r.want("first failure", "1 "+kTok+" 40164")
	if rec := cred.ParseRecord(r.kv.m[kTok]); rec.Alerted != 40164 || rec.AlertAt != vNow {
		t.Errorf("the token's record in KV: %+v", rec)
	}
	puts := r.kv.puts
	// The back-off's next steps: refused again (another IP, the same
	// errcode), then with another errcode.
	r.now += 31
	r.refresh()
	r.want("the same errcode again")
	r.now += 61
	r.refresh()
	r.want("the same errcode, another IP")
	r.now += 121
	r.refresh()
	r.want("another errcode", "1 "+kTok+" 40125 changed")
	if r.kv.puts == puts {
		t.Error("a new errcode was not written")
	}
	// WeChat answers again: one recovery, the token's.
	r.now += 241
	r.refresh()
	r.want("recovery", "2 "+kTok+" 40125")
	if rec := cred.ParseRecord(r.kv.m[kTok]); rec.Alerted != 0 || rec.Value == "" {
		t.Errorf("the token's record in KV: %+v", rec)
	}
	r.refresh()
	r.get(kTick)
	r.want("nothing changes")

}

// TestVaultAlertWrites: deciding the alerts costs no KV write: the same
// passes write KV as often with Notify as without.
func TestVaultAlertWrites(t *testing.T) {
	run := func(notify bool) int {
		r := newAlertRun(t, vaultEnv)
		r.wc.replies[kTok] = []reply{refusal(40164, "invalid ip 203.0.113.7, not in whitelist"), refusal(40164, "invalid ip 203.0.113.7, not in whitelist"),
			refusal(45009, "reach max api daily quota limit")}
		for _, step := range []int64{0, 5, 31, 61, 121, 241, 600, 600} {
			r.now += step
			v := r.vault()
			if !notify {
				v.Notify = nil
			}
			v.Get(context.Background(), keyNamed(t, &r.s, kTick))
			v.Settle(context.Background(), "wxA1")
			v = r.vault()
			if !notify {
				v.Notify = nil
			}
			v.Refresh(context.Background(), r.s.Keys())
		}
		if notify && len(r.events) != 3 {
			t.Errorf("events %q, want a failure, a change and a recovery", r.take())
		}
		return r.kv.puts
	}
	if with, without := run(true), run(false); with != without {
		t.Errorf("%d KV writes with alerts, %d without", with, without)
	}
}

// TestVaultAlertExpiring: a ticket in its last 10 minutes whose token is
// failing and will not outlive it is warned about once; not while the
// token is fine, nor before the last 10 minutes.
func TestVaultAlertExpiring(t *testing.T) {
	r := newAlertRun(t, vaultEnv)
	ticket := cred.Record{Value: "jsapi0", FetchedAt: vNow - 6600, ExpiresAt: vNow + 700}
	token := cred.Record{Value: "tok0", FetchedAt: vNow - 6900, ExpiresAt: vNow + 200, LastError: "WeChat: invalid ip", LastErrCode: 40164,
		LastErrorAt: vNow - 100, Failures: 2, NextAttempt: vNow + 5000, Alerted: 40164}
	r.kv.set(kTick, ticket)
	r.kv.set(kTok, token)
	r.refresh()
	r.want("11 minutes left")
	r.now += 200
	r.refresh()
	r.want("8 minutes left", "3 "+kTick+" 40164")
	r.now += 60
	r.refresh()
	r.refresh()
	r.want("again")

	ok := newAlertRun(t, vaultEnv)
	ok.kv.set(kTick, cred.Record{Value: "jsapi0", FetchedAt: vNow - 6600, ExpiresAt: vNow + 300})
	ok.kv.set(kTok, cred.Record{Value: "tok0", FetchedAt: vNow - 100, ExpiresAt: vNow + 7000})
	ok.refresh()
	ok.want("the token is fine")
}

// TestVaultAlertBudget: 80% of a WeCom key's hourly share spent is told
// once an hour.
func TestVaultAlertBudget(t *testing.T) {
	r := newAlertRun(t, wecomEnv)
	k := keyNamed(t, &r.s, kCorpT)
	if k.PerHour == 0 {
		t.Fatal("no budget")
	}
	r.kv.set(kWTok, cred.Record{Value: "wtok", FetchedAt: vNow, ExpiresAt: vNow + 7000})
	r.mem.set(kCorpT, cred.Record{Value: "corp0", FetchedAt: vNow - 7200, ExpiresAt: vNow - 20, Hour: vNow / 3600, Fetches: k.PerHour*4/5 - 2})
	// kill makes the held ticket dead, so that the next ask fetches.
	kill := func() {
		rec := cred.ParseRecord(r.mem.m[kCorpT])
		rec.ExpiresAt = r.now - 20
		r.mem.m[kCorpT] = string(rec.AppendJSON(nil))
	}
	for range 4 {
		kill()
		r.get(kCorpT)
	}
	if got := r.take(); len(got) != 1 || !strings.HasPrefix(got[0], "4 "+kCorpT) {
		t.Errorf("events %q, want one budget warning", got)
	}
	kill()
	r.get(kCorpT)
	r.want("the same hour")
}

// TestVaultAlertKV: Workers KV failing is told once per coordinator, and
// its recovery once, however many passes.
func TestVaultAlertKV(t *testing.T) {
	r := newAlertRun(t, vaultEnv)
	r.kv.failPut = true
	r.get(kTick)
	r.refresh()
	r.now += 700
	r.get(kTick)
	r.want("writes failing", "5 wxA1 0")
	if r.events = nil; !strings.Contains(cred.TextOf(cred.Event{Kind: cred.EventKVFailing, Msg: "Workers KV write: x"}, false), "write") {
		t.Error("the message does not say what fails")
	}
	r.kv.failPut = false
	r.mem = &memKV{} // a coordinator evicted and started again: its durable state remembers
	r.get(kTick)
	r.refresh()
	r.want("writes work again", "6 wxA1 0")
	r.kv.failGet = true
	r.mem = &memKV{}
	r.get(kTick)
	r.get(kTick)
	r.want("reads failing", "5 wxA1 0")
}

// TestVaultAlertReceipt: the webhook's answer, left by the coordinator,
// is folded into the record and rides in its next write.
func TestVaultAlertReceipt(t *testing.T) {
	r := newAlertRun(t, vaultEnv)
	r.wc.replies[kTok] = []reply{refusal(40164, "invalid ip 203.0.113.7, not in whitelist")}
	r.get(kTick)
	r.take()
	r.state.Put(context.Background(), cred.ReceiptKey(keyNamed(t, &r.s, kTok), ""), fmt.Sprint(vNow)+` 200 {"errcode":0,"errmsg":"ok"}`)
	r.now += 31
	r.refresh() // recovers: written with the receipt
	rec := cred.ParseRecord(r.kv.m[kTok])
	if rec.AlertOK != vNow || rec.AlertAt != r.now || rec.AlertLost != 0 {
		t.Errorf("record %+v: want the failure's alert delivered, the recovery's sent", rec)
	}
	r.state.Put(context.Background(), cred.ReceiptKey(keyNamed(t, &r.s, kTok), ""), fmt.Sprint(r.now)+" 0 TimeoutError")
	v := r.vault()
	got, _ := v.Record(context.Background(), keyNamed(t, &r.s, kTok))
	if got.AlertLost != r.now {
		t.Errorf("record %+v: want the recovery's alert lost", got)
	}
	status, body := r.s.AppendHealth(nil, "h", r.now, func(k *cred.Key) *cred.Held { return &cred.Held{Rec: cred.ParseRecord(r.kv.m[k.String()])} })
	if status != 200 || !strings.Contains(string(body), `"alerts":{"webhook_set":false,"format":"text","lang":"en","last_sent_at":`) {
		t.Errorf("/healthz %d %s", status, body)
	}
}
