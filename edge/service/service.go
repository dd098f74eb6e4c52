package service

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/wxsign/wxsign/core"
)

// ColdPathTimeout bounds a request that has to fetch from WeChat: the caller
// gets a 503 within it, never a hang.
const ColdPathTimeout = 8 * time.Second

// CronTimeout bounds one cron run.
const CronTimeout = 20 * time.Second

// CredentialPath and InternalHeader are the cold path's, as core has them.
const (
	CredentialPath = core.CredentialPath
	InternalHeader = core.InternalHeader
)

// Service answers the Worker's Go-side requests and runs its cron.
type Service struct {
	Settings core.Settings
	Store    core.Store
	WeChat   core.Fetcher
	Internal string                        // the isolate's internal token; "" outside the entry's own calls
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

// vault is one pass of the cache policy.
func (s *Service) vault() *core.Vault {
	return &core.Vault{Store: s.Store, Fetcher: s.WeChat, Now: s.now(), RefreshMargin: s.Settings.RefreshMargin, Logf: s.Logf}
}

// ServeHTTP routes a request through core's route table, the one the
// signer module routes by. A panic becomes a 500 JSON answer without
// internals, and the next request is served as usual.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			s.logf("wxsign: panic serving %s %s", r.Method, r.URL.Path)
			writeError(w, core.ErrInternal, 0)
		}
	}()
	// The path as sent, not decoded: core.Route compares it byte for byte,
	// as the signer module does.
	path := r.URL.EscapedPath()
	if path == CredentialPath {
		s.serveCredential(w, r)
		return
	}
	if path == "/__test/panic" && s.Settings.Test.Panic {
		panic("test panic with internals: " + s.Settings.APIKey)
	}
	route, err := core.Route(r.Method, path)
	if err != nil {
		resp := core.Response{}
		resp.Fail(nil, err)
		if err == core.ErrMethod {
			resp.Allow = route.Methods // Fail sets /config's
		}
		writeResponse(w, &resp)
		return
	}
	if r.ContentLength > core.MaxBodyLen {
		writeError(w, core.ErrBodyTooLarge, 0)
		return
	}
	if route.Auth && !s.authorized(w, r) {
		return
	}
	switch route.Path {
	case "/token":
		s.serveSecret(w, r, "access_token")
	case "/ticket":
		s.serveSecret(w, r, "ticket")
	case "/healthz":
		s.serveHealth(w, r)
	default:
		writeError(w, core.ErrNotFound, 0)
	}
}

// serveCredential hands the JS entry a usable record for the key it asks
// for, exactly as stored in KV, fetching it first when needed; or the
// error, as the module will show it to the caller.
func (s *Service) serveCredential(w http.ResponseWriter, r *http.Request) {
	if s.Internal == "" || subtle.ConstantTimeCompare([]byte(r.Header.Get(InternalHeader)), []byte(s.Internal)) != 1 {
		writeError(w, core.ErrNotFound, 0)
		return
	}
	k := s.key(r.URL.Query().Get("key"))
	if k == nil {
		writeError(w, core.ErrNotFound, 0)
		return
	}
	if !s.Settings.OK() {
		writeError(w, s.notConfigured(), core.RetryAfterSeconds)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ColdPathTimeout)
	defer cancel()
	v := s.vault()
	if _, err := v.Get(ctx, k); err != nil {
		writeError(w, err.Error, retryAfter(err.RetryAt, v.Now))
		return
	}
	rec, _ := v.Record(ctx, k)
	b := rec.AppendJSON(nil)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// key finds a key of the table by its KV name.
func (s *Service) key(name string) *core.Key {
	for _, k := range s.Settings.Keys() {
		if k.String() == name {
			return k
		}
	}
	return nil
}

// serveSecret serves /token (an access_token) and /ticket (a jsapi_ticket)
// to callers holding API_KEY: ?appid= picks the official account (the
// first by default), ?agentid= a WeCom agent's token instead.
func (s *Service) serveSecret(w http.ResponseWriter, r *http.Request, field string) {
	if !s.Settings.OK() {
		writeError(w, s.notConfigured(), core.RetryAfterSeconds)
		return
	}
	appid, agentid, e := core.SecretQuery(r.URL.RawQuery)
	var k *core.Key
	if e == nil {
		k, e = s.secretKey(appid, agentid, field)
	}
	if e != nil {
		writeError(w, e, 0)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ColdPathTimeout)
	defer cancel()
	v := s.vault()
	rec, err := v.Get(ctx, k)
	if err != nil {
		writeError(w, err.Error, retryAfter(err.RetryAt, v.Now))
		return
	}
	o := newJSONObject(nil)
	o.str(field, rec.Value)
	o.int("expires_at", rec.ExpiresAt)
	writeJSON(w, 200, o.bytes())
}

func (s *Service) secretKey(appid, agentid, field string) (*core.Key, *core.Error) {
	kind := core.JSAPITicket.Name
	owner := appid
	switch {
	case agentid != "":
		if s.Settings.WeCom == nil {
			return nil, core.ErrUnknownApp
		}
		owner = s.Settings.WeCom.CorpID + "/" + agentid
		kind = core.WeComCorpTicket.Name
		if field == "access_token" {
			kind = core.WeComToken.Name
		}
	case field == "access_token":
		kind = core.StableToken.Name
	}
	if owner == "" && len(s.Settings.Apps) > 0 {
		owner = s.Settings.Apps[0].AppID
	}
	if k := s.Settings.Key(kind, owner); k != nil {
		return k, nil
	}
	return nil, core.ErrUnknownApp
}

// Cron refreshes every key that is due, writing to KV only what changed,
// and logs one line per refresh (or one saying nothing was due). It
// returns an error only for the log; the Worker must not fail the event.
func (s *Service) Cron(ctx context.Context) error {
	if !s.Settings.OK() {
		s.logf("wxsign: cron skipped: %s", strings.Join(s.Settings.Problems, "; "))
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, CronTimeout)
	defer cancel()
	v := s.vault()
	err := v.Refresh(ctx, s.Settings.Keys())
	if v.Wrote == 0 && err == nil {
		s.logf("wxsign: cron: nothing due")
	}
	if err != nil {
		return err.Error
	}
	return nil
}

func (s *Service) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.Settings.APIKey == "" {
		writeError(w, core.ErrNotFound, 0)
		return false
	}
	if !core.Authorized(r.Header.Get("Authorization"), s.Settings.APIKey) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="wxsign"`)
		writeError(w, core.ErrUnauthorized, 0)
		return false
	}
	return true
}

func (s *Service) notConfigured() *core.Error {
	return &core.Error{Code: core.ErrNotConfigured.Code, Status: 503,
		Msg: core.ErrNotConfigured.Msg + ": " + strings.Join(s.Settings.Problems, "; ")}
}

func retryAfter(at, now int64) int {
	if d := at - now; d > 0 {
		return int(d)
	}
	return core.RetryAfterSeconds
}

func writeError(w http.ResponseWriter, e *core.Error, retry int) {
	r := core.Response{}
	r.Fail(nil, e)
	if retry > 0 {
		r.RetryAfter = retry
	}
	writeResponse(w, &r)
}

func writeResponse(w http.ResponseWriter, r *core.Response) {
	for _, h := range r.Headers(nil) {
		w.Header().Set(h.Name, h.Value)
	}
	w.WriteHeader(r.Status)
	w.Write(r.Body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	r := core.Response{Status: status, Body: body}
	writeResponse(w, &r)
}
