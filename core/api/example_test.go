package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
	"github.com/wxsign/wxsign/core/pageurl"
)

// Sign gives the signature WeChat's documentation publishes for its
// example (JS-SDK appendix 1; WeCom's documentation uses it too).
func ExampleSign() {
	ticket := "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	fmt.Println(jssdk.Sign(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"))
	// Output: 0f9de62fce790f9a083d5c99e95740ceb90c27ed
}

// ServeConfig answers GET /config?url=… with a cached ticket record. The
// nonce is fresh on every call, so this prints what does not change: the
// status, the URL that was signed (without its #fragment), and that the
// signature verifies. A page on a host outside the allowlist is refused
// with wxsign's own errcode.
func ExampleApp_ServeConfig() {
	app := &api.App{AppID: "wx0123456789abcdef", Hosts: pageurl.ParseAllowlist("*.example.com")}
	const now = 1700000000
	ticket := cred.Record{Value: "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		FetchedAt: now - 60, ExpiresAt: now + 7000}

	req := &api.Request{Method: "GET", Query: "url=" + url.QueryEscape("https://www.example.com/a?b=1#top")}
	r := app.ServeConfig(nil, req, &ticket, now)
	var c struct { // the payload (docs/api.md)
		AppID     string `json:"appId"`
		Timestamp int64  `json:"timestamp"`
		NonceStr  string `json:"nonceStr"`
		Signature string `json:"signature"`
		URL       string `json:"url"`
	}
	if err := json.Unmarshal(r.Body, &c); err != nil {
		panic(err)
	}
	fmt.Println(r.Status, c.AppID, c.Timestamp)
	fmt.Println(c.URL)
	fmt.Println(c.Signature == jssdk.Sign(ticket.Value, c.NonceStr, c.Timestamp, c.URL))

	req.Query = "url=" + url.QueryEscape("https://www.example.net/")
	r = app.ServeConfig(nil, req, &ticket, now)
	fmt.Println(r.Status, string(r.Body))
	// Output:
	// 200 wx0123456789abcdef 1700000000
	// https://www.example.com/a?b=1
	// true
	// 403 {"errcode":1010,"errmsg":"url's host is not allowed (ALLOWED_HOSTS)"}
}
