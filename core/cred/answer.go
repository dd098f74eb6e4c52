package cred

import (
	"strconv"

	"github.com/wxsign/wxsign/core"
)

// What goes to WeChat and comes back, in the JSON the rest of core reads
// and writes, so that the Go program needs no encoding/json (which, with
// the reflection it uses, is the largest part of it that a Worker can do
// without).

// AppendBody appends the JSON body of a POST call: one member per
// parameter, in order, with value's value; a FromForce parameter is a JSON
// boolean, true when value gives "true".
func (c *Call) AppendBody(dst []byte, value func(Param) string) []byte {
	dst = append(dst, '{')
	first := true
	for _, p := range c.Params {
		if p.Query {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = core.AppendJSONString(dst, p.Name)
		dst = append(dst, ':')
		if p.From == FromForce {
			dst = strconv.AppendBool(dst, value(p) == "true")
		} else {
			dst = core.AppendJSONString(dst, value(p))
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
	Rotated   string // a new value of the kind's Refresh, when the answer hands one out
}

// ParseAnswer reads WeChat's answer to a call for kind k. ok is false when
// raw is not one JSON object whose members of those names have WeChat's
// types (strings, integers); other members are skipped.
func (k *Kind) ParseAnswer(raw string) (a Answer, ok bool) {
	fields := []core.JSONField{{Key: "errcode", Int: &a.ErrCode}, {Key: "errmsg", Str: &a.ErrMsg},
		{Key: k.Field, Str: &a.Value}, {Key: "expires_in", Int: &a.ExpiresIn}}
	if k.Refresh != "" {
		fields = append(fields, core.JSONField{Key: k.Refresh, Str: &a.Rotated})
	}
	return a, core.DecodeFields(raw, fields...) == nil
}
