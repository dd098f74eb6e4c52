package core

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// What goes to WeChat and comes back, in the JSON the rest of core reads
// and writes, so that the Go program needs no encoding/json (which, with
// the reflection it uses, is the largest part of it that a Worker can do
// without).

// AppendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, everything else as it is (no HTML escaping).
// Invalid UTF-8 becomes U+FFFD, as encoding/json makes it.
func AppendJSONString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return appendJSONString(dst, s)
}

// AppendBody appends the JSON body of a POST call: one member per
// parameter, in order, with value's value; a FromForce parameter is a JSON
// boolean, true when value gives "true".
func (c *Call) AppendBody(dst []byte, value func(Param) string) []byte {
	dst = append(dst, '{')
	for i, p := range c.Params {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, p.Name)
		dst = append(dst, ':')
		if p.From == FromForce {
			dst = strconv.AppendBool(dst, value(p) == "true")
		} else {
			dst = AppendJSONString(dst, value(p))
		}
	}
	return append(dst, '}')
}

// Answer is WeChat's answer to a credential call: an error code and
// message, or the value (the member the kind's Field names) and its
// lifetime in seconds.
type Answer struct {
	ErrCode   int64
	ErrMsg    string
	Value     string
	ExpiresIn int64
}

// ParseAnswer reads WeChat's answer to a call for kind k. ok is false when
// raw is not one JSON object whose members of those names have WeChat's
// types (strings, integers); other members are skipped.
func (k *Kind) ParseAnswer(raw string) (a Answer, ok bool) {
	err := decodeFields(raw,
		jsonField{Key: "errcode", Int: &a.ErrCode}, jsonField{Key: "errmsg", Str: &a.ErrMsg},
		jsonField{Key: k.Field, Str: &a.Value}, jsonField{Key: "expires_in", Int: &a.ExpiresIn})
	return a, err == nil
}
