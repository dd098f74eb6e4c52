package cred

import (
	"strings"

	"github.com/wxsign/wxsign/core/internal/ascii"
	"github.com/wxsign/wxsign/core/pageurl"
)

// DefaultAPIBase is WeChat's API server for official accounts.
const DefaultAPIBase = "https://api.weixin.qq.com"

// DefaultWeComAPIBase is WeCom's API server.
const DefaultWeComAPIBase = "https://qyapi.weixin.qq.com"

// BaseHost is the host[:port] of an API base URL, lower case.
func BaseHost(base string) string {
	_, rest, _ := strings.Cut(base, "://")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return ascii.LowerASCII(rest)
}

// WeChatHost reports whether an API base URL is on WeChat's own servers
// (qq.com and its subdomains), which must never be sent a relay's key.
func WeChatHost(base string) bool {
	host, _ := pageurl.SplitHostPort(BaseHost(base))
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	host = strings.TrimSuffix(host, ".")
	return host == "qq.com" || strings.HasSuffix(host, ".qq.com")
}
