package core

import (
	"strings"
	"unicode/utf8"
)

// AppendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, everything else as it is (no HTML escaping).
// Invalid UTF-8 becomes U+FFFD, as encoding/json makes it.
func AppendJSONString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return appendJSONString(dst, s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. s is assumed to be valid
// UTF-8 (callers validate it); quotes, backslashes and control characters
// are escaped, everything else is copied so the value round-trips exactly.
// encoding/json would do the same but allocates on every call, and this is
// the hot path; TestAppendJSONString checks it against encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
