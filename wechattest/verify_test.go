package wechattest

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The published vectors of wechat-api.md (JS-SDK appendices 1 and 4).
func TestSignatureVectors(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"jsapi", JSAPISignature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
			"Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com?params=value"), "0f9de62fce790f9a083d5c99e95740ceb90c27ed"},
		{"card", CardSignature("ojZ8YtyVyr30HheH3CM73y7h4jJE", "1404896688", "pjZ8Yt1XGILfi-FUsewpnnolGgZk", "1434008071", "", "123"),
			"f137ab68b7f8112d20ee528ab6074564e2796250"},
		{"card, values in another order", CardSignature("123", "1434008071", "pjZ8Yt1XGILfi-FUsewpnnolGgZk", "1404896688", "ojZ8YtyVyr30HheH3CM73y7h4jJE"),
			"f137ab68b7f8112d20ee528ab6074564e2796250"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	// Byte order: upper case sorts before lower case.
	if CardSignature("b", "B", "a") != CardSignature("Bab") {
		t.Error("card values not sorted by bytes")
	}
}

func TestVerify(t *testing.T) {
	s := New("wxapp", "sec")
	s.AddApp("wxother", "sec2")
	s.AddCorp("wwcorp", map[string]string{"1000002": "secret-a", "1000003": "secret-b"})
	start := time.Unix(1_700_000_000, 0)
	now := start
	s.SetClock(func() time.Time { return now })
	tok := inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "")["access_token"].(string)
	other := inproc(t, s, "GET", classicPath("wxother", "sec2"), "", "")["access_token"].(string)
	jsapi := inproc(t, s, "GET", ticketPath(tok, "jsapi"), "", "")["ticket"].(string)
	card := inproc(t, s, "GET", ticketPath(tok, "wx_card"), "", "")["ticket"].(string)
	otherTicket := inproc(t, s, "GET", ticketPath(other, "jsapi"), "", "")["ticket"].(string)
	wecom := inproc(t, s, "GET", wecomTokenPath("wwcorp", "secret-a"), "", "")["access_token"].(string)
	wecomB := inproc(t, s, "GET", wecomTokenPath("wwcorp", "secret-b"), "", "")["access_token"].(string)
	corp := inproc(t, s, "GET", "/cgi-bin/get_jsapi_ticket?access_token="+url.QueryEscape(wecom), "", "")["ticket"].(string)
	agent := inproc(t, s, "GET", "/cgi-bin/ticket/get?type=agent_config&access_token="+url.QueryEscape(wecom), "", "")["ticket"].(string)
	agentB := inproc(t, s, "GET", "/cgi-bin/ticket/get?type=agent_config&access_token="+url.QueryEscape(wecomB), "", "")["ticket"].(string)

	page, nonce := "https://h.example.com/a?b=%E4%B8%AD&from=singlemessage", "Wm3WZYTPz0wzccnW"
	ts := strconv.FormatInt(start.Unix(), 10)
	signed := func(kind, ticket string) Signed {
		v := Signed{Kind: kind, AppID: "wxapp", URL: page, Timestamp: json.Number(ts), NonceStr: nonce,
			Signature: JSAPISignature(ticket, nonce, ts, page)}
		if kind != "jsapi" {
			v.AppID, v.CorpID, v.AgentID = "", "wwcorp", "1000002"
		}
		return v
	}
	with := func(v Signed, f func(*Signed)) Signed { f(&v); return v }
	cardExt := Signed{Kind: "card_ext", AppID: "wxapp", CardID: "pCard", Code: "1434008071", OpenID: "oUser", Timestamp: json.Number(ts), CardNonce: "123",
		Signature: CardSignature(card, ts, "pCard", "1434008071", "oUser", "123")}
	chooseCard := Signed{Kind: "card_choose", AppID: "wxapp", ShopID: "1234", CardType: "GROUPON", Timestamp: json.Number(ts), CardNonce: "n1",
		CardSign: CardSignature(card, "wxapp", "1234", ts, "n1", "", "GROUPON")}

	tests := []struct {
		name   string
		v      Signed
		ok     bool
		reason string
	}{
		{"jsapi", signed("jsapi", jsapi), true, ""},
		{"jsapi, another app's ticket", signed("jsapi", otherTicket), false, "does not match the valid jsapi ticket of wxapp"},
		{"jsapi, the card ticket", signed("jsapi", card), false, "does not match"},
		{"jsapi, unknown app", with(signed("jsapi", jsapi), func(v *Signed) { v.AppID = "wxnope" }), false, "unknown appid"},
		{"jsapi, fragment", with(signed("jsapi", jsapi), func(v *Signed) {
			v.URL += "#x"
			v.Signature = JSAPISignature(jsapi, nonce, ts, v.URL)
		}), false, "has a '#'"},
		{"jsapi, not absolute", with(signed("jsapi", jsapi), func(v *Signed) {
			v.URL = "/a"
			v.Signature = JSAPISignature(jsapi, nonce, ts, v.URL)
		}), false, "absolute"},
		{"jsapi, decoded URL", with(signed("jsapi", jsapi), func(v *Signed) { v.URL = "https://h.example.com/a?b=中&from=singlemessage" }), false, "does not match"},
		{"jsapi, 10 minutes early", with(signed("jsapi", jsapi), func(v *Signed) {
			v.Timestamp = json.Number(strconv.FormatInt(start.Unix()-600, 10))
			v.Signature = JSAPISignature(jsapi, nonce, string(v.Timestamp), page)
		}), true, ""},
		{"jsapi, 11 minutes late", with(signed("jsapi", jsapi), func(v *Signed) {
			v.Timestamp = json.Number(strconv.FormatInt(start.Unix()+660, 10))
			v.Signature = JSAPISignature(jsapi, nonce, string(v.Timestamp), page)
		}), false, "from the stand-in's clock"},
		{"jsapi, milliseconds", with(signed("jsapi", jsapi), func(v *Signed) { v.Timestamp = json.Number(ts + "000") }), false, "from the stand-in's clock"},
		{"jsapi, not whole seconds", with(signed("jsapi", jsapi), func(v *Signed) { v.Timestamp = json.Number(ts + ".5") }), false, "not whole seconds"},
		{"jsapi, no nonce", with(signed("jsapi", jsapi), func(v *Signed) { v.NonceStr = "" }), false, "nonceStr missing"},
		{"jsapi, no signature", with(signed("jsapi", jsapi), func(v *Signed) { v.Signature = "" }), false, "signature missing"},
		{"jsapi, upper-case hex", with(signed("jsapi", jsapi), func(v *Signed) { v.Signature = strings.ToUpper(v.Signature) }), false, "does not match"},
		{"corp", signed("corp", corp), true, ""},
		{"corp, no agentid", with(signed("corp", corp), func(v *Signed) { v.AgentID = "" }), true, ""},
		{"corp, the other agent's", with(signed("corp", corp), func(v *Signed) { v.AgentID = "1000003" }), false, "no corp_jsapi ticket of wwcorp agent 1000003 is valid"},
		{"corp, the agent ticket", signed("corp", agent), false, "does not match"},
		{"corp, unknown corp", with(signed("corp", corp), func(v *Signed) { v.CorpID = "wwnope" }), false, "unknown corpid"},
		{"agent", signed("agent", agent), true, ""},
		{"agent 1000003", with(signed("agent", agentB), func(v *Signed) { v.AgentID = "1000003" }), true, ""},
		{"agent, another agent's ticket", signed("agent", agentB), false, "does not match the valid agent_config ticket of wwcorp agent 1000002"},
		{"agent, the corp ticket", signed("agent", corp), false, "does not match"},
		{"agent, unknown agent", with(signed("agent", agent), func(v *Signed) { v.AgentID = "9" }), false, "unknown agentid"},
		{"card_ext", cardExt, true, ""},
		{"card_ext, jsapi ticket", with(cardExt, func(v *Signed) {
			v.Signature = CardSignature(jsapi, ts, "pCard", "1434008071", "oUser", "123")
		}), false, "does not match the valid wx_card ticket"},
		{"card_ext, no card_id", with(cardExt, func(v *Signed) { v.CardID = "" }), false, "card_id missing"},
		{"card_choose", chooseCard, true, ""},
		{"card_choose without app_id", with(chooseCard, func(v *Signed) {
			v.CardSign = CardSignature(card, "1234", ts, "n1", "GROUPON")
		}), false, "does not match"},
		{"unknown kind", Signed{Kind: "pay"}, false, "unknown kind"},
	}
	for _, tt := range tests {
		got := s.Verify(tt.v)
		if got.OK != tt.ok || !strings.Contains(got.Reason, tt.reason) {
			t.Errorf("%s: %+v, want ok %v with %q", tt.name, got, tt.ok, tt.reason)
		}
	}

	// Once the ticket dies, what it signed fails, and says why.
	now = start.Add(7200 * time.Second)
	v := signed("jsapi", jsapi)
	v.Timestamp = json.Number(strconv.FormatInt(now.Unix(), 10))
	v.Signature = JSAPISignature(jsapi, nonce, string(v.Timestamp), page)
	if got := s.Verify(v); got.OK || !strings.Contains(got.Reason, "died at") {
		t.Fatalf("a dead ticket: %+v", got)
	}

	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	body, _ := json.Marshal(v)
	if _, m := call(t, "POST", hs.URL+"/__standin/verify", string(body)); m["ok"] != false || !strings.Contains(m["reason"].(string), "died at") {
		t.Fatalf("verify over HTTP after the ticket died: %v", m)
	}
	now = start
	// As a page would write it: a numeric timestamp and agentid.
	raw := `{"kind":"agent","corpid":"wwcorp","agentid":1000002,"url":"` + page + `","timestamp":` + ts + `,"nonceStr":"` + nonce + `","signature":"` + JSAPISignature(agent, nonce, ts, page) + `"}`
	if _, m := call(t, "POST", hs.URL+"/__standin/verify", raw); m["ok"] != true || m["reason"] != "" {
		t.Fatalf("verify over HTTP: %v", m)
	}
	if status, _ := call(t, "POST", hs.URL+"/__standin/verify", `{"kind":`); status != 400 {
		t.Fatalf("bad JSON: %d", status)
	}
}
