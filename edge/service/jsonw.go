package service

import (
	"strconv"

	"github.com/wxsign/wxsign/core"
)

// jsonObject writes one JSON object, member by member, without
// encoding/json: with the reflection it uses, it is the largest part of the
// Go program that the Worker can do without.
type jsonObject struct {
	b    []byte
	some bool // a member was written: the next one needs a comma
}

func newJSONObject(b []byte) *jsonObject { return &jsonObject{b: append(b, '{')} }

func (o *jsonObject) key(k string) {
	if o.some {
		o.b = append(o.b, ',')
	}
	o.some = true
	o.b = core.AppendJSONString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *jsonObject) str(k, v string) {
	o.key(k)
	o.b = core.AppendJSONString(o.b, v)
}

func (o *jsonObject) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *jsonObject) bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *jsonObject) strs(k string, v []string) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = core.AppendJSONString(o.b, s)
	}
	o.b = append(o.b, ']')
}

// object writes member k as a nested object, its members written by fill.
func (o *jsonObject) object(k string, fill func(*jsonObject)) {
	o.key(k)
	in := &jsonObject{b: append(o.b, '{')}
	fill(in)
	o.b = append(in.b, '}')
}

func (o *jsonObject) bytes() []byte { return append(o.b, '}') }
