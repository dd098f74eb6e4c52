package api

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/wxsign/wxsign/core/internal/ascii"
)

// Authorized reports whether header, an Authorization header's value,
// carries key as a bearer token: the scheme "Bearer" in any case (RFC 7235
// makes schemes case-insensitive), one space, and then exactly key, to the
// end: nothing is trimmed or split, so "Bearer <key>, x" and a trailing
// space are refused rather than read as the key. The token and the key are
// hashed first and the hashes compared in constant time, so that the time
// taken tells nothing of the key, not even its length (ConstantTimeCompare
// returns at once on a length mismatch). An empty key authorizes nothing.
func Authorized(header, key string) bool {
	const scheme = "Bearer "
	if key == "" || !ascii.HasPrefixFold(header, scheme) {
		return false
	}
	return SecretEqual(header[len(scheme):], key)
}

// SecretEqual reports whether a and b are equal, in a time that depends on
// neither's content nor length: both are hashed with SHA-256 and the sums
// compared in constant time.
func SecretEqual(a, b string) bool {
	x, y := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}
