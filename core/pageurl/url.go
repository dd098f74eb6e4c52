package pageurl

import (
	"strings"
	"unicode/utf8"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/internal/ascii"
)

// MaxURLLen is the longest page URL accepted, in bytes.
const MaxURLLen = 4096

// PageURL returns the URL to sign for the page at raw: raw without its
// #fragment, otherwise byte for byte (nothing is decoded, re-encoded or case
// folded, since WeChat signs the URL exactly as the browser holds it).
//
// raw must be an absolute http or https URL with a host that a browser's
// location.href can hold (ASCII: an internationalized domain in its
// punycode form) and no userinfo, without whitespace, control characters, invalid UTF-8 or malformed
// percent-escapes, and at most MaxURLLen bytes long. Otherwise the error is
// one of the ErrURL* values.
func PageURL(raw string) (string, error) {
	u, _, err := SplitPageURL(raw)
	if err != nil {
		return "", err
	}
	return u, nil
}

// SplitPageURL is PageURL that also returns the host (the authority
// without its port, an IPv6 literal with its brackets), for the allowlist.
// It returns *Error rather than error so that callers compare it with the
// ErrURL* values directly.
func SplitPageURL(raw string) (u, host string, err *core.Error) {
	if raw == "" {
		return "", "", core.ErrURLMissing
	}
	if len(raw) > MaxURLLen {
		return "", "", core.ErrURLTooLong
	}
	// Characters are checked over all of the input, fragment included,
	// since a control character anywhere means the caller did not send
	// location.href; percent-escapes only before the fragment, which is not
	// signed. The first problem from the left is the one reported.
	frag := strings.IndexByte(raw, '#')
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c <= ' ' || c == 0x7f:
			return "", "", core.ErrURLBadChar
		case c == '%' && (frag < 0 || i < frag):
			if i+2 >= len(raw) || ascii.HexValue[raw[i+1]]|ascii.HexValue[raw[i+2]] > 0xf {
				return "", "", core.ErrURLEscape
			}
		}
	}
	if !utf8.ValidString(raw) {
		return "", "", core.ErrURLBadChar
	}
	u = raw
	if frag >= 0 {
		u = raw[:frag]
	}
	n := schemeLen(u)
	if n == 0 {
		return "", "", core.ErrURLScheme
	}
	rest := u[n:]
	end := len(rest)
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		end = i
	}
	if i := strings.IndexByte(rest[:end], '?'); i >= 0 {
		end = i
	}
	authority := rest[:end]
	if strings.IndexByte(authority, '@') >= 0 {
		return "", "", core.ErrURLUserinfo
	}
	if host, err = checkAuthority(authority); err != nil {
		return "", "", err
	}
	return u, host, nil
}

// checkAuthority accepts host[:port] where host is one checkHost accepts
// and port is empty or decimal up to 65535. It returns the host.
func checkAuthority(a string) (string, *core.Error) {
	host, port := SplitHostPort(a)
	if host == "" {
		return "", core.ErrURLNoHost
	}
	if err := checkHost(host); err != nil {
		return "", err
	}
	if len(port) > 5 {
		return "", core.ErrURLBadHost
	}
	n := 0
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return "", core.ErrURLBadHost
		}
		n = n*10 + int(port[i]-'0')
	}
	if n > 65535 {
		return "", core.ErrURLBadHost
	}
	return host, nil
}

// checkHost accepts the hosts that a browser's location.href can hold for
// an http or https page, as the WHATWG URL parser leaves them: a bracketed
// IPv6 literal, a dotted-decimal IPv4 address, or a domain of labels of 1
// to 63 ASCII letters, digits, "-" and "_", at most 253 bytes without an
// optional final dot. A browser shows an internationalized domain in its
// punycode (xn--) form and never keeps a percent-escape in a host, so a
// host with either is not a page's; let through, "evil.com%2F.good.example"
// would match "*.good.example".
func checkHost(h string) *core.Error {
	if h[0] == '[' {
		return checkIPv6(h)
	}
	var class byte
	for i := 0; i < len(h); i++ {
		class |= hostClass[h[i]]
	}
	switch {
	case class&hostNonASCII != 0:
		return core.ErrURLHostNotASCII
	case class != 0 || h[0] == '.' || strings.Contains(h, ".."):
		return core.ErrURLBadHost
	}
	n := len(h)
	if h[n-1] == '.' {
		n-- // the root label, which a URL may name and location.href keeps
	}
	if n > 253 || n > 63 && !labelsFit(h[:n]) {
		return core.ErrURLBadHost
	}
	// A domain whose last label is a number is an IPv4 address to the URL
	// parser, which serializes it in dotted decimal ("0x7f.1" becomes
	// "127.0.0.1") or refuses it ("a.1"): only that form is a page's host.
	if last := h[strings.LastIndexByte(h[:n], '.')+1 : n]; '0' <= last[0] && last[0] <= '9' && isIPv4Number(last) {
		if !IsIPv4(h) {
			return core.ErrURLBadHost
		}
	}
	return nil
}

// checkIPv6 accepts "[" IPv6 "]" without a zone, which URLs cannot carry.
func checkIPv6(h string) *core.Error {
	if len(h) < 3 || h[len(h)-1] != ']' {
		return core.ErrURLBadHost
	}
	in := h[1 : len(h)-1]
	for i := 0; i < len(in); i++ {
		if c := in[i]; ascii.HexValue[c] > 0xf && c != ':' && c != '.' {
			return core.ErrURLBadHost // a zone ("%25eth0") among others
		}
	}
	if !IsIPv6(in) {
		return core.ErrURLBadHost
	}
	return nil
}

// IsIPv4 reports whether s is an IPv4 address in dotted decimal: four
// numbers from 0 to 255 without leading zeros, the one form the URL parser
// serializes. It accepts what netip.ParseAddr accepts as IPv4, which the
// tests check; net/netip itself is not used because its zones bring the
// unique package into the signer module (RATIONALE.md, "Bundle size").
func IsIPv4(s string) bool {
	for part := 0; part < 4; part++ {
		n, v := 0, 0
		for n < len(s) && '0' <= s[n] && s[n] <= '9' && n < 3 {
			v = v*10 + int(s[n]-'0')
			n++
		}
		if n == 0 || v > 255 || n > 1 && s[0] == '0' {
			return false
		}
		s = s[n:]
		if part < 3 {
			if len(s) == 0 || s[0] != '.' {
				return false
			}
			s = s[1:]
		}
	}
	return s == ""
}

// IsIPv6 reports whether s is an IPv6 address without a zone (RFC 4291
// section 2.2): eight fields of one to four hex digits, one "::" standing
// for one or more zero fields, the last two fields optionally written as
// an IPv4 address. The tests hold it to netip.ParseAddr.
func IsIPv6(s string) bool {
	fields, ellipsis := 0, false
	if strings.HasPrefix(s, "::") {
		ellipsis, s = true, s[2:]
	}
	for s != "" {
		end := strings.IndexByte(s, ':')
		if end < 0 {
			end = len(s)
		}
		f := s[:end]
		switch {
		case strings.IndexByte(f, '.') >= 0:
			if end != len(s) || fields > 6 || !IsIPv4(f) {
				return false
			}
			fields += 2
		case len(f) < 1 || len(f) > 4 || !ascii.IsHex(f):
			return false
		default:
			fields++
		}
		if fields > 8 {
			return false
		}
		if s = s[end:]; s == "" {
			break
		}
		s = s[1:] // the colon
		if strings.HasPrefix(s, ":") {
			if ellipsis {
				return false
			}
			ellipsis, s = true, s[1:]
		} else if s == "" {
			return false // a trailing single colon
		}
	}
	if ellipsis {
		return fields < 8
	}
	return fields == 8
}

// labelsFit reports whether every dot-separated label of name is at most
// 63 bytes long, as DNS requires.
func labelsFit(name string) bool {
	for {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return len(name) <= 63
		}
		if i > 63 {
			return false
		}
		name = name[i+1:]
	}
}

// isIPv4Number reports whether a label reads as a number to the WHATWG
// IPv4 parser: decimal digits, or "0x" and hex digits (none included).
func isIPv4Number(s string) bool {
	if len(s) >= 2 && s[0] == '0' && s[1]|0x20 == 'x' {
		return ascii.IsHex(s[2:])
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// SafeURL returns raw, a URL setting (such as WECHAT_API_BASE), in a form
// fit to show the public: scheme://host[:port]/path, without the userinfo,
// query or fragment, which may hold credentials. A value that is not an
// absolute URL with a host checkHost takes, or that has whitespace, a
// control character, a backslash or invalid UTF-8 (where parsers disagree
// on what the host is), gives "(invalid)".
func SafeURL(raw string) string {
	const invalid = "(invalid)"
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return invalid
	}
	n := strings.Index(raw, "://")
	if n <= 0 || !isScheme(raw[:n]) {
		return invalid
	}
	rest := raw[n+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, path := rest[:end], rest[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:]
	}
	if _, err := checkAuthority(authority); err != nil {
		return invalid
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	return raw[:n+3] + authority + path
}

// isScheme reports whether s is a URL scheme: a letter, then letters,
// digits, "+", "-" and ".".
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !ascii.IsLetter(c) && (i == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// SplitHostPort splits an authority at its port colon; the port is ""
// when there is none. The host of "[::1]:8080" is "[::1]".
func SplitHostPort(a string) (host, port string) {
	if strings.HasPrefix(a, "[") {
		if i := strings.IndexByte(a, ']'); i >= 0 {
			host, rest := a[:i+1], a[i+1:]
			if strings.HasPrefix(rest, ":") {
				return host, rest[1:]
			}
			if rest != "" {
				return "", "" // junk after the literal: no valid host
			}
			return host, ""
		}
		return a, ""
	}
	if i := strings.IndexByte(a, ':'); i >= 0 {
		// The last colon, as URL parsers take it. It is nearly always the
		// only one, so the backward scan (a byte loop) covers the port alone.
		i += 1 + strings.LastIndexByte(a[i+1:], ':')
		return a[:i], a[i+1:]
	}
	return a, ""
}

// schemeLen is the length of u's "https://" or "http://" prefix, in any
// case, or 0 if it has neither.
func schemeLen(u string) int {
	switch {
	case ascii.HasPrefixFold(u, "https://"):
		return len("https://")
	case ascii.HasPrefixFold(u, "http://"):
		return len("http://")
	}
	return 0
}

// The bits of hostClass: a byte a domain may not hold, and one that is
// not ASCII (an internationalized domain not in its punycode form).
const (
	hostBad      = 1
	hostNonASCII = 2
)

// hostClass is 0 for the bytes of a domain (ASCII letters, digits, "-",
// "." and "_"), else its hostBad or hostNonASCII bit.
var hostClass = func() (t [256]byte) {
	for c := range t {
		switch b := byte(c); {
		case b >= utf8.RuneSelf:
			t[c] = hostNonASCII
		case !ascii.IsAlnum(b) && b != '-' && b != '.' && b != '_':
			t[c] = hostBad
		}
	}
	return t
}()

// HostOnly is the host of a host[:port], without the port.
func HostOnly(hostport string) string {
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.Contains(hostport[i:], "]") {
		return hostport[:i]
	}
	return hostport
}

// QueryEscape percent-encodes s for a query value: every byte but the
// unreserved ones (RFC 3986), as url.QueryEscape does but for a space,
// which becomes %20. Without net/url, which brings fmt and reflection
// into the signer module.
func QueryEscape(s string) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}
