package core

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
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
func (a *App) ServeConfig(dst []byte, req *Request, ticket *Record, now int64) Response {
	var nonce [NonceLen]byte
	return a.serve(dst, req, ticket, now, AppendNonce(nonce[:0]))
}

func (a *App) serve(dst []byte, req *Request, ticket *Record, now int64, nonce []byte) Response {
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
	raw, err := pageParam(req)
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
	r.Status = 200
	r.Body = a.appendConfig(dst, ticket.Value, string(nonce), now, page)
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
func pageParam(req *Request) (string, *Error) {
	switch req.Method {
	case "GET", "HEAD":
		return queryURL(req.Query)
	case "POST":
	default:
		return "", ErrMethod
	}
	if len(req.Body) > MaxBodyLen {
		return "", ErrBodyTooLarge
	}
	body := strings.TrimSpace(string(req.Body))
	if body == "" {
		return queryURL(req.Query)
	}
	mt, _, _ := strings.Cut(req.ContentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch mt {
	case "application/json":
		return jsonURL(body)
	case "application/x-www-form-urlencoded":
		return queryURL(body)
	case "", "text/plain":
		if body[0] == '{' {
			return jsonURL(body)
		}
		return queryURL(body)
	}
	return "", ErrMediaType
}

// queryURL returns the first url parameter of a query string, decoded once.
func queryURL(q string) (string, *Error) {
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k != "url" {
			continue
		}
		u, err := url.QueryUnescape(v)
		if err != nil {
			return "", ErrBadRequest
		}
		if u == "" {
			return "", ErrURLMissing
		}
		return u, nil
	}
	return "", ErrURLMissing
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
