package wechattest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Lifetimes of the Open Platform's codes, as documented.
const (
	verifyTicketLife = 12 * time.Hour     // component_verify_ticket
	preAuthCodeLife  = 1800 * time.Second // pre_auth_code
	authCodeLife     = 600 * time.Second  // the auth_code the consent page hands out
	ticketPushEvery  = 10 * time.Minute   // WeChat's cadence of component_verify_ticket pushes
)

// Permission sets (权限集) that the stand-in requires of an authorizer's
// token for getticket; which set covers which ticket is not documented
// per API, so this is modelled (unconfirmed).
const (
	funcWebService = 4 // 网页服务权限: jsapi_ticket
	funcCard       = 8 // 微信卡券权限: wx_card ticket
)

// DefaultFuncInfo is what an authorizer added without its own list grants:
// messages, users, account, web service (JS-SDK), mass sending, cards,
// materials and menus.
var DefaultFuncInfo = []int{1, 2, 3, 4, 7, 8, 11, 15}

// Component is a third-party platform (第三方平台) as configured on the
// Open Platform.
type Component struct {
	AppID          string // component_appid
	Secret         string // component_appsecret
	Token          string // the message token that signs pushes
	EncodingAESKey string // 43 characters: base64 of the AES key without its "="
	EventURL       string // 授权事件接收URL, where pushes go; "" pushes nowhere
	// Domain is the authorization launch page domain (授权发起页域名): the
	// consent page refuses a redirect_uri or a Referer on any other host.
	// "" checks neither.
	Domain string
}

// platform is the configured component and what WeChat holds for it.
type platform struct {
	Component
	key       []byte
	ticket    string    // the latest component_verify_ticket pushed
	ticketAt  time.Time // when it was pushed
	tokens    map[string]time.Time
	latest    string // the latest component_access_token
	preAuth   map[string]*preAuth
	codes     map[string]*authCode
	auths     map[string]*authorization // by authorizer appid, while authorized
	grants    map[string][]int          // by appid: the accounts that may authorize, with what they grant
	consent   string                    // the appid whose admin consents on the page next
	rotate    map[string]bool           // appid ("" any): the next refresh hands out a new refresh token
	pushes    []Push
	stopPush  func()
	forgeries int
}

type preAuth struct {
	expires time.Time
	used    bool
}

type authCode struct {
	auth    *authorization
	expires time.Time
	used    bool
}

// authorization is an account's current authorization of the platform.
type authorization struct {
	owner   *owner
	refresh string
	funcs   []int
}

// SetComponent configures the third-party platform the stand-in accepts.
// Calling it again replaces the configuration and forgets what was
// issued under the previous one; authorizers stay.
func (s *Server) SetComponent(c Component) error {
	if c.AppID == "" || c.Secret == "" || c.Token == "" {
		return fmt.Errorf("component: appid, secret and token are required")
	}
	if len(c.EncodingAESKey) != 43 {
		return fmt.Errorf("component: EncodingAESKey has %d characters, want 43", len(c.EncodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(c.EncodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return fmt.Errorf("component: EncodingAESKey is not base64 of 32 bytes")
	}
	if c.EventURL != "" {
		if u, err := url.Parse(c.EventURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("component: event URL %q is not an absolute http(s) URL", c.EventURL)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &platform{grants: map[string][]int{}}
	if old := s.comp; old != nil {
		p.grants, p.consent = old.grants, old.consent
		if old.stopPush != nil {
			old.stopPush()
		}
	}
	p.Component, p.key = c, key
	p.forget()
	s.comp = p
	return nil
}

// SetEventURL changes where pushes go, as a platform's owner does in the
// Open Platform's settings, and keeps everything else: a test learns the
// Worker's address after the stand-in has started.
func (s *Server) SetEventURL(eventURL string) error {
	if u, err := url.Parse(eventURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("component: event URL %q is not an absolute http(s) URL", eventURL)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.comp == nil {
		return fmt.Errorf("component: no platform is configured")
	}
	s.comp.EventURL = eventURL
	return nil
}

// forget drops everything issued; the caller holds s.mu.
func (p *platform) forget() {
	p.ticket, p.ticketAt, p.latest, p.pushes = "", time.Time{}, "", nil
	p.tokens, p.preAuth, p.codes = map[string]time.Time{}, map[string]*preAuth{}, map[string]*authCode{}
	p.auths, p.rotate = map[string]*authorization{}, map[string]bool{}
}

// AddAuthorizer makes an official account one whose admin can authorize
// the platform, granting the permission sets funcIDs (DefaultFuncInfo when
// none). Its tickets are the account's own: an app added with AddApp and
// authorized too has one jsapi_ticket whichever token fetched it.
func (s *Server) AddAuthorizer(appID string, funcIDs ...int) {
	if len(funcIDs) == 0 {
		funcIDs = DefaultFuncInfo
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps[appID] == nil {
		s.apps[appID] = &owner{id: appID, tickets: map[string]*ticket{}}
	}
	if s.comp == nil {
		s.comp = &platform{grants: map[string][]int{}}
		s.comp.forget()
	}
	s.comp.grants[appID] = slices.Clone(funcIDs)
	if s.comp.consent == "" {
		s.comp.consent = appID
	}
}

// SetConsent chooses the account whose admin consents on the
// authorization page next (the first authorizer added, until set); ""
// leaves the page waiting for a scan, as when nobody consents.
func (s *Server) SetConsent(appID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if appID != "" && (s.comp == nil || s.comp.grants[appID] == nil) {
		return fmt.Errorf("consent: %q is not an authorizer (AddAuthorizer, -authorizers)", appID)
	}
	if s.comp == nil {
		return nil
	}
	s.comp.consent = appID
	return nil
}

// RotateRefreshToken makes the next api_authorizer_token answer for appID
// ("" any account) hand out a new authorizer_refresh_token; the old one is
// refused from then on.
func (s *Server) RotateRefreshToken(appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.comp != nil {
		s.comp.rotate[appID] = true
	}
}

// AuthorizerState is what an account holds as an authorizer of the platform.
type AuthorizerState struct {
	Authorized   bool   `json:"authorized"`
	RefreshToken string `json:"refresh_token,omitempty"`
	AccessToken  string `json:"access_token,omitempty"` // the account's latest token
	Ticket       string `json:"ticket,omitempty"`       // the account's latest jsapi_ticket
	FuncInfo     []int  `json:"func_info,omitempty"`    // the permission sets granted
}

// ComponentState is the platform's state, for tests to read.
type ComponentState struct {
	AppID        string                     `json:"component_appid"`
	VerifyTicket string                     `json:"verify_ticket"`
	AccessToken  string                     `json:"component_access_token"` // the latest issued
	Consent      string                     `json:"consent"`
	Authorizers  map[string]AuthorizerState `json:"authorizers"`
}

// ComponentState returns the platform's state, and false when none is
// configured.
func (s *Server) ComponentState() (ComponentState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.comp
	if p == nil || p.AppID == "" {
		return ComponentState{}, false
	}
	st := ComponentState{AppID: p.AppID, VerifyTicket: p.ticket, AccessToken: p.latest, Consent: p.consent,
		Authorizers: map[string]AuthorizerState{}}
	for id := range p.grants {
		o := s.apps[id]
		a := AuthorizerState{AccessToken: o.token, Ticket: o.latest("jsapi")}
		if auth := p.auths[id]; auth != nil {
			a.Authorized, a.RefreshToken, a.FuncInfo = true, auth.refresh, auth.funcs
		}
		st.Authorizers[id] = a
	}
	return st, true
}

// code makes a WeChat-looking code: prefix and base64url characters from a
// PCG seeded by the serial, so that runs are reproducible.
func code(prefix string, serial int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := []byte(prefix)
	rng := rand.New(rand.NewPCG(uint64(serial), 0x636f6d70))
	for range 43 {
		b = append(b, alphabet[rng.IntN(len(alphabet))])
	}
	return string(b)
}

// decodeBody reads a component call's JSON body into v, or answers 47001.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(v); err != nil {
		fail(w, r, "format")
		return false
	}
	return true
}

// componentFrom checks the component_appid of a call authenticated by a
// component token, or answers the error; the caller holds s.mu.
func (s *Server) componentFrom(w http.ResponseWriter, r *http.Request, appID string) bool {
	if !s.componentToken(w, r) {
		return false
	}
	switch {
	case appID == "":
		fail(w, r, "no_appid")
	case appID != s.comp.AppID:
		fail(w, r, "c_invalid")
	default:
		return true
	}
	return false
}

// componentToken checks the component_access_token (or access_token, as
// the newer documentation names it) of a call, or answers the error; the
// caller holds s.mu.
func (s *Server) componentToken(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	value := q.Get("component_access_token")
	if value == "" {
		value = q.Get("access_token")
	}
	p := s.comp
	var expires time.Time
	known := false
	if p != nil {
		expires, known = p.tokens[value]
	}
	switch {
	case value == "":
		fail(w, r, "no_token")
	case !known && s.tokens[value] != nil:
		fail(w, r, "c_wrong_token")
	case !known:
		fail(w, r, Revoked)
	case !s.now().Before(expires):
		fail(w, r, "expired")
	default:
		return true
	}
	return false
}

// componentIPAllowed checks the platform's IP whitelist, which every
// component call is held to, or answers 61004.
func (s *Server) componentIPAllowed(w http.ResponseWriter, r *http.Request) bool {
	if s.ipAllowed(r) {
		return true
	}
	fail(w, r, "c_ip")
	return false
}

func (s *Server) apiComponentToken(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.ComponentToken, "component")) {
		return
	}
	var req struct {
		AppID  string `json:"component_appid"`
		Secret string `json:"component_appsecret"`
		Ticket string `json:"component_verify_ticket"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	p := s.comp
	configured := p != nil && p.AppID != ""
	var secret string
	if configured {
		secret = p.Secret
	}
	s.mu.Unlock()
	switch {
	case req.AppID == "":
		fail(w, r, "no_appid")
		return
	case !configured || req.AppID != p.AppID:
		fail(w, r, BadAppID)
		return
	case req.Secret == "":
		fail(w, r, "no_secret")
		return
	case req.Secret != secret:
		fail(w, r, BadSecret)
		return
	}
	if !s.componentIPAllowed(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	switch {
	case req.Ticket == "" || req.Ticket != p.ticket:
		// Only the latest ticket pushed is taken, the harsher reading of
		// users' reports of 61006 with a ticket stored a push earlier.
		fail(w, r, "c_ticket_invalid")
		return
	case !now.Before(p.ticketAt.Add(verifyTicketLife)):
		fail(w, r, "c_ticket_expired")
		return
	}
	// As with classic tokens, a new one leaves the previous ones 5 minutes.
	for v, exp := range p.tokens {
		if limit := now.Add(5 * time.Minute); exp.After(limit) {
			p.tokens[v] = limit
		}
	}
	s.serial++
	value := fmt.Sprintf("COMPONENT_ACCESS_TOKEN_%d_%s", s.serial, p.AppID)
	p.tokens[value], p.latest = now.Add(time.Duration(s.expiresIn)*time.Second), value
	writeJSON(w, map[string]any{"component_access_token": value, "expires_in": s.expiresIn})
}

func (s *Server) apiCreatePreAuthCode(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.PreAuthCode, "component")) {
		return
	}
	var req struct {
		AppID string `json:"component_appid"`
	}
	if !decodeBody(w, r, &req) || !s.componentIPAllowed(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.componentFrom(w, r, req.AppID) {
		return
	}
	s.serial++
	value := code("preauthcode@@@", s.serial)
	s.comp.preAuth[value] = &preAuth{expires: s.now().Add(preAuthCodeLife)}
	writeJSON(w, map[string]any{"pre_auth_code": value, "expires_in": int64(preAuthCodeLife / time.Second)})
}

func (s *Server) apiQueryAuth(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.QueryAuth, "component")) {
		return
	}
	var req struct {
		AppID string `json:"component_appid"`
		Code  string `json:"authorization_code"`
	}
	if !decodeBody(w, r, &req) || !s.componentIPAllowed(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.componentFrom(w, r, req.AppID) {
		return
	}
	p, now := s.comp, s.now()
	c := p.codes[req.Code]
	switch {
	case c == nil || c.used || p.auths[c.auth.owner.id] != c.auth:
		// Unknown, used, or of an authorization since revoked or renewed.
		fail(w, r, "c_code_invalid")
		return
	case !now.Before(c.expires):
		fail(w, r, "c_code_expired")
		return
	}
	c.used = true
	tok := s.issueAuthorizerToken(c.auth.owner, now)
	funcs := make([]map[string]any, 0, len(c.auth.funcs))
	for _, id := range c.auth.funcs {
		funcs = append(funcs, map[string]any{"funcscope_category": map[string]int{"id": id}})
	}
	writeJSON(w, map[string]any{"authorization_info": map[string]any{
		"authorizer_appid":         c.auth.owner.id,
		"authorizer_access_token":  tok.value,
		"expires_in":               s.expiresIn,
		"authorizer_refresh_token": c.auth.refresh,
		"func_info":                funcs,
	}})
}

func (s *Server) apiAuthorizerToken(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.AuthorizerToken, "component")) {
		return
	}
	var req struct {
		AppID        string `json:"component_appid"`
		Authorizer   string `json:"authorizer_appid"`
		RefreshToken string `json:"authorizer_refresh_token"`
	}
	if !decodeBody(w, r, &req) || !s.componentIPAllowed(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.componentFrom(w, r, req.AppID) {
		return
	}
	p := s.comp
	auth := p.auths[req.Authorizer]
	switch {
	case req.Authorizer == "":
		fail(w, r, "no_appid")
		return
	case s.apps[req.Authorizer] == nil:
		fail(w, r, BadAppID)
		return
	case auth == nil:
		fail(w, r, "c_not_authorized")
		return
	case req.RefreshToken == "" || req.RefreshToken != auth.refresh:
		fail(w, r, "c_refresh")
		return
	}
	if p.rotate[auth.owner.id] || p.rotate[""] {
		delete(p.rotate, auth.owner.id)
		delete(p.rotate, "")
		s.serial++
		auth.refresh = code("refreshtoken@@@", s.serial)
	}
	tok := s.issueAuthorizerToken(auth.owner, s.now())
	writeJSON(w, map[string]any{"authorizer_access_token": tok.value, "expires_in": s.expiresIn,
		"authorizer_refresh_token": auth.refresh})
}

// issueAuthorizerToken makes a new authorizer_access_token for o, leaving
// its previous ones 5 more minutes as classic tokens are left (how WeChat
// treats them is not documented); the caller holds s.mu.
func (s *Server) issueAuthorizerToken(o *owner, now time.Time) credential {
	for _, t := range s.tokens {
		if limit := now.Add(5 * time.Minute); t.owner == o && t.component && t.expires.After(limit) {
			t.expires = limit
		}
	}
	s.serial++
	c := credential{value: fmt.Sprintf("AUTHORIZER_ACCESS_TOKEN_%d_%s", s.serial, o.id),
		expires: now.Add(time.Duration(s.expiresIn) * time.Second)}
	s.tokens[c.value] = &issuedToken{owner: o, component: true, expires: c.expires}
	o.token = c.value
	return c
}

// apiStartPushTicket asks WeChat to push a component_verify_ticket now; the
// push follows the answer, as it does from WeChat.
func (s *Server) apiStartPushTicket(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.StartPushTicket, "component")) {
		return
	}
	var req struct {
		AppID  string `json:"component_appid"`
		Secret string `json:"component_secret"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	p := s.comp
	ok := p != nil && p.AppID != "" && req.AppID == p.AppID
	good := ok && req.Secret == p.Secret
	s.mu.Unlock()
	switch {
	case req.AppID == "":
		fail(w, r, "no_appid")
	case !ok:
		fail(w, r, BadAppID)
	case req.Secret == "":
		fail(w, r, "no_secret")
	case !good:
		fail(w, r, BadSecret)
	default:
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
		go s.PushVerifyTicket()
	}
}

// authTypes are the documented auth_type values of the consent page, with
// whether an official account may be chosen under each.
var authTypes = map[string]bool{"1": true, "2": false, "3": true, "4": false, "5": false, "6": true, "8": false}

// authPage is the consent page, on the PC (componentloginpage) and mobile
// (safe/bindcomponent) paths. Standing in for the admin, it authorizes the
// account chosen by SetConsent, pushes authorized or updateauthorized to
// the event URL, and then redirects to redirect_uri with the auth_code.
// What it refuses it shows as WeChat does, on a page of its own (HTTP 200).
func (s *Server) authPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.AuthPage++
	s.mu.Unlock()
	q := r.URL.Query()
	if r.URL.Path != "/cgi-bin/componentloginpage" && q.Get("action") != "bindcomponent" {
		page(w, "action must be bindcomponent")
		return
	}
	msg, target, why := s.consent(q, r.Referer(), "")
	if why != "" {
		page(w, why)
		return
	}
	s.deliver(msg)
	http.Redirect(w, r, target, http.StatusFound)
}

// consent checks a consent page's parameters and, when the admin of appID
// (the one SetConsent chose when "") may authorize, does it: it returns
// the push to send and where to redirect, or why the page refuses.
func (s *Server) consent(q url.Values, referer, appID string) (*sealed, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, now := s.comp, s.now()
	if p == nil || p.AppID == "" || q.Get("component_appid") != p.AppID {
		return nil, "", "invalid component_appid"
	}
	pre := p.preAuth[q.Get("pre_auth_code")]
	switch {
	case pre == nil:
		return nil, "", "invalid pre_auth_code"
	case pre.used:
		return nil, "", "pre_auth_code has been used"
	case !now.Before(pre.expires):
		return nil, "", "pre_auth_code has expired"
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("redirect_uri") == "" || err != nil || (redirect.Scheme != "http" && redirect.Scheme != "https") || redirect.Host == "" {
		return nil, "", "redirect_uri is not an absolute http(s) URL"
	}
	if p.Domain != "" {
		// WeChat's words: the entry page's domain and the callback's must
		// both be the launch page domain configured for the platform.
		from := "empty"
		if u, err := url.Parse(referer); err == nil && u.Hostname() != "" {
			from = u.Hostname()
		}
		if from != p.Domain || redirect.Hostname() != p.Domain {
			return nil, "", fmt.Sprintf("the entry page domain (%s) and the callback domain (%s) must both be the launch page domain %s",
				from, redirect.Hostname(), p.Domain)
		}
	}
	officials, known := authTypes[q.Get("auth_type")]
	if !known {
		return nil, "", "auth_type must be one of 1, 2, 3, 4, 5, 6, 8"
	}
	if appID == "" {
		appID = p.consent
	}
	switch biz := q.Get("biz_appid"); {
	case appID == "":
		return nil, "", "waiting for the admin to scan the QR code"
	case biz != "" && biz != appID:
		return nil, "", fmt.Sprintf("only the admin of %s may authorize through this link, not that of %s", biz, appID)
	case !officials && biz == "":
		return nil, "", "auth_type " + q.Get("auth_type") + " lists no official accounts"
	}
	funcs := p.grants[appID]
	if list := q.Get("category_id_list"); list != "" {
		var only []int
		for _, f := range strings.Split(list, "|") {
			id, err := strconv.Atoi(f)
			if err != nil {
				return nil, "", "category_id_list must be ids joined by |"
			}
			if slices.Contains(funcs, id) {
				only = append(only, id)
			}
		}
		funcs = only
	}
	pre.used = true
	infoType := "authorized"
	if p.auths[appID] != nil {
		// Authorizing again renews the authorization: the previous refresh
		// token dies.
		infoType = "updateauthorized"
	}
	s.serial++
	auth := &authorization{owner: s.apps[appID], refresh: code("refreshtoken@@@", s.serial), funcs: funcs}
	p.auths[appID] = auth
	s.serial++
	value := code("queryauthcode@@@", s.serial)
	c := &authCode{auth: auth, expires: now.Add(authCodeLife)}
	p.codes[value] = c
	msg := s.seal(infoType, [][2]string{
		{"AuthorizerAppid", appID}, {"AuthorizationCode", value},
		{"AuthorizationCodeExpiredTime", strconv.FormatInt(c.expires.Unix(), 10)},
		{"PreAuthCode", q.Get("pre_auth_code")},
	}, "")
	back := redirect.Query()
	back.Set("auth_code", value)
	back.Set("expires_in", strconv.FormatInt(int64(authCodeLife/time.Second), 10))
	redirect.RawQuery = back.Encode()
	return msg, redirect.String(), ""
}

// page answers a consent page that refuses, with the reason.
func page(w http.ResponseWriter, why string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>微信公众平台</title></head><body><p class=\"standin-refusal\">%s</p></body></html>\n", html.EscapeString(why))
}

// Unauthorize stands in for an admin who cancels the authorization on
// mp.weixin.qq.com: the account's refresh token and the tokens issued
// through the platform die, and unauthorized is pushed.
func (s *Server) Unauthorize(appID string) (Push, error) {
	s.mu.Lock()
	p := s.comp
	if p == nil || p.auths[appID] == nil {
		s.mu.Unlock()
		return Push{}, fmt.Errorf("unauthorize: %q has not authorized the platform", appID)
	}
	o := p.auths[appID].owner
	delete(p.auths, appID)
	for v, t := range s.tokens {
		if t.owner == o && t.component {
			delete(s.tokens, v)
		}
	}
	msg := s.seal("unauthorized", [][2]string{{"AuthorizerAppid", appID}}, "")
	s.mu.Unlock()
	return s.deliver(msg), nil
}

// Authorize stands in for an admin who authorizes the platform without
// going through the page, and returns the push with the authorization
// code. infoType must be what WeChat would push: authorized, or
// updateauthorized when the account has authorized the platform already.
func (s *Server) Authorize(appID, infoType string) (Push, error) {
	s.mu.Lock()
	p := s.comp
	if p == nil || p.AppID == "" || p.grants[appID] == nil {
		s.mu.Unlock()
		return Push{}, fmt.Errorf("authorize: %q is not an authorizer of a configured platform", appID)
	}
	if want := map[bool]string{false: "authorized", true: "updateauthorized"}[p.auths[appID] != nil]; infoType != want {
		s.mu.Unlock()
		return Push{}, fmt.Errorf("authorize: WeChat would push %s for %s, not %q", want, appID, infoType)
	}
	s.serial++
	pre := code("preauthcode@@@", s.serial)
	p.preAuth[pre] = &preAuth{expires: s.now().Add(preAuthCodeLife)}
	host := p.Domain
	if host == "" {
		host = "mp.weixin.qq.com"
	}
	s.mu.Unlock()
	msg, _, why := s.consent(url.Values{"component_appid": {p.AppID}, "pre_auth_code": {pre},
		"redirect_uri": {"https://" + host + "/"}, "auth_type": {"1"}}, "https://"+host+"/", appID)
	if why != "" {
		return Push{}, fmt.Errorf("authorize: %s", why)
	}
	return s.deliver(msg), nil
}

// granted reports whether o's authorization of the platform includes the
// permission set a ticket of type typ needs; the caller holds s.mu.
func (s *Server) granted(o *owner, typ string) bool {
	need := funcWebService
	if typ == "wx_card" {
		need = funcCard
	}
	auth := s.comp.auths[o.id]
	return auth != nil && slices.Contains(auth.funcs, need)
}
