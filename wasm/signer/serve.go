//go:build wasip1

package main

import (
	"strconv"

	"github.com/wxsign/wxsign/core"
)

// serve routes a request by core's table and answers it, or names what it
// needs first.
func serve(f *[nFields][]byte, now int64) uint32 {
	method, url := view(f[fMethod]), view(f[fURL])
	route, err := core.Route(method, path(url))
	if err == core.ErrNotFound && settings.Test.Panic && path(url) == "/__test/panic" {
		return act(ActForward) // the Go program panics there, for the test that a panic is a clean 500
	}
	if err != nil {
		var r core.Response // no CORS: the route is none a page may call so
		r.Fail(body[:0:outputCap], err)
		if route != nil {
			r.Allow = route.Methods
		}
		return answer(&r)
	}
	if route.Limit != "" && limiting(route.Limit) {
		if a, limited := limit(f, route.Limit); a != 0 || limited {
			return a
		}
	}
	if route.Auth {
		if settings.APIKey == "" {
			return fail(core.ErrNotFound)
		}
		if !core.Authorized(view(f[fAuthorization]), settings.APIKey) {
			if limiting(core.LimitAuth) {
				if a, _ := limit(f, core.LimitAuth); a != 0 {
					return a
				}
			}
			r := core.Response{Authenticate: true} // no CORS: keyed endpoints are for back-ends
			r.Fail(body[:0:outputCap], core.ErrUnauthorized)
			return answer(&r)
		}
	}
	if route.Go {
		return act(ActForward)
	}
	req := core.Request{
		Method:      method,
		Query:       query(url),
		ContentType: view(f[fContentType]),
		Origin:      view(f[fOrigin]),
		Body:        f[fBody],
	}
	if len(req.Body) > core.MaxBodyLen || tooLong(view(f[fContentLength])) {
		return refuse(&req, core.ErrBodyTooLarge)
	}
	if route.Path == "/nonce" {
		return serveNonce(&req)
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
	}
	return fail(core.ErrNotFound)
}

// limit asks the host for the rate-limit verdict once, then answers 429
// when the binding said no. It returns 0, false when the request may go on.
func limit(f *[nFields][]byte, binding string) (uint32, bool) {
	switch string(f[fLimit]) {
	case "":
		ip := view(f[fIP])
		if ip == "" {
			ip = "unknown"
		}
		return act(ActLimit, binding, core.RateKey(ip)), true
	case "0":
		r := refusal(view(f[fOrigin]), core.ErrRateLimited)
		r.RetryAfter = core.RateLimitPeriod
		return answer(&r), true
	}
	return 0, false
}

func serveConfig(req *core.Request, now int64) uint32 {
	a, err := pickApp(req.Query)
	if err != nil {
		return refuse(req, err)
	}
	if a == nil {
		return refuse(req, core.ErrNotConfigured)
	}
	if act := a.ticket.need(now); act != 0 {
		return act
	}
	a.Signer = a.ticket.signer
	r := a.ServeConfig(body[:0:outputCap], req, &a.ticket.rec, now)
	if r.NeedTicket {
		if act := a.ticket.ready(&r, now); act != 0 {
			return act
		}
	}
	return answer(&r)
}

func serveNonce(req *core.Request) uint32 {
	r := cors.ServeNonce(body[:0:outputCap], req)
	return answer(&r)
}

// refusal is the answer to a request refused before an endpoint's own
// checks, with the CORS decision made, so that a page can read why.
func refusal(origin string, e *core.Error) core.Response {
	r := core.Response{AllowOrigin: cors.CORS(origin), Vary: !origins.Empty()}
	r.Fail(body[:0:outputCap], e)
	return r
}

func refuse(req *core.Request, e *core.Error) uint32 {
	r := refusal(req.Origin, e)
	return answer(&r)
}

// serveWeCom answers /wecom/config for ?agentid= (the first agent by default).
func serveWeCom(req *core.Request, now int64) uint32 {
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
	var r core.Response
	for _, e := range []*entry{a.corp, a.agent} {
		if act := e.need(now); act != 0 {
			return act
		}
	}
	r = a.ServeWeCom(body[:0:outputCap], req, a.id, &a.corp.rec, &a.agent.rec, now)
	if r.NeedTicket {
		for _, e := range []*entry{a.corp, a.agent} {
			if act := e.ready(&r, now); act != 0 {
				return act
			}
		}
	}
	return answer(&r)
}

// serveCard answers /card/ext and /card/choose with the app's wx_card
// ticket, which is fetched the first time a card endpoint needs it.
func serveCard(path string, req *core.Request, now int64) uint32 {
	a, err := appByID(core.CardAppID(req.Body))
	if err != nil {
		return refuse(req, err)
	}
	if a == nil {
		return refuse(req, core.ErrUnknownApp)
	}
	if act := a.card.need(now); act != 0 {
		return act
	}
	var r core.Response
	if path == "/card/ext" {
		r = core.ServeCardExt(body[:0:outputCap], req.Body, &a.card.rec, now)
	} else {
		r = core.ServeCardChoose(body[:0:outputCap], a.AppID, req.Body, &a.card.rec, now)
	}
	if r.NeedTicket {
		if act := a.card.ready(&r, now); act != 0 {
			return act
		}
	}
	return answer(&r)
}

// serveDebug answers the debug page's endpoints with the app's jsapi_ticket.
func serveDebug(path string, req *core.Request, now int64) uint32 {
	a, err := pickApp(req.Query)
	if err != nil {
		return refuse(req, err)
	}
	if a == nil {
		return refuse(req, core.ErrUnknownApp)
	}
	if act := a.ticket.need(now); act != 0 {
		return act
	}
	var r core.Response
	if path == "/debug/info" {
		r = a.ServeDebugInfo(body[:0:outputCap], req, &a.ticket.rec, now)
	} else {
		r = a.ServeDebugCheck(body[:0:outputCap], req, &a.ticket.rec, now)
	}
	if r.NeedTicket {
		if act := a.ticket.ready(&r, now); act != 0 {
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
	return err == nil && n > core.MaxBodyLen
}
