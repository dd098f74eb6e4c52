package service

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/msgcrypt"
	"github.com/wxsign/wxsign/core/wechat"
)

// Platform makes a third-party platform's calls that fetch no credential
// of the table; *wechat.Client has them.
type Platform interface {
	PreAuthCode(ctx context.Context, componentAppID, componentToken string) (string, error)
	QueryAuth(ctx context.Context, componentAppID, componentToken, authCode string) (wechat.Authorization, error)
}

// VerifyTicketLife is how long WeChat says a pushed verify ticket lives.
const VerifyTicketLife = 12 * 3600

// The pages an authorization goes through: WeChat's, which the account's
// administrator scans or confirms, on a computer and on a phone.
const (
	loginPath  = "/cgi-bin/componentloginpage"
	mobilePath = "/wxaopen/safe/bindcomponent"
)

// servePlatform answers what the module forwards to the platform's
// coordinator.
func (s *Service) servePlatform(w http.ResponseWriter, r *http.Request, what string) {
	ctx, cancel := context.WithTimeout(r.Context(), coord.ColdPathTimeout)
	defer cancel()
	var events []cred.Event
	v := s.vault(&events)
	p := s.Settings.Platform
	switch what {
	case "event":
		s.serveEvent(ctx, w, r, v)
	case "authorize":
		s.serveAuthorize(ctx, w, r, v)
	case "callback":
		s.serveCallback(ctx, w, r, v)
	case "authorizers":
		s.serveAuthorizers(ctx, w, v)
	default:
		writeError(w, core.ErrNotFound, 0)
	}
	s.alert(w, ctx, v, p.AppID, &events)
	s.wake(w, ctx, v, p.AppID)
}

// serveEvent takes WeChat's push: its msg_signature is checked, then it is
// decrypted for COMPONENT_APPID, and what it carries is kept. WeChat wants
// the plain answer "success"; a push that does not verify gets a 4xx and
// changes nothing. Nothing of its body is logged.
func (s *Service) serveEvent(ctx context.Context, w http.ResponseWriter, r *http.Request, v *cred.Vault) {
	p := s.Settings.Platform
	key, err := msgcrypt.ParseKey(p.AESKey)
	if err != nil {
		writeError(w, s.Settings.Unconfigured(), 0)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, msgcrypt.MaxBody+1))
	if err != nil {
		writeError(w, core.ErrPushMalformed, 0)
		return
	}
	q := r.URL.Query()
	plain, err := key.Open(p.Token, q.Get("timestamp"), q.Get("nonce"), q.Get("msg_signature"), body, p.AppID)
	if errors.Is(err, msgcrypt.ErrSignature) {
		s.logf("wxsign: platform: a push whose msg_signature does not match was refused")
		writeError(w, core.ErrPushSignature, 0)
		return
	}
	var m msgcrypt.Message
	if err == nil {
		m, err = msgcrypt.ParseMessage(plain)
	}
	if err != nil || m.AppID != p.AppID {
		s.logf("wxsign: platform: a push that does not open was refused")
		writeError(w, core.ErrPushMalformed, 0)
		return
	}
	switch m.InfoType {
	case msgcrypt.InfoVerifyTicket:
		verify := s.Settings.Key(cred.ComponentVerifyTicket.Name, p.AppID)
		if err := v.Keep(ctx, verify, m.ComponentVerifyTicket, v.Now+VerifyTicketLife-cred.ExpirySafety); err != nil {
			writeError(w, core.ErrStorage, pushRetry)
			return
		}
		v.Mirror(ctx, verify)
	case msgcrypt.InfoAuthorized, msgcrypt.InfoUpdateAuthorized:
		if _, e := s.authorize(ctx, v, m.AuthorizationCode); e != nil {
			writeError(w, e, pushRetry)
			return
		}
	case msgcrypt.InfoUnauthorized:
		if e := s.unauthorize(ctx, v, m.AuthorizerAppID); e != nil {
			writeError(w, e, pushRetry)
			return
		}
	default:
		s.logf("wxsign: platform: push of InfoType %q taken and ignored", m.InfoType)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("success"))
}

// pushRetry is the Retry-After, in seconds, of what failed for want of
// storage or WeChat: WeChat sends a push again, an administrator retries.
const pushRetry = 5

// authorize completes an authorization: the auth code is exchanged for the
// account's tokens (once: the push and the administrator's return both
// bring it, and WeChat takes it once), which are kept, and the account is
// added to the list every isolate reads.
func (s *Service) authorize(ctx context.Context, v *cred.Vault, code string) (string, *core.Error) {
	p := s.Settings.Platform
	if code == "" {
		return "", core.ErrBadRequest
	}
	seen := "wxsign:" + p.AppID + "#auth_code"
	if done, ok, _ := s.memory().Get(ctx, seen); ok {
		if id, c, _ := strings.Cut(done, " "); c == code {
			return id, nil
		}
	}
	tok, rerr := v.Get(ctx, s.Settings.Key(cred.ComponentToken.Name, p.AppID))
	if rerr != nil {
		return "", rerr.Error
	}
	if s.Platform == nil {
		return "", core.ErrNotConfigured
	}
	a, err := s.Platform.QueryAuth(ctx, p.AppID, tok.Value, code)
	if err != nil {
		s.logf("wxsign: platform: api_query_auth: %v", err)
		return "", cred.Describe(err)
	}
	keys := s.Settings.AuthorizerKeys(a.AppID) // refresh token, access token, ticket
	list := s.Settings.AuthorizerListKey()
	cur, _ := v.Record(ctx, list)
	for _, err := range []error{
		v.Keep(ctx, keys[0], a.RefreshToken, cred.Forever),
		v.Keep(ctx, keys[1], a.Token.Value, a.Token.ExpiresAt),
		v.Keep(ctx, list, cred.ListWith(cur.Value, a.AppID, true), cred.Forever),
	} {
		if err != nil {
			return "", core.ErrStorage
		}
	}
	s.memory().Put(ctx, seen, a.AppID+" "+code)
	s.logf("wxsign: platform: %s authorized the platform", a.AppID)
	return a.AppID, nil
}

// unauthorize forgets an account that withdrew its authorization: its
// records are emptied and it leaves the list, so that no isolate signs
// for it once it reads the list again.
func (s *Service) unauthorize(ctx context.Context, v *cred.Vault, appID string) *core.Error {
	if appID == "" {
		return core.ErrBadRequest
	}
	list := s.Settings.AuthorizerListKey()
	cur, _ := v.Record(ctx, list)
	if err := v.Keep(ctx, list, cred.ListWith(cur.Value, appID, false), cred.Forever); err != nil {
		return core.ErrStorage
	}
	for _, k := range s.Settings.AuthorizerKeys(appID) {
		if err := v.Keep(ctx, k, "", 0); err != nil {
			return core.ErrStorage
		}
	}
	s.logf("wxsign: platform: %s withdrew its authorization", appID)
	return nil
}

// memory is where the coordinator remembers what KV need not hold.
func (s *Service) memory() cred.Store {
	if s.Mem != nil {
		return s.Mem
	}
	return s.Store
}

// serveAuthorize starts an authorization: a pre_auth_code, then a
// redirect to WeChat's page, which sends the administrator back to
// redirect (the Worker's /component/callback).
func (s *Service) serveAuthorize(ctx context.Context, w http.ResponseWriter, r *http.Request, v *cred.Vault) {
	p := s.Settings.Platform
	q := r.URL.Query()
	redirect := q.Get("redirect")
	if redirect == "" || s.Platform == nil {
		writeError(w, core.ErrBadRequest, 0)
		return
	}
	tok, rerr := v.Get(ctx, s.Settings.Key(cred.ComponentToken.Name, p.AppID))
	if rerr != nil {
		writeError(w, rerr.Error, coord.RetryAfter(rerr.RetryAt, v.Now))
		return
	}
	code, err := s.Platform.PreAuthCode(ctx, p.AppID, tok.Value)
	if err != nil {
		s.logf("wxsign: platform: api_create_preauthcode: %v", err)
		writeError(w, cred.Describe(err), pushRetry)
		return
	}
	page, path := p.LoginBase, loginPath
	if q.Get("mobile") != "" {
		page, path = p.MobileLoginBase, mobilePath
	}
	to := url.Values{"component_appid": {p.AppID}, "pre_auth_code": {code}, "redirect_uri": {redirect}, "auth_type": {"1"}}
	if path == mobilePath {
		to.Set("action", "bindcomponent")
		to.Set("no_scan", "1")
	}
	w.Header().Set("Location", strings.TrimRight(page, "/")+path+"?"+to.Encode()+"#wechat_redirect")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// serveCallback is where WeChat sends the administrator back: the
// authorization is completed (if the push has not done it already) and a
// small page, in English and Chinese, names the account.
func (s *Service) serveCallback(ctx context.Context, w http.ResponseWriter, r *http.Request, v *cred.Vault) {
	id, e := s.authorize(ctx, v, r.URL.Query().Get("auth_code"))
	status, en, zh := http.StatusOK, "The official account "+id+" has authorized this platform: its pages can now be signed.",
		"公众号 "+id+" 已授权本平台，其网页现在可以签名。"
	if e != nil {
		status, en, zh = e.Status, "The authorization could not be completed: "+e.Msg, "授权未能完成："+e.Msg
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`+
		`<title>wxsign</title></head><body><p lang="en">`+html.EscapeString(en)+`</p><p lang="zh">`+html.EscapeString(zh)+
		`</p></body></html>`)
}

// serveAuthorizers lists the accounts that authorized the platform, with
// the state of their credentials and never a value.
func (s *Service) serveAuthorizers(ctx context.Context, w http.ResponseWriter, v *cred.Vault) {
	list, err := v.Record(ctx, s.Settings.AuthorizerListKey())
	if err != nil {
		writeError(w, core.ErrStorage, pushRetry)
		return
	}
	b := []byte(`{"errcode":0,"errmsg":"ok","authorizers":[`)
	n := 0
	for id := range cred.Authorizers(list.Value) {
		if n++; n > 1 {
			b = append(b, ',')
		}
		b = append(b, `{"appid":`...)
		b = core.AppendJSONString(b, id)
		for _, k := range s.Settings.AuthorizerKeys(id)[1:] {
			rec, _ := v.Record(ctx, k)
			b = append(b, ',')
			b = core.AppendJSONString(b, k.Kind.Name)
			b = append(b, `:{"usable":`...)
			b = strconv.AppendBool(b, rec.Usable(v.Now))
			b = append(b, `,"expires_at":`...)
			b = strconv.AppendInt(b, rec.ExpiresAt, 10)
			b = append(b, `,"last_errcode":`...)
			b = strconv.AppendInt(b, int64(rec.LastErrCode), 10)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
