package pageurl

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxsign/wxsign/core"
)

func TestPageURL(t *testing.T) {
	long := "https://h.example.com/?q=" + strings.Repeat("a", MaxURLLen-len("https://h.example.com/?q="))
	tests := []struct {
		in, want string
		err      error
	}{
		{"https://h.example.com/a?b=c#d", "https://h.example.com/a?b=c", nil},
		{"http://h.example.com", "http://h.example.com", nil},
		{"HTTPS://H.EXAMPLE.COM/%7Euser?Q=%e4", "HTTPS://H.EXAMPLE.COM/%7Euser?Q=%e4", nil},
		{"https://h.example.com:8443/?a=b+c&d=e%20f#x#y", "https://h.example.com:8443/?a=b+c&d=e%20f", nil},
		{"https://h.example.com?x=1", "https://h.example.com?x=1", nil},
		{"https://h.example.com/#", "https://h.example.com/", nil},
		{"https://xn--fsqu00a.xn--0zwm56d/路径", "https://xn--fsqu00a.xn--0zwm56d/路径", nil},
		{"https://例子.测试/路径", "", core.ErrURLHostNotASCII},
		{"http://[::1]:8080/", "http://[::1]:8080/", nil},
		{"http://127.0.0.1/", "http://127.0.0.1/", nil},
		{"https://h.example.com:/", "https://h.example.com:/", nil},
		{long, long, nil},
		{long + "#fragment-beyond-limit", "", core.ErrURLTooLong},
		{"", "", core.ErrURLMissing},
		{long + "x", "", core.ErrURLTooLong},
		{"ftp://h.example.com/", "", core.ErrURLScheme},
		{"javascript:alert(1)//", "", core.ErrURLScheme},
		{"//h.example.com/", "", core.ErrURLScheme},
		{"/relative/path", "", core.ErrURLScheme},
		{"https:/h.example.com/", "", core.ErrURLScheme},
		{"https://", "", core.ErrURLNoHost},
		{"https:///path", "", core.ErrURLNoHost},
		{"https://?q", "", core.ErrURLNoHost},
		{"https://:80/", "", core.ErrURLNoHost},
		{"https://a@h.example.com/", "", core.ErrURLUserinfo},
		{"https://user:pass@h.example.com/", "", core.ErrURLUserinfo},
		{"https://h.example.com@evil.net/", "", core.ErrURLUserinfo},
		{"https://h.example.com/a@b", "https://h.example.com/a@b", nil}, // @ in the path is not userinfo
		{"https://h.example.com/a b", "", core.ErrURLBadChar},
		{" https://h.example.com/", "", core.ErrURLBadChar},
		{"https://h.example.com/\t", "", core.ErrURLBadChar},
		{"https://h.example.com/\n", "", core.ErrURLBadChar},
		{"https://h.example.com/\x00", "", core.ErrURLBadChar},
		{"https://h.example.com/\x7f", "", core.ErrURLBadChar},
		{"https://h.example.com/#a b", "", core.ErrURLBadChar},
		{"https://h.example.com/\xff", "", core.ErrURLBadChar},
		{"https://h.example.com/例子/\x01", "", core.ErrURLBadChar}, // after non-ASCII too
		{"https://例子.测试/ #", "", core.ErrURLBadChar},              // before the host's check
		{"https://h.example.com/%B#x", "", core.ErrURLEscape},     // cut by the fragment
		{"https://h.example.com/%", "", core.ErrURLEscape},
		{"https://h.example.com/%4", "", core.ErrURLEscape},
		{"https://h.example.com/%zz", "", core.ErrURLEscape},
		{"https://h.example.com/?q=%E4%B8%", "", core.ErrURLEscape},
		{"https://h.example.com/#%zz", "https://h.example.com/", nil}, // the fragment is not signed
		{"https://h.example.com:port/", "", core.ErrURLBadHost},
		{"https://h.example.com:65536/", "", core.ErrURLBadHost},
		{"https://h.example.com:123456/", "", core.ErrURLBadHost},
		{"https://evil.net\\@h.example.com/", "", core.ErrURLUserinfo},
		{"https://evil.net\\h.example.com/", "", core.ErrURLBadHost},
		{"https://h.exa<mple.com/", "", core.ErrURLBadHost},
		{"https://[::1/", "", core.ErrURLBadHost},
		{"https://[::1]x/", "", core.ErrURLNoHost},
		{"https://[zz]/", "", core.ErrURLBadHost},
	}
	for _, tt := range tests {
		got, err := PageURL(tt.in)
		if !errors.Is(err, tt.err) {
			t.Errorf("PageURL(%.60q) error = %v, want %v", tt.in, err, tt.err)
			continue
		}
		if got != tt.want {
			t.Errorf("PageURL(%.60q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPageURLHost: a page URL's host must be one a browser's location.href
// can hold, since that is what a page sends. Percent-escapes and
// non-ASCII would otherwise reach the allowlist and match a wildcard
// ("evil.com%2F.good.example" ends in ".good.example").
func TestPageURLHost(t *testing.T) {
	tests := []struct {
		host string
		err  *core.Error
	}{
		{"h.example.com", nil},
		{"H.Example.COM", nil},
		{"a_b.example.com", nil}, // WHATWG allows "_"
		{"xn--fiqs8s.xn--0zwm56d", nil},
		{"localhost", nil},
		{"a-b.c", nil},
		{"example.com.", nil}, // the root label
		{"1.2.3.4", nil},
		{"255.255.255.255", nil},
		{"[::1]", nil},
		{"[2001:DB8::1]", nil},
		{"[::ffff:1.2.3.4]", nil},
		{strings.Repeat("a", 63) + ".com", nil},
		{"evil.com%2F.good.example", core.ErrURLBadHost},
		{"%65vil.com", core.ErrURLBadHost},
		{"例子.测试", core.ErrURLHostNotASCII},
		{"xn--fiqs8s.测试", core.ErrURLHostNotASCII},
		{"\u212a.example.com", core.ErrURLHostNotASCII}, // the Kelvin sign, which strings.EqualFold takes for "k"
		{"ｈ.example.com", core.ErrURLHostNotASCII},      // fullwidth, which IDNA would map to "h"
		{"a..b", core.ErrURLBadHost},
		{".a.b", core.ErrURLBadHost},
		{"a.b..", core.ErrURLBadHost},
		{".", core.ErrURLBadHost},
		{"abcdefgh..ijklmnop", core.ErrURLBadHost},
		{"abcdefg..hijklmnop", core.ErrURLBadHost},
		{"abcdefghijklmno..p", core.ErrURLBadHost},
		{".abcdefghijklmnop", core.ErrURLBadHost},
		{strings.Repeat("a", 64) + ".com", core.ErrURLBadHost},
		{"com." + strings.Repeat("a", 64), core.ErrURLBadHost},
		{strings.Repeat("a.", 127) + "a", core.ErrURLBadHost}, // 255 bytes
		{strings.Repeat("a.", 126) + "a", nil},                // 253 bytes
		{strings.Repeat("a.", 126) + "a.", nil},               // 253 and the root
		{"a b.com", core.ErrURLBadChar},                       // refused before the host is looked at
		{"a<b.com", core.ErrURLBadHost}, {"a>b.com", core.ErrURLBadHost}, {"a^b.com", core.ErrURLBadHost},
		{"a|b.com", core.ErrURLBadHost}, {"a]b.com", core.ErrURLBadHost}, {"a\\b.com", core.ErrURLBadHost},
		{"a!b.com", core.ErrURLBadHost}, {"a*b.com", core.ErrURLBadHost}, {"a'b.com", core.ErrURLBadHost},
		{"1.2.3", core.ErrURLBadHost}, // an IPv4 address a browser writes out as 1.2.0.3
		{"0x7f.0.0.1", core.ErrURLBadHost},
		{"127.1", core.ErrURLBadHost},
		{"010.0.0.1", core.ErrURLBadHost},
		{"1.2.3.256", core.ErrURLBadHost},
		{"1.2.3.4.", core.ErrURLBadHost},
		{"a.123", core.ErrURLBadHost},
		{"example.0x", core.ErrURLBadHost},
		{"example.0xg", nil}, // not a number: a domain
		{"123.example", nil},
		{"[::1%25eth0]", core.ErrURLBadHost},
		{"[fe80::1%eth0]", core.ErrURLEscape},
		{"[1.2.3.4]", core.ErrURLBadHost},
		{"[::g]", core.ErrURLBadHost},
		{"[1::2::3]", core.ErrURLBadHost},
		{"[]", core.ErrURLBadHost},
	}
	for _, tt := range tests {
		in := "https://" + tt.host + ":8443/p"
		_, host, err := SplitPageURL(in)
		if err != tt.err || err == nil && host != tt.host {
			t.Errorf("host %.70q: %q, %v; want %v", tt.host, host, err, tt.err)
		}
	}
}

// TestErrorCodesStable pins every refusal's code and status: clients match
// on them, so a change is a breaking change.
func TestErrorCodesStable(t *testing.T) {
	tests := []struct {
		err          *core.Error
		code, status int
	}{
		{core.ErrURLMissing, 1001, 400}, {core.ErrURLTooLong, 1002, 400}, {core.ErrURLBadChar, 1003, 400},
		{core.ErrURLScheme, 1004, 400}, {core.ErrURLNoHost, 1005, 400}, {core.ErrURLUserinfo, 1006, 400},
		{core.ErrURLEscape, 1007, 400}, {core.ErrURLBadHost, 1008, 400}, {core.ErrURLTwice, 1009, 400},
		{core.ErrHostForbidden, 1010, 403}, {core.ErrOrigin, 1011, 403}, {core.ErrURLHostNotASCII, 1013, 400}, {core.ErrMethod, 1020, 405}, {core.ErrBadRequest, 1021, 400},
		{core.ErrBodyTooLarge, 1022, 413}, {core.ErrMediaType, 1023, 415}, {core.ErrNotFound, 1030, 404},
		{core.ErrUnauthorized, 1040, 401}, {core.ErrNotConfigured, 1050, 503}, {core.ErrNoTicket, 1051, 503},
		{core.ErrUpstream, 1052, 503}, {core.ErrStorage, 1053, 503}, {core.ErrInternal, 1060, 500},
	}
	seen := map[int]bool{}
	for _, tt := range tests {
		if tt.err.Code != tt.code || tt.err.Status != tt.status {
			t.Errorf("%q: code %d status %d, want %d %d", tt.err.Msg, tt.err.Code, tt.err.Status, tt.code, tt.status)
		}
		if seen[tt.code] {
			t.Errorf("code %d used twice", tt.code)
		}
		seen[tt.code] = true
	}
}

func FuzzPageURL(f *testing.F) {
	for _, s := range []string{
		"https://h.example.com/a?b=c#d", "http://[::1]:80/", "https://a@b/", "https://h/%zz",
		"HTTP://H/#", "https://例子.测试/", "https://h.example.com:99999/", "javascript://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		u, err := PageURL(in) // must not panic
		if err != nil {
			var e *core.Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("PageURL(%q): error %v is not a 400 *Error", in, err)
			}
			return
		}
		if !strings.HasPrefix(in, u) {
			t.Fatalf("PageURL(%q) = %q, not a prefix of the input", in, u)
		}
		if strings.Contains(u, "#") {
			t.Fatalf("PageURL(%q) = %q keeps a fragment", in, u)
		}
		if u == "" || len(u) > MaxURLLen || !utf8.ValidString(u) {
			t.Fatalf("PageURL(%q) = %q accepted", in, u)
		}
		for i := 0; i < len(u); i++ {
			if u[i] <= ' ' || u[i] == 0x7f {
				t.Fatalf("PageURL(%q) = %q has a control character", in, u)
			}
		}
		if _, again := PageURL(u); again != nil {
			t.Fatalf("PageURL(%q) = %q, which it then refuses: %v", in, u, again)
		}
	})
}

func TestSafeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.weixin.qq.com", "https://api.weixin.qq.com"},
		{"https://api.weixin.qq.com/", "https://api.weixin.qq.com/"},
		{"http://127.0.0.1:8787/wechat/cgi-bin", "http://127.0.0.1:8787/wechat/cgi-bin"},
		{"https://user:pass@proxy.example.com:8443/base?token=x#frag", "https://proxy.example.com:8443/base"},
		{"https://user:p@ss@proxy.example.com/", "https://proxy.example.com/"}, // the last "@" ends the userinfo
		{"https://proxy.example.com?key=secret", "https://proxy.example.com"},
		{"https://proxy.example.com#key=secret", "https://proxy.example.com"},
		{"https://proxy.example.com/a?b#c", "https://proxy.example.com/a"},
		{"HTTPS://Proxy.Example.COM/A", "HTTPS://Proxy.Example.COM/A"},
		{"http://[::1]:8080/x", "http://[::1]:8080/x"},
		{"git+ssh://h.example.com/r", "git+ssh://h.example.com/r"},
		{"", "(invalid)"},
		{"api.weixin.qq.com", "(invalid)"},
		{"//api.weixin.qq.com/", "(invalid)"},
		{"://api.weixin.qq.com/", "(invalid)"},
		{"1http://h.example.com/", "(invalid)"},
		{"ht tp://h.example.com/", "(invalid)"},
		{"https://", "(invalid)"},
		{"https://user@/", "(invalid)"},
		{"https://h.example.com:99999/", "(invalid)"},
		{"https://h.example.com:port/", "(invalid)"},
		{"https://evil.com%2F.h.example.com/", "(invalid)"},
		{"https://例子.测试/", "(invalid)"},
		{"https://h.example.com\\@evil.net/", "(invalid)"},
		{"https://h.example.com/ x", "(invalid)"},
		{"https://h.example.com/\n", "(invalid)"},
		{"https://h.example.com/\xff", "(invalid)"},
		{" https://h.example.com/", "(invalid)"},
	}
	for _, tt := range tests {
		if got := SafeURL(tt.in); got != tt.want {
			t.Errorf("SafeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// ipLiterals are IP literals as page URLs and allowlists hold them, and
// near misses.
var ipLiterals = []string{
	"", "0.0.0.0", "1.2.3.4", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.4.", ".1.2.3.4",
	"01.2.3.4", "1.02.3.4", "0x7f.0.0.1", "1..3.4", "1.2.3.-4", "1.2.3.4a", "1234.1.1.1", "١.٢.٣.٤",
	"::", "::1", "1::", "1::2", ":1", "1:", ":::", "1:::2", "1::2::3", "2001:DB8::1", "2001:db8:0:0:0:0:0:1",
	"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7::8", "::1:2:3:4:5:6:7",
	"0001:2:3:4:5:6:7:8", "00001::", "g::", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
	"1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5::1.2.3.4", "::1.2.3.4:5", "::01.2.3.4", "::1.2.3", "1.2.3.4::",
	"fe80::1%eth0", "fe80::1%25eth0", "::%", "[::1]", "::1 ", " ::1", "1:2:3:4:5:6:7:8::",
}

// TestIPLiterals holds core's IP literal checks to net/netip's parser,
// which core does without (isIPv4).
func TestIPLiterals(t *testing.T) {
	for _, s := range ipLiterals {
		checkIPLiteral(t, s)
	}
}

func FuzzIPLiterals(f *testing.F) {
	for _, s := range ipLiterals {
		f.Add(s)
	}
	f.Fuzz(checkIPLiteral)
}

func checkIPLiteral(t *testing.T, s string) {
	a, err := netip.ParseAddr(s)
	if got, want := IsIPv4(s), err == nil && a.Is4(); got != want {
		t.Errorf("isIPv4(%q) = %v, netip says %v", s, got, want)
	}
	if got, want := IsIPv6(s), err == nil && a.Is6() && a.Zone() == ""; got != want {
		t.Errorf("isIPv6(%q) = %v, netip says %v", s, got, want)
	}
}

// TestQueryEscape: QueryEscape is url.QueryEscape but for a space, on
// every byte.
func TestQueryEscape(t *testing.T) {
	var all strings.Builder
	for b := range 256 {
		all.WriteByte(byte(b))
	}
	for _, s := range []string{"", "plain-._~", "a+b&c=d/e?f#g", "中文", all.String()} {
		want := strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
		if got := QueryEscape(s); got != want {
			t.Errorf("QueryEscape(%q) = %q, want %q", s, got, want)
		}
	}
}
