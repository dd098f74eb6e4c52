package api

import (
	"strconv"
	"strings"
	"sync"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/aeskey"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/internal/ascii"
	"github.com/wxsign/wxsign/core/pageurl"
)

// Token modes, as in WECHAT_TOKEN_MODE.
const (
	ModeStable  = "stable"  // POST /cgi-bin/stable_token: one token shared by every caller
	ModeClassic = "classic" // GET /cgi-bin/token: each fetch invalidates the previous token
)

// Settings is the Worker's configuration, parsed once from its environment
// by LoadSettings. The signer module and the Go program both read it
// through this one parser, so a setting means the same on every path.
type Settings struct {
	Apps           []AppSettings // WECHAT_APPID, comma-separated; the first answers when no appid is asked for
	WeCom          *WeComSettings
	Platform       *PlatformSettings // COMPONENT_APPID: a third-party platform, which signs for the accounts that authorize it
	APIBase        string            // WECHAT_API_BASE, without a trailing slash; may carry a path prefix (a relay)
	WeComAPIBase   string            // WECOM_API_BASE
	RelayKey       string            // WECHAT_RELAY_KEY (secret): sent as X-Wxsign-Relay-Key to APIBase only
	WeComRelayKey  string            // WECOM_RELAY_KEY (secret), sent to WeComAPIBase only; unset: RelayKey when both bases are on one host (one relay)
	TokenMode      string            // WECHAT_TOKEN_MODE: ModeStable (default) or ModeClassic
	AllowedOrigins string            // ALLOWED_ORIGINS: origins that get CORS headers; unset = none
	APIKey         string            // API_KEY (secret): enables /token, /ticket and the card endpoints
	RefreshMargin  int64             // REFRESH_MARGIN, seconds
	RateLimits     bool              // RATE_LIMITS: "off" turns the rate-limit bindings off (wrangler.toml sets their limits)

	AlertWebhook string // ALERT_WEBHOOK (secret): where the coordinators post a message when a credential's state changes; "" = none
	AlertFormat  string // ALERT_FORMAT, else from the webhook's host: AlertWeCom, AlertFeishu or AlertText
	AlertLang    string // ALERT_LANG: "en" (default) or "zh"

	Problems []string // what is wrong with the configuration, for /healthz
	Warnings []string // what is risky, for /healthz

	keys    []*cred.Key // made by Keys
	listKey *cred.Key   // made by AuthorizerListKey
}

// AppSettings is one official account.
type AppSettings struct {
	AppID        string
	Secret       string // WECHAT_APPSECRET, or WECHAT_APPSECRET_<APPID> when there are several apps
	AllowedHosts string // ALLOWED_HOSTS_<APPID>, else ALLOWED_HOSTS: pages that may be signed; unset = any (set but naming no host is a problem)
}

// WeComSettings is one WeCom corp and the agents (apps) whose pages wxsign signs.
type WeComSettings struct {
	CorpID       string // WECOM_CORPID
	Agents       []AgentSettings
	AllowedHosts string // ALLOWED_HOSTS_<CORPID>, else ALLOWED_HOSTS
}

// PlatformSettings is a WeChat Open Platform third-party platform
// (第三方平台): the official accounts that authorize it are signed for
// with tokens its own credentials buy, and none of their AppSecrets.
type PlatformSettings struct {
	AppID  string // COMPONENT_APPID
	Secret string // COMPONENT_APPSECRET (secret)
	Token  string // COMPONENT_TOKEN (secret): the message token msg_signature is made with
	AESKey string // COMPONENT_AES_KEY (secret): the 43-character EncodingAESKey
	// AllowedHosts is COMPONENT_ALLOWED_HOSTS: the hosts the authorizers'
	// pages may be on, unless ALLOWED_HOSTS_<APPID> names an account's own.
	AllowedHosts string
	// LoginBase and MobileLoginBase are where WeChat's authorization pages
	// are (COMPONENT_LOGIN_BASE, COMPONENT_MOBILE_LOGIN_BASE): mp.weixin.qq.com
	// and open.weixin.qq.com, or a stand-in's.
	LoginBase       string
	MobileLoginBase string
	getenv          func(string) string
	keys            sync.Map // appid -> []*cred.Key, made by AuthorizerKeys
}

// HostsOf is the allowlist of an authorizer's pages: its
// ALLOWED_HOSTS_<APPID>, else COMPONENT_ALLOWED_HOSTS.
func (p *PlatformSettings) HostsOf(appID string) string {
	if h := p.getenv("ALLOWED_HOSTS_" + appID); strings.TrimSpace(h) != "" {
		return h
	}
	return p.AllowedHosts
}

// AgentSettings is one WeCom app.
type AgentSettings struct {
	AgentID string // from WECOM_AGENTS
	Secret  string // WECOM_SECRET_<AGENTID>
}

// RecordTTL is how long an isolate hands a token read from Workers KV to
// back-ends (/token, /ticket) before reading it again: WeChat can revoke a
// token early, and KV is eventually consistent for about a minute anyway.
// Pages need no such re-read: a ticket is valid until it expires.
const RecordTTL = 60

// AuthorizersTTL is how long an isolate trusts the platform's list of the
// accounts that authorized it: a withdrawal stops its signing within it
// everywhere, at once in the isolate WeChat's push reached, and a list
// read more often would spend the plan's KV reads on every page of every
// authorizer.
const AuthorizersTTL = 600

// HealthTTL is how long an isolate answers /healthz from the records it
// read: the cron's period, since a coordinator changes KV no more often
// while nothing dies, and a monitor polling /healthz must not spend the
// plan's KV reads.
const HealthTTL = 600

// LoadSettings reads the settings through getenv, filling in defaults and
// listing what is missing or malformed instead of failing.
func LoadSettings(getenv func(string) string) Settings {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	s := Settings{
		APIBase:        strings.TrimRight(env("WECHAT_API_BASE"), "/"),
		WeComAPIBase:   strings.TrimRight(env("WECOM_API_BASE"), "/"),
		RelayKey:       env("WECHAT_RELAY_KEY"),
		WeComRelayKey:  env("WECOM_RELAY_KEY"),
		TokenMode:      strings.ToLower(env("WECHAT_TOKEN_MODE")),
		AllowedOrigins: getenv("ALLOWED_ORIGINS"),
		APIKey:         env("API_KEY"),
		RefreshMargin:  cred.DefaultRefreshMargin,
		RateLimits:     !strings.EqualFold(env("RATE_LIMITS"), "off"),
	}
	s.loadAlerts(env)
	hosts := getenv("ALLOWED_HOSTS")
	s.checkHosts("ALLOWED_HOSTS", hosts)
	ids := splitList(env("WECHAT_APPID"))
	for _, id := range ids {
		app := AppSettings{AppID: id, Secret: env("WECHAT_APPSECRET_" + id), AllowedHosts: hosts}
		if len(ids) == 1 && app.Secret == "" {
			app.Secret = env("WECHAT_APPSECRET")
		}
		if h := getenv("ALLOWED_HOSTS_" + id); strings.TrimSpace(h) != "" {
			app.AllowedHosts = h
		}
		if validID(id) {
			s.checkHosts("ALLOWED_HOSTS_"+id, getenv("ALLOWED_HOSTS_"+id))
		}
		switch {
		case !validID(id):
			s.problem("WECHAT_APPID: " + strconv.Quote(id) + " is not an AppID (letters and digits)")
		case s.App(id) != nil:
			s.problem("WECHAT_APPID lists " + id + " twice")
		case app.Secret == "" && len(ids) == 1:
			s.problem("WECHAT_APPSECRET is not set (npx wrangler secret put WECHAT_APPSECRET)")
		case app.Secret == "":
			s.problem("WECHAT_APPSECRET_" + id + " is not set (npx wrangler secret put WECHAT_APPSECRET_" + id + ")")
		}
		s.Apps = append(s.Apps, app)
	}
	s.loadWeCom(env, getenv, hosts)
	s.loadPlatform(env, getenv)
	if len(s.Apps) == 0 && s.WeCom == nil && s.Platform == nil {
		s.problem("WECHAT_APPID is not set")
	}
	if s.APIBase == "" {
		s.APIBase = cred.DefaultAPIBase
	} else {
		s.checkBase("WECHAT_API_BASE", s.APIBase)
	}
	if s.WeComAPIBase == "" {
		s.WeComAPIBase = cred.DefaultWeComAPIBase
	} else {
		s.checkBase("WECOM_API_BASE", s.WeComAPIBase)
	}
	s.loadRelayKeys()
	switch s.TokenMode {
	case "":
		s.TokenMode = ModeStable
	case ModeStable, ModeClassic:
	default:
		s.problem(`WECHAT_TOKEN_MODE must be "stable" or "classic"`)
	}
	if m := env("REFRESH_MARGIN"); m != "" {
		n, err := strconv.ParseInt(m, 10, 64)
		if err != nil || n < 60 || n > 7000 {
			s.problem("REFRESH_MARGIN must be a whole number of seconds from 60 to 7000")
		} else {
			s.RefreshMargin = n
		}
	}
	if strings.TrimSpace(hosts) == "" {
		s.Warnings = append(s.Warnings, "ALLOWED_HOSTS is not set: pages on any host can be signed")
	}
	if s.APIKey == "" {
		s.Warnings = append(s.Warnings, "API_KEY is not set: /token, /ticket and the card endpoints are disabled")
	}
	s.Keys() // made here, so that concurrent requests only read the table
	s.AuthorizerListKey()
	return s
}

func (s *Settings) loadWeCom(env, getenv func(string) string, hosts string) {
	corp := env("WECOM_CORPID")
	agents := splitList(env("WECOM_AGENTS"))
	if corp == "" && len(agents) == 0 {
		return
	}
	w := &WeComSettings{CorpID: corp, AllowedHosts: hosts}
	if h := getenv("ALLOWED_HOSTS_" + corp); corp != "" && strings.TrimSpace(h) != "" {
		w.AllowedHosts = h
		s.checkHosts("ALLOWED_HOSTS_"+corp, h)
	}
	if !validID(corp) {
		s.problem("WECOM_CORPID is not set or not a CorpID (letters and digits)")
	}
	if len(agents) == 0 {
		s.problem("WECOM_AGENTS is not set: list the AgentIDs, comma-separated")
	}
	for _, id := range agents {
		a := AgentSettings{AgentID: id, Secret: env("WECOM_SECRET_" + id)}
		switch {
		case !validAgent(id):
			s.problem("WECOM_AGENTS: " + strconv.Quote(id) + " is not an AgentID (digits)")
		case w.Agent(id) != nil:
			s.problem("WECOM_AGENTS lists " + id + " twice")
		case a.Secret == "":
			s.problem("WECOM_SECRET_" + id + " is not set (npx wrangler secret put WECOM_SECRET_" + id + ")")
		}
		w.Agents = append(w.Agents, a)
	}
	s.WeCom = w
}

func (s *Settings) loadPlatform(env, getenv func(string) string) {
	id := env("COMPONENT_APPID")
	if id == "" {
		return
	}
	p := &PlatformSettings{AppID: id, Secret: env("COMPONENT_APPSECRET"), Token: env("COMPONENT_TOKEN"),
		AESKey: env("COMPONENT_AES_KEY"), AllowedHosts: getenv("COMPONENT_ALLOWED_HOSTS"), getenv: getenv,
		LoginBase: strings.TrimRight(env("COMPONENT_LOGIN_BASE"), "/"), MobileLoginBase: strings.TrimRight(env("COMPONENT_MOBILE_LOGIN_BASE"), "/")}
	for _, b := range []struct {
		name string
		v    *string
		def  string
	}{{"COMPONENT_LOGIN_BASE", &p.LoginBase, "https://mp.weixin.qq.com"}, {"COMPONENT_MOBILE_LOGIN_BASE", &p.MobileLoginBase, "https://open.weixin.qq.com"}} {
		if *b.v == "" {
			*b.v = b.def
		} else {
			s.checkBase(b.name, *b.v)
		}
	}
	s.checkHosts("COMPONENT_ALLOWED_HOSTS", p.AllowedHosts)
	if !validID(id) {
		s.problem("COMPONENT_APPID: " + strconv.Quote(id) + " is not an AppID (letters and digits)")
	}
	for _, name := range []string{"COMPONENT_APPSECRET", "COMPONENT_TOKEN", "COMPONENT_AES_KEY"} {
		if env(name) == "" {
			s.problem(name + " is not set (npx wrangler secret put " + name + ")")
		}
	}
	if _, err := aeskey.Decode(p.AESKey); p.AESKey != "" && err != nil {
		s.problem("COMPONENT_AES_KEY is malformed: " + strings.ReplaceAll(err.Error(), "\n", ": ") + " (copy the EncodingAESKey from the Open Platform's settings)")
	}
	s.Platform = p
}

// checkHosts makes an allowlist setting that is set but names no usable
// host (",", ":443", "https://") a problem: parsed, it would be empty, and
// an empty list allows every host. A blank value is unset.
func (s *Settings) checkHosts(name, value string) {
	if strings.TrimSpace(value) != "" && pageurl.ParseAllowlist(value).Len() == 0 {
		s.problem(name + " is set but names no host: list hosts such as www.example.com or *.example.com, or leave it unset")
	}
}

// checkBase lists what is wrong or risky with an API base URL setting. A
// query or userinfo would be sent along with every call, secrets included,
// and the relay refuses them; plain http outside the machine itself sends
// secrets in cleartext.
func (s *Settings) checkBase(name, base string) {
	scheme, rest, _ := strings.Cut(base, "://")
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	switch {
	case !httpURL(base):
		s.problem(name + " must be an http(s) URL")
	case strings.IndexByte(authority, '@') >= 0:
		s.problem(name + " must not carry userinfo (user@host): the relay's key goes in WECHAT_RELAY_KEY")
	case strings.ContainsAny(base, "?#"):
		s.problem(name + " must not have a query or a \"#\" part: each call's path and query are appended to it")
	case pageurl.SafeURL(base) == "(invalid)":
		s.problem(name + " has an invalid host")
	case scheme == "http" && !loopback(authority):
		s.Warnings = append(s.Warnings, name+" is plain http://: secrets go to it in cleartext; use https://")
	}
}

// loadRelayKeys decides which base gets which relay key: each key only its
// own base. WECOM_RELAY_KEY defaults to WECHAT_RELAY_KEY when both bases
// are on one host, the one relay of docs/relay.md serving both under two
// prefixes. A key for a base on WeChat's own hosts is a warning: the
// client never sends it there (core/wechat).
func (s *Settings) loadRelayKeys() {
	explicit := s.WeComRelayKey != ""
	if !explicit && cred.BaseHost(s.WeComAPIBase) == cred.BaseHost(s.APIBase) {
		s.WeComRelayKey = s.RelayKey
	}
	if s.RelayKey != "" && cred.WeChatHost(s.APIBase) {
		s.Warnings = append(s.Warnings, "WECHAT_RELAY_KEY is set but WECHAT_API_BASE is WeChat's own: the key is not sent (set WECHAT_API_BASE to the relay)")
	}
	if explicit && cred.WeChatHost(s.WeComAPIBase) {
		s.Warnings = append(s.Warnings, "WECOM_RELAY_KEY is set but WECOM_API_BASE is WeCom's own: the key is not sent (set WECOM_API_BASE to the relay)")
	}
}

// loadAlerts reads the webhook settings. A malformed one is a problem, as
// any setting's: an operator who set a webhook expects it to work.
func (s *Settings) loadAlerts(env func(string) string) {
	s.AlertWebhook = env("ALERT_WEBHOOK")
	if s.AlertWebhook != "" && (!httpURL(s.AlertWebhook) || strings.ContainsAny(s.AlertWebhook, " \t\r\n")) {
		s.problem("ALERT_WEBHOOK must be an http(s) URL")
	}
	switch f := strings.ToLower(env("ALERT_FORMAT")); f {
	case "":
		s.AlertFormat = cred.AlertFormatFor(s.AlertWebhook)
	case cred.AlertWeCom, cred.AlertFeishu, cred.AlertText:
		s.AlertFormat = f
	case "lark":
		s.AlertFormat = cred.AlertFeishu
	case "slack":
		s.AlertFormat = cred.AlertText
	default:
		s.problem(`ALERT_FORMAT must be "wecom", "feishu" (or "lark") or "text" (or "slack")`)
		s.AlertFormat = cred.AlertText
	}
	switch l := strings.ToLower(env("ALERT_LANG")); l {
	case "", "en":
		s.AlertLang = "en"
	case "zh", "zh-cn", "zh-hans":
		s.AlertLang = "zh"
	default:
		s.problem(`ALERT_LANG must be "en" or "zh"`)
		s.AlertLang = "en"
	}
}

func (s *Settings) problem(p string) { s.Problems = append(s.Problems, p) }

// OK reports whether the settings are complete enough to talk to WeChat.
func (s *Settings) OK() bool { return len(s.Problems) == 0 }

// Unconfigured is the refusal while the settings are not OK: 1050, with
// what is wrong, so that the caller of any endpoint can see what to fix.
// The message is cut at maxProblemsLen bytes, so that an environment of
// many long malformed values cannot make an answer larger than
// MaxAnswerLen; /healthz lists every problem.
func (s *Settings) Unconfigured() *core.Error {
	msg := strings.Join(s.Problems, "; ")
	if len(msg) > maxProblemsLen {
		msg = strings.ToValidUTF8(msg[:maxProblemsLen], "") + "… (all of them at /healthz)"
	}
	return &core.Error{Code: core.ErrNotConfigured.Code, Status: 503, Msg: core.ErrNotConfigured.Msg + ": " + msg}
}

// maxProblemsLen bounds the problems an error message lists.
const maxProblemsLen = 2048

// App returns the official account with the given AppID, nil if there is none.
func (s *Settings) App(id string) *AppSettings {
	for i := range s.Apps {
		if s.Apps[i].AppID == id {
			return &s.Apps[i]
		}
	}
	return nil
}

// Agent returns the agent with the given AgentID, nil if there is none.
func (w *WeComSettings) Agent(id string) *AgentSettings {
	for i := range w.Agents {
		if w.Agents[i].AgentID == id {
			return &w.Agents[i]
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// validID accepts the letters and digits AppIDs and CorpIDs are made of:
// they become part of KV keys and setting names.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !ascii.IsAlnum(id[i]) {
			return false
		}
	}
	return true
}

func validAgent(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// loopback reports whether an authority (host[:port]) is this machine:
// localhost, 127.0.0.0/8 or [::1].
func loopback(authority string) bool {
	host, _ := pageurl.SplitHostPort(ascii.LowerASCII(authority))
	return host == "localhost" || host == "[::1]" || pageurl.IsIPv4(host) && strings.HasPrefix(host, "127.")
}

func httpURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
