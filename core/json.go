package core

import (
	"strconv"
	"unicode/utf8"

	"github.com/wxsign/wxsign/core/internal/ascii"
)

// A strict decoder for the flat JSON objects wxsign reads (request bodies,
// Workers KV records), without reflection. Where encoding/json is lenient
// it refuses: a key given twice (encoding/json keeps the last, and a proxy
// in front may read the first), keys matched other than exactly
// (encoding/json folds case), invalid UTF-8 and lone surrogate escapes
// (encoding/json puts U+FFFD in their place, so a page URL would be signed
// with bytes that were never sent).

// maxJSONDepth is the deepest nesting decodeObject reads, the object itself
// counting as 1: deep enough for any body wxsign is sent, and it bounds the
// decoder's recursion.
const maxJSONDepth = 32

// JSONKind is the kind of a JSON value.
type JSONKind uint8

const (
	JSONString JSONKind = iota + 1
	JSONNumber
	JSONTrue
	JSONFalse
	JSONNull
	JSONObject // checked; Str holds its text, for DecodeObject to read in turn
	JSONArray  // checked; Str holds its text
)

// JSONValue is the value of one member of the object decodeObject reads.
type JSONValue struct {
	Kind JSONKind
	Str  string // a string's text, unescaped (a view of the input when it has no escapes); a number's literal
	Int  int64  // a number's value, when IsInt

	IsInt   bool // a number without fraction or exponent that fits in an int64
	BadText bool // a string with invalid UTF-8 or a lone surrogate escape; Str is then ""
	Dup     bool // the member's key came earlier in the object
}

// DecodeObject reads data as one JSON object (RFC 8259; whitespace around
// it allowed, nothing else) and calls member for each of its members in
// order. member may refuse a member with an error of its own, which
// DecodeObject returns; a member it lets through with Dup or BadText set is
// refused with ErrBadRequest, as is anything malformed, nesting deeper than
// maxJSONDepth, invalid text in a key or in a nested value, and trailing
// data. Since the refusal may come after member has seen earlier members,
// what member keeps counts only when decodeObject returns nil.
func DecodeObject(data string, member func(key string, v JSONValue) *Error) *Error {
	d := jsonDecoder{s: data}
	d.space()
	if !d.consume('{') {
		return ErrBadRequest
	}
	var keys keySet
	d.space()
	if !d.consume('}') {
		for {
			d.space()
			key, bad, ok := d.str()
			d.space()
			if !ok || bad || !d.consume(':') {
				return ErrBadRequest
			}
			d.space()
			v, ok := d.value(1)
			if !ok {
				return ErrBadRequest
			}
			v.Dup = keys.add(key)
			if err := member(key, v); err != nil {
				return err
			}
			if v.Dup || v.BadText {
				return ErrBadRequest
			}
			d.space()
			if d.consume(',') {
				continue
			}
			if d.consume('}') {
				break
			}
			return ErrBadRequest
		}
	}
	d.space()
	if d.i != len(d.s) {
		return ErrBadRequest
	}
	return nil
}

// JSONField is one member decodeFields reads: into Str for a string, into
// Int for an integer (set one of them).
type JSONField struct {
	Key string
	Str *string
	Int *int64
}

// DecodeFields decodes the JSON object data into fields, matching keys
// exactly. A field's member must be of its type (a string, or an integer
// that fits in an int64); members with other keys are checked and skipped.
// Anything decodeObject refuses, or a member of the wrong type, is
// ErrBadRequest; fields may then be partly set. A field whose key is absent
// keeps its value.
func DecodeFields(data string, fields ...JSONField) *Error {
	return DecodeObject(data, func(key string, v JSONValue) *Error {
		for _, f := range fields {
			if f.Key != key {
				continue
			}
			switch {
			case f.Str != nil && v.Kind == JSONString && !v.BadText:
				*f.Str = v.Str
			case f.Int != nil && v.IsInt:
				*f.Int = v.Int
			default:
				return ErrBadRequest
			}
		}
		return nil
	})
}

// keySet holds the keys of one object, to find one given twice. Objects
// mostly have a few keys, kept in an array; a map takes over past it.
type keySet struct {
	few  [8]string
	n    int
	many map[string]struct{}
}

// add adds key to the set and reports whether it was there already.
func (k *keySet) add(key string) bool {
	if k.many != nil {
		_, dup := k.many[key]
		k.many[key] = struct{}{}
		return dup
	}
	for _, s := range k.few[:k.n] {
		if s == key {
			return true
		}
	}
	if k.n < len(k.few) {
		k.few[k.n] = key
		k.n++
		return false
	}
	k.many = make(map[string]struct{}, 2*len(k.few))
	for _, s := range k.few {
		k.many[s] = struct{}{}
	}
	k.many[key] = struct{}{}
	return false
}

// jsonDecoder reads JSON from s, at i.
type jsonDecoder struct {
	s string
	i int
}

// space skips JSON's whitespace: space, tab, line feed and carriage return.
func (d *jsonDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// consume skips c if it is next and reports whether it was.
func (d *jsonDecoder) consume(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// value reads the value at d.i, at nesting depth (of the object holding
// it). ok is false for malformed JSON or, within a nested value, invalid
// text.
func (d *jsonDecoder) value(depth int) (v JSONValue, ok bool) {
	if d.i >= len(d.s) {
		return v, false
	}
	switch c := d.s[d.i]; {
	case c == '"':
		v.Kind = JSONString
		v.Str, v.BadText, ok = d.str()
		if v.BadText {
			v.Str = ""
		}
		return v, ok
	case c == '{' || c == '[':
		v.Kind = JSONObject
		if c == '[' {
			v.Kind = JSONArray
		}
		start := d.i
		ok = d.skip(depth + 1)
		v.Str = d.s[start:d.i]
		return v, ok
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	}
	for _, lit := range [...]struct {
		text string
		kind JSONKind
	}{{"true", JSONTrue}, {"false", JSONFalse}, {"null", JSONNull}} {
		if len(d.s)-d.i >= len(lit.text) && d.s[d.i:d.i+len(lit.text)] == lit.text {
			d.i += len(lit.text)
			v.Kind = lit.kind
			return v, true
		}
	}
	return v, false
}

// skip reads the object or array at d.i, at nesting depth, and reports
// whether it is well formed, its strings' text valid included.
func (d *jsonDecoder) skip(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	end := byte(']')
	object := d.s[d.i] == '{'
	if object {
		end = '}'
	}
	d.i++
	d.space()
	if d.consume(end) {
		return true
	}
	for {
		d.space()
		if object {
			if _, bad, ok := d.str(); !ok || bad {
				return false
			}
			d.space()
			if !d.consume(':') {
				return false
			}
			d.space()
		}
		switch v, ok := d.value(depth); {
		case !ok, v.BadText:
			return false
		}
		d.space()
		if d.consume(end) {
			return true
		}
		if !d.consume(',') {
			return false
		}
	}
}

// str reads the string at d.i and returns its text, unescaped. bad reports
// invalid UTF-8 or a lone surrogate escape (s is then unusable); ok is false
// if there is no well-formed string at d.i.
func (d *jsonDecoder) str() (s string, bad, ok bool) {
	if !d.consume('"') {
		return "", false, false
	}
	start := d.i
	var buf []byte // the text so far, once an escape is met
	for i := start; i < len(d.s); {
		switch c := d.s[i]; {
		case c == '"':
			d.i = i + 1
			if buf == nil {
				return d.s[start:i], bad, true
			}
			return string(buf), bad, true
		case c < 0x20:
			return "", false, false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(d.s[i:])
			if r == utf8.RuneError && n == 1 {
				bad = true
			}
			buf = appendIf(buf, d.s[i:i+n])
			i += n
		case c != '\\':
			buf = appendIf(buf, d.s[i:i+1])
			i++
		default:
			if buf == nil {
				buf = append(make([]byte, 0, i-start+32), d.s[start:i]...)
			}
			r, n := d.escape(i)
			switch {
			case n == 0:
				return "", false, false
			case r < 0:
				bad = true
			default:
				buf = utf8.AppendRune(buf, r)
			}
			i += n
		}
	}
	return "", false, false // unterminated
}

// appendIf appends s to buf once buf is in use (an escape came earlier).
func appendIf(buf []byte, s string) []byte {
	if buf == nil {
		return nil
	}
	return append(buf, s...)
}

// escape reads the escape at d.s[i] ("\") and returns the rune it stands
// for, -1 for a lone surrogate, and its length: 0 if it is malformed. A
// surrogate pair, two \u escapes, is read as one.
func (d *jsonDecoder) escape(i int) (rune, int) {
	if i+1 >= len(d.s) {
		return 0, 0
	}
	switch c := d.s[i+1]; c {
	case '"', '\\', '/':
		return rune(c), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
	default:
		return 0, 0
	}
	r, ok := d.hex4(i + 2)
	switch {
	case !ok:
		return 0, 0
	case r < 0xd800 || r > 0xdfff:
		return r, 6
	case r >= 0xdc00:
		return -1, 6 // a low surrogate first
	}
	if i+7 < len(d.s) && d.s[i+6] == '\\' && d.s[i+7] == 'u' {
		if lo, ok := d.hex4(i + 8); ok && 0xdc00 <= lo && lo <= 0xdfff {
			return 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00), 12
		}
	}
	return -1, 6 // a high surrogate without its low half, which is read next on its own
}

// hex4 reads the four hex digits at d.s[i].
func (d *jsonDecoder) hex4(i int) (rune, bool) {
	if i+4 > len(d.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(d.s[i : i+4]) {
		if ascii.HexValue[c] > 0xf {
			return 0, false
		}
		r = r<<4 | rune(ascii.HexValue[c])
	}
	return r, true
}

// number reads the number at d.i, as RFC 8259 writes them.
func (d *jsonDecoder) number() (v JSONValue, ok bool) {
	start, s := d.i, d.s
	i := start
	digits := func() bool { // one or more
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return v, false
	}
	integer := true
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return v, false
		}
		integer = false
	}
	if i < len(s) && s[i]|0x20 == 'e' {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return v, false
		}
		integer = false
	}
	d.i = i
	v.Kind, v.Str = JSONNumber, s[start:i]
	if integer {
		n, err := strconv.ParseInt(v.Str, 10, 64)
		v.Int, v.IsInt = n, err == nil
	}
	return v, true
}
