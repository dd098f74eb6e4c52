package host_test

import (
	"context"
	"fmt"

	"github.com/wxsign/wxsign/wasm/host"
)

// A Signer runs build/signer.wasm, the module the Worker runs, here with a
// given nonce and timestamp: the payload of WeChat's published example.
// (wasmBytes is that file, read by TestMain from $WXSIGN_WASM.)
func ExampleSigner_Sign() {
	ctx := context.Background()
	s, err := host.New(ctx, wasmBytes, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close(ctx)
	r, err := s.Sign(ctx, host.SignInput{
		AppID:     "wx0123456789abcdef",
		Ticket:    "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		Nonce:     "Wm3WZYTPz0wzccnW",
		Timestamp: 1414587457,
		URL:       "http://mp.weixin.qq.com?params=value",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Status, r.Get("Content-Type"))
	fmt.Println(string(r.Body))
	// Output:
	// 200 application/json; charset=utf-8
	// {"appId":"wx0123456789abcdef","timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signature":"0f9de62fce790f9a083d5c99e95740ceb90c27ed","url":"http://mp.weixin.qq.com?params=value"}
}
