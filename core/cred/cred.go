package cred

import (
	"strconv"

	"github.com/wxsign/wxsign/core"
)

// ExpirySafety is taken off WeChat's expires_in, so that a record stops
// being used before WeChat's copy dies, even with some clock skew and the
// seconds between signing a page and the page calling wx.config. It is
// short because WeChat hands back a ticket until it dies: for this long
// before, no ticket can be signed with (see RATIONALE.md).
const ExpirySafety = 10

// StableRenewal is how many seconds before its expiry WeChat renews a
// stable token. Asked earlier without force_refresh, WeChat hands back the
// same token with expires_in counting down.
const StableRenewal = 300

// API names the WeChat server a kind of credential is fetched from.
type API uint8

const (
	APIOfficial API = iota // WECHAT_API_BASE, api.weixin.qq.com
	APIWeCom               // WECOM_API_BASE, qyapi.weixin.qq.com
)

// From says where a request parameter's value comes from.
type From uint8

const (
	Literal      From = iota // Param.Value as written
	FromAppID                // the owner's AppID or CorpID
	FromSecret               // the owner's AppSecret or agent secret
	FromToken                // the value of the key's Token
	FromForce                // true when a rotation is forced (a JSON boolean)
	FromPlatform             // the third-party platform's component_appid, for an authorizer's call
	FromRefresh              // the value of the key's Refresh: an authorizer's refresh token
)

// Param is one parameter of a WeChat call: in the query of a GET, a member
// of the JSON body of a POST, or in the query of a POST when Query is set
// (the platform's calls take their token there).
type Param struct {
	Name  string
	From  From
	Value string // for Literal
	Query bool
}

// Call is a WeChat API call, as data.
type Call struct {
	Name   string // what errors and logs call it
	Method string // GET (parameters in the query) or POST (a JSON body)
	Path   string
	Params []Param
}

// Kind describes one kind of credential once, as data: how it is fetched,
// which field of WeChat's answer holds it, which token the call needs and
// under what name it is kept. Every policy decision (what is due, in what
// order, back-off, budgets) reads these fields; no code branches on a kind.
type Kind struct {
	Name  string // the KV key's last part, and the name /healthz shows
	API   API
	Call  Call
	Field string // the answer's field holding the value: "access_token" or "ticket"
	Token string // Name of the kind whose value the call needs; "" for one bought with a secret

	// Renewal, when set, is how long before expiry WeChat starts handing
	// out a new value; asked sooner, it returns the one it has.
	Renewal int64
	// Lazy kinds are fetched the first time a page needs one; from then on
	// the cron keeps them fresh, and until then nobody pays for them.
	Lazy bool
	// Sticky kinds are handed back unchanged, with a fresh expires_in, until
	// WeChat's copy dies, and only then is a successor issued: asking sooner
	// spends a call of a small quota for nothing.
	Sticky bool
	// Budget is WeChat's hourly limit on fetches of this kind.
	Budget Budget

	// Pushed kinds are never fetched: WeChat pushes them (a platform's
	// verify ticket) or an authorization hands them over (an authorizer's
	// refresh token), and the coordinator keeps them as they come. Absent
	// is the refusal while there is none.
	Pushed bool
	Absent *core.Error
	// Private kinds live in the coordinator's memory, and KV holds a copy
	// at most MirrorEvery old (Vault.Mirror): no isolate needs the value,
	// and WeChat pushes a new one every 10 minutes.
	Private bool
	// Refresh names the kind whose value the call needs besides its
	// token (FromRefresh); WeChat's answer may hand out a new one, in the
	// member of the same name, which then replaces it.
	Refresh string
}

// Budget is a WeCom limit on ticket fetches per hour: per agent (app) and
// per corp, each fetch counting toward both. Settings.Keys divides it
// among the keys that draw on it, so that no mix of fetches can exceed it.
type Budget struct {
	PerAgent int
	PerCorp  int
}

// The kinds of credential wxsign keeps.
var (
	StableToken = &Kind{Name: "access_token", API: APIOfficial, Field: "access_token", Renewal: StableRenewal,
		Call: Call{Name: "stable_token", Method: "POST", Path: "/cgi-bin/stable_token", Params: []Param{
			{Name: "grant_type", Value: "client_credential"}, {Name: "appid", From: FromAppID},
			{Name: "secret", From: FromSecret}, {Name: "force_refresh", From: FromForce}}}}
	ClassicToken = &Kind{Name: "access_token", API: APIOfficial, Field: "access_token",
		Call: Call{Name: "token", Method: "GET", Path: "/cgi-bin/token", Params: []Param{
			{Name: "grant_type", Value: "client_credential"}, {Name: "appid", From: FromAppID}, {Name: "secret", From: FromSecret}}}}
	JSAPITicket = &Kind{Name: "jsapi_ticket", API: APIOfficial, Field: "ticket", Token: "access_token", Sticky: true,
		Call: Call{Name: "getticket", Method: "GET", Path: "/cgi-bin/ticket/getticket", Params: []Param{
			{Name: "access_token", From: FromToken}, {Name: "type", Value: "jsapi"}}}}
	CardTicket = &Kind{Name: "wx_card_ticket", API: APIOfficial, Field: "ticket", Token: "access_token", Lazy: true, Sticky: true,
		Call: Call{Name: "getticket", Method: "GET", Path: "/cgi-bin/ticket/getticket", Params: []Param{
			{Name: "access_token", From: FromToken}, {Name: "type", Value: "wx_card"}}}}
	WeComToken = &Kind{Name: "wecom_token", API: APIWeCom, Field: "access_token", Sticky: true,
		Call: Call{Name: "gettoken", Method: "GET", Path: "/cgi-bin/gettoken", Params: []Param{
			{Name: "corpid", From: FromAppID}, {Name: "corpsecret", From: FromSecret}}}}
	WeComCorpTicket = &Kind{Name: "wecom_corp_ticket", API: APIWeCom, Field: "ticket", Token: "wecom_token", Sticky: true,
		Budget: Budget{PerAgent: 100, PerCorp: 400},
		Call:   Call{Name: "get_jsapi_ticket", Method: "GET", Path: "/cgi-bin/get_jsapi_ticket", Params: []Param{{Name: "access_token", From: FromToken}}}}
	WeComAgentTicket = &Kind{Name: "wecom_agent_ticket", API: APIWeCom, Field: "ticket", Token: "wecom_token", Sticky: true,
		Budget: Budget{PerAgent: 100, PerCorp: 400},
		Call: Call{Name: "ticket/get", Method: "GET", Path: "/cgi-bin/ticket/get", Params: []Param{
			{Name: "access_token", From: FromToken}, {Name: "type", Value: "agent_config"}}}}

	// A third-party platform's (COMPONENT_APPID) own credentials.
	ComponentVerifyTicket = &Kind{Name: "component_verify_ticket", Pushed: true, Private: true, Absent: core.ErrNoVerifyTicket}
	ComponentToken        = &Kind{Name: "component_access_token", API: APIOfficial, Field: "component_access_token", Token: "component_verify_ticket",
		Call: Call{Name: "api_component_token", Method: "POST", Path: "/cgi-bin/component/api_component_token", Params: []Param{
			{Name: "component_appid", From: FromAppID}, {Name: "component_appsecret", From: FromSecret},
			{Name: "component_verify_ticket", From: FromToken}}}}
	// An authorizer's: an official account that authorized the platform.
	// Its refresh token is precious (an authorization hands it out, and
	// nothing else does); its token and ticket are fetched on first use.
	AuthorizerRefreshToken = &Kind{Name: "authorizer_refresh_token", Pushed: true, Absent: core.ErrUnknownApp}
	AuthorizerToken        = &Kind{Name: "access_token", API: APIOfficial, Field: "authorizer_access_token", Token: "component_access_token",
		Refresh: "authorizer_refresh_token", Lazy: true,
		Call: Call{Name: "api_authorizer_token", Method: "POST", Path: "/cgi-bin/component/api_authorizer_token", Params: []Param{
			{Name: "component_access_token", From: FromToken, Query: true}, {Name: "component_appid", From: FromPlatform},
			{Name: "authorizer_appid", From: FromAppID}, {Name: "authorizer_refresh_token", From: FromRefresh}}}}
	AuthorizerTicket = &Kind{Name: "jsapi_ticket", API: APIOfficial, Field: "ticket", Token: "access_token", Lazy: true, Sticky: true,
		Call: JSAPITicket.Call}
)

// The platform's calls that fetch no credential of the table: an
// authorization's pre_auth_code and its exchange for the authorizer's
// tokens. The relay forwards them with the table's.
var (
	PreAuthCodeCall = Call{Name: "api_create_preauthcode", Method: "POST", Path: "/cgi-bin/component/api_create_preauthcode", Params: []Param{
		{Name: "component_access_token", From: FromToken, Query: true}, {Name: "component_appid", From: FromAppID}}}
	QueryAuthCall = Call{Name: "api_query_auth", Method: "POST", Path: "/cgi-bin/component/api_query_auth", Params: []Param{
		{Name: "component_access_token", From: FromToken, Query: true}, {Name: "component_appid", From: FromAppID},
		{Name: "authorization_code", From: Literal}}}
)

// Kinds is every kind of credential, the table the cron, /healthz and the
// relay's list of forwarded calls iterate over.
var Kinds = []*Kind{StableToken, ClassicToken, JSAPITicket, CardTicket, WeComToken, WeComCorpTicket, WeComAgentTicket,
	ComponentVerifyTicket, ComponentToken, AuthorizerRefreshToken, AuthorizerToken, AuthorizerTicket}

// Calls is every WeChat call wxsign makes: each fetched kind's, then the
// platform's that fetch no kind. The relay forwards these and no other.
var Calls = func() []*Call {
	var calls []*Call
	for _, k := range Kinds {
		if !k.Pushed {
			calls = append(calls, &k.Call)
		}
	}
	return append(calls, &PreAuthCodeCall, &QueryAuthCall)
}()

// Key is one credential: a kind for an owner (an official account, or a
// WeCom corp and agent). String is its Workers KV key.
type Key struct {
	Kind    *Kind
	Owner   string // "wx…", or "ww…/1000002" for a WeCom agent
	AppID   string // the AppID, or the CorpID
	Agent   string // the WeCom AgentID, "" for official accounts
	Token   *Key   // the key whose value Kind.Call needs, nil for a token
	Refresh *Key   // the key of Kind.Refresh, for an authorizer's token
	// Platform is the third-party platform's component_appid, for an
	// authorizer's keys: its coordinator is the platform's.
	Platform string
	PerHour  int // this key's share of its kind's budget; 0 = none
	secret   string
}

// String is the KV key: namespaced by owner, so that several apps (and
// wxsign deployments) can share one namespace.
func (k *Key) String() string { return "wxsign:" + k.Owner + ":" + k.Kind.Name }

// Coordinator names the one place that fetches k from WeChat: one per
// account or WeCom corp, so that a corp's agents share its hourly budget,
// and one per third-party platform for all its authorizers, which share
// its token.
func (k *Key) Coordinator() string {
	if k.Platform != "" {
		return k.Platform
	}
	return k.AppID
}

// Secret is the AppSecret or agent secret the key's token is bought with.
// It is a method, not a field, so that printing a Key shows only String.
func (k *Key) Secret() string { return k.secret }

// Margin is how many seconds before expiry the key is refreshed: the
// settings' margin, or for a kind WeChat renews late (Renewal), no sooner
// than WeChat would hand out a new value; a sticky kind not before it dies.
func (k *Key) Margin(refreshMargin int64) int64 {
	if k.Kind.Sticky {
		return 0
	}
	if k.Kind.Renewal > 0 {
		return min(refreshMargin, k.Kind.Renewal-ExpirySafety)
	}
	return refreshMargin
}

// Idle reports whether k is a lazy kind no page has used yet, held as r.
func (k *Key) Idle(r *Record) bool {
	return k.Kind.Lazy && r.Value == "" && r.LastErrorAt == 0
}

// Wanted reports whether k, held as r at now, gives its coordinator's
// refresh pass something to do: fetch it (missing, dead, or due within
// its margin) or retry it (its last error is newer than its value). A
// pushed kind, or a lazy one no page has used, never does.
func (k *Key) Wanted(r *Record, now, refreshMargin int64) bool {
	if k.Kind.Pushed || k.Idle(r) {
		return false
	}
	return r.Due(now, k.Margin(refreshMargin)) || r.LastErrorAt > r.FetchedAt
}

// NewKey is the key of kind for an owner: a WeChat AppID, or a WeCom
// CorpID and agent, with the secret its token is bought with; token is the
// key whose value kind's call needs, nil for a token.
func NewKey(kind *Kind, owner, appID, agent, secret string, token *Key) *Key {
	return &Key{Kind: kind, Owner: owner, AppID: appID, Agent: agent, Token: token, secret: secret}
}

// NewAuthorizerKeys are the keys of an official account that authorized
// the platform whose component token is token: its refresh token, its
// access token and its tickets, kept by the platform's coordinator.
func NewAuthorizerKeys(appID string, token *Key) []*Key {
	refresh := &Key{Kind: AuthorizerRefreshToken, Owner: appID, AppID: appID, Platform: token.AppID}
	access := &Key{Kind: AuthorizerToken, Owner: appID, AppID: appID, Platform: token.AppID, Token: token, Refresh: refresh}
	ticket := &Key{Kind: AuthorizerTicket, Owner: appID, AppID: appID, Platform: token.AppID, Token: access}
	return []*Key{refresh, access, ticket}
}

// Share sets each key's PerHour, its part of its kind's hourly budget.
func Share(keys []*Key) {
	for _, k := range keys {
		k.PerHour = share(keys, k)
	}
}

// CronPerHour is how often an hour the cron runs (wrangler.toml's crons,
// which TestWranglerPeriods holds to it): each run may fetch a due key
// whose value WeChat hands back unchanged, a fetch the Vault counts but
// does not write.
const CronPerHour = 6

// share is k's part of its kind's budget: the agent's limit divided among
// the agent's budgeted keys, the corp's among the corp's, whichever is
// less, less the cron's runs, whose unchanged fetches go unwritten.
func share(keys []*Key, k *Key) int {
	b := k.Kind.Budget
	if b == (Budget{}) {
		return 0
	}
	agent, corp := 0, 0
	for _, o := range keys {
		if o.Kind.Budget != (Budget{}) && o.AppID == k.AppID {
			corp++
			if o.Agent == k.Agent {
				agent++
			}
		}
	}
	return max(min(b.PerAgent/agent, b.PerCorp/corp)-CronPerHour, 1)
}

// Record is a cached credential as it is kept in Workers KV: its value,
// when it stops being usable and when it was first seen, in Unix seconds;
// the value it replaced (for /debug/check); and the state of its refresh
// (failures and back-off, the budget hour), for /healthz and the policy.
type Record struct {
	Value     string `json:"value"`
	ExpiresAt int64  `json:"expires_at"`
	FetchedAt int64  `json:"fetched_at"`
	Prev      string `json:"prev,omitempty"`

	LastError   string `json:"last_error,omitempty"`
	LastErrCode int    `json:"last_errcode,omitempty"`
	LastErrorAt int64  `json:"last_error_at,omitempty"`
	Failures    int    `json:"failures,omitempty"`
	NextAttempt int64  `json:"next_attempt,omitempty"`
	Hour        int64  `json:"hour,omitempty"`    // the budget hour (Unix seconds / 3600) Fetches counts
	Fetches     int    `json:"fetches,omitempty"` // fetches in that hour

	// AskedAt is when a call that could have brought a new value (the
	// held one was missing or expired) got no answer from WeChat: WeChat
	// may have issued the value then, and a value handed back later comes
	// with a fresh expires_in. 0 once a fetch succeeds.
	AskedAt int64 `json:"asked_at,omitempty"`
	// The alerts about this key (ALERT_WEBHOOK). Alerted is the errcode of
	// the failure the operator was last told of, 0 once told it ended: it
	// changes with the last error, so it rides in the KV write that change
	// costs anyway. The times ride along with whatever write comes next.
	Alerted   int   `json:"alerted,omitempty"`
	AlertAt   int64 `json:"alert_at,omitempty"`   // when the last alert about the key was sent
	AlertOK   int64 `json:"alert_ok,omitempty"`   // the AlertAt of the latest alert known delivered
	AlertLost int64 `json:"alert_lost,omitempty"` // the AlertAt of the latest alert known not delivered

	// Rotated is a new value for the key's Refresh, as WeChat's answer
	// handed it out with this value; never kept in KV.
	Rotated string `json:"-"`
}

// Usable reports whether the record may be used at now: it has a value and
// has not reached ExpiresAt. A record past ExpiresAt is never used.
func (r Record) Usable(now int64) bool { return r.Value != "" && now < r.ExpiresAt }

// Due reports whether the record should be refreshed at now: it is not
// usable, or fewer than margin seconds of it remain.
func (r Record) Due(now, margin int64) bool { return !r.Usable(now) || r.ExpiresAt-now < margin }

// Dies is when WeChat's copy of the value dies: ExpiresAt is set
// ExpirySafety sooner.
func (r Record) Dies() int64 { return r.ExpiresAt + ExpirySafety }

// persisted reports whether r and o differ in what KV keeps for other
// isolates to see: the value, its expiry, and the last error. Back-off and
// budget counters change on every attempt and stay with the coordinator.
func (r *Record) persisted(o *Record) bool {
	return r.Value != o.Value || r.ExpiresAt != o.ExpiresAt || r.FetchedAt != o.FetchedAt || r.Prev != o.Prev ||
		r.LastErrCode != o.LastErrCode || r.LastError != o.LastError || r.AskedAt != o.AskedAt || r.Alerted != o.Alerted
}

// FetchesThisHour is how many fetches the record's budget hour counted, if
// that hour is now's.
func (r Record) FetchesThisHour(now int64) int {
	if r.Hour != now/3600 {
		return 0
	}
	return r.Fetches
}

// recordFields are a record's members as KV holds them, for both ways.
func (r *Record) fields(failures, code, fetches, alerted *int64) []core.JSONField {
	return []core.JSONField{
		{Key: "value", Str: &r.Value}, {Key: "expires_at", Int: &r.ExpiresAt}, {Key: "fetched_at", Int: &r.FetchedAt},
		{Key: "prev", Str: &r.Prev}, {Key: "last_error", Str: &r.LastError}, {Key: "last_errcode", Int: code},
		{Key: "last_error_at", Int: &r.LastErrorAt}, {Key: "failures", Int: failures},
		{Key: "next_attempt", Int: &r.NextAttempt}, {Key: "hour", Int: &r.Hour}, {Key: "fetches", Int: fetches},
		{Key: "asked_at", Int: &r.AskedAt},
		{Key: "alerted", Int: alerted}, {Key: "alert_at", Int: &r.AlertAt}, {Key: "alert_ok", Int: &r.AlertOK},
		{Key: "alert_lost", Int: &r.AlertLost},
	}
}

// ParseRecord reads a record as stored in KV; anything unreadable reads as
// no record (a damaged record must lead to a refresh, not to an outage).
func ParseRecord(raw string) Record {
	var r Record
	var failures, code, fetches, alerted int64
	if core.DecodeFields(raw, r.fields(&failures, &code, &fetches, &alerted)...) != nil {
		return Record{}
	}
	r.Failures, r.LastErrCode, r.Fetches, r.Alerted = int(failures), int(code), int(fetches), int(alerted)
	return r
}

// AppendJSON appends the record as KV stores it; members at their zero
// value are left out, but for the value and its times.
func (r *Record) AppendJSON(dst []byte) []byte {
	failures, code, fetches, alerted := int64(r.Failures), int64(r.LastErrCode), int64(r.Fetches), int64(r.Alerted)
	dst = append(dst, '{')
	for i, f := range r.fields(&failures, &code, &fetches, &alerted) {
		if i >= 3 && (f.Str != nil && *f.Str == "" || f.Int != nil && *f.Int == 0) {
			continue
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = core.AppendJSONString(dst, f.Key)
		dst = append(dst, ':')
		if f.Str != nil {
			dst = core.AppendJSONString(dst, *f.Str)
		} else {
			dst = strconv.AppendInt(dst, *f.Int, 10)
		}
	}
	return append(dst, '}')
}
