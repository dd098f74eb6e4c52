package api

import (
	"slices"
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/pageurl"
)

// health is the /healthz answer: configuration and the state of every
// credential, for anyone to read. It never holds a secret, a token or a
// ticket, and URL settings are shown without userinfo or query.
type health struct {
	OK          bool            `json:"ok"`
	Apps        []string        `json:"apps"`
	WeCom       *wecomHealth    `json:"wecom,omitempty"`
	Platform    *platformHealth `json:"platform,omitempty"`
	Config      healthConfig    `json:"config"`
	Credentials []credHealth    `json:"credentials"`
	Alerts      alertHealth     `json:"alerts"`
	Problems    []string        `json:"problems,omitempty"`
	Warnings    []string        `json:"warnings,omitempty"`
	Now         int64           `json:"now"`
}

type wecomHealth struct {
	CorpID string   `json:"corpid"`
	Agents []string `json:"agents"`
}

// platformHealth is a third-party platform's state: how old the last
// verify ticket KV holds a copy of is (KV's copy is at most an hour older
// than the coordinator's, cred.MirrorEvery), and how many accounts
// authorized it.
type platformHealth struct {
	AppID           string `json:"component_appid"`
	VerifyTicketAge *int64 `json:"verify_ticket_age_s,omitempty"`
	Authorizers     int    `json:"authorizers"`
}

type healthConfig struct {
	APIBase       string `json:"wechat_api_base"`
	WeComAPIBase  string `json:"wecom_api_base,omitempty"`
	Relay         bool   `json:"relay_key_set"`
	TokenMode     string `json:"token_mode"`
	RefreshMargin int64  `json:"refresh_margin"`
	APIKeySet     bool   `json:"api_key_set"`
	Host          string `json:"request_host"`
}

// alertHealth is the webhook's state: never its URL. The last alert's
// delivery is known once the key it was about is written again (it rides
// in that write, not in one of its own); until then delivered is absent.
type alertHealth struct {
	WebhookSet      bool   `json:"webhook_set"`
	Format          string `json:"format"`
	Lang            string `json:"lang"`
	LastSentAt      int64  `json:"last_sent_at,omitempty"`
	Delivered       *bool  `json:"delivered,omitempty"`
	LastDeliveredAt int64  `json:"last_delivered_at,omitempty"`
	LastLostAt      int64  `json:"last_undelivered_at,omitempty"`
}

// credHealth is one key of the table.
type credHealth struct {
	Kind        string `json:"kind"`
	Owner       string `json:"owner"`
	Present     bool   `json:"present"`
	Usable      bool   `json:"usable"`
	Due         bool   `json:"due"`
	AgeS        int64  `json:"age_s,omitempty"`
	ExpiresIn   int64  `json:"expires_in_s,omitempty"`
	Fetches     int    `json:"fetches_this_hour"`
	Budget      int    `json:"budget_per_hour,omitempty"`
	LastError   string `json:"last_error,omitempty"`
	LastErrCode int    `json:"last_errcode,omitempty"`
	LastErrorAt int64  `json:"last_error_at,omitempty"`
	Failures    int    `json:"consecutive_failures,omitempty"`
	NextAttempt int64  `json:"next_attempt,omitempty"`
}

// AppendHealth appends the /healthz answer for a request to host at now,
// and returns its status: 200, or 503 while the settings have a problem
// or Workers KV cannot be read. held gives each key's record as the
// caller holds it; it is never given a secret to show.
func (s *Settings) AppendHealth(dst []byte, host string, now int64, held func(*cred.Key) *cred.Held) (int, []byte) {
	h := health{
		Apps: []string{},
		Config: healthConfig{APIBase: pageurl.SafeURL(s.APIBase), TokenMode: s.TokenMode, RefreshMargin: s.RefreshMargin,
			Relay: s.RelayKey != "", APIKeySet: s.APIKey != "", Host: host},
		Credentials: []credHealth{},
		Alerts:      alertHealth{WebhookSet: s.AlertWebhook != "", Format: s.AlertFormat, Lang: s.AlertLang},
		Problems:    slices.Clip(s.Problems), // appended to below: never into the settings' array
		Warnings:    slices.Clip(s.Warnings),
		Now:         now,
	}
	for _, a := range s.Apps {
		h.Apps = append(h.Apps, a.AppID)
	}
	if wc := s.WeCom; wc != nil {
		h.WeCom = &wecomHealth{CorpID: wc.CorpID}
		for _, a := range wc.Agents {
			h.WeCom.Agents = append(h.WeCom.Agents, a.AgentID)
		}
		h.Config.WeComAPIBase = pageurl.SafeURL(s.WeComAPIBase)
	}
	if p := s.Platform; p != nil {
		h.Platform = &platformHealth{AppID: p.AppID}
		if v := held(s.Key(cred.ComponentVerifyTicket.Name, p.AppID)).Known(); v.Value != "" {
			age := now - v.FetchedAt
			h.Platform.VerifyTicketAge = &age
		}
		for range cred.Authorizers(held(s.AuthorizerListKey()).Known().Value) {
			h.Platform.Authorizers++
		}
	}
	if strings.HasSuffix(strings.ToLower(pageurl.HostOnly(host)), ".workers.dev") {
		h.Warnings = append(h.Warnings, "this request came to a workers.dev host, which phones in mainland China often cannot reach: bind a custom domain (routes in wrangler.toml)")
	}
	kvDown := false
	for _, k := range s.Keys() {
		hd := held(k)
		kvDown = kvDown || hd.ReadFailed()
		rec := hd.Known()
		h.Alerts.add(&rec)
		if k.Kind.Lazy && rec.Value == "" && rec.LastErrorAt == 0 {
			continue // not used yet: nobody pays for it
		}
		c := credHealth{Kind: k.Kind.Name, Owner: k.Owner, Present: rec.Value != "", Usable: rec.Usable(now),
			Due: rec.Due(now, k.Margin(s.RefreshMargin)), Fetches: rec.FetchesThisHour(now), Budget: k.PerHour,
			LastError: rec.LastError, LastErrCode: rec.LastErrCode, LastErrorAt: rec.LastErrorAt,
			Failures: rec.Failures, NextAttempt: rec.NextAttempt}
		if c.Present {
			c.AgeS, c.ExpiresIn = now-rec.FetchedAt, rec.ExpiresAt-now
		}
		h.Credentials = append(h.Credentials, c)
	}
	if kvDown {
		h.Problems = append(h.Problems, core.ErrStorage.Msg)
	}
	h.OK = len(h.Problems) == 0
	status := 200
	if !h.OK {
		status = 503
	}
	return status, h.appendJSON(dst)
}

// add takes in a record's alert times.
func (a *alertHealth) add(r *cred.Record) {
	a.LastSentAt = max(a.LastSentAt, r.AlertAt)
	a.LastDeliveredAt = max(a.LastDeliveredAt, r.AlertOK)
	a.LastLostAt = max(a.LastLostAt, r.AlertLost)
	switch {
	case a.LastSentAt == 0:
		a.Delivered = nil
	case a.LastDeliveredAt == a.LastSentAt:
		a.Delivered = &[]bool{true}[0]
	case a.LastLostAt == a.LastSentAt:
		a.Delivered = &[]bool{false}[0]
	default:
		a.Delivered = nil
	}
}

// appendJSON appends h as its json tags say (omitempty members left out
// when empty), for the tests' encoding/json to read back.
func (h *health) appendJSON(b []byte) []byte {
	o := newObjWriter(b)
	o.bool("ok", h.OK)
	o.strs("apps", h.Apps)
	if h.WeCom != nil {
		o.object("wecom", func(w *objWriter) {
			w.str("corpid", h.WeCom.CorpID)
			w.strs("agents", h.WeCom.Agents)
		})
	}
	if p := h.Platform; p != nil {
		o.object("platform", func(w *objWriter) {
			w.str("component_appid", p.AppID)
			if p.VerifyTicketAge != nil {
				w.int("verify_ticket_age_s", *p.VerifyTicketAge)
			}
			w.int("authorizers", int64(p.Authorizers))
		})
	}
	o.object("config", func(c *objWriter) {
		cfg := &h.Config
		c.str("wechat_api_base", cfg.APIBase)
		if cfg.WeComAPIBase != "" {
			c.str("wecom_api_base", cfg.WeComAPIBase)
		}
		c.bool("relay_key_set", cfg.Relay)
		c.str("token_mode", cfg.TokenMode)
		c.int("refresh_margin", cfg.RefreshMargin)
		c.bool("api_key_set", cfg.APIKeySet)
		c.str("request_host", cfg.Host)
	})
	o.key("credentials")
	o.b = append(o.b, '[')
	for i := range h.Credentials {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = h.Credentials[i].appendJSON(o.b)
	}
	o.b = append(o.b, ']')
	o.object("alerts", func(w *objWriter) {
		a := &h.Alerts
		w.bool("webhook_set", a.WebhookSet)
		w.str("format", a.Format)
		w.str("lang", a.Lang)
		if a.LastSentAt != 0 {
			w.int("last_sent_at", a.LastSentAt)
		}
		if a.Delivered != nil {
			w.bool("delivered", *a.Delivered)
		}
		if a.LastDeliveredAt != 0 {
			w.int("last_delivered_at", a.LastDeliveredAt)
		}
		if a.LastLostAt != 0 {
			w.int("last_undelivered_at", a.LastLostAt)
		}
	})
	if len(h.Problems) > 0 {
		o.strs("problems", h.Problems)
	}
	if len(h.Warnings) > 0 {
		o.strs("warnings", h.Warnings)
	}
	o.int("now", h.Now)
	return o.bytes()
}

func (c *credHealth) appendJSON(b []byte) []byte {
	o := newObjWriter(b)
	o.str("kind", c.Kind)
	o.str("owner", c.Owner)
	o.bool("present", c.Present)
	o.bool("usable", c.Usable)
	o.bool("due", c.Due)
	omitZero := func(k string, v int64) {
		if v != 0 {
			o.int(k, v)
		}
	}
	omitZero("age_s", c.AgeS)
	omitZero("expires_in_s", c.ExpiresIn)
	o.int("fetches_this_hour", int64(c.Fetches))
	omitZero("budget_per_hour", int64(c.Budget))
	if c.LastError != "" {
		o.str("last_error", c.LastError)
	}
	omitZero("last_errcode", int64(c.LastErrCode))
	omitZero("last_error_at", c.LastErrorAt)
	omitZero("consecutive_failures", int64(c.Failures))
	omitZero("next_attempt", c.NextAttempt)
	return o.bytes()
}
