package core

import "crypto/rand"

// NonceLen is the length of a generated nonce.
const NonceLen = 16

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// AppendNonce appends NonceLen characters of [A-Za-z0-9] from crypto/rand.
func AppendNonce(dst []byte) []byte {
	var pool [2 * NonceLen]byte
	for need := NonceLen; need > 0; {
		rand.Read(pool[:]) // never fails since Go 1.24
		var n int
		dst, n = appendNonceChars(dst, pool[:], need)
		need -= n
	}
	return dst
}

// NewNonce returns a fresh nonce of NonceLen characters of [A-Za-z0-9].
func NewNonce() string {
	var b [NonceLen]byte
	return string(AppendNonce(b[:0]))
}

// appendNonceChars turns random bytes into at most need characters. It
// takes 6 bits per byte and rejects the values 62 and 63, so that every
// character is equally likely (no modulo bias).
func appendNonceChars(dst, random []byte, need int) ([]byte, int) {
	n := 0
	for _, b := range random {
		if n == need {
			break
		}
		if v := b & 63; v < 62 {
			dst = append(dst, nonceAlphabet[v])
			n++
		}
	}
	return dst, n
}
