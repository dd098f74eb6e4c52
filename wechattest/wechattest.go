package wechattest

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Stats counts the calls that reached each endpoint, faults included, and
// what the gateway refused.
type Stats struct {
	Token       int `json:"token"`        // GET /cgi-bin/token
	StableToken int `json:"stable_token"` // POST /cgi-bin/stable_token
	Ticket      int `json:"ticket"`       // getticket, every type but wx_card
	CardTicket  int `json:"card_ticket"`  // getticket type=wx_card
	WeComToken  int `json:"wecom_token"`  // WeCom gettoken
	CorpTicket  int `json:"corp_ticket"`  // WeCom get_jsapi_ticket
	AgentTicket int `json:"agent_ticket"` // WeCom ticket/get

	ComponentToken  int `json:"component_token"`   // api_component_token
	PreAuthCode     int `json:"pre_auth_code"`     // api_create_preauthcode
	QueryAuth       int `json:"query_auth"`        // api_query_auth
	AuthorizerToken int `json:"authorizer_token"`  // api_authorizer_token
	StartPushTicket int `json:"start_push_ticket"` // api_start_push_ticket
	AuthPage        int `json:"auth_page"`         // views of the consent page, both paths
	Pushes          int `json:"pushes"`            // pushes sent to the event URL
	PushesFailed    int `json:"pushes_failed"`     // of which not answered "success" in time

	Posts              int `json:"posts"`                // POSTs that reached the gateway
	PostsWithoutLength int `json:"posts_without_length"` // of which without Content-Length
	RejectedChunked    int `json:"rejected_chunked"`     // requests refused with 412
	RefusedIP          int `json:"refused_ip"`           // token calls refused by the whitelist
	LeakedRelayKey     int `json:"leaked_relay_key"`     // requests carrying X-Wxsign-Relay-Key
}

// Calls counts the token and ticket calls of every kind, the component
// API's included.
func (s Stats) Calls() int {
	return s.Token + s.StableToken + s.Ticket + s.CardTicket + s.WeComToken + s.CorpTicket + s.AgentTicket +
		s.ComponentCalls()
}

// ComponentCalls counts the calls to the component API.
func (s Stats) ComponentCalls() int {
	return s.ComponentToken + s.PreAuthCode + s.QueryAuth + s.AuthorizerToken + s.StartPushTicket
}

// Fault kinds.
const (
	Busy      = "busy"      // errcode -1, "system error"
	HTTP500   = "http500"   // HTTP 500 with a plain body
	NonJSON   = "nonjson"   // HTTP 200 with an HTML page
	Slow      = "slow"      // wait DelayMS, then answer as usual
	Revoked   = "revoked"   // errcode 40001 (the access_token is not valid)
	Quota     = "quota"     // errcode 45009
	IP        = "ip"        // errcode 40164, with the caller's IP
	Confirm   = "confirm"   // errcode 89503, the caller's IP needs an admin's confirmation
	BadSecret = "badsecret" // errcode 40125
	BadAppID  = "badappid"  // errcode 40013
)

var faultKinds = []string{Busy, HTTP500, NonJSON, Slow, Revoked, Quota, IP, Confirm, BadSecret, BadAppID}

// Fault makes an endpoint ("token" for every token call, WeCom's included,
// "ticket" for every ticket call, "component" for every call to the
// component API, or "all") misbehave for its next Count
// calls, or until cleared when Count is 0.
type Fault struct {
	Endpoint string `json:"endpoint"`
	Kind     string `json:"kind"`
	Count    int    `json:"count"`
	DelayMS  int    `json:"delay_ms"`
}

// apiErr is an errcode answer; {ip} and {ipv6} in msg become the caller's
// address as WeChat saw it.
type apiErr struct {
	code int
	msg  string
}

// errs holds every errcode answer the stand-in gives, faults included.
var errs = map[string]apiErr{
	Busy:      {-1, "system error"},
	Revoked:   {40001, "invalid credential, access_token is invalid or not latest"},
	Quota:     {45009, "reach max api daily quota limit"},
	IP:        {40164, "invalid ip {ip} ipv6 {ipv6}, not in whitelist"},
	Confirm:   {89503, "the ip {ip} call requires admin confirmation"},
	BadSecret: {40125, "invalid appsecret"},
	BadAppID:  {40013, "invalid appid"},

	"no_appid":   {41002, "appid missing"},
	"no_secret":  {41004, "appsecret missing"},
	"grant_type": {40002, "invalid grant_type"},
	"format":     {47001, "data format error"},
	"no_token":   {41001, "access_token missing"},
	"bad_type":   {40097, "invalid args"},
	"expired":    {42001, "access_token expired"},
	"relay_key":  {-1, "X-Wxsign-Relay-Key reached WeChat: the relay must strip it"},

	"wecom_ip":         {60020, "not allow to access from your ip"},
	"no_corpid":        {41002, "corpid missing"},
	"bad_corpid":       {40013, "invalid corpid"},
	"no_corpsecret":    {41004, "corpsecret missing"},
	"bad_corpsecret":   {40001, "invalid credential"},
	"bad_wecom_token":  {40014, "invalid access_token"},
	"bad_wecom_type":   {40058, "invalid type"},
	"wecom_freq_limit": {45009, "api freq out of limit"},

	"c_ip":             {61004, "access clientip is not registered requestIP: {ip}"},
	"c_ticket_expired": {61005, "component ticket is expired"},
	"c_ticket_invalid": {61006, "component ticket is invalid"},
	"c_not_authorized": {61003, "component is not authorized by this account"},
	"c_unauthorized":   {61007, "api is unauthorized to component"},
	"c_code_invalid":   {61009, "code is invalid"},
	"c_code_expired":   {61010, "code is expired"},
	"c_invalid":        {61011, "invalid component"},
	"c_wrong_token":    {61014, "must use component token for component api"},
	"c_refresh":        {61023, "refresh_token is invalid"},
}

// credential is an issued token.
type credential struct {
	value   string
	expires time.Time
}

// owner is what tokens and tickets belong to: an official account, or one
// agent (app) of a WeCom corp.
type owner struct {
	id      string // the appid, or the corpid
	agentID string // "" for an official account
	secret  string
	corp    *corp              // nil for an official account
	token   string             // the latest token issued
	current credential         // the stable token, or the WeCom token
	tickets map[string]*ticket // by type: the latest ticket issued
	fetches []time.Time        // WeCom: ticket fetches in the last hour
}

// issuedToken is a token WeChat still knows.
type issuedToken struct {
	owner     *owner
	classic   bool
	component bool // an authorizer_access_token, issued through the platform
	expires   time.Time
}

// ticket is a ticket as issued, with its real expiry.
type ticket struct {
	value   string
	owner   *owner
	typ     string
	issued  time.Time
	expires time.Time
}

// TicketInfo is one ticket the stand-in issued.
type TicketInfo struct {
	Ticket    string `json:"ticket"`
	AppID     string `json:"appid"`             // the appid, or the corpid
	AgentID   string `json:"agentid,omitempty"` // WeCom tickets: the agent whose token fetched it
	Type      string `json:"type"`              // jsapi, wx_card, corp_jsapi or agent_config
	IssuedAt  int64  `json:"issued_at"`         // Unix seconds, stand-in clock
	ExpiresAt int64  `json:"expires_at"`        // when it really dies, whatever later fetches said
	Valid     bool   `json:"valid"`             // at the stand-in's clock now
}

func (t *ticket) info(now time.Time) TicketInfo {
	return TicketInfo{Ticket: t.value, AppID: t.owner.id, AgentID: t.owner.agentID, Type: t.typ,
		IssuedAt: t.issued.Unix(), ExpiresAt: t.expires.Unix(), Valid: now.Before(t.expires)}
}

// Server is the stand-in. Its zero value is not usable: use New or NewServer.
type Server struct {
	// AppID and Secret are the first app's, as given to New.
	AppID  string
	Secret string

	// URL is set by NewServer: the base to use as WECHAT_API_BASE.
	URL string

	mu        sync.Mutex
	now       func() time.Time
	expiresIn int64
	ticketExp int64 // 0: expiresIn
	serial    int
	apps      map[string]*owner // official accounts by appid
	corps     map[string]*corp
	tokens    map[string]*issuedToken // every token still known
	tickets   []*ticket               // every ticket issued, oldest first
	byValue   map[string]*ticket
	whitelist map[netip.Addr]bool // empty: every IP may fetch tokens
	stats     Stats
	faults    []*Fault
	comp      *platform // the third-party platform, nil until configured
	ts        *httptest.Server
	api       *http.ServeMux
	control   *http.ServeMux
}

// New returns a stand-in for one app that is not listening: use Handler or
// Doer in-process, or NewServer.
func New(appID, secret string) *Server {
	s := &Server{AppID: appID, Secret: secret, now: time.Now, expiresIn: 7200,
		apps: map[string]*owner{}, corps: map[string]*corp{}, tokens: map[string]*issuedToken{}, byValue: map[string]*ticket{}}
	s.AddApp(appID, secret)
	s.api = http.NewServeMux()
	s.api.HandleFunc("GET /cgi-bin/token", s.classicToken)
	s.api.HandleFunc("POST /cgi-bin/stable_token", s.stableToken)
	s.api.HandleFunc("GET /cgi-bin/ticket/getticket", s.getTicket)
	s.api.HandleFunc("GET /cgi-bin/gettoken", s.wecomToken)
	s.api.HandleFunc("GET /cgi-bin/get_jsapi_ticket", s.corpTicket)
	s.api.HandleFunc("GET /cgi-bin/ticket/get", s.agentTicket)
	s.api.HandleFunc("POST /cgi-bin/component/api_component_token", s.apiComponentToken)
	s.api.HandleFunc("POST /cgi-bin/component/api_create_preauthcode", s.apiCreatePreAuthCode)
	s.api.HandleFunc("POST /cgi-bin/component/api_query_auth", s.apiQueryAuth)
	s.api.HandleFunc("POST /cgi-bin/component/api_authorizer_token", s.apiAuthorizerToken)
	s.api.HandleFunc("POST /cgi-bin/component/api_start_push_ticket", s.apiStartPushTicket)
	s.api.HandleFunc("GET /cgi-bin/componentloginpage", s.authPage)
	s.api.HandleFunc("GET /safe/bindcomponent", s.authPage)
	s.api.HandleFunc("GET /wxaopen/safe/bindcomponent", s.authPage)
	s.control = s.controlAPI()
	return s
}

// NewServer starts a stand-in on a loopback port; Close stops it.
func NewServer(appID, secret string) *Server {
	s := New(appID, secret)
	s.ts = httptest.NewServer(s.Handler())
	s.URL = s.ts.URL
	return s
}

// Close stops a server started by NewServer, and the pushes
// StartTicketPushes started.
func (s *Server) Close() {
	s.mu.Lock()
	if s.comp != nil && s.comp.stopPush != nil {
		s.comp.stopPush()
	}
	s.mu.Unlock()
	if s.ts != nil {
		s.ts.Close()
	}
}

// AddApp makes the stand-in accept another official account, or changes
// an app's secret.
func (s *Server) AddApp(appID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.apps[appID]; o != nil {
		o.secret = secret
		return
	}
	s.apps[appID] = &owner{id: appID, secret: secret, tickets: map[string]*ticket{}}
}

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

// ticketLife is the lifetime of the tickets issued now; the caller holds s.mu.
func (s *Server) ticketLife() int64 {
	if s.ticketExp > 0 {
		return s.ticketExp
	}
	return s.expiresIn
}

// Stats returns the call counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// AppState is what an official account was last issued; "" for none yet.
type AppState struct {
	AccessToken string `json:"access_token"`
	Ticket      string `json:"ticket"`
	CardTicket  string `json:"card_ticket"`
}

// App returns the latest token and tickets issued to an app, and false if
// the stand-in does not know the app.
func (s *Server) App(appID string) (AppState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.apps[appID]
	if o == nil {
		return AppState{}, false
	}
	return AppState{AccessToken: o.token, Ticket: o.latest("jsapi"), CardTicket: o.latest("wx_card")}, true
}

func (o *owner) latest(typ string) string {
	if t := o.tickets[typ]; t != nil {
		return t.value
	}
	return ""
}

// Ticket returns the first app's latest jsapi_ticket, "" before the first.
func (s *Server) Ticket() string {
	st, _ := s.App(s.AppID)
	return st.Ticket
}

// AccessToken returns the first app's latest access_token.
func (s *Server) AccessToken() string {
	st, _ := s.App(s.AppID)
	return st.AccessToken
}

// Tickets returns every ticket issued since the last Reset, oldest first.
func (s *Server) Tickets() []TicketInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]TicketInfo, 0, len(s.tickets))
	for _, t := range s.tickets {
		out = append(out, t.info(now))
	}
	return out
}

// TicketValid reports whether the stand-in issued ticket and it has not
// died yet at the stand-in's clock.
func (s *Server) TicketValid(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.byValue[value]
	return t != nil && s.now().Before(t.expires)
}

// Revoke makes every access_token issued so far invalid, as when another
// server fetched a classic token or the secret was reset.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]*issuedToken{}
	s.eachOwner(func(o *owner) { o.current = credential{} })
	if s.comp != nil {
		s.comp.tokens = map[string]time.Time{}
	}
}

// Reset forgets every token, ticket, counter and fault, the platform's
// verify ticket, codes, authorizations and pushes, and sets the lifetimes
// back to 7200 s. Apps, corps, the platform's configuration, its
// authorizers, the consent and the whitelist stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens, s.tickets, s.byValue = map[string]*issuedToken{}, nil, map[string]*ticket{}
	s.stats, s.faults, s.expiresIn, s.ticketExp = Stats{}, nil, 7200, 0
	s.eachOwner(func(o *owner) {
		o.token, o.current, o.tickets, o.fetches = "", credential{}, map[string]*ticket{}, nil
	})
	for _, c := range s.corps {
		c.fetches = nil
	}
	if s.comp != nil {
		s.comp.forget()
	}
}

// eachOwner calls f for every app and agent; the caller holds s.mu.
func (s *Server) eachOwner(f func(*owner)) {
	for _, o := range s.apps {
		f(o)
	}
	for _, c := range s.corps {
		for _, o := range c.agents {
			f(o)
		}
	}
}

// SetFault switches a fault on.
func (s *Server) SetFault(f Fault) error {
	switch f.Endpoint {
	case "token", "ticket", "component", "all":
	default:
		return fmt.Errorf("endpoint must be token, ticket, component or all, not %q", f.Endpoint)
	}
	known := false
	for _, k := range faultKinds {
		known = known || k == f.Kind
	}
	if !known {
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

// fault takes the first fault that applies to endpoint, counting it down;
// the caller holds s.mu.
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

// arrive counts a call to an endpoint and takes its fault, if any.
func (s *Server) arrive(counter *int, endpoint string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	*counter++
	return s.fault(endpoint)
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
		fail(w, r, f.Kind)
	}
	return true
}

func (s *Server) classicToken(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.Token, "token")) {
		return
	}
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		fail(w, r, "grant_type")
		return
	}
	o := s.credentials(w, r, q.Get("appid"), q.Get("secret"))
	if o == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	// A new classic token leaves the app's previous ones valid for 5 more
	// minutes; stable tokens are separate.
	for _, t := range s.tokens {
		if limit := now.Add(5 * time.Minute); t.owner == o && t.classic && t.expires.After(limit) {
			t.expires = limit
		}
	}
	tok := s.issueToken(o, true, now)
	writeJSON(w, map[string]any{"access_token": tok.value, "expires_in": s.expiresIn})
}

func (s *Server) stableToken(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.StableToken, "token")) {
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		fail(w, r, "format")
		return
	}
	if req.GrantType != "client_credential" {
		fail(w, r, "grant_type")
		return
	}
	o := s.credentials(w, r, req.AppID, req.Secret)
	if o == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	cur := o.current
	switch {
	case req.ForceRefresh:
		// Forced, the previous stable token stops working at once.
		delete(s.tokens, cur.value)
		o.current = s.issueToken(o, false, now)
	case cur.value == "" || cur.expires.Sub(now) < 5*time.Minute || s.tokens[cur.value] == nil:
		// Without force_refresh the stable token is handed back while valid,
		// its expires_in counting down; WeChat renews it in its last 5 minutes.
		o.current = s.issueToken(o, false, now)
	}
	writeJSON(w, map[string]any{"access_token": o.current.value, "expires_in": int64(o.current.expires.Sub(now).Seconds())})
}

// issueToken makes a new token for o; the caller holds s.mu.
func (s *Server) issueToken(o *owner, classic bool, now time.Time) credential {
	s.serial++
	value := fmt.Sprintf("ACCESS_TOKEN_%d_%s", s.serial, o.id)
	if o.agentID != "" {
		value += "_" + o.agentID
	}
	c := credential{value: value, expires: now.Add(time.Duration(s.expiresIn) * time.Second)}
	s.tokens[c.value] = &issuedToken{owner: o, classic: classic, expires: c.expires}
	o.token = c.value
	return c
}

// credentials finds the official account a token call is for and checks
// the caller's IP, or answers the error and returns nil.
func (s *Server) credentials(w http.ResponseWriter, r *http.Request, appID, secret string) *owner {
	s.mu.Lock()
	o, want := s.apps[appID], ""
	if o != nil {
		want = o.secret
	}
	s.mu.Unlock()
	switch {
	case appID == "":
		fail(w, r, "no_appid")
	case o == nil:
		fail(w, r, BadAppID)
	case secret == "":
		fail(w, r, "no_secret")
	case secret != want:
		fail(w, r, BadSecret)
	case !s.ipAllowed(r):
		fail(w, r, IP)
	default:
		return o
	}
	return nil
}

// tokenOwner finds who an access_token belongs to, or answers the error
// (the official or the WeCom one) and returns nil; the caller holds s.mu.
func (s *Server) tokenOwner(w http.ResponseWriter, r *http.Request, value string, wecom bool) *owner {
	t := s.tokens[value]
	known := t != nil && (t.owner.corp != nil) == wecom
	switch {
	case value == "":
		fail(w, r, "no_token")
	case !known && wecom:
		fail(w, r, "bad_wecom_token")
	case !known:
		fail(w, r, Revoked)
	case !s.now().Before(t.expires):
		fail(w, r, "expired")
	default:
		return t.owner
	}
	return nil
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	typ := q.Get("type")
	counter := &s.stats.Ticket
	if typ == "wx_card" {
		counter = &s.stats.CardTicket
	}
	if misbehave(w, r, s.arrive(counter, "ticket")) {
		return
	}
	if q.Get("access_token") == "" {
		fail(w, r, "no_token")
		return
	}
	if typ != "jsapi" && typ != "wx_card" {
		fail(w, r, "bad_type")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.tokenOwner(w, r, q.Get("access_token"), false)
	if o == nil {
		return
	}
	if s.tokens[q.Get("access_token")].component && !s.granted(o, typ) {
		fail(w, r, "c_unauthorized")
		return
	}
	t, life := s.ticketFor(o, typ)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": t.value, "expires_in": life})
}

// ticketFor returns o's ticket of a type and the expires_in to announce:
// while the current ticket lives it comes back with the full lifetime
// again, as users report of WeChat, though it still dies when it first
// would. The caller holds s.mu.
func (s *Server) ticketFor(o *owner, typ string) (*ticket, int64) {
	now, life := s.now(), s.ticketLife()
	if t := o.tickets[typ]; t != nil && now.Before(t.expires) {
		return t, life
	}
	s.serial++
	tag := o.id
	if o.agentID != "" {
		tag += "_" + o.agentID
	}
	t := &ticket{value: ticketValue(s.serial, typ, tag), owner: o, typ: typ, issued: now, expires: now.Add(time.Duration(life) * time.Second)}
	o.tickets[typ] = t
	s.tickets = append(s.tickets, t)
	s.byValue[t.value] = t
	return t, life
}

// ticketLength is that of WeChat's tickets (86 in the published example).
const ticketLength = 86

// ticketValue makes a ticket that names its serial, type and owner and is
// padded with base64url characters from a PCG seeded by the serial, so
// that runs are reproducible.
func ticketValue(serial int, typ, tag string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := []byte(fmt.Sprintf("TICKET_%d_%s_%s_", serial, typ, tag))
	rng := rand.New(rand.NewPCG(uint64(serial), 0x77787369676e))
	for pad := 0; pad < 16 || len(b) < ticketLength; pad++ {
		b = append(b, alphabet[rng.IntN(len(alphabet))])
	}
	return string(b)
}

// fail answers the errcode errs[key] as WeChat does: HTTP 200, the
// caller's IP where the message has one, and the request id official
// accounts append or the hint WeCom appends.
func fail(w http.ResponseWriter, r *http.Request, key string) {
	e, ok := errs[key]
	if !ok {
		panic("wechattest: no error " + key)
	}
	ip := remoteIP(r)
	ipv6 := ip.String()
	if ip.Is4() {
		ipv6 = "::ffff:" + ipv6
	}
	msg := strings.NewReplacer("{ip}", ip.String(), "{ipv6}", ipv6).Replace(e.msg)
	if isWeCom(r.URL.Path) {
		msg += fmt.Sprintf(", hint: [1700000000_wxsign_standin], from ip: %s, more info at https://open.work.weixin.qq.com/devtool/query?e=%d", ip, e.code)
	} else {
		msg += " rid: 6743a1b2-0c0ffee0-1d2e3f40"
	}
	writeJSON(w, map[string]any{"errcode": e.code, "errmsg": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	json.NewEncoder(w).Encode(v)
}
