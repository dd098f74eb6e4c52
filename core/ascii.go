package core

// equalFold reports whether a and b are equal with ASCII letters compared
// case-insensitively. Unlike strings.EqualFold it folds nothing else: hosts
// and schemes are ASCII, and Unicode folding would take the Kelvin sign
// U+212A for "k" and so let a host no browser sends match an allowed one.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c, d := a[i], b[i]; c != d && (c|0x20 != d|0x20 || !isLetter(c|0x20)) {
			return false
		}
	}
	return true
}

// lowerASCII returns s with ASCII letters in lower case, and nothing else
// changed (strings.ToLower also maps the Kelvin sign to "k").
func lowerASCII(s string) string {
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

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// hexValue is the value of each hex digit, 0xff for other bytes, so that
// two digits are checked at once by OR-ing their values.
var hexValue = func() (t [256]byte) {
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
