package api_test

import (
	"fmt"

	"github.com/wxsign/wxsign/core/api"
)

// Two official accounts, each with its own secret: every credential is a
// key of one table, named in Workers KV by its owner and kind, each token
// before the tickets bought with it.
func ExampleSettings_Keys() {
	env := map[string]string{
		"WECHAT_APPID":                        "wx1111111111111111, wx2222222222222222",
		"WECHAT_APPSECRET_wx1111111111111111": "secret-1",
		"WECHAT_APPSECRET_wx2222222222222222": "secret-2",
	}
	s := api.LoadSettings(func(name string) string { return env[name] })
	for _, k := range s.Keys() {
		if k.Token != nil {
			fmt.Println(k, "needs", k.Token)
		} else {
			fmt.Println(k)
		}
	}
	// Output:
	// wxsign:wx1111111111111111:access_token
	// wxsign:wx1111111111111111:jsapi_ticket needs wxsign:wx1111111111111111:access_token
	// wxsign:wx1111111111111111:wx_card_ticket needs wxsign:wx1111111111111111:access_token
	// wxsign:wx2222222222222222:access_token
	// wxsign:wx2222222222222222:jsapi_ticket needs wxsign:wx2222222222222222:access_token
	// wxsign:wx2222222222222222:wx_card_ticket needs wxsign:wx2222222222222222:access_token
}
