package service

import (
	"context"
	"net/http"

	"github.com/wxsign/wxsign/core"
)

// health is the /healthz answer: configuration and cache state, never a
// secret (not the AppSecret, the token, the ticket or the API key).
type health struct {
	OK       bool           `json:"ok"`
	AppID    string         `json:"appid"`
	Config   healthConfig   `json:"config"`
	Token    *recordHealth  `json:"access_token"`
	Ticket   *recordHealth  `json:"jsapi_ticket"`
	Refresh  *refreshHealth `json:"refresh,omitempty"`
	Problems []string       `json:"problems,omitempty"`
	Warnings []string       `json:"warnings,omitempty"`
	Now      int64          `json:"now"`
}

type healthConfig struct {
	APIBase        string `json:"wechat_api_base"`
	TokenMode      string `json:"token_mode"`
	RefreshMargin  int64  `json:"refresh_margin"`
	AllowedHosts   string `json:"allowed_hosts"`
	AllowedOrigins string `json:"allowed_origins"`
	SecretSet      bool   `json:"appsecret_set"`
	APIKeySet      bool   `json:"api_key_set"`
}

type recordHealth struct {
	Present   bool  `json:"present"`
	Usable    bool  `json:"usable"`
	Due       bool  `json:"due"`
	AgeS      int64 `json:"age_s"`
	ExpiresIn int64 `json:"expires_in_s"`
	ExpiresAt int64 `json:"expires_at"`
}

type refreshHealth struct {
	LastError   string `json:"last_error,omitempty"`
	LastErrCode int    `json:"last_errcode,omitempty"`
	LastErrorAt int64  `json:"last_error_at,omitempty"`
	Failures    int    `json:"consecutive_failures"`
	NextAttempt int64  `json:"next_attempt,omitempty"`
}

func (s *Service) serveHealth(w http.ResponseWriter, r *http.Request) {
	cfg := s.Settings
	h := health{
		AppID: cfg.AppID,
		Config: healthConfig{APIBase: cfg.APIBase, TokenMode: cfg.TokenMode, RefreshMargin: cfg.RefreshMargin,
			AllowedHosts: cfg.AllowedHosts, AllowedOrigins: cfg.AllowedOrigins,
			SecretSet: cfg.AppSecret != "", APIKeySet: cfg.APIKey != ""},
		Problems: cfg.Problems,
		Warnings: cfg.Warnings,
		Now:      s.now(),
	}
	ctx, cancel := context.WithTimeout(r.Context(), ColdPathTimeout)
	defer cancel()
	if cfg.AppID != "" {
		if st, err := s.load(ctx); err != nil {
			h.Problems = append(h.Problems, core.ErrStorage.Msg)
		} else {
			h.Token = recordState(st.token, st.now, cfg.TokenMargin())
			h.Ticket = recordState(st.ticket, st.now, cfg.RefreshMargin)
			if st.status != (status{}) {
				h.Refresh = &refreshHealth{LastError: st.status.LastError, LastErrCode: st.status.LastErrCode,
					LastErrorAt: st.status.LastErrorAt, Failures: st.status.Failures, NextAttempt: st.status.NextAttempt}
			}
		}
	}
	h.OK = len(h.Problems) == 0
	status := 200
	if !h.OK {
		status = 503
	}
	writeJSON(w, status, h)
}

func recordState(r core.Record, now, margin int64) *recordHealth {
	if r.Value == "" {
		return &recordHealth{Due: true}
	}
	return &recordHealth{Present: true, Usable: r.Usable(now), Due: r.Due(now, margin),
		AgeS: now - r.FetchedAt, ExpiresIn: r.ExpiresAt - now, ExpiresAt: r.ExpiresAt}
}
