package core

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

// canonicalStack is large enough for any accepted URL with a ticket and a
// nonce of ordinary length, so that signing stays on the stack.
const canonicalStack = 4096 + 512

// AppendSignature appends the signature, the lower-case hex SHA1 of the
// canonical string, to dst. It does not allocate when dst has room for 40
// more bytes and the canonical string fits in canonicalStack bytes.
func AppendSignature(dst []byte, ticket, nonce string, timestamp int64, url string) []byte {
	var buf [canonicalStack]byte
	sum := sha1.Sum(AppendCanonical(buf[:0], ticket, nonce, timestamp, url))
	return hex.AppendEncode(dst, sum[:])
}

// Sign returns the signature for wx.config: the lower-case hex SHA1 of the
// canonical string. Any nonce is accepted, not only those NewNonce makes.
func Sign(ticket, nonce string, timestamp int64, url string) string {
	var out [2 * sha1.Size]byte
	return string(AppendSignature(out[:0], ticket, nonce, timestamp, url))
}
