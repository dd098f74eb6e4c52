// Package wechattest is a stand-in for the WeChat API, in the manner of
// net/http/httptest: it serves the calls wxsign makes with WeChat's exact
// JSON shapes and error codes, counts them, and fails on request.
//
// It is the only stand-in the project's tests use. It serves:
//
//	GET  /cgi-bin/token?grant_type=client_credential&appid=A&secret=S
//	POST /cgi-bin/stable_token  {"grant_type","appid","secret","force_refresh"}
//	GET  /cgi-bin/ticket/getticket?access_token=T&type=jsapi
//
// and, for tests in other processes, a control API:
//
//	GET    /__standin/stats   call counters {"token","stable_token","ticket"}
//	GET    /__standin/state   the latest {"access_token","ticket"}
//	POST   /__standin/reset   forget every token, ticket, counter and fault
//	POST   /__standin/config  {"expires_in":N,"ticket_expires_in":M} lifetimes of
//	                          what is issued next (tickets take N when M is 0)
//	POST   /__standin/fault   {"endpoint","kind","count","delay_ms"}, see Fault
//	DELETE /__standin/fault   clear every fault
package wechattest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Stats counts the calls that reached each endpoint, faults included.
type Stats struct {
	Token       int `json:"token"`
	StableToken int `json:"stable_token"`
	Ticket      int `json:"ticket"`
}

// Fault kinds.
const (
	Busy      = "busy"      // errcode -1, "system error"
	HTTP500   = "http500"   // HTTP 500 with a plain body
	NonJSON   = "nonjson"   // HTTP 200 with an HTML page
	Slow      = "slow"      // wait DelayMS, then answer as usual
	Revoked   = "revoked"   // errcode 40001 (the access_token is not valid)
	Quota     = "quota"     // errcode 45009
	IP        = "ip"        // errcode 40164
	BadSecret = "badsecret" // errcode 40125
	BadAppID  = "badappid"  // errcode 40013
)

// Fault makes an endpoint ("token" for both token calls, "ticket", or
// "all") misbehave for its next Count calls, or until cleared when Count
// is 0.
type Fault struct {
	Endpoint string `json:"endpoint"`
	Kind     string `json:"kind"`
	Count    int    `json:"count"`
	DelayMS  int    `json:"delay_ms"`
}

var faultErrors = map[string]struct {
	code int
	msg  string
}{
	Busy:      {-1, "system error"},
	Revoked:   {40001, "invalid credential, access_token is invalid or not latest"},
	Quota:     {45009, "reach max api daily quota limit"},
	IP:        {40164, "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist"},
	BadSecret: {40125, "invalid appsecret"},
	BadAppID:  {40013, "invalid appid"},
}

// credential is an issued token or ticket.
type credential struct {
	value   string
	expires time.Time
}

// Server is the stand-in. Its zero value is not usable: use New or NewServer.
type Server struct {
	AppID  string
	Secret string

	// URL is set by NewServer and Start: the base to use as WECHAT_API_BASE.
	URL string

	mu        sync.Mutex
	now       func() time.Time
	expiresIn int64
	ticketExp int64 // 0: expiresIn
	serial    int
	tokens    map[string]time.Time // every token still known, with its expiry
	stable    credential           // the current stable token
	token     string               // the latest token issued
	ticket    string               // the latest ticket issued
	stats     Stats
	faults    []*Fault
	ts        *httptest.Server
	mux       *http.ServeMux
}

// New returns a stand-in for one app that is not listening: use Handler or
// Doer in-process, or Start.
func New(appID, secret string) *Server {
	s := &Server{AppID: appID, Secret: secret, now: time.Now, expiresIn: 7200, tokens: map[string]time.Time{}}
	m := http.NewServeMux()
	m.HandleFunc("GET /cgi-bin/token", s.classicToken)
	m.HandleFunc("POST /cgi-bin/stable_token", s.stableToken)
	m.HandleFunc("GET /cgi-bin/ticket/getticket", s.getTicket)
	m.HandleFunc("GET /__standin/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.Stats()) })
	m.HandleFunc("GET /__standin/state", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, map[string]string{"access_token": s.token, "ticket": s.ticket})
	})
	m.HandleFunc("POST /__standin/reset", func(w http.ResponseWriter, r *http.Request) { s.Reset(); writeJSON(w, map[string]bool{"ok": true}) })
	m.HandleFunc("POST /__standin/config", func(w http.ResponseWriter, r *http.Request) {
		var c struct {
			ExpiresIn       int64 `json:"expires_in"`
			TicketExpiresIn int64 `json:"ticket_expires_in"`
		}
		if json.NewDecoder(r.Body).Decode(&c) != nil || c.ExpiresIn < 0 || c.TicketExpiresIn < 0 || c.ExpiresIn+c.TicketExpiresIn == 0 {
			http.Error(w, "want {\"expires_in\":N,\"ticket_expires_in\":M}", http.StatusBadRequest)
			return
		}
		if c.ExpiresIn > 0 {
			s.SetExpiresIn(c.ExpiresIn)
		}
		s.SetTicketExpiresIn(c.TicketExpiresIn)
		writeJSON(w, map[string]bool{"ok": true})
	})
	m.HandleFunc("POST /__standin/fault", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.SetFault(f); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]bool{"ok": true})
	})
	m.HandleFunc("DELETE /__standin/fault", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		writeJSON(w, map[string]bool{"ok": true})
	})
	s.mux = m
	return s
}

// NewServer starts a stand-in on a loopback port; Close stops it.
func NewServer(appID, secret string) *Server {
	s := New(appID, secret)
	s.ts = httptest.NewServer(s.mux)
	s.URL = s.ts.URL
	return s
}

// Close stops a server started by NewServer.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Handler serves the WeChat endpoints and the control API.
func (s *Server) Handler() http.Handler { return s.mux }

// SetClock replaces the clock the stand-in issues and checks expiry with.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetExpiresIn sets the lifetime, in seconds, of what is issued next.
func (s *Server) SetExpiresIn(sec int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expiresIn = sec
}

// SetTicketExpiresIn sets the lifetime of the tickets issued next; 0 makes
// it that of tokens.
func (s *Server) SetTicketExpiresIn(sec int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ticketExp = sec
}

// Stats returns the call counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Ticket returns the latest jsapi_ticket issued, "" before the first.
func (s *Server) Ticket() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ticket
}

// AccessToken returns the latest access_token issued.
func (s *Server) AccessToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// Revoke makes every access_token issued so far invalid, as when another
// server fetched a classic token or the secret was reset.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
	s.stable = credential{}
}

// Reset forgets every token, ticket, counter and fault.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens, s.stable, s.token, s.ticket = map[string]time.Time{}, credential{}, "", ""
	s.stats, s.faults, s.expiresIn, s.ticketExp = Stats{}, nil, 7200, 0
}

// SetFault switches a fault on.
func (s *Server) SetFault(f Fault) error {
	switch f.Endpoint {
	case "token", "ticket", "all":
	default:
		return fmt.Errorf("endpoint must be token, ticket or all, not %q", f.Endpoint)
	}
	if _, ok := faultErrors[f.Kind]; !ok && f.Kind != HTTP500 && f.Kind != NonJSON && f.Kind != Slow {
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
	return nil
}

// ClearFaults switches every fault off.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// fault takes the first fault that applies to endpoint, counting it down.
func (s *Server) fault(endpoint string) *Fault {
	for i, f := range s.faults {
		if f.Endpoint != endpoint && f.Endpoint != "all" {
			continue
		}
		out := *f
		if f.Count > 0 {
			if f.Count--; f.Count == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

// misbehave answers for a fault and reports whether it did; a slow fault
// only waits (or gives up when the caller does) and lets the call go on.
func misbehave(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f == nil {
		return false
	}
	switch f.Kind {
	case Slow:
		select {
		case <-time.After(time.Duration(f.DelayMS) * time.Millisecond):
		case <-r.Context().Done():
			return true
		}
		return false
	case HTTP500:
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	case NonJSON:
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	default:
		e := faultErrors[f.Kind]
		writeErr(w, e.code, e.msg)
	}
	return true
}

func (s *Server) classicToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Token++
	f := s.fault("token")
	s.mu.Unlock()
	if misbehave(w, r, f) {
		return
	}
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		writeErr(w, 40002, "invalid grant_type")
		return
	}
	if !s.credentials(w, q.Get("appid"), q.Get("secret")) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	// A new classic token leaves the previous ones valid for 5 more minutes.
	for t, exp := range s.tokens {
		if limit := now.Add(5 * time.Minute); exp.After(limit) {
			s.tokens[t] = limit
		}
	}
	tok := s.issueToken(now)
	writeJSON(w, map[string]any{"access_token": tok.value, "expires_in": s.expiresIn})
}

func (s *Server) stableToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.StableToken++
	f := s.fault("token")
	s.mu.Unlock()
	if misbehave(w, r, f) {
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		writeErr(w, 47001, "data format error")
		return
	}
	if req.GrantType != "client_credential" {
		writeErr(w, 40002, "invalid grant_type")
		return
	}
	if !s.credentials(w, req.AppID, req.Secret) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	// Without force_refresh the stable token is handed back while valid, its
	// expires_in counting down; WeChat renews it in its last 5 minutes.
	if req.ForceRefresh || s.stable.value == "" || s.stable.expires.Sub(now) < 5*time.Minute || s.tokens[s.stable.value].IsZero() {
		s.stable = s.issueToken(now)
	}
	writeJSON(w, map[string]any{"access_token": s.stable.value, "expires_in": int64(s.stable.expires.Sub(now).Seconds())})
}

// issueToken makes a new token; the caller holds s.mu.
func (s *Server) issueToken(now time.Time) credential {
	s.serial++
	c := credential{value: fmt.Sprintf("ACCESS_TOKEN_%d_%s", s.serial, s.AppID), expires: now.Add(time.Duration(s.expiresIn) * time.Second)}
	s.tokens[c.value] = c.expires
	s.token = c.value
	return c
}

func (s *Server) credentials(w http.ResponseWriter, appID, secret string) bool {
	switch {
	case appID != s.AppID:
		writeErr(w, 40013, "invalid appid")
	case secret != s.Secret:
		writeErr(w, 40125, "invalid appsecret")
	default:
		return true
	}
	return false
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Ticket++
	f := s.fault("ticket")
	s.mu.Unlock()
	if misbehave(w, r, f) {
		return
	}
	q := r.URL.Query()
	tok := q.Get("access_token")
	if tok == "" {
		writeErr(w, 41001, "access_token missing")
		return
	}
	if typ := q.Get("type"); typ != "jsapi" && typ != "wx_card" {
		writeErr(w, 40097, "invalid args")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	exp, ok := s.tokens[tok]
	switch {
	case !ok:
		writeErr(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	case !now.Before(exp):
		writeErr(w, 42001, "access_token expired")
		return
	}
	s.serial++
	s.ticket = fmt.Sprintf("TICKET_%d_%s", s.serial, q.Get("type"))
	life := s.expiresIn
	if s.ticketExp > 0 {
		life = s.ticketExp
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": s.ticket, "expires_in": life})
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	// WeChat answers errors with HTTP 200 and appends a request id.
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg + " rid: 6743a1b2-0c0ffee0-1d2e3f40"})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	json.NewEncoder(w).Encode(v)
}

// Doer returns a client that calls the stand-in in-process, with no socket,
// honouring the request's context: for tests on platforms without a
// network (GOOS=wasip1) and for speed.
func (s *Server) Doer() interface {
	Do(*http.Request) (*http.Response, error)
} {
	return doer{s.mux}
}

type doer struct{ h http.Handler }

func (d doer) Do(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.h.ServeHTTP(rec, r)
	}()
	select {
	case <-done:
		return rec.Result(), nil
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}
