package core

import "crypto/subtle"

// Authorized reports whether header, an Authorization header's value,
// carries key as a bearer token: the scheme "Bearer" in any case (RFC 7235
// makes schemes case-insensitive), one space, and then exactly key, to the
// end: nothing is trimmed or split, so "Bearer <key>, x" and a trailing
// space are refused rather than read as the key. The token is compared in
// constant time. An empty key authorizes nothing.
func Authorized(header, key string) bool {
	const scheme = "Bearer "
	if key == "" || !hasPrefixFold(header, scheme) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(header[len(scheme):]), []byte(key)) == 1
}
