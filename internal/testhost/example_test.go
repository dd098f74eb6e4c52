package testhost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
	"github.com/wxsign/wxsign/internal/testhost"
)

// A Signer runs build/signer.wasm, the module the Worker runs: here a GET
// /config with the app's ticket record in KV (testhost.Records). The nonce is
// fresh on every call, so this prints what does not change: the status,
// the URL that was signed, and that the signature verifies.
// (wasmBytes is that file, read by TestMain from $WXSIGN_WASM.)
func ExampleSigner_Serve() {
	ctx := context.Background()
	s, err := testhost.New(ctx, wasmBytes, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close(ctx)
	const now = 1700000000
	ticket := "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	rec, _ := json.Marshal(cred.Record{Value: ticket, FetchedAt: now - 60, ExpiresAt: now + 7000})
	kv := testhost.Records{"wxsign:wx0123456789abcdef:jsapi_ticket": string(rec)}
	env := map[string]string{"WECHAT_APPID": "wx0123456789abcdef", "WECHAT_APPSECRET": "-", "ALLOWED_HOSTS": "*.example.com"}
	req := testhost.Request{Method: "GET", URL: "https://wxsign.example.com/config?url=" + url.QueryEscape("https://www.example.com/a?b=1#top")}

	r, err := s.Serve(ctx, env, req, now, kv)
	if err != nil {
		panic(err)
	}
	var c struct {
		Timestamp int64  `json:"timestamp"`
		NonceStr  string `json:"nonceStr"`
		Signature string `json:"signature"`
		URL       string `json:"url"`
	}
	if err := json.Unmarshal(r.Body, &c); err != nil {
		panic(err)
	}
	fmt.Println(r.Status, r.Get("Content-Type"))
	fmt.Println(c.URL)
	fmt.Println(c.Signature == jssdk.Sign(ticket, c.NonceStr, c.Timestamp, c.URL))
	// Output:
	// 200 application/json; charset=utf-8
	// https://www.example.com/a?b=1
	// true
}
