package jssdk

import "sync"

// NonceLen is the length of a generated nonce.
const NonceLen = 16

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// noncePool holds nonce characters made from random bytes a kilobyte at a
// time: in the Worker each fillRandom is a call out to the host's
// crypto.getRandomValues, which costs more than the rest of the nonce.
var noncePool struct {
	sync.Mutex
	chars [noncePoolLen]byte // chars[at:n] are yet to be drawn
	at, n int
}

const noncePoolLen = 1024

// AppendNonce appends NonceLen random characters of [A-Za-z0-9].
func AppendNonce(dst []byte) []byte {
	p := &noncePool
	p.Lock()
	for p.n-p.at < NonceLen {
		// Keep what is left and make characters after it.
		left := copy(p.chars[:], p.chars[p.at:p.n])
		var random [noncePoolLen]byte
		fillRandom(random[:noncePoolLen-left])
		p.at, p.n = 0, len(appendNonceChars(p.chars[:left], random[:noncePoolLen-left], noncePoolLen-left))
		clear(random[:]) // the random bytes are not left behind
	}
	dst = append(dst, p.chars[p.at:p.at+NonceLen]...)
	// What was drawn is not cleared: the nonce is sent to the client.
	p.at += NonceLen
	p.Unlock()
	return dst
}

// NewNonce returns a fresh nonce of NonceLen characters of [A-Za-z0-9].
func NewNonce() string {
	var b [NonceLen]byte
	return string(AppendNonce(b[:0]))
}

// appendNonceChars appends up to n characters made from the random bytes.
// It takes 6 bits per byte and rejects the values 62 and 63, so that every
// character is equally likely (no modulo bias).
func appendNonceChars(dst, random []byte, n int) []byte {
	for _, r := range random {
		if n == 0 {
			break
		}
		if v := r & 63; v < byte(len(nonceAlphabet)) {
			dst = append(dst, nonceAlphabet[v])
			n--
		}
	}
	return dst
}
