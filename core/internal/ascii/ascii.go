// Package ascii holds the byte-level helpers every part of core reads
// input with: hosts, schemes, hex and identifiers are ASCII, and folding
// anything else would let a look-alike pass.
package ascii

// EqualFold reports whether a and b are equal with ASCII letters compared
// case-insensitively. Unlike strings.EqualFold it folds nothing else: hosts
// and schemes are ASCII, and Unicode folding would take the Kelvin sign
// U+212A for "k" and so let a host no browser sends match an allowed one.
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c, d := a[i], b[i]; c != d && (c|0x20 != d|0x20 || !IsLetter(c|0x20)) {
			return false
		}
	}
	return true
}

// LowerASCII returns s with ASCII letters in lower case, and nothing else
// changed (strings.ToLower also maps the Kelvin sign to "k").
func LowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// IsLetter reports whether c is an ASCII letter.
func IsLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// HexValue is the value of each hex digit, 0xff for other bytes, so that
// two digits are checked at once by OR-ing their values.
var HexValue = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xff
		}
	}
	return t
}()

// IsHex reports whether s is made of hex digits only.
func IsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if HexValue[s[i]] > 0xf {
			return false
		}
	}
	return true
}

// HasPrefixFold reports whether s starts with prefix, ASCII letters
// compared case-insensitively (see EqualFold).
func HasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && EqualFold(s[:len(prefix)], prefix)
}

// IsAlnum reports whether c is an ASCII letter or digit.
func IsAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
