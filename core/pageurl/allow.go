package pageurl

import (
	"strings"

	"github.com/wxsign/wxsign/core/internal/ascii"
)

// Allowlist is a set of host patterns: exact hosts ("h.example.com") and
// wildcards ("*.example.com", which match subdomains but not example.com
// itself). Hosts are compared ASCII case-insensitively and without their
// port. The zero Allowlist is empty; an empty Allowlist allows every host.
type Allowlist struct {
	exact    []string // "h.example.com"
	suffixes []string // ".example.com" for "*.example.com"
	restrict bool     // the list had an entry, even one that matches nothing
}

// ParseAllowlist parses a comma-separated list of host patterns, as in the
// ALLOWED_HOSTS setting. Blank entries are ignored; a pattern with a port
// is matched without it.
func ParseAllowlist(s string) Allowlist {
	var a Allowlist
	for _, p := range strings.Split(s, ",") {
		p = ascii.LowerASCII(strings.TrimSpace(p))
		if scheme := strings.Index(p, "://"); scheme >= 0 {
			p = p[scheme+3:] // tolerate origins ("https://a.com") in the list
		}
		p = strings.TrimRight(p, "/")
		p, _ = SplitHostPort(p)
		if p != "" {
			a.restrict = true
		}
		switch {
		case p == "" || p == "*.":
		case strings.HasPrefix(p, "*."):
			a.suffixes = append(a.suffixes, p[1:])
		default:
			a.exact = append(a.exact, p)
		}
	}
	return a
}

// Empty reports whether the list was blank, so that it allows every host. A
// list whose entries are all unusable is not empty: it allows nothing.
func (a Allowlist) Empty() bool { return !a.restrict }

// Len is the number of patterns.
func (a Allowlist) Len() int { return len(a.exact) + len(a.suffixes) }

// Allows reports whether authority (host or host:port, as in a URL) matches
// a pattern. An empty list allows everything; an authority with userinfo,
// or with a host or port PageURL refuses, never matches.
func (a Allowlist) Allows(authority string) bool {
	if a.Empty() {
		return true
	}
	if strings.IndexByte(authority, '@') >= 0 {
		return false
	}
	host, err := checkAuthority(authority)
	return err == nil && a.AllowsHost(host)
}

// AllowsHost is Allows for a host without userinfo or port, as
// SplitPageURL returns it: the hot path does not split it again.
func (a *Allowlist) AllowsHost(host string) bool {
	if a.Empty() {
		return true
	}
	if host == "" {
		return false
	}
	for _, e := range a.exact {
		if ascii.EqualFold(host, e) {
			return true
		}
	}
	for _, s := range a.suffixes {
		if len(host) > len(s) && ascii.EqualFold(host[len(host)-len(s):], s) {
			return true
		}
	}
	return false
}
