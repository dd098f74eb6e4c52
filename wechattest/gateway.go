package wechattest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
)

// RelayKeyHeader is the header a relay in front of WeChat authenticates
// wxsign with; it must never reach WeChat.
const RelayKeyHeader = "X-Wxsign-Relay-Key"

// Handler serves the WeChat endpoints behind the gateway checks, and the
// control API.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// serve is WeChat's gateway: it counts POSTs, refuses a leaked relay key
// and chunked bodies before any endpoint sees them, and passes control
// calls by.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/__standin/") {
		s.control.ServeHTTP(w, r)
		return
	}
	leaked := len(r.Header.Values(RelayKeyHeader)) > 0
	chunked := len(r.TransferEncoding) > 0
	s.mu.Lock()
	if r.Method == http.MethodPost {
		s.stats.Posts++
		if r.Header.Get("Content-Length") == "" {
			s.stats.PostsWithoutLength++
		}
	}
	switch {
	case leaked:
		s.stats.LeakedRelayKey++
	case chunked:
		s.stats.RejectedChunked++
	}
	s.mu.Unlock()
	switch {
	case leaked:
		// Not WeChat's behaviour (it would ignore the header) but a relay bug
		// the tests must see: the key would be handed to a third party.
		e := errs["relay_key"]
		w.Header().Set("Content-Type", "application/json; encoding=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "{\"errcode\":%d,\"errmsg\":%q}\n", e.code, e.msg)
	case chunked:
		// WeChat's gateway wants a Content-Length and says nothing else.
		w.WriteHeader(http.StatusPreconditionFailed)
	default:
		s.api.ServeHTTP(w, r)
	}
}

// isWeCom reports whether a path is one of WeCom's, whose errors read
// differently.
func isWeCom(path string) bool {
	switch path {
	case "/cgi-bin/gettoken", "/cgi-bin/get_jsapi_ticket", "/cgi-bin/ticket/get":
		return true
	}
	return false
}

// remoteIP is the caller's address as WeChat sees it.
func remoteIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// SetWhitelist limits token calls to callers from these IPs, as an
// account's IP whitelist (WeCom: trusted IPs) does; none lets every IP in.
func (s *Server) SetWhitelist(ips []string) error {
	list := map[netip.Addr]bool{}
	for _, ip := range ips {
		a, err := netip.ParseAddr(strings.TrimSpace(ip))
		if err != nil {
			return fmt.Errorf("whitelist: %v", err)
		}
		list[a.Unmap()] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whitelist = list
	return nil
}

// ipAllowed reports whether the caller may fetch tokens, counting refusals.
func (s *Server) ipAllowed(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.whitelist) == 0 || s.whitelist[remoteIP(r)] {
		return true
	}
	s.stats.RefusedIP++
	return false
}

// Doer returns a client that calls the stand-in in-process, with no socket,
// honouring the request's context: for tests on platforms without a
// network (GOOS=wasip1) and for speed. Requests reach the gateway as
// net/http would send them: a body of unknown length comes chunked, and
// the caller's address is the request's RemoteAddr, 127.0.0.1 when unset.
func (s *Server) Doer() interface {
	Do(*http.Request) (*http.Response, error)
} {
	return doer{s.Handler()}
}

type doer struct{ h http.Handler }

func (d doer) Do(r *http.Request) (*http.Response, error) {
	sr, err := serverSide(r)
	if err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.h.ServeHTTP(rec, sr)
	}()
	select {
	case <-done:
		return rec.Result(), nil
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}

// serverSide turns a client request into what a server would receive,
// framing the body as net/http's Transport would.
func serverSide(r *http.Request) (*http.Request, error) {
	sr := r.Clone(r.Context())
	if sr.RemoteAddr == "" {
		sr.RemoteAddr = "127.0.0.1:40000"
	}
	sr.RequestURI = r.URL.RequestURI()
	sr.Header.Del("Content-Length")
	sr.Header.Del("Transfer-Encoding")
	sr.TransferEncoding = nil
	body := r.Body
	if body == http.NoBody {
		body = nil
	}
	length := r.ContentLength
	if body != nil && length == 0 {
		// The Transport probes a body of unknown length for one byte: empty
		// is sent as empty, anything else chunked.
		var one [1]byte
		n, err := io.ReadFull(body, one[:])
		switch {
		case n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF):
			body = nil
		case n == 0:
			return nil, err
		default:
			body, length = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(one[:]), body), body}, -1
		}
	}
	switch {
	case body == nil:
		sr.Body, sr.ContentLength = http.NoBody, 0
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			sr.Header.Set("Content-Length", "0")
		}
	case length < 0:
		sr.Body, sr.ContentLength, sr.TransferEncoding = body, -1, []string{"chunked"}
	default:
		sr.Body = body
		sr.Header.Set("Content-Length", strconv.FormatInt(length, 10))
	}
	return sr, nil
}
