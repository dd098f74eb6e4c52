package coord_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/internal/fakes"
	"github.com/wxsign/wxsign/wechattest"
)

// A pass run to its end with the I/O done directly: an isolate's ask for
// a ticket that nobody holds buys the token, then the ticket, and keeps
// both in KV.
func ExampleRun() {
	env := map[string]string{"WECHAT_APPID": "wxexample0000001", "WECHAT_APPSECRET": "example-secret", "WECHAT_API_BASE": "http://wechat.test"}
	settings := api.LoadSettings(func(k string) string { return env[k] })
	wc := wechattest.New("wxexample0000001", "example-secret")
	client := &wechat.Client{BaseURL: settings.APIBase, Doer: wc.Doer(), Timeout: time.Second}
	kv := &fakes.MemStore{}
	a := coord.Run(context.Background(), &settings, time.Now().Unix(), cred.CredentialPath+"?key=wxsign:wxexample0000001:jsapi_ticket",
		&coord.Host{Store: kv, Mem: &fakes.MemStore{}, Send: client.Send})
	ticket, _, _ := kv.Get(context.Background(), "wxsign:wxexample0000001:jsapi_ticket")
	fmt.Println(a.Status, wc.Stats().StableToken, wc.Stats().Ticket, cred.ParseRecord(ticket).Value == wc.Ticket())
	// Output: 200 1 1 true
}

// A pass as a step function: each Op is done by the host, here the
// refresh of an owner with nothing held and WeChat out of reach.
func ExampleStart() {
	env := map[string]string{"WECHAT_APPID": "wxexample0000001", "WECHAT_APPSECRET": "example-secret"}
	settings := api.LoadSettings(func(k string) string { return env[k] })
	p, op := coord.Start(&settings, 1_800_000_000, cred.RefreshAsk("wxexample0000001"), true)
	for op.Kind != coord.OpDone {
		var r coord.Result
		if op.Kind == coord.OpCall {
			fmt.Println(op.Call.Method, op.Call.Call)
			r.Err = context.DeadlineExceeded
		}
		op = p.Step(r)
	}
	fmt.Println(op.Answer.Status)
	// Output:
	// POST stable_token
	// 503
}
