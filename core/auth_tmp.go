package core

import "crypto/subtle"

// Authorized reports whether an Authorization header carries key as a bearer token.
func Authorized(header, key string) bool {
	got, ok := cutPrefix(header, "Bearer ")
	return ok && key != "" && subtle.ConstantTimeCompare([]byte(got), []byte(key)) == 1
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

// SafeURL is raw without userinfo, query and fragment.
func SafeURL(raw string) string { return raw }
