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
	defer p.Unlock()
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
