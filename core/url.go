package core

import (
	"strings"
	"unicode/utf8"
)

// MaxURLLen is the longest page URL accepted, in bytes.
const MaxURLLen = 4096

// PageURL returns the URL to sign for the page at raw: raw without its
// #fragment, otherwise byte for byte (nothing is decoded, re-encoded or case
// folded, since WeChat signs the URL exactly as the browser holds it).
//
// raw must be an absolute http or https URL with a host and no userinfo,
// without whitespace, control characters, invalid UTF-8 or malformed
// percent-escapes, and at most MaxURLLen bytes long. Otherwise the error is
// one of the ErrURL* values.
func PageURL(raw string) (string, error) {
	u, _, _, err := splitPageURL(raw)
	if err != nil {
		return "", err
	}
	return u, nil
}

// splitPageURL is PageURL that also returns the host (the authority
// without its port, an IPv6 literal with its brackets), for the allowlist,
// and whether u holds a byte that a JSON string escapes (a quote or a
// backslash; control characters are refused): the payload then copies u
// without a second scan. It returns *Error rather than error so that the
// hot path need not type-assert.
func splitPageURL(raw string) (u, host string, quoted bool, err *Error) {
	if raw == "" {
		return "", "", false, ErrURLMissing
	}
	if len(raw) > MaxURLLen {
		return "", "", false, ErrURLTooLong
	}
	// One pass over the input (passes cost in WebAssembly): characters are
	// checked over all of it, fragment included, since a control character
	// anywhere means the caller did not send location.href; percent-escapes
	// only before the fragment, which is not signed. Quotes and backslashes
	// are noted anywhere (rare: browsers percent-encode quotes).
	frag, nonASCII := -1, false
	for i := 0; i < len(raw); i++ {
		if len(raw) >= 8 {
			if k := plain(urlFlags(word(raw, i))); k > 0 {
				i += k - 1 // with the loop's i++: on to the byte that needs a look
				continue
			}
		}
		c := raw[i]
		if urlPlain[c] {
			continue // most bytes: one table look-up
		}
		switch {
		case c <= ' ' || c == 0x7f:
			return "", "", false, ErrURLBadChar
		case c >= utf8.RuneSelf:
			nonASCII = true
		case c == '#':
			if frag < 0 {
				frag = i
			}
		case c == '%' && frag < 0:
			if i+2 >= len(raw) || hexValue[raw[i+1]]|hexValue[raw[i+2]] > 0xf {
				return "", "", false, ErrURLEscape
			}
		case c == '"' || c == '\\':
			quoted = true
		}
	}
	if nonASCII && !utf8.ValidString(raw) {
		return "", "", false, ErrURLBadChar
	}
	u = raw
	if frag >= 0 {
		u = raw[:frag]
	}
	n := schemeLen(u)
	if n == 0 {
		return "", "", false, ErrURLScheme
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
		return "", "", false, ErrURLUserinfo
	}
	if host, err = checkAuthority(authority); err != nil {
		return "", "", false, err
	}
	return u, host, quoted, nil
}

// checkAuthority accepts host[:port] where host is a registered name
// (ASCII letters, digits, "-", ".", "_", percent-escapes or UTF-8 for IDN)
// or a bracketed IPv6 literal, and port is empty or decimal up to 65535.
// It returns the host.
func checkAuthority(a string) (string, *Error) {
	host, port := splitHostPort(a)
	if host == "" {
		return "", ErrURLNoHost
	}
	if host[0] == '[' {
		if len(host) < 3 || host[len(host)-1] != ']' {
			return "", ErrURLBadHost
		}
		for i := 1; i < len(host)-1; i++ {
			if c := host[i]; hexValue[c] > 0xf && c != ':' && c != '.' {
				return "", ErrURLBadHost
			}
		}
	} else {
		if !hostChars(host) {
			return "", ErrURLBadHost
		}
	}
	if len(port) > 5 {
		return "", ErrURLBadHost
	}
	n := 0
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return "", ErrURLBadHost
		}
		n = n*10 + int(port[i]-'0')
	}
	if n > 65535 {
		return "", ErrURLBadHost
	}
	return host, nil
}

// splitHostPort splits an authority at its port colon; the port is ""
// when there is none. The host of "[::1]:8080" is "[::1]".
func splitHostPort(a string) (host, port string) {
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
// case, or 0 if it has neither. u has no control characters (splitPageURL
// refused them): setting bit 5 of each byte then folds the letters and
// leaves ":" and "/" as they are, and one word compare does what a
// case-folding byte loop would.
func schemeLen(u string) int {
	if len(u) < 8 {
		if hasPrefixFold(u, "http://") {
			return len("http://")
		}
		return 0
	}
	x := load64(u) | ones*0x20
	switch {
	case x == httpsWord:
		return len("https://")
	case x&(1<<56-1) == httpWord:
		return len("http://")
	}
	return 0
}

var (
	httpsWord = load64("https://")
	httpWord  = load64("http://\x00")
)

// urlPlain marks the bytes splitPageURL's scan passes over without a
// second look: printable ASCII other than "#", "%", quote and backslash.
var urlPlain = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = c != '#' && c != '%' && c != '"' && c != '\\'
	}
	return t
}()

// hostChars reports whether h has only the bytes of a registered name:
// ASCII letters, digits, "-", ".", "_", "%" (escapes) and UTF-8 (IDN).
// Eight bytes per iteration, with table look-ups and no branch per byte;
// the last word overlaps the one before rather than running past the end.
func hostChars(h string) bool {
	ok := byte(1)
	if len(h) < 8 {
		for i := 0; i < len(h); i++ {
			ok &= hostChar[h[i]]
		}
		return ok == 1
	}
	for i := 0; i < len(h); i += 8 {
		x := load64(h[min(i, len(h)-8):])
		ok &= hostChar[byte(x)] & hostChar[byte(x>>8)] & hostChar[byte(x>>16)] & hostChar[byte(x>>24)] &
			hostChar[byte(x>>32)] & hostChar[byte(x>>40)] & hostChar[byte(x>>48)] & hostChar[byte(x>>56)]
	}
	return ok == 1
}

// hostChar is 1 for the bytes hostChars accepts, 0 for others.
var hostChar = func() (t [256]byte) {
	for c := range t {
		if b := byte(c); isAlnum(b) || b == '-' || b == '.' || b == '_' || b == '%' || b >= utf8.RuneSelf {
			t[c] = 1
		}
	}
	return t
}()

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
