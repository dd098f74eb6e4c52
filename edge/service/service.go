package service

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
)

// ColdPathTimeout bounds an ask that has to fetch from WeChat: the page
// behind it gets a 503 within it, never a hang.
const ColdPathTimeout = 8 * time.Second

// CronTimeout bounds one refresh pass.
const CronTimeout = 20 * time.Second

// Service answers a coordinator's requests.
type Service struct {
	Settings api.Settings
	Store    cred.Store // Workers KV
	Mem      cred.Store // the coordinator's memory; nil keeps everything in Store
	State    cred.Store // the coordinator's durable storage, for the alerts' state; nil uses Mem
	WeChat   cred.Fetcher
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

func (s *Service) logf(format string, a ...any) {
	if s.Logf != nil {
		s.Logf(format, a...)
	}
}

// vault is one pass of the cache policy; the alerts it decides go to
// events.
func (s *Service) vault(events *[]cred.Event) *cred.Vault {
	return &cred.Vault{Store: s.Store, Mem: s.Mem, State: s.State, Fetcher: s.WeChat, Now: s.now(),
		RefreshMargin: s.Settings.RefreshMargin, Logf: s.Logf,
		Notify: func(e cred.Event) { *events = append(*events, e) }}
}

// alert ends a pass of the coordinator owner: the KV state is settled,
// and each alert the pass decided is logged and, with a webhook set,
// handed to the coordinator in AlertHeader, which sends it after the
// answer: an alert never delays signing. The Go program cannot send it
// itself after answering: syumai/workers ends it when the answer closes.
func (s *Service) alert(w http.ResponseWriter, ctx context.Context, v *cred.Vault, owner string, events *[]cred.Event) {
	v.Settle(ctx, owner)
	if len(*events) == 0 {
		return
	}
	a := s.Settings.Alerter()
	a.Secrets = append(a.Secrets, v.Values()...)
	url := base64.StdEncoding.EncodeToString([]byte(s.Settings.AlertWebhook))
	for _, e := range *events {
		text := a.Text(e)
		s.logf("wxsign: alert: %s", strings.ReplaceAll(text, "\n", " / "))
		if s.Settings.AlertWebhook == "" {
			continue
		}
		body := cred.AppendAlert(nil, a.Format, text)
		w.Header().Add(cred.AlertHeader, cred.ReceiptKey(e.Key, owner)+" "+strconv.FormatInt(e.At, 10)+" "+url+" "+
			base64.StdEncoding.EncodeToString(body))
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
	case p == cred.CredentialPath:
		s.serveCredential(w, r)
	case p == cred.RefreshPath:
		s.serveRefresh(w, r)
	case strings.HasPrefix(p, cred.PlatformPath) && s.Settings.Platform != nil:
		s.servePlatform(w, r, strings.TrimPrefix(p, cred.PlatformPath))
	default:
		writeError(w, core.ErrNotFound, 0)
	}
}

// serveCredential hands an isolate a usable record for the key it asks
// for, exactly as stored in KV, fetching it first when needed; or the
// error, as the module will show it to the page.
func (s *Service) serveCredential(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), ColdPathTimeout)
	defer cancel()
	var events []cred.Event
	v := s.vault(&events)
	k := s.key(ctx, v, r.URL.Query().Get("key"))
	if k == nil {
		writeError(w, core.ErrNotFound, 0)
		return
	}
	rec, err := v.Get(ctx, k)
	s.alert(w, ctx, v, k.Coordinator(), &events)
	s.wake(w, ctx, v, k.Coordinator())
	if err != nil {
		writeError(w, err.Error, retryAfter(err.RetryAt, v.Now))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(rec.AppendJSON(nil))
}

// serveRefresh is the cron's and the alarm's pass over one coordinator's
// keys: everything due is fetched, and the answer says when to wake next.
func (s *Service) serveRefresh(w http.ResponseWriter, r *http.Request) {
	owner := r.URL.Query().Get("owner")
	ctx, cancel := context.WithTimeout(r.Context(), CronTimeout)
	defer cancel()
	var events []cred.Event
	v := s.vault(&events)
	keys := s.keys(ctx, v, owner)
	if len(keys) == 0 {
		writeError(w, core.ErrNotFound, 0)
		return
	}
	err := v.Refresh(ctx, keys)
	if v.Wrote == 0 && err == nil {
		s.logf("wxsign: refresh %s: nothing due", owner)
	}
	s.alert(w, ctx, v, owner, &events)
	s.wake(w, ctx, v, owner)
	if err != nil {
		writeError(w, err.Error, retryAfter(err.RetryAt, v.Now))
		return
	}
	writeResponse(w, &api.Response{Status: 200, Body: []byte(`{"errcode":0,"errmsg":"ok"}`)})
}

// wake tells the coordinator when its keys next need a pass, and the
// path that runs it: "<Unix seconds> <path>".
func (s *Service) wake(w http.ResponseWriter, ctx context.Context, v *cred.Vault, owner string) {
	if t := v.Wake(ctx, s.keys(ctx, v, owner)); t != 0 {
		w.Header().Set(cred.WakeHeader, strconv.FormatInt(t, 10)+" "+cred.RefreshAsk(owner))
	}
}

// key finds a key by its KV name: one of the settings' table, or of an
// account that authorized the platform.
func (s *Service) key(ctx context.Context, v *cred.Vault, name string) *cred.Key {
	for _, k := range s.Settings.Keys() {
		if k.String() == name {
			return k
		}
	}
	if p := s.Settings.Platform; p != nil {
		for _, k := range s.keys(ctx, v, p.AppID) {
			if k.String() == name {
				return k
			}
		}
	}
	return nil
}

// keys are the keys one coordinator keeps, tokens before their tickets:
// a platform's coordinator keeps those of the accounts on its list too.
func (s *Service) keys(ctx context.Context, v *cred.Vault, owner string) []*cred.Key {
	var keys []*cred.Key
	for _, k := range s.Settings.Keys() {
		if k.Coordinator() == owner {
			keys = append(keys, k)
		}
	}
	if p := s.Settings.Platform; p != nil && p.AppID == owner {
		list, _ := v.Record(ctx, s.Settings.AuthorizerListKey())
		for id := range cred.Authorizers(list.Value) {
			keys = append(keys, s.Settings.AuthorizerKeys(id)...)
		}
	}
	return keys
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

func retryAfter(at, now int64) int {
	if d := at - now; d > 0 {
		return int(d)
	}
	return api.RetryAfterSeconds
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
