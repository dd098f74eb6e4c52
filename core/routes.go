package core

import "strings"

// Endpoint is one route of the Worker. Every route is listed once, in
// Routes: the signer module routes every request by it (answering the
// page-facing ones itself and forwarding the rest to the Go program), and
// the Go program dispatches what it is sent by the same table.
type Endpoint struct {
	Path    string
	Methods string // the methods it answers, as the Allow header lists them
	Go      bool   // answered by the Go program: it needs Workers KV writes or WeChat
	Auth    bool   // needs Authorization: Bearer <API_KEY>
	Limit   string // the rate-limit binding that counts it ("" for none); see RateLimits
}

// The rate-limit bindings (wrangler.toml [[ratelimits]]), keyed by the
// caller's IP (CF-Connecting-IP). A binding that is not configured limits
// nothing.
const (
	LimitConfig = "CONFIG_RATE_LIMIT" // requests to the signing endpoints, per IP
	LimitAuth   = "AUTH_RATE_LIMIT"   // failed authentications, per IP
)

// The cold path: the JS entry asks the Go program for a record the signer
// module needs at CredentialPath?key=<KV key>, with its isolate's token in
// InternalHeader. It is no route: the module never forwards a request
// there, and hands the entry both with its fetch action, so that the path
// is written here alone. The Go program answers only a request whose
// header holds the token the entry handed it (WXSIGN_INTERNAL).
const (
	CredentialPath = "/__wxsign/credential"
	InternalHeader = "X-Wxsign-Internal"
)

// ConfigMethods are the methods /config answers.
const ConfigMethods = "GET, HEAD, POST, OPTIONS"

// Routes is the Worker's route table.
var Routes = []Endpoint{
	{Path: "/config", Methods: ConfigMethods, Limit: LimitConfig},
	{Path: "/all", Methods: ConfigMethods, Limit: LimitConfig},
	{Path: "/nonce", Methods: "GET, HEAD, OPTIONS"},
	{Path: "/wecom/config", Methods: "GET, HEAD, OPTIONS", Limit: LimitConfig},
	{Path: "/card/ext", Methods: "POST", Auth: true},
	{Path: "/card/choose", Methods: "POST", Auth: true},
	{Path: "/debug/info", Methods: "GET, HEAD", Limit: LimitConfig},
	{Path: "/debug/check", Methods: "POST, OPTIONS", Limit: LimitConfig},
	{Path: "/token", Methods: "GET, HEAD", Go: true, Auth: true},
	{Path: "/ticket", Methods: "GET, HEAD", Go: true, Auth: true},
	{Path: "/healthz", Methods: "GET, HEAD", Go: true},
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
