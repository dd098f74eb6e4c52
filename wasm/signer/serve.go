//go:build wasip1

package main

import (
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/diagnose"
	"github.com/wxsign/wxsign/core/pageurl"
	"github.com/wxsign/wxsign/wasm/abi"
)

// serve routes a request by core's table and answers it, or names what it
// needs first.
func serve(f *[nFields][]byte, now int64) uint32 {
	method, url := view(f[fMethod]), view(f[fURL])
	route, err := api.Route(method, path(url))
	if err == core.ErrNotFound {
		testRoute(url)
	}
	// Every request is counted, unknown paths too: a loop from one address
	// must not spend the plan's requests or KV reads.
	budget := api.LimitConfig
	if route != nil {
		budget = route.Limit
	}
	verdicts := 0 // the verdicts asked for so far
	if budget != "" && limiting(budget) {
		if a, limited := limit(f, budget, verdicts); a != 0 || limited {
			return a
		}
		verdicts++
	}
	if err != nil {
		var r api.Response // no CORS: the route is none a page may call so
		r.Fail(body[:0:outputCap], err)
		if route != nil {
			r.Allow = route.Methods
		}
		return answer(&r)
	}
	if route.Auth {
		if settings.APIKey == "" {
			return fail(core.ErrNotFound)
		}
		if !api.Authorized(view(f[fAuthorization]), settings.APIKey) {
			if limiting(api.LimitAuth) {
				if a, _ := limit(f, api.LimitAuth, verdicts); a != 0 {
					return a
				}
			}
			r := api.Response{Authenticate: true} // no CORS: keyed endpoints are for back-ends
			r.Fail(body[:0:outputCap], core.ErrUnauthorized)
			return answer(&r)
		}
	}
	req := api.Request{
		Method:      method,
		Query:       query(url),
		ContentType: view(f[fContentType]),
		Origin:      view(f[fOrigin]),
		Body:        f[fBody],
	}
	if len(req.Body) > api.MaxBodyLen || tooLong(view(f[fContentLength])) {
		return refuse(&req, core.ErrBodyTooLarge)
	}
	switch route.Path {
	case "/nonce":
		return serveNonce(&req)
	case "/healthz":
		return serveHealth(url, now)
	}
	if !settings.OK() && req.Method != "OPTIONS" {
		return refuse(&req, settings.Unconfigured())
	}
	switch route.Path {
	case "/config", "/all":
		return serveConfig(&req, now)
	case "/wecom/config":
		return serveWeCom(&req, now)
	case "/card/ext", "/card/choose":
		return serveCard(route.Path, &req, now)
	case "/debug/info", "/debug/check":
		return serveDebug(route.Path, &req, now)
	case "/token":
		return serveSecret(&req, "access_token", now)
	case "/ticket":
		return serveSecret(&req, "ticket", now)
	case "/component/event", "/component/authorize", "/component/callback", "/component/authorizers":
		return forwardPlatform(route.Path, url, &req)
	}
	return fail(core.ErrNotFound)
}

// forwardPlatform hands a third-party platform's endpoint, request body
// included, to the platform's coordinator, whose answer is the answer:
// WeChat's pushes and the authorizations change what the coordinator
// keeps, and only it calls WeChat. /component/authorize tells it where
// the Worker's own /component/callback is.
func forwardPlatform(path, url string, req *api.Request) uint32 {
	p := settings.Platform
	if p == nil {
		return fail(core.ErrNotFound)
	}
	to := cred.PlatformPath + strings.TrimPrefix(path, "/component/")
	q := req.Query
	if path == "/component/authorize" {
		q = "redirect=" + pageurl.QueryEscape(origin(url)+"/component/callback") + "&" + q
	}
	if q != "" {
		to += "?" + q
	}
	if authorizers != nil {
		authorizers.Unread() // a push or an authorization may change the list
	}
	return act(abi.ActForward, p.AppID, to)
}

// limit asks the host for a binding's verdict once, then answers 429 when
// the binding said no. The host appends each verdict to the field, so the
// verdict of the n-th binding a request is counted by is its n-th byte:
// CONFIG_RATE_LIMIT's, then AUTH_RATE_LIMIT's for a failed
// authentication. It returns 0, false when the request may go on.
func limit(f *[nFields][]byte, binding string, n int) (uint32, bool) {
	v := f[fLimit]
	if len(v) <= n {
		ip := view(f[fIP])
		if ip == "" {
			ip = "unknown"
		}
		return act(abi.ActLimit, binding, api.RateKey(ip)), true
	}
	if v[n] == '0' {
		r := refusal(view(f[fOrigin]), core.ErrRateLimited)
		r.RetryAfter = api.RateLimitPeriod
		return answer(&r), true
	}
	return 0, false
}

func serveConfig(req *api.Request, now int64) uint32 {
	a, act, err := pickApp(req.Query, now)
	if act != 0 {
		return act
	}
	if err != nil {
		return refuse(req, err)
	}
	if a == nil {
		return refuse(req, core.ErrNotConfigured)
	}
	if act := need(a.ticket, now, 0); act != 0 {
		return act
	}
	r := a.ServeConfig(body[:0:outputCap], req, &a.ticket.Rec, now)
	if r.NeedTicket {
		if act := ready(a.ticket, &r, now, 0); act != 0 {
			return act
		}
	}
	return answer(&r)
}

func serveNonce(req *api.Request) uint32 {
	r := cors.ServeNonce(body[:0:outputCap], req)
	return answer(&r)
}

// refusal is the answer to a request refused before an endpoint's own
// checks, with the CORS decision made, so that a page can read why.
func refusal(origin string, e *core.Error) api.Response {
	r := api.Response{AllowOrigin: cors.CORS(origin), Vary: !origins.Empty()}
	r.Fail(body[:0:outputCap], e)
	return r
}

func refuse(req *api.Request, e *core.Error) uint32 {
	r := refusal(req.Origin, e)
	return answer(&r)
}

// serveWeCom answers /wecom/config for ?agentid= (the first agent by default).
func serveWeCom(req *api.Request, now int64) uint32 {
	id, err := param(req.Query, "agentid")
	if err != nil {
		return refuse(req, err)
	}
	var a *agent
	for _, g := range agents {
		if id == "" || g.id == id {
			a = g
			break
		}
	}
	if a == nil {
		return refuse(req, core.ErrUnknownApp)
	}
	var r api.Response
	for _, e := range []*cred.Held{a.corp, a.agent} {
		if act := need(e, now, 0); act != 0 {
			return act
		}
	}
	r = a.ServeWeCom(body[:0:outputCap], req, a.id, &a.corp.Rec, &a.agent.Rec, now)
	if r.NeedTicket {
		for _, e := range []*cred.Held{a.corp, a.agent} {
			if act := ready(e, &r, now, 0); act != 0 {
				return act
			}
		}
	}
	return answer(&r)
}

// serveCard answers /card/ext and /card/choose with the app's wx_card
// ticket, which is fetched the first time a card endpoint needs it.
func serveCard(path string, req *api.Request, now int64) uint32 {
	a, act, err := appByID(api.CardAppID(req.Body), now)
	if act != 0 {
		return act
	}
	if err != nil {
		return refuse(req, err)
	}
	if a == nil || a.card == nil { // an authorizer's cards are not signed
		return refuse(req, core.ErrUnknownApp)
	}
	if act := need(a.card, now, 0); act != 0 {
		return act
	}
	var r api.Response
	if path == "/card/ext" {
		r = api.ServeCardExt(body[:0:outputCap], req.Body, &a.card.Rec, now)
	} else {
		r = api.ServeCardChoose(body[:0:outputCap], a.AppID, req.Body, &a.card.Rec, now)
	}
	if r.NeedTicket {
		if act := ready(a.card, &r, now, 0); act != 0 {
			return act
		}
	}
	return answer(&r)
}

// serveDebug answers the debug page's endpoints with the app's jsapi_ticket.
func serveDebug(path string, req *api.Request, now int64) uint32 {
	a, act, err := pickApp(req.Query, now)
	if act != 0 {
		return act
	}
	if err != nil {
		return refuse(req, err)
	}
	if a == nil {
		return refuse(req, core.ErrUnknownApp)
	}
	if act := need(a.ticket, now, 0); act != 0 {
		return act
	}
	var r api.Response
	if path == "/debug/info" {
		r = diagnose.ServeDebugInfo(&a.App, body[:0:outputCap], req, &a.ticket.Rec, now)
	} else {
		r = diagnose.ServeDebugCheck(&a.App, body[:0:outputCap], req, &a.ticket.Rec, now)
	}
	if r.NeedTicket {
		if act := ready(a.ticket, &r, now, 0); act != 0 {
			return act
		}
	}
	return answer(&r)
}

// tooLong reports whether a Content-Length header says more than a body
// may hold; "" (no header, the usual GET) is not parsed at all.
func tooLong(cl string) bool {
	if cl == "" {
		return false
	}
	n, err := strconv.ParseInt(cl, 10, 64)
	return err == nil && n > api.MaxBodyLen
}

// serveSecret answers /token and /ticket for back-ends holding API_KEY.
// Tokens can be revoked before they expire, so the record is read from KV
// again after api.RecordTTL, not held until it expires.
func serveSecret(req *api.Request, field string, now int64) uint32 {
	k, err := settings.SecretKey(req.Query, field)
	if err != nil {
		return fail(err)
	}
	e := entries[k.String()]
	var r api.Response
	r.Body = body[:0:outputCap]
	if a := ready(e, &r, now, recordTTL()); a != 0 {
		return a
	}
	r = api.Response{Status: 200, Body: api.AppendSecret(body[:0:outputCap], field, &e.Rec)}
	return answer(&r)
}

// serveHealth answers /healthz from the records this isolate holds,
// reading from KV those it has not read within HealthTTL, or since a
// coordinator answered this isolate (it may have written KV then): a
// monitor polling it costs a read per key every ten minutes at most.
func serveHealth(url string, now int64) uint32 {
	var unread []string
	keys := settings.Keys()
	if k := settings.AuthorizerListKey(); k != nil {
		keys = append(keys[:len(keys):len(keys)], k)
	}
	for _, k := range keys {
		if e := entries[k.String()]; e.Stale(now, healthTTL()) || coordinated {
			if kvReadFails(now) {
				e.Hand(cred.Unreadable, nil, 0, now)
				continue
			}
			unread = append(unread, k.String())
		}
	}
	coordinated = false
	if len(unread) > 0 {
		return act(abi.ActRead, unread...)
	}
	status, b := settings.AppendHealth(body[:0:outputCap], host(url), now, func(k *cred.Key) *cred.Held { return entries[k.String()] })
	r := api.Response{Status: status, Body: b}
	return answer(&r)
}

// host is the host of an absolute request URL, as it came.
func host(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// origin is the scheme and host of an absolute request URL.
func origin(u string) string {
	scheme, _, _ := strings.Cut(u, "://")
	return scheme + "://" + host(u)
}
