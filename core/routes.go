package core

import "strings"

// Endpoint is one route of the Worker. Every route is listed once, in
// Routes, and the signer module routes every request by it.
type Endpoint struct {
	Path    string
	Methods string // the methods it answers, as the Allow header lists them
	Auth    bool   // needs Authorization: Bearer <API_KEY>
	Limit   string // the rate-limit binding that counts it; see RateLimits
}

// The rate-limit bindings (wrangler.toml [[ratelimits]]), keyed by the
// caller's IP (CF-Connecting-IP). A binding that is not configured limits
// nothing.
const (
	LimitConfig = "CONFIG_RATE_LIMIT" // requests to the signing endpoints, per IP
	LimitAuth   = "AUTH_RATE_LIMIT"   // failed authentications, per IP
)

// The coordinator's paths: an isolate asks the coordinator of a key's
// owner (Key.Coordinator) for a usable record at CredentialPath?key=<KV
// key>, and the cron asks each coordinator to refresh what is due at
// RefreshPath?owner=<its name>. An answer says in WakeHeader when to wake
// next and what to ask then: "<Unix seconds> <path>". They are no routes:
// only the Worker reaches a coordinator, and the module hands the entry
// the path with each ask.
//
// The Go program hands the coordinator the alerts a pass decided in
// AlertHeader, one value each: "<receipt key> <id> <URL, base64> <body,
// base64>". The coordinator takes the header off, answers, and then POSTs
// the body to the URL; the webhook's answer goes to its durable storage at
// the receipt key as "<id> <HTTP status> <the answer's start>" (status 0:
// none), which the Vault reads (ReceiptKey).
const (
	CredentialPath = "/__wxsign/credential"
	RefreshPath    = "/__wxsign/refresh"
	WakeHeader     = "X-Wxsign-Wake"
	AlertHeader    = "X-Wxsign-Alert"
)

// AskPath is where an isolate asks k's coordinator for k's record.
func (k *Key) AskPath() string { return CredentialPath + "?key=" + k.String() }

// RefreshAsk is where the cron and the alarm ask owner's coordinator for
// its refresh pass.
func RefreshAsk(owner string) string { return RefreshPath + "?owner=" + owner }

// ConfigMethods are the methods /config answers.
const ConfigMethods = "GET, HEAD, POST, OPTIONS"

// Routes is the Worker's route table.
var Routes = []Endpoint{
	{Path: "/config", Methods: ConfigMethods, Limit: LimitConfig},
	{Path: "/all", Methods: ConfigMethods, Limit: LimitConfig},
	{Path: "/nonce", Methods: "GET, HEAD, OPTIONS", Limit: LimitConfig},
	{Path: "/wecom/config", Methods: "GET, HEAD, OPTIONS", Limit: LimitConfig},
	{Path: "/card/ext", Methods: "POST", Auth: true, Limit: LimitConfig},
	{Path: "/card/choose", Methods: "POST", Auth: true, Limit: LimitConfig},
	{Path: "/debug/info", Methods: "GET, HEAD", Limit: LimitConfig},
	{Path: "/debug/check", Methods: "POST, OPTIONS", Limit: LimitConfig},
	{Path: "/token", Methods: "GET, HEAD", Auth: true, Limit: LimitConfig},
	{Path: "/ticket", Methods: "GET, HEAD", Auth: true, Limit: LimitConfig},
	{Path: "/healthz", Methods: "GET, HEAD", Limit: LimitConfig},
}

// Route finds the endpoint for a request: ErrNotFound for a path that is
// not in the table (compared byte for byte: an escaped or malformed path
// is no route), ErrMethod, with the endpoint for its Allow header, for a
// method it does not answer.
func Route(method, path string) (*Endpoint, *Error) {
	for i := range Routes {
		e := &Routes[i]
		if e.Path != path {
			continue
		}
		if !listed(e.Methods, method) {
			return e, ErrMethod
		}
		return e, nil
	}
	return nil, ErrNotFound
}

// listed reports whether method is one of the comma-separated methods.
func listed(methods, method string) bool {
	for methods != "" {
		var m string
		m, methods, _ = strings.Cut(methods, ", ")
		if m == method {
			return true
		}
	}
	return false
}
