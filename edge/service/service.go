package service

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat/wire"
)

// WeChat is the WeChat client: the credentials' calls, and the sending of
// the calls a pass makes; *wechat.Client has both.
type WeChat interface {
	cred.Fetcher
	Send(ctx context.Context, r *wire.Request) (wire.Answer, error)
}

// Service answers a coordinator's requests: the credential and refresh
// passes through coord, with the I/O done here, and the platform's.
type Service struct {
	Settings api.Settings
	Store    cred.Store // Workers KV
	Mem      cred.Store // the coordinator's memory; nil keeps everything in Store
	WeChat   WeChat
	Platform Platform                      // the third-party platform's calls, with COMPONENT_APPID
	Now      func() time.Time              // defaults to time.Now
	Logf     func(format string, a ...any) // one line per event; never given a secret
}

func (s *Service) now() int64 {
	if s.Now != nil {
		return s.Now().Unix()
	}
	return time.Now().Unix()
}

func (s *Service) log(line string) { s.logf("%s", line) }

func (s *Service) logf(format string, a ...any) {
	if s.Logf != nil {
		s.Logf(format, a...)
	}
}

// vault is one pass of the cache policy; the alerts it decides go to
// events.
func (s *Service) vault(events *[]cred.Event) *cred.Vault {
	return coord.Vault(&s.Settings, s.now(), s.Store, s.Mem, s.WeChat, s.log, events)
}

// alert ends a pass of the coordinator owner, as coord.Alerts does, with
// the alerts in AlertHeader.
func (s *Service) alert(w http.ResponseWriter, ctx context.Context, v *cred.Vault, owner string, events *[]cred.Event) {
	for _, a := range coord.Alerts(ctx, &s.Settings, v, owner, events, s.log) {
		w.Header().Add(cred.AlertHeader, a)
	}
}

// ServeHTTP answers the coordinator's two paths. A panic becomes a 500
// JSON answer without internals.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			s.logf("wxsign: panic serving %s", r.URL.Path)
			writeError(w, core.ErrInternal, 0)
		}
	}()
	if !s.Settings.OK() {
		writeError(w, s.Settings.Unconfigured(), api.RetryAfterSeconds)
		return
	}
	switch p := r.URL.EscapedPath(); {
	case p == cred.CredentialPath || p == cred.RefreshPath:
		a := coord.Run(r.Context(), &s.Settings, s.now(), r.URL.RequestURI(), &coord.Host{Store: s.Store, Mem: s.Mem, Send: s.WeChat.Send, Clock: s.now, Log: s.log})
		for _, h := range a.Headers() {
			w.Header().Add(h.Name, h.Value)
		}
		w.WriteHeader(a.Status)
		w.Write(a.Body)
	case strings.HasPrefix(p, cred.PlatformPath) && s.Settings.Platform != nil:
		s.servePlatform(w, r, strings.TrimPrefix(p, cred.PlatformPath))
	default:
		writeError(w, core.ErrNotFound, 0)
	}
}

// wake tells the coordinator when its keys next need a pass.
func (s *Service) wake(w http.ResponseWriter, ctx context.Context, v *cred.Vault, owner string) {
	if t := coord.Wake(ctx, &s.Settings, v, owner); t != "" {
		w.Header().Set(cred.WakeHeader, t)
	}
}

// Cron refreshes every key that is due, for the tests and `make bench`'s
// simulated day; in the Worker each coordinator runs its own pass.
func (s *Service) Cron(ctx context.Context) error {
	if !s.Settings.OK() {
		s.logf("wxsign: cron skipped: %s", strings.Join(s.Settings.Problems, "; "))
		return nil
	}
	var events []cred.Event
	v := s.vault(&events)
	err := v.Refresh(ctx, s.Settings.Keys())
	for _, e := range events { // no coordinator to send them: logged only
		s.logf("wxsign: alert: %s", strings.ReplaceAll(s.Settings.Alerter().Text(e), "\n", " / "))
	}
	if err != nil {
		return err.Error
	}
	return nil
}

func writeError(w http.ResponseWriter, e *core.Error, retry int) {
	r := api.Response{}
	r.Fail(nil, e)
	if retry > 0 {
		r.RetryAfter = retry
	}
	writeResponse(w, &r)
}

func writeResponse(w http.ResponseWriter, r *api.Response) {
	for _, h := range r.Headers(nil) {
		w.Header().Set(h.Name, h.Value)
	}
	w.WriteHeader(r.Status)
	w.Write(r.Body)
}
