// Package coord is what a coordinator does in a pass over cred.Vault: it
// hands an isolate a usable record (cred.CredentialPath) and refreshes
// what is due for the cron and the alarm (cred.RefreshPath).
//
// A pass is a step function (Pass): it says each I/O it needs (Op), a
// read or write of Workers KV or of the coordinator's storage, a WeChat
// call or a log line, and is handed its result. The signer module runs it
// with the Worker's entry doing the I/O, so that no Worker invocation
// starts a Go runtime; Run does the I/O directly, for the native tests
// and tools. Either way the policy is cred.Vault's, and nothing here knows
// net/http or Workers.
package coord

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat/wire"
)

// Answer is a pass's answer, with the coordinator's own headers: when to
// wake next (cred.WakeHeader) and the alerts to send after answering
// (cred.AlertHeader).
type Answer struct {
	api.Response
	Wake   string
	Alerts []string
}

// Headers are the answer's headers, the coordinator's own included.
func (a *Answer) Headers() []api.Header {
	h := a.Response.Headers(nil)
	if a.Wake != "" {
		h = append(h, api.Header{Name: cred.WakeHeader, Value: a.Wake})
	}
	for _, v := range a.Alerts {
		h = append(h, api.Header{Name: cred.AlertHeader, Value: v})
	}
	return h
}

// pass is what one pass holds: the settings, its vault and the alerts
// the vault decided.
type pass struct {
	settings *api.Settings
	vault    *cred.Vault
	events   []cred.Event
	log      func(line string)
}

// Vault is one pass of the cache policy for settings at now; the alerts it
// decides go to *events.
func Vault(s *api.Settings, now int64, kv, mem cred.Store, f cred.Fetcher, log func(line string), events *[]cred.Event) *cred.Vault {
	return &cred.Vault{Store: kv, Mem: mem, Fetcher: f, Now: now, RefreshMargin: s.RefreshMargin, Log: log,
		Notify: func(e cred.Event) { *events = append(*events, e) }}
}

// serve answers target, a coordinator's path with its query.
func (p *pass) serve(ctx context.Context, target string) *Answer {
	a := &Answer{}
	if !p.settings.OK() {
		fail(a, p.settings.Unconfigured(), api.RetryAfterSeconds)
		return a
	}
	path, query, _ := strings.Cut(target, "?")
	switch path {
	case cred.CredentialPath:
		p.credential(ctx, a, param(query, "key"))
	case cred.RefreshPath:
		p.refresh(ctx, a, param(query, "owner"))
	default:
		fail(a, core.ErrNotFound, 0)
	}
	return a
}

// credential hands an isolate a usable record for the key it asks for,
// exactly as stored in KV, fetching it first when needed; or the error,
// as the module will show it to the page.
func (p *pass) credential(ctx context.Context, a *Answer, name string) {
	v := p.vault
	k := keyNamed(ctx, p.settings, v, name)
	if k == nil {
		fail(a, core.ErrNotFound, 0)
		return
	}
	rec, err := v.Get(ctx, k)
	a.Alerts = Alerts(ctx, p.settings, v, k.Coordinator(), &p.events, p.log)
	a.Wake = Wake(ctx, p.settings, v, k.Coordinator())
	if err != nil {
		fail(a, err.Error, RetryAfter(err.RetryAt, v.Now))
		return
	}
	a.Status, a.Body = 200, rec.AppendJSON(nil)
}

// refresh is the cron's and the alarm's pass over one coordinator's keys:
// everything due is fetched, and the answer says when to wake next.
func (p *pass) refresh(ctx context.Context, a *Answer, owner string) {
	v := p.vault
	keys := ownerKeys(ctx, p.settings, v, owner)
	if len(keys) == 0 {
		fail(a, core.ErrNotFound, 0)
		return
	}
	err := v.Refresh(ctx, keys)
	if v.Wrote == 0 && err == nil {
		p.log("wxsign: refresh " + owner + ": nothing due")
	}
	a.Alerts = Alerts(ctx, p.settings, v, owner, &p.events, p.log)
	a.Wake = Wake(ctx, p.settings, v, owner)
	if err != nil {
		fail(a, err.Error, RetryAfter(err.RetryAt, v.Now))
		return
	}
	a.Status, a.Body = 200, []byte(`{"errcode":0,"errmsg":"ok"}`)
}

// Alerts end a pass of the coordinator owner: the KV state is settled,
// each alert the pass decided is logged and, with a webhook set, returned
// as an AlertHeader value, which the coordinator sends after answering:
// an alert never delays signing.
func Alerts(ctx context.Context, s *api.Settings, v *cred.Vault, owner string, events *[]cred.Event, log func(line string)) []string {
	v.Settle(ctx, owner)
	if len(*events) == 0 {
		return nil
	}
	al := s.Alerter()
	al.Secrets = append(al.Secrets, v.Values()...)
	url := base64.StdEncoding.EncodeToString([]byte(s.AlertWebhook))
	var out []string
	for _, e := range *events {
		text := al.Text(e)
		log("wxsign: alert: " + strings.ReplaceAll(text, "\n", " / "))
		if s.AlertWebhook == "" {
			continue
		}
		body := cred.AppendAlert(nil, al.Format, text)
		out = append(out, cred.ReceiptKey(e.Key, owner)+" "+strconv.FormatInt(e.At, 10)+" "+url+" "+
			base64.StdEncoding.EncodeToString(body))
	}
	return out
}

// Wake is when owner's keys next need a pass, and the path that runs it,
// as cred.WakeHeader says it: "<Unix seconds> <path>"; "" for never.
func Wake(ctx context.Context, s *api.Settings, v *cred.Vault, owner string) string {
	if t := v.Wake(ctx, ownerKeys(ctx, s, v, owner)); t != 0 {
		return strconv.FormatInt(t, 10) + " " + cred.RefreshAsk(owner)
	}
	return ""
}

// keyNamed finds a key by its KV name: one of the settings' table, or of an
// account that authorized the platform.
func keyNamed(ctx context.Context, s *api.Settings, v *cred.Vault, name string) *cred.Key {
	for _, k := range s.Keys() {
		if k.String() == name {
			return k
		}
	}
	if p := s.Platform; p != nil {
		for _, k := range ownerKeys(ctx, s, v, p.AppID) {
			if k.String() == name {
				return k
			}
		}
	}
	return nil
}

// ownerKeys are the keys one coordinator keeps, tokens before their tickets:
// a platform's coordinator keeps those of the accounts on its list too.
func ownerKeys(ctx context.Context, s *api.Settings, v *cred.Vault, owner string) []*cred.Key {
	var keys []*cred.Key
	for _, k := range s.Keys() {
		if k.Coordinator() == owner {
			keys = append(keys, k)
		}
	}
	if p := s.Platform; p != nil && p.AppID == owner {
		list, _ := v.Record(ctx, s.AuthorizerListKey())
		for id := range cred.Authorizers(list.Value) {
			keys = append(keys, s.AuthorizerKeys(id)...)
		}
	}
	return keys
}

// weChatBases are where the settings send WeChat calls.
func weChatBases(s *api.Settings) wire.Bases {
	return wire.Bases{Official: s.APIBase, WeCom: s.WeComAPIBase, RelayKey: s.RelayKey, WeComRelayKey: s.WeComRelayKey}
}

// param is the query parameter name, "" when it is not there once.
func param(query, name string) string {
	if v, n := api.QueryParam(query, name); n == 1 {
		return v
	}
	return ""
}

// RetryAfter is the Retry-After, in seconds, of a failure that may be tried
// again at at.
func RetryAfter(at, now int64) int {
	if d := at - now; d > 0 {
		return int(d)
	}
	return api.RetryAfterSeconds
}

func fail(a *Answer, e *core.Error, retry int) {
	a.Fail(nil, e)
	if retry > 0 {
		a.RetryAfter = retry
	}
}
