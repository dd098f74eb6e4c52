//go:build wasip1

package main

import (
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
)

// The module's state, kept between calls: the settings and, per KV key,
// the record the host last handed over. Each official account and WeCom
// agent holds its entries by pointer, so that a request finds its app's
// ticket without a map look-up, and alternating apps rebuild nothing.
var (
	settings core.Settings
	apps     []*app
	agents   []*agent
	entries  = map[string]*entry{}
	limiters []string // the rate-limit bindings the environment has
	origins  core.OriginList
	cors     core.App // no app's, only ALLOWED_ORIGINS: the CORS of answers made before an app is known
)

// app is an official account as the signing endpoints need it.
type app struct {
	core.App
	ticket, card *entry
}

// agent is a WeCom agent: the corp's App (its AppID is the CorpID) and
// the agent's two tickets.
type agent struct {
	core.App
	id          string
	corp, agent *entry
}

// entry is one record as this instance holds it.
type entry struct {
	key     *core.Key
	raw     string
	rec     core.Record
	readAt  int64 // when KV was last read for it; 0 = never
	signer  *core.TicketSigner
	failure []byte // the Go program's error while it holds, a JSON body
	until   int64
}

// configure parses the settings from the environment and rebuilds the
// state: records already held for keys that remain are kept.
func configure(env map[string]string) {
	settings = core.LoadSettings(func(name string) string { return env[name] })
	limiters = nil
	for name := range env {
		if b, ok := strings.CutPrefix(name, "@"); ok && settings.RateLimits && (b == core.LimitConfig || b == core.LimitAuth) {
			limiters = append(limiters, b)
		}
	}
	origins = core.ParseOriginList(settings.AllowedOrigins)
	cors = core.App{Origins: origins}
	old := entries
	entries = map[string]*entry{}
	for _, k := range settings.Keys() {
		e := old[k.String()]
		if e == nil {
			e = &entry{}
		}
		e.key = k
		entries[k.String()] = e
	}
	apps, agents = nil, nil
	for _, a := range settings.Apps {
		apps = append(apps, &app{
			App:    core.App{AppID: a.AppID, Hosts: core.ParseAllowlist(a.AllowedHosts), Origins: origins},
			ticket: entries[settings.Key(core.JSAPITicket.Name, a.AppID).String()],
			card:   entries[settings.Key(core.CardTicket.Name, a.AppID).String()],
		})
	}
	if w := settings.WeCom; w != nil {
		for _, a := range w.Agents {
			owner := w.CorpID + "/" + a.AgentID
			agents = append(agents, &agent{
				App:   core.App{AppID: w.CorpID, Hosts: core.ParseAllowlist(w.AllowedHosts), Origins: origins},
				id:    a.AgentID,
				corp:  entries[settings.Key(core.WeComCorpTicket.Name, owner).String()],
				agent: entries[settings.Key(core.WeComAgentTicket.Name, owner).String()],
			})
		}
	}
}

// stale reports whether the entry should be read from KV before use: it
// never was, or not within the record TTL. Under an injected KV read
// fault the read fails here, as it would in the host.
func (e *entry) stale(now int64) bool {
	if e.readAt != 0 && now-e.readAt < settings.RecordTTL() {
		return false
	}
	if settings.Test.KVFault(false, now) {
		e.hand("unreadable", nil, 0, now)
		return false
	}
	return true
}

// hand takes a record from the host (see wxs_record).
func (e *entry) hand(outcome string, value []byte, retry, now int64) {
	switch outcome {
	case "kv", "fetched":
		e.readAt = now
		if string(value) != e.raw {
			rec := core.ParseRecord(string(value))
			// KV is eventually consistent: a record read from it that is
			// older than the one held (fetched here a moment ago) does not
			// replace it.
			if outcome == "fetched" || !e.rec.Usable(now) || rec.FetchedAt >= e.rec.FetchedAt {
				e.raw, e.rec = string(value), rec
				e.signer = core.NewTicketSigner(rec.Value)
			}
		}
		if outcome == "fetched" {
			e.failure = nil
		}
	case "absent", "unreadable":
		// Nothing new: what is held stays while it is valid.
		e.readAt = now
	case "failed":
		e.failure, e.until = append([]byte(nil), value...), now+max(retry, 1)
	}
}

// need returns the action an entry calls for before it can sign, 0 when
// it is ready.
func (e *entry) need(now int64) uint32 {
	if e.stale(now) {
		return act(ActRead, e.key.String())
	}
	return 0
}

// failed answers with the Go program's error while it holds, keeping the
// request's own CORS decision; ok is false when there is none (fetch).
func (e *entry) failed(r *core.Response, now int64) (uint32, bool) {
	if e.failure == nil || now >= e.until {
		return 0, false
	}
	r.Status, r.Preflight = 503, false
	r.RetryAfter = int(e.until - now)
	r.Body = append(body[:0:outputCap], e.failure...)
	return answer(r), true
}

// ready is the action that gets e usable (read, then fetch), 0 if it is.
func (e *entry) ready(r *core.Response, now int64) uint32 {
	if a := e.need(now); a != 0 {
		return a
	}
	if e.rec.Usable(now) {
		return 0
	}
	if a, ok := e.failed(r, now); ok {
		return a
	}
	return act(ActFetch, e.key.String(), core.CredentialPath+"?key="+e.key.String(), core.InternalHeader)
}

// param is the value of a query parameter, "" when absent.
func param(q, name string) (string, *core.Error) {
	v, n := core.QueryParam(q, name)
	if n > 1 {
		return "", core.ErrBadRequest
	}
	return v, nil
}

// pickApp is the official account a request's ?appid= names, the first
// when it names none; nil when there are none.
func pickApp(q string) (*app, *core.Error) {
	id, err := param(q, "appid")
	if err != nil {
		return nil, err
	}
	return appByID(id)
}

func appByID(id string) (*app, *core.Error) {
	if len(apps) == 0 {
		return nil, nil
	}
	if id == "" {
		return apps[0], nil
	}
	for _, a := range apps {
		if a.AppID == id {
			return a, nil
		}
	}
	return nil, core.ErrUnknownApp
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
