package core

import "sync"

// NonceLen is the length of a generated nonce.
const NonceLen = 16

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// noncePool holds nonce characters made from random bytes (fillRandom) a
// kilobyte at a time. In WebAssembly, reading random bytes per nonce is a
// host call that costs as much as the rest of making the nonce, and
// turning a nonce's bytes into characters one nonce at a time means a
// loop, appends and a clear per request, each a call out of the module or
// a jump through Go's dispatch table; a batch turns a kilobyte in one
// pass, and a nonce is then one copy.
var noncePool struct {
	sync.Mutex
	chars [noncePoolLen]byte // chars[at:n] are yet to be drawn
	at, n int
}

// AppendNonce appends NonceLen random characters of [A-Za-z0-9].
func AppendNonce(dst []byte) []byte {
	p := &noncePool
	p.Lock()
	for p.n-p.at < NonceLen {
		// Keep what is left, fill the rest with random bytes and turn them
		// into characters in place.
		left := copy(p.chars[:], p.chars[p.at:p.n])
		fillRandom(p.chars[left:])
		p.at, p.n = 0, nonceChars(&p.chars, left)
		clear(p.chars[p.n:]) // the random bytes not turned into characters are not kept
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

const noncePoolLen = 1024

// nonceChars turns the random bytes b[from:] into characters, in place:
// they are written from b[from] on, and the end of them returned. It takes
// 6 bits per byte and rejects the values 62 and 63, so that every
// character is equally likely (no modulo bias).
//
// It takes eight bytes at a time without a branch per byte (in
// WebAssembly each branch is a jump through Go's dispatch table): every
// byte writes its character at the next place, and the place moves on
// only for a usable one, so a rejected byte's character is overwritten.
// The next place is never past the byte being read: no byte is written
// before it is read.
func nonceChars(b *[noncePoolLen]byte, from int) int {
	w, i := from, from
	for ; i+8 <= len(b); i += 8 {
		r := b[i : i+8 : i+8]
		r0, r1, r2, r3, r4, r5, r6, r7 := r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
		w = nonceStep(b, w, r0)
		w = nonceStep(b, w, r1)
		w = nonceStep(b, w, r2)
		w = nonceStep(b, w, r3)
		w = nonceStep(b, w, r4)
		w = nonceStep(b, w, r5)
		w = nonceStep(b, w, r6)
		w = nonceStep(b, w, r7)
	}
	for ; i < len(b); i++ {
		w = nonceStep(b, w, b[i])
	}
	return w
}

// nonceStep writes the character of random byte r at b[w] and returns
// where the next goes: w+1 for a usable byte, w for 62 and 63.
func nonceStep(b *[noncePoolLen]byte, w int, r byte) int {
	v := r & 63
	b[uint(w)%noncePoolLen] = nonceAlphabet64[v] // w is in range: the mask only spares a bounds check
	return w + 1 + (61-int(v))>>63
}

// nonceAlphabet64 is nonceAlphabet padded to 64 entries; the last two are
// written only to be overwritten.
const nonceAlphabet64 = nonceAlphabet + "__"
