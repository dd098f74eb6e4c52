package core

import (
	"encoding/json"
	"strconv"
	"strings"
	"unsafe"
)

// MaxBodyLen is the largest request body /config reads.
const MaxBodyLen = 16 << 10

// Request is what /config reads of an HTTP request.
type Request struct {
	Method      string
	Query       string // the raw query string, without "?"
	ContentType string
	Origin      string // the Origin header, "" when absent
	Body        []byte
}

// App holds one WeChat app's settings as /config needs them.
type App struct {
	AppID   string
	Hosts   Allowlist // ALLOWED_HOSTS: pages that may be signed; empty = any
	Origins Allowlist // ALLOWED_ORIGINS: origins that get CORS headers; empty = none
}

// Response is the answer to a /config request.
type Response struct {
	Status      int
	Body        []byte
	AllowOrigin string // Access-Control-Allow-Origin, "" for none
	Vary        bool   // the answer depends on Origin
	Preflight   bool   // an answer to a CORS preflight
	RetryAfter  int    // seconds, 0 for none
	Allow       bool   // send the Allow header (405)
	NeedTicket  bool   // refused only for want of a usable ticket (ErrNoTicket)
}

// Header is one HTTP response header.
type Header struct{ Name, Value string }

// RetryAfterSeconds is what a 503 asks clients to wait before trying again.
const RetryAfterSeconds = 30

// Headers appends the response's headers to dst. Every response is JSON
// that must not be cached (each carries a fresh nonce) nor sniffed.
func (r *Response) Headers(dst []Header) []Header {
	dst = append(dst,
		Header{"Content-Type", "application/json; charset=utf-8"},
		Header{"Cache-Control", "no-store"},
		Header{"X-Content-Type-Options", "nosniff"})
	if r.AllowOrigin != "" {
		dst = append(dst, Header{"Access-Control-Allow-Origin", r.AllowOrigin})
		if r.Preflight {
			dst = append(dst,
				Header{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
				Header{"Access-Control-Allow-Headers", "Content-Type"},
				Header{"Access-Control-Max-Age", "86400"})
		}
	}
	if r.Vary {
		dst = append(dst, Header{"Vary", "Origin"})
	}
	if r.RetryAfter > 0 {
		dst = append(dst, Header{"Retry-After", strconv.Itoa(r.RetryAfter)})
	}
	if r.Allow {
		dst = append(dst, Header{"Allow", "GET, POST, OPTIONS"})
	}
	return dst
}

// Fail makes the response a refusal: e's status and JSON body (appended to
// dst), keeping the CORS decision already made so that a browser can read
// the error.
func (r *Response) Fail(dst []byte, e *Error) {
	r.Status = e.Status
	r.Body = e.AppendJSON(dst)
	r.Preflight = false
	if e.Status == 503 {
		r.RetryAfter = RetryAfterSeconds
	}
	r.Allow = e == ErrMethod
	r.NeedTicket = e == ErrNoTicket
}

// CORS returns the Access-Control-Allow-Origin value for origin: origin
// itself when its host is in a.Origins, else "".
func (a *App) CORS(origin string) string {
	if origin == "" || a.Origins.Empty() || !a.Origins.AllowsURL(origin) {
		return ""
	}
	return origin
}

// ServeConfig answers a /config request with ticket, the cached jsapi_ticket
// record, at now (Unix seconds), with a fresh nonce. The body is appended to
// dst. A request that cannot be signed for want of a usable ticket is
// answered with ErrNoTicket, after every check of the request itself, so
// that a caller may fetch a ticket and try again.
//
// The nonce is drawn last, once the request is known to be signable: a
// refused request costs no randomness, and so neither does the signer's
// warm-up, which runs where randomness is not allowed (see wasm/signer).
func (a *App) ServeConfig(dst []byte, req *Request, ticket *Record, now int64) Response {
	var r Response
	r.AllowOrigin = a.CORS(req.Origin)
	r.Vary = !a.Origins.Empty()
	if req.Method == "OPTIONS" {
		if r.AllowOrigin == "" {
			r.Fail(dst, ErrOrigin)
			return r
		}
		r.Status, r.Preflight, r.Body = 204, true, dst
		return r
	}
	if a.AppID == "" {
		r.Fail(dst, ErrNotConfigured)
		return r
	}
	var scratch [512]byte // the decoded page URL, on the stack
	raw, err := pageParam(req, scratch[:0])
	if err != nil {
		r.Fail(dst, err)
		return r
	}
	page, authority, err := splitPageURL(raw)
	if err != nil {
		r.Fail(dst, err)
		return r
	}
	if !a.Hosts.Allows(authority) {
		r.Fail(dst, ErrHostForbidden)
		return r
	}
	if ticket == nil || !ticket.Usable(now) {
		r.Fail(dst, ErrNoTicket)
		return r
	}
	var nonce [NonceLen]byte
	r.Status = 200
	r.Body = a.appendConfig(dst, ticket.Value, string(AppendNonce(nonce[:0])), now, page)
	return r
}

// SignPage answers like ServeConfig but with the given nonce and timestamp,
// for tests and debugging tools: the same URL rules, allowlist and payload.
func (a *App) SignPage(dst []byte, page, ticket, nonce string, timestamp int64) Response {
	var r Response
	u, authority, err := splitPageURL(page)
	switch {
	case err != nil:
		r.Fail(dst, err)
	case !a.Hosts.Allows(authority):
		r.Fail(dst, ErrHostForbidden)
	default:
		r.Status = 200
		r.Body = a.appendConfig(dst, ticket, nonce, timestamp, u)
	}
	return r
}

func (a *App) appendConfig(dst []byte, ticket, nonce string, ts int64, page string) []byte {
	dst = appendConfigHead(dst, a.AppID, ts, nonce)
	dst = AppendSignature(dst, ticket, nonce, ts, page)
	return appendConfigTail(dst, page)
}

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
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k != "url" {
			continue
		}
		if v == "" {
			return "", ErrURLMissing
		}
		u, ok := appendQueryUnescape(scratch, v)
		if !ok {
			return "", ErrBadRequest
		}
		// A view, not a copy: an allocation costs as much as the rest of the
		// decoding in WebAssembly, and the URL lives no longer than scratch.
		return unsafe.String(unsafe.SliceData(u), len(u)), nil
	}
	return "", ErrURLMissing
}

// appendQueryUnescape appends s with "+" as a space and "%XX" decoded, and
// reports false for a malformed escape: url.QueryUnescape's rules
// (FuzzQueryUnescape checks). It exists because url.QueryUnescape costs
// about 8 µs per page URL compiled to WebAssembly, most of the hot path's
// budget; this costs a fraction of that, copying the runs between escapes.
func appendQueryUnescape(dst []byte, s string) ([]byte, bool) {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' && c != '+' {
			continue
		}
		dst = append(dst, s[start:i]...)
		if c == '+' {
			dst = append(dst, ' ')
		} else {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return dst, false
			}
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		}
		start = i + 1
	}
	return append(dst, s[start:]...), true
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
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
