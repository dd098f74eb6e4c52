package core

import (
	"crypto/rand"
	"io"
)

// NonceLen is the length of a generated nonce.
const NonceLen = 16

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// AppendNonce appends NonceLen characters of [A-Za-z0-9] from crypto/rand.
func AppendNonce(dst []byte) []byte { return appendNonce(dst, rand.Reader) }

// NewNonce returns a fresh nonce of NonceLen characters of [A-Za-z0-9].
func NewNonce() string {
	var b [NonceLen]byte
	return string(AppendNonce(b[:0]))
}

// appendNonce draws 6 bits per character and rejects values of 62 and 63,
// so that every character is equally likely (no modulo bias).
func appendNonce(dst []byte, r io.Reader) []byte {
	var pool [2 * NonceLen]byte
	n := 0
	for n < NonceLen {
		if _, err := io.ReadFull(r, pool[:]); err != nil {
			// crypto/rand.Reader does not fail (Go 1.24+); another reader
			// failing is a bug in the caller.
			panic("wxsign: nonce source failed: " + err.Error())
		}
		for _, b := range pool {
			if v := b & 63; v < 62 {
				dst = append(dst, nonceAlphabet[v])
				if n++; n == NonceLen {
					break
				}
			}
		}
	}
	return dst
}
