package cred

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/wxsign/wxsign/core"
)

// FuzzAppendJSONStringExported: any string, valid UTF-8 or not, is written as
// JSON that encoding/json reads back as the string with invalid bytes
// replaced by U+FFFD.
func FuzzAppendJSONStringExported(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\c\n\x00", "\xff", "a\xc3", "中文\xe4\xb8", "<&>\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := core.AppendJSONString([]byte("x"), s)
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil {
			t.Fatalf("AppendJSONString(%q) = %s: %v", s, got, err)
		}
		if utf8.ValidString(s) && back != s || !utf8.ValidString(back) {
			t.Fatalf("AppendJSONString(%q) reads back as %q", s, back)
		}
	})
}

// A POST call's body is what encoding/json makes of its parameters.
func TestCallAppendBody(t *testing.T) {
	for _, force := range []string{"true", "false"} {
		value := func(p Param) string {
			switch p.From {
			case FromAppID:
				return "wx1"
			case FromSecret:
				return `se"cret`
			case FromForce:
				return force
			}
			return p.Value
		}
		got := StableToken.Call.AppendBody(nil, value)
		var body map[string]any
		if err := json.Unmarshal(got, &body); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		want := map[string]any{"grant_type": "client_credential", "appid": "wx1", "secret": `se"cret`, "force_refresh": force == "true"}
		if !reflect.DeepEqual(body, want) {
			t.Errorf("body %s, want %v", got, want)
		}
	}
}

// ParseAnswer reads the kind's own field, and refuses what is not an
// object of WeChat's types.
func TestParseAnswer(t *testing.T) {
	for _, tt := range []struct {
		kind *Kind
		raw  string
		want Answer
		ok   bool
	}{
		{StableToken, `{"access_token":"AT","expires_in":7200}`, Answer{Value: "AT", ExpiresIn: 7200}, true},
		{JSAPITicket, `{"errcode":0,"errmsg":"ok","ticket":"T","expires_in":7200}`, Answer{ErrMsg: "ok", Value: "T", ExpiresIn: 7200}, true},
		{JSAPITicket, `{"errcode":40001,"errmsg":"invalid credential","access_token":"AT"}`, Answer{ErrCode: 40001, ErrMsg: "invalid credential"}, true},
		{WeComToken, ` {"errcode":0,"access_token":"W","expires_in":7200,"extra":[1,{"a":null}]} `, Answer{Value: "W", ExpiresIn: 7200}, true},
		{JSAPITicket, `{"errcode":"0","ticket":"T"}`, Answer{}, false},
		{JSAPITicket, `{"ticket":1}`, Answer{}, false},
		{JSAPITicket, `{"expires_in":7200.5}`, Answer{}, false},
		{JSAPITicket, `<html>`, Answer{}, false},
		{JSAPITicket, `{"ticket":"T"} x`, Answer{}, false},
	} {
		got, ok := tt.kind.ParseAnswer(tt.raw)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("%s.ParseAnswer(%s) = %+v, %v; want %+v, %v", tt.kind.Name, tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}
