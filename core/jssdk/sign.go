package jssdk

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
)

// AppendCanonical appends the string WeChat signs,
// "jsapi_ticket=T&noncestr=N&timestamp=S&url=U", to dst. Values are used
// raw: nothing is decoded or escaped, as WeChat requires.
func AppendCanonical(dst []byte, ticket, nonce string, timestamp int64, url string) []byte {
	dst = append(dst, "jsapi_ticket="...)
	dst = append(dst, ticket...)
	dst = append(dst, "&noncestr="...)
	dst = append(dst, nonce...)
	dst = append(dst, "&timestamp="...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, "&url="...)
	return append(dst, url...)
}

// canonicalStack holds the canonical string of an ordinary page (a 86-byte
// ticket, a 16-byte nonce and a URL of a few hundred bytes) on the stack.
// It is kept small because the buffer is zeroed on every call; longer
// strings are hashed in pieces instead.
const canonicalStack = 512

// AppendSignature appends the signature, the lower-case hex SHA1 of the
// canonical string, to dst. It does not allocate when dst has room for 40
// more bytes and the canonical string fits in canonicalStack bytes.
func AppendSignature(dst []byte, ticket, nonce string, timestamp int64, url string) []byte {
	var sum [sha1.Size]byte
	if n := len(ticket) + len(nonce) + len(url) + 64; n <= canonicalStack {
		var buf [canonicalStack]byte
		sum = sha1.Sum(AppendCanonical(buf[:0], ticket, nonce, timestamp, url))
	} else {
		// Rare: a long URL. Hashing pieces through hash.Hash would make
		// every argument escape, costing the common case an allocation.
		sum = sha1.Sum(AppendCanonical(make([]byte, 0, n), ticket, nonce, timestamp, url))
	}
	return appendHexSum(dst, &sum)
}

// Sign returns the signature for wx.config: the lower-case hex SHA1 of the
// canonical string. Any nonce is accepted, not only those NewNonce makes.
func Sign(ticket, nonce string, timestamp int64, url string) string {
	var out [2 * sha1.Size]byte
	return string(AppendSignature(out[:0], ticket, nonce, timestamp, url))
}

// appendHexSum appends sum in lower-case hex.
func appendHexSum(dst []byte, sum *[sha1.Size]byte) []byte {
	return hex.AppendEncode(dst, sum[:])
}
