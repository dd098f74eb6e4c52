package core

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"
	"unsafe"
)

// pageParam finds the page URL in the request: ?url= for GET; for POST a
// JSON {"url":...} or form url=... body, else ?url=. A body sent as
// text/plain (fetch with a string body and no Content-Type) is read as JSON
// when it starts with "{" and as a form otherwise.
//
// A URL decoded from a query is returned as a view of scratch: valid only
// while scratch is, which is the one request it is needed for.
func pageParam(req *Request, scratch []byte) (string, *Error) {
	switch req.Method {
	case "GET", "HEAD":
		return queryURL(req.Query, scratch)
	case "POST":
	default:
		return "", ErrMethod
	}
	if len(req.Body) > MaxBodyLen {
		return "", ErrBodyTooLarge
	}
	body := strings.TrimSpace(string(req.Body))
	if body == "" {
		return queryURL(req.Query, scratch)
	}
	mt, _, _ := strings.Cut(req.ContentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch mt {
	case "application/json":
		return jsonURL(body)
	case "application/x-www-form-urlencoded":
		return queryURL(body, scratch)
	case "", "text/plain":
		if body[0] == '{' {
			return jsonURL(body)
		}
		return queryURL(body, scratch)
	}
	return "", ErrMediaType
}

// queryURL returns the first url parameter of a query string, decoded once
// as url.QueryUnescape would, into scratch; the string is a view of it.
func queryURL(q string, scratch []byte) (string, *Error) {
	for q != "" {
		if q == "url" || strings.HasPrefix(q, "url&") {
			return "", ErrURLMissing // the first url parameter, with no value
		}
		if v, ok := strings.CutPrefix(q, "url="); ok {
			// Decoding stops at the value's end, the next "&": the query
			// is scanned once.
			u, ok := appendQueryValue(scratch, v)
			if !ok {
				return "", ErrBadRequest
			}
			if len(u) == len(scratch) {
				return "", ErrURLMissing
			}
			// A view, not a copy: an allocation costs as much as the rest of
			// the decoding in WebAssembly, and the URL lives no longer than
			// scratch.
			u = u[len(scratch):]
			return unsafe.String(unsafe.SliceData(u), len(u)), nil
		}
		_, q, _ = strings.Cut(q, "&")
	}
	return "", ErrURLMissing
}

// appendQueryValue appends the query value s starts with, up to its first
// "&", decoded as url.QueryUnescape would ("+" as a space, "%XX" as a
// byte), and reports false for a malformed escape. FuzzQueryValue holds it
// to url.QueryUnescape.
//
// It exists because url.QueryUnescape costs about 8 µs per page URL
// compiled to WebAssembly, most of the hot path's budget, and it is shaped
// for WebAssembly, where every loop iteration and taken branch is a jump
// through Go's dispatch table: each iteration copies the run of plain bytes
// (up to 8) with one store, then decodes the byte after it, a "%" escape by
// arithmetic rather than a branch. A percent-encoded page URL has an escape
// every few bytes. Decoding never lengthens, so it writes by index.
func appendQueryValue(dst []byte, s string) ([]byte, bool) {
	if len(s) < 8 {
		// word needs 8 bytes. Padding with "&" ends the value where s
		// does, and reads as no hex digit after a "%" at the end.
		b := [8]byte{'&', '&', '&', '&', '&', '&', '&', '&'}
		copy(b[:], s)
		return appendQueryValue(dst, unsafe.String(&b[0], len(b)))
	}
	n := len(dst)
	// The 8 spare bytes take a whole word's store near the end.
	dst = slices.Grow(dst, len(s)+8)
	out := dst[n : n+len(s)+8]
	var bad byte // the high bits of a malformed escape's digit values
	i, j := 0, 0
	for i < len(s) {
		x := word(s, i)
		k := min(plain(queryFlags(x)), len(s)-i)
		binary.LittleEndian.PutUint64(out[j:], x)
		i, j = i+k, j+k
		if i == len(s) {
			break
		}
		// s[i] is "%", "+" or "&" if the run ended before 8 bytes, else
		// simply the next byte.
		y := word(s, i)
		c := byte(y)
		if c == '&' {
			break
		}
		hi, lo := hexValue[byte(y>>8)], hexValue[byte(y>>16)]
		d := c
		if c == '+' {
			d = ' '
		}
		// pct is 1 for "%", else 0: arithmetic, since a condition that
		// moves i would be compiled as a branch.
		pct := (uint64(c^'%') - 1) >> 63
		if pct == 1 {
			d = hi<<4 | lo
		}
		bad |= (hi | lo) & byte(0xf0*pct) // a digit that is not hex reads as 0xff; zeros past the end too
		out[j] = d
		i, j = i+1+2*int(pct), j+1
	}
	if bad != 0 {
		return dst[:n], false
	}
	return dst[:n+j], true
}

func jsonURL(body string) (string, *Error) {
	var v struct {
		URL *string `json:"url"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return "", ErrBadRequest
	}
	if v.URL == nil || *v.URL == "" {
		return "", ErrURLMissing
	}
	return *v.URL, nil
}
