package api

import (
	"strings"

	"github.com/wxsign/wxsign/core"
)

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
	{Path: "/component/event", Methods: "POST", Limit: LimitConfig},
	{Path: "/component/authorize", Methods: "GET", Auth: true, Limit: LimitConfig},
	{Path: "/component/callback", Methods: "GET", Limit: LimitConfig},
	{Path: "/component/authorizers", Methods: "GET", Auth: true, Limit: LimitConfig},
}

// Route finds the endpoint for a request: ErrNotFound for a path that is
// not in the table (compared byte for byte: an escaped or malformed path
// is no route), ErrMethod, with the endpoint for its Allow header, for a
// method it does not answer.
func Route(method, path string) (*Endpoint, *core.Error) {
	for i := range Routes {
		e := &Routes[i]
		if e.Path != path {
			continue
		}
		if !listed(e.Methods, method) {
			return e, core.ErrMethod
		}
		return e, nil
	}
	return nil, core.ErrNotFound
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
