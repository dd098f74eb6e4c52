//go:build wasip1

package main

import (
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/pageurl"
	"github.com/wxsign/wxsign/wasm/abi"
)

// The module's state, kept between calls: the settings and, per KV key,
// the record the host last handed over. Each official account and WeCom
// agent holds its entries by pointer, so that a request finds its app's
// ticket without a map look-up, and alternating apps rebuild nothing.
var (
	settings api.Settings
	apps     []*app
	agents   []*agent
	entries  = map[string]*cred.Held{}
	limiters []string // the rate-limit bindings the environment has
	origins  pageurl.OriginList
	cors     api.App // no app's, only ALLOWED_ORIGINS: the CORS of answers made before an app is known

	// coordinated is set when a coordinator answered this isolate: it may
	// have written KV, which /healthz then reads again.
	coordinated bool

	// A third-party platform's list of the accounts that authorized it,
	// and the apps of those asked for so far.
	authorizers    *cred.Held
	authorizerApps map[string]*app
)

// app is an official account as the signing endpoints need it.
type app struct {
	api.App
	ticket, card *cred.Held
}

// agent is a WeCom agent: the corp's App (its AppID is the CorpID) and
// the agent's two tickets.
type agent struct {
	api.App
	id          string
	corp, agent *cred.Held
}

// configure parses the settings from the environment and rebuilds the
// state: records already held for keys that remain are kept.
func configure(env map[string]string) {
	settings = api.LoadSettings(func(name string) string { return env[name] })
	loadHooks(func(name string) string { return env[name] })
	limiters = nil
	for name := range env {
		if b, ok := strings.CutPrefix(name, "@"); ok && settings.RateLimits && (b == api.LimitConfig || b == api.LimitAuth) {
			limiters = append(limiters, b)
		}
	}
	origins = pageurl.ParseOriginList(settings.AllowedOrigins)
	cors = api.App{Origins: origins}
	old := entries
	entries = map[string]*cred.Held{}
	for _, k := range settings.Keys() {
		hold(old, k)
	}
	authorizers, authorizerApps = nil, map[string]*app{}
	if k := settings.AuthorizerListKey(); k != nil {
		authorizers = hold(old, k)
	}
	apps, agents = nil, nil
	for _, a := range settings.Apps {
		apps = append(apps, &app{
			App:    api.App{AppID: a.AppID, Hosts: pageurl.ParseAllowlist(a.AllowedHosts), Origins: origins},
			ticket: entries[settings.Key(cred.JSAPITicket.Name, a.AppID).String()],
			card:   entries[settings.Key(cred.CardTicket.Name, a.AppID).String()],
		})
	}
	if w := settings.WeCom; w != nil {
		for _, a := range w.Agents {
			owner := w.CorpID + "/" + a.AgentID
			agents = append(agents, &agent{
				App:   api.App{AppID: w.CorpID, Hosts: pageurl.ParseAllowlist(w.AllowedHosts), Origins: origins},
				id:    a.AgentID,
				corp:  entries[settings.Key(cred.WeComCorpTicket.Name, owner).String()],
				agent: entries[settings.Key(cred.WeComAgentTicket.Name, owner).String()],
			})
		}
	}
}

// hold is k's entry, the one old had for its KV key when there was one.
func hold(old map[string]*cred.Held, k *cred.Key) *cred.Held {
	e := old[k.String()]
	if e == nil {
		e = &cred.Held{}
	}
	e.Key = k
	entries[k.String()] = e
	return e
}

// need returns the action an entry calls for before it can be looked
// at, 0 when it has been read. Under an injected KV read fault the read
// fails here, as it would in the host.
func need(e *cred.Held, now, maxAge int64) uint32 {
	if !e.Stale(now, maxAge) {
		return 0
	}
	if kvReadFails(now) {
		e.Hand(cred.Unreadable, nil, 0, now)
		return 0
	}
	return act(abi.ActRead, e.Key.String())
}

// ready is the action that gets e usable (read it, or ask the
// coordinator), the answer of the coordinator's refusal while it holds,
// or 0 when e is usable.
func ready(e *cred.Held, r *api.Response, now, maxAge int64) uint32 {
	if a := need(e, now, maxAge); a != 0 {
		return a
	}
	switch e.Next(now, maxAge) {
	case cred.NeedNothing:
		return 0
	case cred.NeedWait:
		failure, retry := e.Failure(now)
		if len(failure) == 0 {
			r.Fail(r.Body[:0], core.ErrUpstream)
		} else {
			r.Status, r.Preflight = 503, false
			r.Body = append(r.Body[:0], failure...)
		}
		r.RetryAfter = int(retry)
		return answer(r)
	}
	return askCoordinator(e)
}

// askCoordinator names the coordinator of e's owner and the path that
// gets e's record from it.
func askCoordinator(e *cred.Held) uint32 {
	return act(abi.ActFetch, e.Key.String(), e.Key.Coordinator(), e.Key.AskPath())
}

// param is the value of a query parameter, "" when absent.
func param(q, name string) (string, *core.Error) {
	v, n := api.QueryParam(q, name)
	if n > 1 {
		return "", core.ErrBadRequest
	}
	return v, nil
}

// pickApp is the official account a request's ?appid= names, the first
// when it names none; nil when there are none. Finding an authorizer of
// the platform may first need its list read (the action).
func pickApp(q string, now int64) (*app, uint32, *core.Error) {
	id, err := param(q, "appid")
	if err != nil {
		return nil, 0, err
	}
	return appByID(id, now)
}

func appByID(id string, now int64) (*app, uint32, *core.Error) {
	if id == "" {
		if len(apps) == 0 {
			return nil, 0, nil
		}
		return apps[0], 0, nil
	}
	for _, a := range apps {
		if a.AppID == id {
			return a, 0, nil
		}
	}
	return authorizer(id, now)
}

// authorizer is the app of an account that authorized the platform. The
// list is read again after api.AuthorizersTTL, or once this isolate has
// forwarded anything to the platform's coordinator.
func authorizer(id string, now int64) (*app, uint32, *core.Error) {
	if authorizers == nil {
		return nil, 0, core.ErrUnknownApp
	}
	if act := need(authorizers, now, api.AuthorizersTTL); act != 0 {
		return nil, act, nil
	}
	if !cred.Listed(authorizers.Rec.Value, id) {
		delete(authorizerApps, id)
		return nil, 0, core.ErrUnknownApp
	}
	a := authorizerApps[id]
	if a == nil {
		var ticket *cred.Held
		for _, k := range settings.AuthorizerKeys(id) {
			ticket = hold(entries, k) // the ticket comes last
		}
		a = &app{App: api.App{AppID: id, Hosts: pageurl.ParseAllowlist(settings.Platform.HostsOf(id)), Origins: origins}, ticket: ticket}
		authorizerApps[id] = a
	}
	return a, 0, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// limiting reports whether the environment has the rate-limit binding: a
// scan of at most two names, cheaper than a map in WebAssembly.
func limiting(binding string) bool {
	for _, b := range limiters {
		if b == binding {
			return true
		}
	}
	return false
}
