package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
)

// KeyHeader carries the shared key on every request but /healthz.
const KeyHeader = wechat.RelayKeyHeader

// Bounds. WeChat's answers for these calls are a few hundred bytes and the
// only request body (stable_token) is smaller still.
const (
	minKeyLen          = 16
	maxRequestBody     = 64 << 10
	maxUpstreamBody    = 1 << 20
	maxUpstreamHeaders = 64 << 10
	upstreamTimeout    = 10 * time.Second // dial, TLS handshake, response headers: each
	requestTimeout     = 30 * time.Second // the whole upstream exchange
)

// route is one call the relay forwards.
type route struct{ method, path string }

// routes is the whole of what the relay forwards: the calls wxsign makes
// (cred.Calls: tokens and tickets of official accounts, WeCom and a
// third-party platform's authorizers, and the platform's authorization
// calls), each with the method WeChat documents. Anything else is refused, so
// the relay is not an open proxy to WeChat.
var routes = func() []route {
	var rs []route
	for _, c := range cred.Calls {
		r := route{c.Method, c.Path}
		if !slices.Contains(rs, r) {
			rs = append(rs, r)
		}
	}
	return rs
}()

// forwardedHeaders are the only request headers sent upstream, so that
// nothing the caller's platform adds (the key, client IPs, tracing) reaches
// WeChat.
var forwardedHeaders = []string{"Accept", "Content-Type", "User-Agent"}

// The relay's own refusals, in WeChat's error shape, with the codes wxsign
// uses for the same reasons (see package core).
var (
	errMethod       = &core.Error{Code: core.ErrMethod.Code, Status: http.StatusMethodNotAllowed, Msg: "method not allowed"}
	errBadBody      = &core.Error{Code: core.ErrBadRequest.Code, Status: http.StatusBadRequest, Msg: "the request body could not be read"}
	errBodyTooLarge = &core.Error{Code: core.ErrBodyTooLarge.Code, Status: http.StatusRequestEntityTooLarge, Msg: "request body is larger than 64 KiB"}
	errNotFound     = &core.Error{Code: core.ErrNotFound.Code, Status: http.StatusNotFound, Msg: "not found"}
	errNoKey        = &core.Error{Code: core.ErrUnauthorized.Code, Status: http.StatusUnauthorized, Msg: "unauthorized: send the relay key in " + KeyHeader}
	errWrongKey     = &core.Error{Code: core.ErrForbidden.Code, Status: http.StatusForbidden, Msg: "forbidden: wrong relay key"}
	errUpstream     = &core.Error{Code: core.ErrUpstream.Code, Status: http.StatusBadGateway, Msg: "the upstream could not be reached or answered badly"}
)

// config is everything newRelay needs; main fills it from flags and the
// environment.
type config struct {
	Upstream string      // base URL of WeChat's API, e.g. https://api.weixin.qq.com
	Prefix   string      // path prefix stripped before matching, e.g. /wx; "" for none
	Source   string      // local IP address to dial upstream from; "" for the system's choice
	Key      string      // the shared key callers send in KeyHeader
	Log      *log.Logger // one line per request; nil for the standard logger
}

type relay struct {
	keySum   [sha256.Size]byte
	prefix   string
	upstream *url.URL
	health   []byte
	mux      *http.ServeMux
	proxy    *httputil.ReverseProxy
	log      *log.Logger
}

// newRelay checks cfg and returns the relay's handler.
func newRelay(cfg config) (http.Handler, error) {
	if len(cfg.Key) < minKeyLen {
		return nil, fmt.Errorf("WXSIGN_RELAY_KEY must be set to at least %d bytes (for example: openssl rand -hex 32)", minKeyLen)
	}
	up, err := parseUpstream(cfg.Upstream)
	if err != nil {
		return nil, err
	}
	prefix, err := parsePrefix(cfg.Prefix)
	if err != nil {
		return nil, err
	}
	transport, err := newTransport(cfg.Source)
	if err != nil {
		return nil, err
	}
	rl := &relay{
		keySum:   sha256.Sum256([]byte(cfg.Key)),
		prefix:   prefix,
		upstream: up,
		mux:      http.NewServeMux(),
		log:      cfg.Log,
	}
	if rl.log == nil {
		rl.log = log.Default()
	}
	rl.health, _ = json.Marshal(struct {
		OK       bool   `json:"ok"`
		Upstream string `json:"upstream"`
	}{true, up.String()})
	rl.proxy = &httputil.ReverseProxy{
		Rewrite:        rl.rewrite,
		Transport:      transport,
		ModifyResponse: bufferAnswer,
		ErrorHandler:   rl.upstreamFailed,
		ErrorLog:       rl.log,
	}

	// "GET /p" also matches HEAD, and the bare "/p" catches every other
	// method, so each handler checks the method itself and answers 405.
	allow := map[string][]string{}
	for _, rt := range routes {
		rl.mux.Handle(rt.method+" "+rt.path, rl.forward(rt))
		allow[rt.path] = append(allow[rt.path], rt.method)
	}
	for p, methods := range allow {
		rl.mux.Handle(p, methodNotAllowed(methods...))
	}
	rl.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeError(w, errNotFound) }))
	return rl, nil
}

// parseUpstream accepts an http(s) base URL without user info, query or
// fragment: credentials there would be sent nowhere and shown at /healthz,
// and a query would change the callers' queries.
func parseUpstream(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("-upstream must be an http:// or https:// URL, like https://api.weixin.qq.com")
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("-upstream must not have user info, a query or a fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// parsePrefix accepts "" or a clean path like /wx, without a trailing slash.
func parsePrefix(s string) (string, error) {
	s = strings.TrimRight(s, "/")
	if s == "" {
		return "", nil
	}
	if s[0] != '/' || path.Clean(s) != s || strings.ContainsAny(s, "?#%") {
		return "", fmt.Errorf("-prefix must be a clean path like /wx, got %q", s)
	}
	return s, nil
}

// newTransport dials upstream from source when it is set. Proxies from the
// environment are ignored: the point of the relay is the address it dials
// from.
func newTransport(source string) (*http.Transport, error) {
	dialer := &net.Dialer{Timeout: upstreamTimeout, KeepAlive: 30 * time.Second}
	if source != "" {
		ip, err := netip.ParseAddr(source)
		if err != nil {
			return nil, fmt.Errorf("-source must be an IP address of this machine, like 203.0.113.7: %v", err)
		}
		// Binding now turns an address this machine lacks into a clear
		// message at start rather than a 502 on every request.
		l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
		if err != nil {
			return nil, fmt.Errorf("-source %s is not usable on this machine: %v", source, err)
		}
		l.Close()
		dialer.LocalAddr = &net.TCPAddr{IP: ip.AsSlice(), Zone: ip.Zone()}
	}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    upstreamTimeout,
		ResponseHeaderTimeout:  upstreamTimeout,
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConnsPerHost:    4,
		MaxResponseHeaderBytes: maxUpstreamHeaders,
	}, nil
}

// ServeHTTP logs one line per request: method, path without the query
// (it carries secret, corpsecret or access_token), status and duration.
func (rl *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		line := fmt.Sprintf("method=%s path=%s status=%d dur=%s", r.Method, strconv.Quote(r.URL.Path), sw.status(), time.Since(start).Round(time.Microsecond))
		if sw.note != "" {
			line += " err=" + strconv.Quote(sw.note)
		}
		rl.log.Print(line)
	}()
	rl.serve(sw, r)
}

func (rl *relay) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/healthz" || (rl.prefix != "" && p == rl.prefix+"/healthz") {
		rl.healthz(w, r)
		return
	}
	switch keys := r.Header.Values(KeyHeader); {
	case len(keys) == 0 || keys[0] == "":
		writeError(w, errNoKey)
		return
	case len(keys) > 1 || !rl.keyMatches(keys[0]):
		writeError(w, errWrongKey)
		return
	}
	rest, ok := strings.CutPrefix(p, rl.prefix)
	// Only a path in canonical form is matched: ServeMux would otherwise
	// answer "//cgi-bin/token" or ".." segments with a redirect, and a
	// percent-escaped spelling is not something the Worker sends.
	if !ok || !strings.HasPrefix(rest, "/") || r.URL.RawPath != "" || path.Clean(rest) != rest {
		writeError(w, errNotFound)
		return
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = rest
	r2.URL = &u
	rl.mux.ServeHTTP(w, r2)
}

// keyMatches compares SHA-256 sums so that neither the key's bytes nor its
// length show in the timing.
func (rl *relay) keyMatches(k string) bool {
	sum := sha256.Sum256([]byte(k))
	return subtle.ConstantTimeCompare(sum[:], rl.keySum[:]) == 1
}

func (rl *relay) healthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, errMethod)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(rl.health)))
	w.Write(rl.health)
}

// forward reads the bounded body and hands the request to the proxy with a
// known length: WeChat's gateway answers 412 to a chunked body.
func (rl *relay) forward(rt route) http.Handler {
	notAllowed := methodNotAllowed(rt.method)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != rt.method {
			notAllowed.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > maxRequestBody {
			w.Header().Set("Connection", "close")
			writeError(w, errBodyTooLarge)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				w.Header().Set("Connection", "close")
				writeError(w, errBodyTooLarge)
			} else {
				writeError(w, errBadBody)
			}
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		out := r.WithContext(ctx)
		u := *r.URL
		u.Path, u.RawPath = rt.path, ""
		out.URL = &u
		out.TransferEncoding = nil
		out.ContentLength = int64(len(body))
		out.Body = http.NoBody
		if len(body) > 0 {
			out.Body = io.NopCloser(bytes.NewReader(body))
		}
		rl.proxy.ServeHTTP(w, out)
	})
}

// rewrite points the outgoing request at the upstream. Rewrite (unlike
// Director) drops the caller's X-Forwarded-* and Forwarded headers and adds
// none, and the header allowlist drops the key.
func (rl *relay) rewrite(pr *httputil.ProxyRequest) {
	h := make(http.Header, len(forwardedHeaders))
	for _, name := range forwardedHeaders {
		if v := pr.In.Header.Values(name); len(v) > 0 {
			h[name] = v
		}
	}
	pr.Out.Header = h
	pr.SetURL(rl.upstream)
}

// bufferAnswer reads the upstream's answer into memory, at most
// maxUpstreamBody bytes, so that a bad or oversized answer becomes a 502
// rather than a response cut off halfway.
func bufferAnswer(res *http.Response) error {
	defer res.Body.Close()
	if res.ContentLength > maxUpstreamBody {
		return fmt.Errorf("answer of %d bytes is larger than %d", res.ContentLength, maxUpstreamBody)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxUpstreamBody+1))
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if len(b) > maxUpstreamBody {
		return fmt.Errorf("answer is larger than %d bytes", maxUpstreamBody)
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	res.ContentLength = int64(len(b))
	res.TransferEncoding = nil
	res.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return nil
}

// upstreamFailed answers 502 and notes the error, without the URL, for the
// request's log line.
func (rl *relay) upstreamFailed(w http.ResponseWriter, _ *http.Request, err error) {
	if sw, ok := w.(*statusWriter); ok {
		sw.note = describe(err)
	}
	writeError(w, errUpstream)
}

// describe reduces an upstream error to its cause: a *url.Error quotes the
// request URL, query (secret, access_token) included.
func describe(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '?'); i >= 0 {
		msg = msg[:i] + "?…"
	}
	return msg
}

func methodNotAllowed(methods ...string) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, errMethod)
	})
}

func writeError(w http.ResponseWriter, e *core.Error) {
	b := e.AppendJSON(nil)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.Status)
	w.Write(b)
}

// statusWriter remembers the status for the log line.
type statusWriter struct {
	http.ResponseWriter
	code int
	note string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
