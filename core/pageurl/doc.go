// Package pageurl holds the rules for the URLs wxsign signs and the hosts
// and origins it answers: a page URL as the JS-SDK signs it (PageURL), the
// host allowlist (Allowlist) and the CORS origin list (OriginList). It
// refuses what a browser would not send rather than guess.
package pageurl
