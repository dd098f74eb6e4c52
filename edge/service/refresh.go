package service

import (
	"context"
	"errors"
	"strconv"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/wechat"
)

// WeChat is the WeChat API as the service uses it; *wechat.Client has it.
type WeChat interface {
	// Token returns a fresh access_token; force rotates a stable token.
	Token(ctx context.Context, force bool) (core.Record, error)
	// Ticket returns a jsapi_ticket for a token from tokens, refreshing the
	// token once when WeChat says it is invalid.
	Ticket(ctx context.Context, tokens wechat.TokenSource) (core.Record, error)
}

// status is what the service remembers of failed refreshes, in KV: for
// /healthz and for backing off, so that a broken WeChat is not called on
// every request.
type status struct {
	LastError   string `json:"last_error,omitempty"`
	LastErrCode int    `json:"last_errcode,omitempty"`
	LastErrorAt int64  `json:"last_error_at,omitempty"`
	Failures    int    `json:"failures,omitempty"`
	NextAttempt int64  `json:"next_attempt,omitempty"`
}

// refreshError is a failed or skipped refresh: the error as the caller of
// the Worker sees it, and when trying again makes sense.
type refreshError struct {
	*core.Error
	RetryAt int64
}

// state is one pass over the cache: the records as read from KV, refreshed
// as needed, written back only when they change.
type state struct {
	s      *Service
	now    int64
	token  core.Record
	ticket core.Record
	status status
	wrote  int // KV writes in this pass, for the cron's log line
}

func (s *Service) load(ctx context.Context) (*state, error) {
	st := &state{s: s, now: s.now()}
	id := s.Settings.AppID
	if _, err := getJSON(ctx, s.Store, ticketKey(id), &st.ticket); err != nil {
		return nil, err
	}
	if _, err := getJSON(ctx, s.Store, tokenKey(id), &st.token); err != nil {
		return nil, err
	}
	if _, err := getJSON(ctx, s.Store, statusKey(id), &st.status); err != nil {
		return nil, err
	}
	return st, nil
}

// Token implements TokenSource over the cached token: the cached one unless
// it is due or force is set, else a new one, stored.
func (st *state) Token(ctx context.Context, force bool) (string, error) {
	if !force && !st.token.Due(st.now, st.s.Settings.TokenMargin()) {
		return st.token.Value, nil
	}
	rec, err := st.s.WeChat.Token(ctx, force)
	if err != nil {
		if !force && st.token.Usable(st.now) {
			return st.token.Value, nil // due but still good: use it, try again later
		}
		return "", err
	}
	st.put(ctx, tokenKey(st.s.Settings.AppID), &st.token, rec, "access_token")
	return rec.Value, nil
}

// put stores rec under key if it differs from *old; a failed write is
// logged and the new record still used in memory: nothing valid is lost.
// The same value with the same expiry (give or take the seconds a call
// takes) is no change: WeChat handed back what KV already holds.
func (st *state) put(ctx context.Context, key string, old *core.Record, rec core.Record, what string) {
	if rec.Value == old.Value && abs(rec.ExpiresAt-old.ExpiresAt) <= sameExpiry {
		return
	}
	*old = rec
	if err := putJSON(ctx, st.s.Store, key, rec); err != nil {
		st.s.logf("wxsign: storing the %s in KV failed: %v", what, err)
		return
	}
	st.wrote++
	st.s.logf("wxsign: refreshed %s, valid for %d s", what, rec.ExpiresAt-st.now)
}

// refreshTicket fetches a new ticket (and a token if needed). On failure it
// keeps the old records, remembers the error and when to try again.
func (st *state) refreshTicket(ctx context.Context) error {
	rec, err := st.s.WeChat.Ticket(ctx, st)
	if err != nil {
		st.fail(ctx, err)
		return err
	}
	// Keep the ticket a new one replaces: a signature made with it is
	// /debug/check's previous_ticket.
	if rec.Value != st.ticket.Value {
		rec.Prev = st.ticket.Value
	} else {
		rec.Prev = st.ticket.Prev
	}
	st.put(ctx, ticketKey(st.s.Settings.AppID), &st.ticket, rec, "jsapi_ticket")
	if st.status.Failures > 0 || st.status.LastError != "" {
		// Keep the last error for /healthz but end the back-off.
		st.status.Failures, st.status.NextAttempt = 0, 0
		st.putStatus(ctx)
	}
	return nil
}

func (st *state) fail(ctx context.Context, err error) {
	e := describe(err)
	st.status.Failures++
	st.status.LastError = e.Msg
	st.status.LastErrCode = e.Code
	st.status.LastErrorAt = st.now
	st.status.NextAttempt = st.now + core.Backoff(st.status.Failures)
	st.s.logf("wxsign: refresh failed (%d in a row), next attempt in %d s: errcode %d: %s",
		st.status.Failures, st.status.NextAttempt-st.now, e.Code, e.Msg)
	st.putStatus(ctx)
}

func (st *state) putStatus(ctx context.Context) {
	if err := putJSON(ctx, st.s.Store, statusKey(st.s.Settings.AppID), st.status); err != nil {
		st.s.logf("wxsign: storing the refresh status in KV failed: %v", err)
		return
	}
	st.wrote++
}

// backoff reports the error to answer with while failed refreshes back off.
func (st *state) backoff() *refreshError {
	if st.now >= st.status.NextAttempt {
		return nil
	}
	e := &core.Error{Code: st.status.LastErrCode, Status: 503, Msg: st.status.LastError}
	if e.Code == 0 {
		e.Code, e.Msg = core.ErrUpstream.Code, core.ErrUpstream.Msg
	}
	return &refreshError{Error: e, RetryAt: st.status.NextAttempt}
}

// describe turns a refresh error into what callers see: WeChat's own code
// and message when WeChat refused, else wxsign's 1052.
func describe(err error) *core.Error {
	var api *wechat.APIError
	if errors.As(err, &api) {
		return &core.Error{Code: api.Code, Status: 503, Msg: "WeChat: " + api.Msg}
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &core.Error{Code: core.ErrUpstream.Code, Status: 503, Msg: "WeChat did not answer in time"}
	}
	return &core.Error{Code: core.ErrUpstream.Code, Status: 503, Msg: core.ErrUpstream.Msg + ": " + err.Error()}
}

// sameExpiry is how far apart two expiries of one value may be and still
// be the same: WeChat's expires_in counts down in whole seconds.
const sameExpiry = 5

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
