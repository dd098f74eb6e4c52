package cred_test

import (
	"fmt"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
)

// The coordinator turns each alert the Vault decides into the body its
// webhook takes: here a WeCom group robot's, chosen from the URL's host,
// for an IP-whitelist refusal (Describe adds the IP WeChat saw and
// the way out). The settings' secrets never reach a message.
func ExampleAppendAlert() {
	s := api.LoadSettings(func(name string) string {
		return map[string]string{
			"WECHAT_APPID":     "wx0123456789abcdef",
			"WECHAT_APPSECRET": "app-secret-0123456789",
			"ALERT_WEBHOOK":    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key",
		}[name]
	})
	refused := cred.Describe(&cred.APIError{Call: "stable_token", Code: 40164, Msg: "invalid ip 203.0.113.7, not in whitelist"})
	e := cred.Event{Kind: cred.EventFailing, Key: s.Key("access_token", "wx0123456789abcdef"), At: 1800000000,
		Code: refused.Code, Msg: refused.Msg}
	fmt.Println(s.AlertFormat)
	a := s.Alerter()
	fmt.Println(string(cred.AppendAlert(nil, a.Format, a.Text(e))))
	// Output:
	// wecom
	// {"msgtype":"markdown","markdown":{"content":"wxsign: access_token of wx0123456789abcdef cannot be fetched\nerrcode 40164: WeChat: invalid ip 203.0.113.7, not in whitelist — WeChat saw the IP 203.0.113.7: add it to the whitelist, or send WeChat calls through a relay with a fixed IP (WECHAT_API_BASE, docs/relay.md)\nPages go on being signed with the ticket held, if there is one, until it expires; wxsign retries with back-off. /healthz shows the state.\n(2027-01-15 08:00:00 UTC)"}}
}
