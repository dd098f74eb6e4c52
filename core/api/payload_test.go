package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/jssdk"
)

// Config is the wx.config payload (docs/api.md), for the tests to decode
// answers into; AppendJSON writes it with the payload's own appenders.
type Config struct {
	AppID     string `json:"appId"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
	URL       string `json:"url"`
}

// AppendJSON appends the payload as a JSON object, with the bytes
// encoding/json would produce (less its HTML escaping), without allocating.
func (c *Config) AppendJSON(dst []byte) []byte {
	dst = jssdk.AppendConfigHead(dst, c.AppID, c.Timestamp, c.NonceStr)
	dst = append(dst, c.Signature...)
	return jssdk.AppendConfigTail(dst, c.URL)
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quo"te`, `back\slash`, "tab\tnew\nline\rcr", "\x00\x01\x1f", "<html>&amp;",
		"中文 ✓ 😀", "https://h.example.com/?a=b&c=%20#x", "\u2028\u2029",
	} {
		got := core.AppendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != s {
			t.Errorf("appendJSONString(%q) = %s: decodes to %q, %v", s, got, back, err)
		}
		// Same bytes as encoding/json without HTML escaping, U+2028/9 aside.
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if s != "\u2028\u2029" && !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Errorf("appendJSONString(%q) = %s, encoding/json gives %s", s, got, want.Bytes())
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"https://h.example.com/?q=\"x\"", "0123456\x00", "\x1f1234567890\\", "abcdefgh\"", "中文中文中文\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // callers validate UTF-8 first
		}
		got := core.AppendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != s {
			t.Fatalf("%q does not round-trip: %q, %v", s, back, err)
		}
		// Byte for byte what encoding/json writes without HTML escaping,
		// but for U+2028/U+2029, which it always escapes.
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if !strings.ContainsAny(s, "\u2028\u2029") && !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json gives %s", s, got, want.Bytes())
		}
	})
}

func TestConfigAppendJSON(t *testing.T) {
	c := Config{AppID: "wx1", Timestamp: 1414587457, NonceStr: "Wm3WZYTPz0wzccnW",
		Signature: "0f9de62fce790f9a083d5c99e95740ceb90c27ed", URL: `http://mp.weixin.qq.com?params="value"`}
	got := c.AppendJSON(nil)
	want, _ := json.Marshal(c)
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON = %s, want %s", got, want)
	}
}

func TestErrorAppendJSON(t *testing.T) {
	got := core.ErrURLScheme.AppendJSON(nil)
	var e struct {
		Code int    `json:"errcode"`
		Msg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(got, &e); err != nil || e.Code != 1004 || e.Msg != core.ErrURLScheme.Msg {
		t.Fatalf("AppendJSON = %s: %+v %v", got, e, err)
	}
}
