package api

import (
	"strconv"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
	"github.com/wxsign/wxsign/core/pageurl"
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
	Hosts   pageurl.Allowlist  // ALLOWED_HOSTS: pages that may be signed; empty = any
	Origins pageurl.OriginList // ALLOWED_ORIGINS: origins that get CORS headers; empty = none

}

// Response is the answer to a request, whichever its endpoint: its
// status and body, and the headers that vary with it.
type Response struct {
	Status      int
	Body        []byte
	AllowOrigin string // Access-Control-Allow-Origin, "" for none
	Vary        bool   // the answer depends on Origin
	Preflight   bool   // an answer to a CORS preflight
	RetryAfter  int    // seconds, 0 for none
	Allow       string // the Allow header (405): the methods the endpoint answers
	NeedTicket  bool   // refused only for want of a usable ticket (ErrNoTicket)
	// Authenticate sends WWW-Authenticate with a 401.
	Authenticate bool
}

// Header is one HTTP response header.
type Header struct{ Name, Value string }

// authenticate is the WWW-Authenticate challenge of a 401.
const authenticate = `Bearer realm="wxsign"`

// RateLimitPeriod is the Retry-After of a 429, seconds: the period of the
// rate-limit bindings in wrangler.toml, which TestWranglerPeriods holds
// to it.
const RateLimitPeriod = 60

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
	}
	if r.Vary {
		dst = append(dst, Header{"Vary", "Origin"})
	}
	if r.AllowOrigin != "" && r.Preflight {
		dst = append(dst,
			Header{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
			Header{"Access-Control-Allow-Headers", "Content-Type"},
			Header{"Access-Control-Max-Age", "86400"})
	}
	if r.RetryAfter > 0 {
		dst = append(dst, Header{"Retry-After", strconv.Itoa(r.RetryAfter)})
	}
	if r.Allow != "" {
		dst = append(dst, Header{"Allow", r.Allow})
	}
	if r.Authenticate {
		dst = append(dst, Header{"WWW-Authenticate", authenticate})
	}
	return dst
}

// AppendHeaderLines appends the headers Headers gives as "Name: Value\n"
// lines, the form the signer module hands its host.
func (r *Response) AppendHeaderLines(dst []byte) []byte {
	var hs [12]Header
	return AppendHeaderLines(dst, r.Headers(hs[:0]))
}

// AppendHeaderLines appends headers as "Name: Value\n" lines.
func AppendHeaderLines(dst []byte, headers []Header) []byte {
	for _, h := range headers {
		dst = append(dst, h.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, h.Value...)
		dst = append(dst, '\n')
	}
	return dst
}

// Fail makes the response a refusal: e's status and JSON body (appended to
// dst), keeping the CORS decision already made so that a browser can read
// the error.
func (r *Response) Fail(dst []byte, e *core.Error) {
	r.Status = e.Status
	r.Body = e.AppendJSON(dst)
	r.Preflight = false
	if e.Status == 503 {
		r.RetryAfter = RetryAfterSeconds
	}
	r.Allow = "" // the router, which knows the endpoint, says which methods it answers
	r.NeedTicket = e == core.ErrNoTicket
}

// CORS returns the Access-Control-Allow-Origin value for origin: origin
// itself when a.Origins allows it (see OriginList.Allows), else "".
func (a *App) CORS(origin string) string {
	if origin == "" || a.Origins.Empty() {
		return ""
	}
	if !a.Origins.Allows(origin) {
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
func (a *App) ServeConfig(dst []byte, req *Request, ticket *cred.Record, now int64) Response {
	r, done := a.Begin(dst, req)
	if done {
		return r
	}
	if a.AppID == "" {
		r.Fail(dst, core.ErrNotConfigured)
		return r
	}
	var scratch [512]byte // the decoded page URL, on the stack
	page, err := a.page(req, scratch[:0])
	if err != nil {
		r.Fail(dst, err)
		return r
	}
	if ticket == nil || !ticket.Usable(now) {
		r.Fail(dst, core.ErrNoTicket)
		return r
	}
	var nonce [jssdk.NonceLen]byte
	r.Status = 200
	r.Body = a.appendConfig(dst, ticket.Value, string(jssdk.AppendNonce(nonce[:0])), now, page)
	return r
}

// Begin starts the answer of an endpoint pages call: the CORS decision,
// and the whole answer to a preflight (done).
func (a *App) Begin(dst []byte, req *Request) (r Response, done bool) {
	r.AllowOrigin = a.CORS(req.Origin)
	r.Vary = !a.Origins.Empty()
	if req.Method != "OPTIONS" {
		return r, false
	}
	if r.AllowOrigin == "" {
		r.Fail(dst, core.ErrOrigin)
	} else {
		r.Status, r.Preflight, r.Body = 204, true, dst
	}
	return r, true
}

// page finds the page URL in the request and checks it as every signing
// endpoint does: the URL rules, then the allowlist. A URL decoded from the
// query is decoded into scratch.
func (a *App) page(req *Request, scratch []byte) (page string, err *core.Error) {
	raw, err := PageParam(req, scratch)
	if err != nil {
		return "", err
	}
	page, host, err := pageurl.SplitPageURL(raw)
	if err != nil {
		return "", err
	}
	if !a.Hosts.AllowsHost(host) {
		return "", core.ErrHostForbidden
	}
	return page, nil
}

// SignPage answers like ServeConfig but with the given nonce and timestamp,
// for tests and debugging tools: the same URL rules, allowlist and payload.
func (a *App) SignPage(dst []byte, page, ticket, nonce string, timestamp int64) Response {
	var r Response
	u, host, err := pageurl.SplitPageURL(page)
	switch {
	case err != nil:
		r.Fail(dst, err)
	case !a.Hosts.AllowsHost(host):
		r.Fail(dst, core.ErrHostForbidden)
	default:
		r.Status = 200
		r.Body = a.appendConfig(dst, ticket, nonce, timestamp, u)
	}
	return r
}

// appendConfig appends the payload, hashing the signature straight into it.
func (a *App) appendConfig(dst []byte, ticket, nonce string, ts int64, page string) []byte {
	dst = jssdk.AppendConfigHead(dst, a.AppID, ts, nonce)
	dst = jssdk.AppendSignature(dst, ticket, nonce, ts, page)
	return jssdk.AppendConfigTail(dst, page)
}
