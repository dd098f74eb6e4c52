package testhost_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/internal/testhost"
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
	huge["AAA_HUGE"] = strings.Repeat("v", api.MaxEnvLen)
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
		b := &backend{kv: map[string]string{"wxsign:wxapp:jsapi_ticket": ticket}}
		r, err := s.Serve(context.Background(), c.env, testhost.Request{Method: "GET", URL: c.target,
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

// TestABIEnvCut: a host that still writes the environment into the input
// region, as signer.mjs did, and runs out of room (a field written as its
// length alone) or says more bytes than it wrote: the module signs
// nothing and names the environment, instead of dropping what was cut.
func TestABIEnvCut(t *testing.T) {
	cutField := append(frame("WECHAT_APPID", "wxapp", "WECHAT_APPSECRET", "s"), binary.LittleEndian.AppendUint32(nil, 0xffffffff)...)
	whole := frame("WECHAT_APPID", "wxapp", "WECHAT_APPSECRET", "s", "ALLOWED_HOSTS", "h.example.com")
	for _, c := range []struct {
		name string
		env  []byte
		n    uint32
	}{
		{"a field too large for the region", cutField, uint32(len(cutField))},
		{"more bytes said than the region holds", whole, 1 << 20},
	} {
		a := newABI(t)
		ctx := context.Background()
		a.m.Memory().Write(a.in, c.env)
		if _, err := a.env.Call(ctx, uint64(c.n)); err != nil {
			t.Fatal(err)
		}
		a.hand(t, "wxapp", record("TICKET", now+3600))
		raw := request("GET", "https://w.example/config?url="+url.QueryEscape("https://evil.example.net/"), "", "", "")
		status, _, body := a.call(t, a.config, raw, uint32(len(raw)))
		if status != 503 || errcode(t, body) != 1050 || !strings.Contains(string(body), "environment") {
			t.Errorf("%s: %d %s", c.name, status, body)
		}
	}
}

// TestOutputHoldsAnswers: the output region holds core.MaxAnswerLen of
// body and 2 KiB of header lines, what core's endpoints keep their answers
// to (core's TestAnswersFit).
func TestOutputHoldsAnswers(t *testing.T) {
	if a := newABI(t); a.outCap < core.MaxAnswerLen+2<<10 {
		t.Fatalf("output region %d bytes, core.MaxAnswerLen %d", a.outCap, core.MaxAnswerLen)
	}
}
