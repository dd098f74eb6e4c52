package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/wasm/host"
)

// TestServeLargeEnv: an environment larger than the input region reaches
// the module whole: 128 variables of 5 KB placed before ALLOWED_HOSTS
// (the host frames names in order) no longer cut it off, so a host outside
// it stays refused. One larger than the module takes is refused whole:
// nothing is signed, and the 503 names the environment.
func TestServeLargeEnv(t *testing.T) {
	s := newSigner(t)
	ticket := string(record("TICKET", now+3600))
	big := serveEnv("ALLOWED_HOSTS", "h.example.com", "ZZ_LAST", "z")
	for i := 0; i < 128; i++ {
		big[fmt.Sprintf("AAA_PAD_%03d", i)] = strings.Repeat("v", 5000)
	}
	huge := serveEnv("ALLOWED_HOSTS", "h.example.com")
	huge["AAA_HUGE"] = strings.Repeat("v", core.MaxEnvLen)
	config := func(page string) string { return "https://w.example/config?url=" + url.QueryEscape(page) }
	for _, c := range []struct {
		name    string
		env     map[string]string
		target  string
		status  int
		errcode int
		has     string
	}{
		{"a large environment: the allowed host is signed", big, config("https://h.example.com/a"), 200, 0, ""},
		{"a large environment: another host is refused", big, config("https://evil.example.net/a"), 403, 1010, ""},
		{"larger than the module takes: nothing is signed", huge, config("https://h.example.com/a"), 503, 1050, "environment"},
		{"and the allowlist does not fall open", huge, config("https://evil.example.net/a"), 503, 1050, "environment"},
	} {
		b := &backend{kv: map[string]string{"wxsign:wxapp:jsapi_ticket": ticket}, allow: true}
		r, err := s.Serve(context.Background(), c.env, host.Request{Method: "GET", URL: c.target,
			Header: map[string]string{"cf-connecting-ip": "198.51.100.7"}}, now, b)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var e struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		json.Unmarshal(r.Body, &e)
		if r.Status != c.status || e.ErrCode != c.errcode || !strings.Contains(e.ErrMsg, c.has) {
			t.Errorf("%s: %d %.300s", c.name, r.Status, r.Body)
		}
	}
}
