// Package service is the Worker's Go side, independent of syscall/js: the
// cron refresh, the cold path of /config, /token, /ticket, /nonce and
// /healthz, over a KV store and a WeChat client given to it. The program in
// edge/worker wires it to Workers KV and fetch through syumai/workers; the
// tests wire it to memory and the WeChat stand-in.
package service

import (
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/wechat"
)

// DefaultAPIBase is WeChat's API server.
const DefaultAPIBase = "https://api.weixin.qq.com"

// Settings is the Worker's configuration, read from its environment under
// exactly these names.
type Settings struct {
	AppID          string // WECHAT_APPID (required)
	AppSecret      string // WECHAT_APPSECRET (required, secret)
	APIBase        string // WECHAT_API_BASE
	TokenMode      string // WECHAT_TOKEN_MODE: "stable" (default) or "classic"
	AllowedHosts   string // ALLOWED_HOSTS: pages that may be signed; unset = any
	AllowedOrigins string // ALLOWED_ORIGINS: origins that get CORS headers; unset = none
	APIKey         string // API_KEY (secret): enables /token and /ticket
	RefreshMargin  int64  // REFRESH_MARGIN, seconds

	// TestPanic (WXSIGN_TEST_PANIC) makes /__test/panic panic, for the test
	// that a panic becomes a clean 500. Never set it in production.
	TestPanic bool

	Problems []string // what is wrong with the configuration, for /healthz
	Warnings []string // what is risky, for /healthz
}

// LoadSettings reads the settings through getenv, filling in defaults and
// listing what is missing or malformed instead of failing.
func LoadSettings(getenv func(string) string) Settings {
	s := Settings{
		AppID:          strings.TrimSpace(getenv("WECHAT_APPID")),
		AppSecret:      strings.TrimSpace(getenv("WECHAT_APPSECRET")),
		APIBase:        strings.TrimRight(strings.TrimSpace(getenv("WECHAT_API_BASE")), "/"),
		TokenMode:      strings.ToLower(strings.TrimSpace(getenv("WECHAT_TOKEN_MODE"))),
		AllowedHosts:   getenv("ALLOWED_HOSTS"),
		AllowedOrigins: getenv("ALLOWED_ORIGINS"),
		APIKey:         getenv("API_KEY"),
		RefreshMargin:  core.DefaultRefreshMargin,
		TestPanic:      getenv("WXSIGN_TEST_PANIC") != "",
	}
	if s.AppID == "" {
		s.Problems = append(s.Problems, "WECHAT_APPID is not set")
	}
	if s.AppSecret == "" {
		s.Problems = append(s.Problems, "WECHAT_APPSECRET is not set (npx wrangler secret put WECHAT_APPSECRET)")
	}
	if s.APIBase == "" {
		s.APIBase = DefaultAPIBase
	} else if !strings.HasPrefix(s.APIBase, "https://") && !strings.HasPrefix(s.APIBase, "http://") {
		s.Problems = append(s.Problems, "WECHAT_API_BASE must be an http(s) URL")
	}
	switch s.TokenMode {
	case "":
		s.TokenMode = "stable"
	case "stable", "classic":
	default:
		s.Problems = append(s.Problems, `WECHAT_TOKEN_MODE must be "stable" or "classic"`)
	}
	if m := strings.TrimSpace(getenv("REFRESH_MARGIN")); m != "" {
		n, err := parseInt(m)
		if err != nil || n < 60 || n > 7000 {
			s.Problems = append(s.Problems, "REFRESH_MARGIN must be a whole number of seconds from 60 to 7000")
		} else {
			s.RefreshMargin = n
		}
	}
	if strings.TrimSpace(s.AllowedHosts) == "" {
		s.Warnings = append(s.Warnings, "ALLOWED_HOSTS is not set: pages on any host can be signed")
	}
	if s.APIKey == "" {
		s.Warnings = append(s.Warnings, "API_KEY is not set: /token and /ticket are disabled")
	}
	return s
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(strings.TrimSpace(s), 10, 64) }

// TokenMargin is the refresh margin of the access_token. A stable token is
// renewed by WeChat only in its last StableRenewal seconds (less the
// ExpirySafety already taken off the record), so asking for it sooner
// than that would fetch the same token again on every cron run.
func (s *Settings) TokenMargin() int64 {
	if s.TokenMode == wechat.ModeClassic {
		return s.RefreshMargin
	}
	return min(s.RefreshMargin, wechat.StableRenewal-wechat.ExpirySafety)
}

// OK reports whether the settings are complete enough to talk to WeChat.
func (s *Settings) OK() bool { return len(s.Problems) == 0 }

// App is the /config view of the settings.
func (s *Settings) App() core.App {
	return core.App{AppID: s.AppID, Hosts: core.ParseAllowlist(s.AllowedHosts), Origins: core.ParseOriginList(s.AllowedOrigins)}
}
