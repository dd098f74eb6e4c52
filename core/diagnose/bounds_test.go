package diagnose

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
	"github.com/wxsign/wxsign/core/pageurl"
)

// fill pads prefix with c until s as JSON is want bytes long (c's JSON
// length must divide what is left), then adds suffix.
func fill(prefix string, c byte, want int, suffix string) string {
	s := prefix
	per := core.JSONLen(string(c))
	for core.JSONLen(s)+per <= want-core.JSONLen(suffix) {
		s += string(c)
	}
	return s + suffix
}

// TestAnswersFit: every answer to an input an endpoint accepts fits in
// MaxAnswerLen, the largest inputs included; a field past its limit is
// refused with 1027 naming it, before anything is signed.
func TestAnswersFit(t *testing.T) {
	const now = 1_800_000_000
	ticket := &cred.Record{Value: strings.Repeat("T", 86), Prev: strings.Repeat("P", 86), ExpiresAt: now + 3600, FetchedAt: now - 60}
	a := &api.App{AppID: "wxapp0123456789ab", Hosts: pageurl.ParseAllowlist("*.example.com")}
	open := &api.App{AppID: "wxapp0123456789ab"}

	// The largest pages the debug endpoints take: quotes (two bytes each as
	// JSON), share parameters and a fragment, so that every finding shows.
	page := fill(fill("https://h.example.com/?from=", '"', core.MaxDebugURLLen-200, "")+fill("&isappinstalled=", '"', 150, "#"), '\\', core.MaxDebugURLLen, "")
	if core.JSONLen(page) < core.MaxDebugURLLen {
		page += "a"
	}
	if core.JSONLen(page) != core.MaxDebugURLLen {
		t.Fatalf("page is %d bytes as JSON", core.JSONLen(page))
	}
	over := page + `"`
	signed := fill("http://H.example.com:8443/x/?from=", '"', core.MaxDebugURLLen-100, "#") + strings.Repeat(`"`, 40)
	sig := jssdk.Sign(ticket.Value, "n", now, signed)
	check := func(u, s, appID string) string {
		b, _ := json.Marshal(map[string]any{"url": u, "signed_url": s, "appId": appID, "nonceStr": "n", "timestamp": now, "signature": sig})
		return string(b)
	}
	long := strings.Repeat("\x01", core.MaxCardFieldLen)
	card := func(extra string) string {
		b, _ := json.Marshal(map[string]string{"card_id": long, "code": long, "openid": long, "outer_str": long, "fixed_begintimestamp": long})
		return strings.TrimSuffix(string(b), "}") + extra + "}"
	}
	maxURL := fill("https://h.example.com/?q=", '"', 2*pageurl.MaxURLLen, "")[:pageurl.MaxURLLen]

	for _, c := range []struct {
		name  string
		serve func() api.Response
		field string // "" = accepted
	}{
		{"/config, the longest URL of quotes", func() api.Response {
			return a.ServeConfig(nil, &api.Request{Method: "GET", Query: "url=" + url.QueryEscape(maxURL)}, ticket, now)
		}, ""},
		{"/wecom/config, the longest URL of quotes", func() api.Response {
			return a.ServeWeCom(nil, &api.Request{Method: "GET", Query: "url=" + url.QueryEscape(maxURL)}, "1000002", ticket, ticket, now)
		}, ""},
		{"/debug/info, the longest page", func() api.Response {
			return ServeDebugInfo(open, nil, &api.Request{Method: "GET", Query: "url=" + url.QueryEscape(page)}, ticket, now)
		}, ""},
		{"/debug/info, one quote more", func() api.Response {
			return ServeDebugInfo(open, nil, &api.Request{Method: "GET", Query: "url=" + url.QueryEscape(over)}, ticket, now)
		}, "url"},
		{"/debug/info, 4,000 quotes", func() api.Response {
			return ServeDebugInfo(open, nil, &api.Request{Method: "GET", Query: "url=" + url.QueryEscape("https://h.example.com/?"+strings.Repeat(`"`, 4000))}, ticket, now)
		}, "url"},
		{"/debug/check, the longest URLs, every finding", func() api.Response {
			return ServeDebugCheck(a, nil, &api.Request{Method: "POST", Body: []byte(check(page, signed, strings.Repeat(`"`, maxAppIDLen)))}, ticket, now)
		}, ""},
		{"/debug/check, the longest page, signed URL guessed", func() api.Response {
			return ServeDebugCheck(a, nil, &api.Request{Method: "POST", Body: []byte(check(page, "", ""))}, ticket, now)
		}, ""},
		{"/debug/check, url one quote over", func() api.Response {
			return ServeDebugCheck(a, nil, &api.Request{Method: "POST", Body: []byte(check(over, signed, ""))}, ticket, now)
		}, "url"},
		{"/debug/check, an 8 KB fragment in signed_url", func() api.Response {
			return ServeDebugCheck(a, nil, &api.Request{Method: "POST", Body: []byte(check("https://h.example.com/", "https://h.example.com/#"+strings.Repeat("f", 8192), ""))}, ticket, now)
		}, "signed_url"},
		{"/debug/check, a long appId", func() api.Response {
			return ServeDebugCheck(a, nil, &api.Request{Method: "POST", Body: []byte(check("https://h.example.com/", "", strings.Repeat("w", maxAppIDLen+1)))}, ticket, now)
		}, "appId"},
		{"/card/ext, every field at its longest, of control characters", func() api.Response {
			return api.ServeCardExt(nil, []byte(card("")), ticket, now)
		}, ""},
		{"/card/ext, 4,200 quotes in code", func() api.Response {
			return api.ServeCardExt(nil, []byte(`{"card_id":"c","code":"`+strings.Repeat(`\"`, 4200)+`"}`), ticket, now)
		}, "code"},
		{"/card/ext, openid one byte over", func() api.Response {
			return api.ServeCardExt(nil, []byte(`{"card_id":"c","openid":"`+strings.Repeat("o", core.MaxCardFieldLen+1)+`"}`), ticket, now)
		}, "openid"},
		{"/card/choose, every field at its longest", func() api.Response {
			return api.ServeCardChoose(nil, a.AppID, []byte(card("")), ticket, now)
		}, ""},
		{"/card/choose, shop_id over", func() api.Response {
			return api.ServeCardChoose(nil, a.AppID, []byte(`{"shop_id":"`+strings.Repeat("1", core.MaxCardFieldLen+1)+`"}`), ticket, now)
		}, "shop_id"},
	} {
		r := c.serve()
		if len(r.Body) > core.MaxAnswerLen {
			t.Errorf("%s: %d bytes, more than MaxAnswerLen", c.name, len(r.Body))
		}
		if c.field == "" {
			if r.Status != 200 {
				t.Errorf("%s: %d %.300s", c.name, r.Status, r.Body)
			}
			continue
		}
		var e struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if err := json.Unmarshal(r.Body, &e); err != nil || r.Status != 400 || e.ErrCode != core.ErrFieldTooLong.Code || !strings.HasPrefix(e.ErrMsg, c.field+" is longer") {
			t.Errorf("%s: %d %.300s, want 400 1027 naming %s", c.name, r.Status, r.Body, c.field)
		}
	}
}

func TestJSONLen(t *testing.T) {
	for _, s := range []string{"", "abc", `"\`, "\x01\x1f\n\t", "\xff\xfe", "é\u2028", strings.Repeat(`"a`, 100)} {
		if got, want := core.JSONLen(s), len(core.AppendJSONString(nil, strings.ToValidUTF8(s, "\uFFFD")))-2; got != want {
			t.Errorf("jsonLen(%q) = %d, want %d", s, got, want)
		}
	}
}

// FuzzDebugFits: whatever /debug/check and /debug/info are sent, the answer
// fits in MaxAnswerLen (fuzzed with the URLs repeated to their limits).
func FuzzDebugFits(f *testing.F) {
	f.Add("https://h.example.com/?from=x#f", "http://h.example.com/#\"", "wx", uint16(40))
	f.Add("https://h.example.com", "", "", uint16(600))
	f.Fuzz(func(t *testing.T, u, s, appID string, times uint16) {
		const now = 1_800_000_000
		ticket := &cred.Record{Value: strings.Repeat("T", 86), ExpiresAt: now + 3600}
		a := &api.App{AppID: "wxapp"}
		grow := func(x string) string {
			if x == "" || !strings.HasPrefix(x, "http") {
				return x
			}
			return x + strings.Repeat(x[len(x)/2:], int(times%2048))
		}
		u, s = grow(u), grow(s)
		b, _ := json.Marshal(map[string]any{"url": u, "signed_url": s, "appId": appID, "nonceStr": "n", "timestamp": now,
			"signature": jssdk.Sign(ticket.Value, "n", now, s)})
		for _, r := range []api.Response{
			ServeDebugCheck(a, nil, &api.Request{Method: "POST", Body: b}, ticket, now),
			ServeDebugInfo(a, nil, &api.Request{Method: "GET", Query: "url=" + url.QueryEscape(u)}, ticket, now),
		} {
			if len(r.Body) > core.MaxAnswerLen {
				t.Fatalf("%d bytes: %.200s", len(r.Body), r.Body)
			}
		}
	})
}
