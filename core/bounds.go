package core

import (
	"strconv"
	"strings"
)

// MaxAnswerLen is the largest body an endpoint answers with: the signer
// module's output region (16 KiB) holds it with its header lines, which
// take well under 2 KiB. Each endpoint bounds the fields it echoes so that
// whatever it accepts fits; what would not fit is refused up front with
// FieldTooLong, never cut or turned into a 500.
const MaxAnswerLen = 14 << 10

// Field limits of the endpoints whose answers echo a field more than once.
// /config and /wecom/config echo the page URL once, so MaxURLLen bounds
// them.
const (
	// MaxDebugURLLen bounds url and signed_url of /debug/info and
	// /debug/check, in bytes as JSON writes them (a quote or backslash
	// counts twice): an answer shows each up to three times.
	MaxDebugURLLen = 2048
	// MaxCardFieldLen bounds each string member of a card request's body,
	// in bytes: cardExt is JSON inside a JSON string, so a byte may take
	// seven.
	MaxCardFieldLen = 256
)

// FieldTooLong is the refusal of a request whose field, named, is longer
// than max bytes (as JSON writes it, with asJSON): errcode
// ErrFieldTooLong's, with the field in errmsg.
func FieldTooLong(field string, max int, asJSON bool) *Error {
	how := ""
	if asJSON {
		how = " (quotes and backslashes count twice)"
	}
	return &Error{Code: ErrFieldTooLong.Code, Status: ErrFieldTooLong.Status,
		Msg: field + " is longer than " + strconv.Itoa(max) + " bytes" + how + ": the answer could not hold it"}
}

// JSONLen is the length of s as appendJSONString writes it, after invalid
// UTF-8 is replaced as the debug answers replace it.
func JSONLen(s string) int {
	s = strings.ToValidUTF8(s, "\uFFFD")
	n := len(s)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
			n++
		case c < 0x20:
			n += 5
		}
	}
	return n
}
