package core

import (
	"crypto/rand"
	"sync"
)

// NonceLen is the length of a generated nonce.
const NonceLen = 16

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomPool holds crypto/rand output drawn a kilobyte at a time: reading
// it per nonce is a host call in WebAssembly that costs as much as the rest
// of making the nonce.
var randomPool struct {
	sync.Mutex
	buf   [1024]byte
	at    int
	ready bool
}

// AppendNonce appends NonceLen characters of [A-Za-z0-9] from crypto/rand.
func AppendNonce(dst []byte) []byte {
	p := &randomPool
	p.Lock()
	for need := NonceLen; need > 0; {
		if !p.ready || p.at >= len(p.buf) {
			rand.Read(p.buf[:]) // never fails since Go 1.24
			p.at, p.ready = 0, true
		}
		end := min(p.at+2*need, len(p.buf))
		var n int
		dst, n = appendNonceChars(dst, p.buf[p.at:end], need)
		clear(p.buf[p.at:end]) // drawn bytes are not kept
		p.at, need = end, need-n
	}
	p.Unlock()
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
//
// It takes eight bytes at a time without a branch per byte (in
// WebAssembly each branch is a jump through Go's dispatch table): every
// byte writes its character at the next place, and the place moves on
// only for a usable one, so a rejected byte's character is overwritten.
func appendNonceChars(dst, random []byte, need int) ([]byte, int) {
	n := 0
	for len(random) >= 8 && need-n >= 8 {
		var c [8]byte
		r := random[:8:8]
		m := nonceStep(&c, 0, r[0])
		m = nonceStep(&c, m, r[1])
		m = nonceStep(&c, m, r[2])
		m = nonceStep(&c, m, r[3])
		m = nonceStep(&c, m, r[4])
		m = nonceStep(&c, m, r[5])
		m = nonceStep(&c, m, r[6])
		m = nonceStep(&c, m, r[7])
		dst = append(dst, c[:m]...)
		n += m
		random = random[8:]
	}
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

// nonceStep writes the character of random byte b at c[m] and returns
// where the next goes: m+1 for a usable byte, m for 62 and 63.
func nonceStep(c *[8]byte, m int, b byte) int {
	v := b & 63
	c[m&7] = nonceAlphabet64[v]
	return m + 1 + (61-int(v))>>63
}

// nonceAlphabet64 is nonceAlphabet padded to 64 entries; the last two are
// written only to be overwritten.
const nonceAlphabet64 = nonceAlphabet + "__"
