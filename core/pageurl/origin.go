package pageurl

import (
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core/internal/ascii"
)

// OriginList is a set of origins that get CORS headers, as in the
// ALLOWED_ORIGINS setting: exact origins ("https://www.example.com",
// "http://localhost:3000") and wildcards ("https://*.example.com", which
// match subdomains but not example.com itself). An origin matches an entry
// with the same scheme, host (ASCII case-insensitively) and port, where a
// scheme's default port (443, 80) written out is the same as none. An
// entry without a scheme means https. The zero OriginList is empty: it
// allows no origin, unlike an empty Allowlist.
//
// Origins are not hosts: an allowed host's page served over plain http, or
// on another port, is another origin, and CORS would hand it the answers.
type OriginList struct {
	entries  []originEntry
	restrict bool // the list had an entry, even one that matches nothing
}

type originEntry struct {
	scheme string // "https" or "http"
	host   string // lower case; for a wildcard the suffix, ".example.com"
	port   string // "" for the scheme's default
	wild   bool
	origin string // an exact entry as browsers send it, for the usual match: one compare
}

// ParseOriginList parses a comma-separated list of origins, as in the
// ALLOWED_ORIGINS setting. Blank entries are ignored, and so is a final
// "/"; an entry with anything else after the authority (a path, query or
// fragment), userinfo, or a scheme other than http and https matches
// nothing.
func ParseOriginList(s string) OriginList {
	var l OriginList
	for _, p := range strings.Split(s, ",") {
		p = ascii.LowerASCII(strings.Trim(p, " \t"))
		if p == "" {
			continue
		}
		l.restrict = true
		scheme := "https"
		if i := strings.Index(p, "://"); i >= 0 {
			scheme, p = p[:i], p[i+3:]
		}
		p = strings.TrimSuffix(p, "/")
		host, wild := strings.CutPrefix(p, "*.")
		e, ok := parseAuthority(scheme, host)
		if !ok {
			continue
		}
		if wild {
			e.host, e.wild = "."+e.host, true
		} else {
			e.origin = e.scheme + "://" + e.host
			if e.port != "" {
				e.origin += ":" + e.port
			}
		}
		l.entries = append(l.entries, e)
	}
	return l
}

// Empty reports whether the list was blank, so that no origin gets CORS
// headers.
func (l OriginList) Empty() bool { return !l.restrict }

// Len is the number of usable entries.
func (l OriginList) Len() int { return len(l.entries) }

// Allows reports whether origin, an Origin header's value, is in the list.
// It must be a serialized origin as browsers send it (RFC 6454):
// scheme://host[:port] and nothing else. A value with a path (even "/"), a
// query, a fragment, userinfo, whitespace or a comma (several values
// joined) is never allowed, and neither is "null".
func (l OriginList) Allows(origin string) bool {
	for i := range l.entries {
		if e := &l.entries[i]; e.origin != "" && origin == e.origin {
			return true // as a browser sends it: no parse needed
		}
	}
	o, ok := parseOrigin(origin)
	if !ok {
		return false
	}
	for i := range l.entries {
		e := &l.entries[i]
		if e.scheme != o.scheme || e.port != o.port {
			continue
		}
		if e.wild {
			if len(o.host) > len(e.host) && ascii.EqualFold(o.host[len(o.host)-len(e.host):], e.host) {
				return true
			}
		} else if ascii.EqualFold(o.host, e.host) {
			return true
		}
	}
	return false
}

// parseOrigin reads a serialized origin, scheme://host[:port], with the
// scheme in any case.
func parseOrigin(origin string) (originEntry, bool) {
	var scheme string
	switch {
	case ascii.HasPrefixFold(origin, "https://"):
		scheme = "https"
	case ascii.HasPrefixFold(origin, "http://"):
		scheme = "http"
	default:
		return originEntry{}, false // "null" among others
	}
	return parseAuthority(scheme, origin[len(scheme)+3:])
}

// parseAuthority reads host[:port] for scheme (lower case), as an origin
// has it: a host checkHost takes, and a port in decimal without leading
// zeros, as browsers write it (never an empty one). A default port is
// returned as "".
func parseAuthority(scheme, a string) (originEntry, bool) {
	var def string
	switch scheme {
	case "https":
		def = "443"
	case "http":
		def = "80"
	default:
		return originEntry{}, false
	}
	host, port := SplitHostPort(a)
	if host == "" || checkHost(host) != nil {
		return originEntry{}, false
	}
	if len(host) < len(a) { // a colon: a port must follow
		n, err := strconv.Atoi(port)
		if err != nil || port == "" || port[0] < '1' || port[0] > '9' || len(port) > 5 || n > 65535 {
			return originEntry{}, false
		}
		if port == def {
			port = ""
		}
	}
	return originEntry{scheme: scheme, host: host, port: port}, true
}
