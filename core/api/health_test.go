package api

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The /healthz body holds what encoding/json would write for the same
// health, member for member (omitempty ones left out alike), and reads
// back into it.
func TestHealthJSON(t *testing.T) {
	for _, h := range []health{
		{Apps: []string{}, Credentials: []credHealth{}},
		{OK: true, Apps: []string{"wx1", "wx\"2"}, WeCom: &wecomHealth{CorpID: "ww1", Agents: []string{"1000002"}},
			Config: healthConfig{APIBase: "https://api.weixin.qq.com", WeComAPIBase: "https://qyapi.weixin.qq.com", Relay: true,
				TokenMode: "stable", RefreshMargin: 1800, APIKeySet: true, Host: "wx.example.com"},
			Credentials: []credHealth{
				{Kind: "access_token", Owner: "wx1", Present: true, Usable: true, AgeS: 600, ExpiresIn: 6590, Fetches: 1},
				{Kind: "jsapi_ticket", Owner: "wx1", Due: true, Budget: 50, LastError: "errmsg <&> \x01 中文", LastErrCode: 40001,
					LastErrorAt: 1700000000, Failures: 2, NextAttempt: 1700000060},
			},
			Problems: []string{"a problem"}, Warnings: []string{"a warning"}, Now: 1700000000},
	} {
		got := h.appendJSON(nil)
		want, _ := json.Marshal(h)
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("appendJSON:\n %s\nencoding/json:\n %s", got, want)
		}
		var back health
		if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, h) {
			t.Errorf("read back: %+v, %v; want %+v", back, err, h)
		}
	}
}
