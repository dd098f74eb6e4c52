package api

import (
	"strconv"

	"github.com/wxsign/wxsign/core"
)

// objWriter writes one JSON object, member by member, without
// encoding/json: with the reflection it uses, it is the largest part of the
// Go program that the Worker can do without.
type objWriter struct {
	b    []byte
	some bool // a member was written: the next one needs a comma
}

func newObjWriter(b []byte) *objWriter { return &objWriter{b: append(b, '{')} }

func (o *objWriter) key(k string) {
	if o.some {
		o.b = append(o.b, ',')
	}
	o.some = true
	o.b = core.AppendJSONString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *objWriter) str(k, v string) {
	o.key(k)
	o.b = core.AppendJSONString(o.b, v)
}

func (o *objWriter) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *objWriter) bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *objWriter) strs(k string, v []string) {
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
func (o *objWriter) object(k string, fill func(*objWriter)) {
	o.key(k)
	in := &objWriter{b: append(o.b, '{')}
	fill(in)
	o.b = append(in.b, '}')
}

func (o *objWriter) bytes() []byte { return append(o.b, '}') }
