package service

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/wxsign/wxsign/core"
)

// RecordHeader carries the fresh ticket record from the cold path of
// /config to the JS entry, which keeps it in memory and strips the header
// before the answer leaves the Worker.
const RecordHeader = "X-Wxsign-Record"

// ColdPathTimeout bounds a request that has to fetch from WeChat: the caller
// gets a 503 within it, never a hang.
const ColdPathTimeout = 8 * time.Second

// Service answers the Worker's Go-side requests and runs its cron.
type Service struct {
	Settings Settings
	Store    Store
	WeChat   WeChat
	Now      func() time.Time              // defaults to time.Now
	Logf     func(format string, a ...any) // one line per event; never given a secret
}

func (s *Service) now() int64 {
	if s.Now != nil {
		return s.Now().Unix()
	}
	return time.Now().Unix()
}

func (s *Service) logf(format string, a ...any) {
	if s.Logf != nil {
		s.Logf(format, a...)
	}
}

// ServeHTTP routes a request. A panic becomes a 500 JSON answer without
// internals, and the next request is served as usual.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			s.logf("wxsign: panic serving %s %s", r.Method, r.URL.Path)
			writeError(w, core.ErrInternal, 0)
		}
	}()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.ContentLength > core.MaxBodyLen {
		writeError(w, core.ErrBodyTooLarge, 0)
		return
	}
	switch r.URL.Path {
	case "/config", "/all":
		s.serveConfig(w, r)
	case "/token":
		s.serveSecret(w, r, tokenKey, "access_token")
	case "/ticket":
		s.serveSecret(w, r, ticketKey, "ticket")
	case "/nonce":
		s.serveNonce(w, r)
	case "/healthz":
		s.serveHealth(w, r)
	case "/debug/info":
		s.serveDebugInfo(w, r)
	case "/debug/check":
		s.serveDebugCheck(w, r)
	case "/__test/panic":
		if s.Settings.TestPanic {
			panic("test panic with internals: " + s.Settings.AppSecret)
		}
		writeError(w, core.ErrNotFound, 0)
	default:
		writeError(w, core.ErrNotFound, 0)
	}
}

// serveNonce answers /nonce, with CORS as /config has it.
func (s *Service) serveNonce(w http.ResponseWriter, r *http.Request) {
	app := s.Settings.App()
	resp := core.Response{Status: 200, AllowOrigin: app.CORS(r.Header.Get("Origin")), Vary: !app.Origins.Empty()}
	switch r.Method {
	case "GET", "HEAD":
	case "OPTIONS":
		if resp.AllowOrigin == "" {
			resp.Fail(nil, core.ErrOrigin)
		} else {
			resp.Status, resp.Preflight = 204, true
		}
	default:
		resp.Fail(nil, core.ErrMethod)
	}
	if resp.Status == 200 {
		resp.Body, _ = json.Marshal(map[string]string{"nonceStr": core.NewNonce()})
	}
	writeResponse(w, &resp)
}

// serveConfig is /config when the JS entry has no usable ticket: the same
// checks and payload as the hot path (core.App.ServeConfig), after fetching
// the ticket if the request itself is acceptable.
func (s *Service) serveConfig(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, core.MaxBodyLen+1))
	if err != nil {
		writeError(w, core.ErrBadRequest, 0)
		return
	}
	req := &core.Request{Method: r.Method, Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"),
		Origin: r.Header.Get("Origin"), Body: body}
	app := s.Settings.App()
	resp := app.ServeConfig(nil, req, nil, s.now())
	if resp.NeedTicket {
		// The request is acceptable; only the ticket is missing: fetch it.
		if !s.Settings.OK() {
			resp.Fail(nil, s.notConfigured())
		} else if rec, rerr := s.coldTicket(r.Context()); rerr != nil {
			resp.Fail(nil, rerr.Error)
			resp.RetryAfter = retryAfter(rerr.RetryAt, s.now())
		} else {
			resp = app.ServeConfig(nil, req, &rec, s.now())
			if b, err := json.Marshal(rec); err == nil && resp.Status == 200 {
				w.Header().Set(RecordHeader, string(b))
			}
		}
	}
	writeResponse(w, &resp)
}

func writeResponse(w http.ResponseWriter, resp *core.Response) {
	for _, h := range resp.Headers(nil) {
		w.Header().Set(h.Name, h.Value)
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}

// coldTicket returns a usable ticket, fetching one unless failed refreshes
// are backing off.
func (s *Service) coldTicket(ctx context.Context) (core.Record, *refreshError) {
	ctx, cancel := context.WithTimeout(ctx, ColdPathTimeout)
	defer cancel()
	st, err := s.load(ctx)
	if err != nil {
		return core.Record{}, &refreshError{Error: storeError(err)}
	}
	if st.ticket.Usable(st.now) {
		return st.ticket, nil
	}
	if be := st.backoff(); be != nil {
		return core.Record{}, be
	}
	if err := st.refreshTicket(ctx); err != nil {
		return core.Record{}, &refreshError{Error: describe(err), RetryAt: st.status.NextAttempt}
	}
	return st.ticket, nil
}

// serveSecret serves /token and /ticket to callers holding API_KEY.
func (s *Service) serveSecret(w http.ResponseWriter, r *http.Request, key func(string) string, field string) {
	if s.Settings.APIKey == "" {
		writeError(w, core.ErrNotFound, 0)
		return
	}
	if !authorized(r, s.Settings.APIKey) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="wxsign"`)
		writeError(w, core.ErrUnauthorized, 0)
		return
	}
	if !s.Settings.OK() {
		writeError(w, s.notConfigured(), core.RetryAfterSeconds)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ColdPathTimeout)
	defer cancel()
	st, err := s.load(ctx)
	if err != nil {
		writeError(w, storeError(err), core.RetryAfterSeconds)
		return
	}
	var rec core.Record
	if field == "access_token" {
		if !st.token.Usable(st.now) {
			if be := st.backoff(); be != nil {
				writeError(w, be.Error, retryAfter(be.RetryAt, st.now))
				return
			}
			if _, err := st.Token(ctx, false); err != nil {
				st.fail(ctx, err)
				writeError(w, describe(err), retryAfter(st.status.NextAttempt, st.now))
				return
			}
		}
		rec = st.token
	} else {
		if !st.ticket.Usable(st.now) {
			if be := st.backoff(); be != nil {
				writeError(w, be.Error, retryAfter(be.RetryAt, st.now))
				return
			}
			if err := st.refreshTicket(ctx); err != nil {
				writeError(w, describe(err), retryAfter(st.status.NextAttempt, st.now))
				return
			}
		}
		rec = st.ticket
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, 200, map[string]any{field: rec.Value, "expires_at": rec.ExpiresAt})
}

// authorized compares the bearer token with the key in constant time, so
// that the answer's timing says nothing about the key.
func authorized(r *http.Request, key string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(key)) == 1
}

func (s *Service) notConfigured() *core.Error {
	return &core.Error{Code: core.ErrNotConfigured.Code, Status: 503,
		Msg: core.ErrNotConfigured.Msg + ": " + strings.Join(s.Settings.Problems, "; ")}
}

func storeError(err error) *core.Error {
	return &core.Error{Code: core.ErrStorage.Code, Status: 503, Msg: core.ErrStorage.Msg}
}

func retryAfter(at, now int64) int {
	if d := at - now; d > 0 {
		return int(d)
	}
	return core.RetryAfterSeconds
}

func writeError(w http.ResponseWriter, e *core.Error, retry int) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if retry > 0 {
		h.Set("Retry-After", itoa(int64(retry)))
	}
	w.WriteHeader(e.Status)
	w.Write(e.AppendJSON(nil))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
