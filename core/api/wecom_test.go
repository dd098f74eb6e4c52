package api

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
	"github.com/wxsign/wxsign/core/pageurl"
)

func TestServeWeCom(t *testing.T) {
	const now = 1_700_000_000
	corp := &cred.Record{Value: "CORPTICKET", ExpiresAt: now + 3600}
	agent := &cred.Record{Value: "AGENTTICKET", ExpiresAt: now + 3600}
	a := &App{AppID: "ww0123", Hosts: pageurl.ParseAllowlist("h.example.com"), Origins: pageurl.ParseOriginList("https://h.example.com")}
	page := "https://h.example.com/wecom?x=1"
	get := func(q, origin string) *Request {
		return &Request{Method: "GET", Query: q, Origin: origin}
	}
	tests := []struct {
		name        string
		req         *Request
		corp, agent *cred.Record
		status      int
		code        int
	}{
		{"signed", get("url="+url.QueryEscape(page+"#f")+"&agentid=1000002", ""), corp, agent, 200, 0},
		{"no url", get("agentid=1000002", ""), corp, agent, 400, core.ErrURLMissing.Code},
		{"host not allowed", get("url="+url.QueryEscape("https://evil.net/"), ""), corp, agent, 403, core.ErrHostForbidden.Code},
		{"no corp ticket", get("url="+url.QueryEscape(page), ""), &cred.Record{}, agent, 503, core.ErrNoTicket.Code},
		{"no agent ticket", get("url="+url.QueryEscape(page), ""), corp, &cred.Record{Value: "OLD", ExpiresAt: now}, 503, core.ErrNoTicket.Code},
		{"preflight", &Request{Method: "OPTIONS", Origin: "https://h.example.com"}, corp, agent, 204, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.ServeWeCom(nil, tt.req, "1000002", tt.corp, tt.agent, now)
			if r.Status != tt.status || r.NeedTicket != (tt.code == core.ErrNoTicket.Code) {
				t.Fatalf("%d need %v %s, want %d", r.Status, r.NeedTicket, r.Body, tt.status)
			}
			if r.Status == 204 {
				return
			}
			var out struct {
				Config struct {
					AppID, NonceStr, Signature string
					Timestamp                  int64
				}
				AgentConfig struct {
					CorpID              string `json:"corpid"`
					AgentID             string `json:"agentid"`
					NonceStr, Signature string
					Timestamp           int64
				}
				URL     string
				ErrCode int `json:"errcode"`
			}
			if err := json.Unmarshal(r.Body, &out); err != nil || out.ErrCode != tt.code {
				t.Fatalf("%s: %v, want errcode %d", r.Body, err, tt.code)
			}
			if r.Status != 200 {
				return
			}
			c, g := out.Config, out.AgentConfig
			if out.URL != page || c.AppID != "ww0123" || g.CorpID != "ww0123" || g.AgentID != "1000002" ||
				c.NonceStr != g.NonceStr || c.Timestamp != now || g.Timestamp != now || len(c.NonceStr) != jssdk.NonceLen {
				t.Fatalf("payload %s", r.Body)
			}
			if c.Signature != jssdk.Sign("CORPTICKET", c.NonceStr, now, page) || g.Signature != jssdk.Sign("AGENTTICKET", g.NonceStr, now, page) {
				t.Fatalf("signatures %s: config must be the corp ticket's, agentConfig the agent's", r.Body)
			}
		})
	}
}
