package core

import (
	"crypto/sha1"
	"encoding"
	"encoding/binary"
	"hash"
	"slices"
	"strconv"
	"sync"
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
	dst = appendTimestamp(dst, timestamp)
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

// A TicketSigner signs pages with one jsapi_ticket, like AppendSignature
// but faster where hashing is slow (in WebAssembly SHA-1's blocks are most
// of a request's work; see RATIONALE.md). Every canonical string starts
// with "jsapi_ticket=" and the ticket, so its first 64-byte block is the
// same for every page: the SHA-1 state after it is computed once, saved
// with crypto/sha1's MarshalBinary, and resumed for each signature.
//
// A TicketSigner is safe for concurrent use; calls are serialized. Make
// one per ticket and keep it while the ticket lasts.
type TicketSigner struct {
	ticket string
	mu     sync.Mutex
	h      hash.Hash                  // nil for a ticket too short to fill a block
	resume encoding.BinaryUnmarshaler // h, to restore its state
	state  []byte                     // h's state after the first block
	// buf is the canonical string after the first block, reused: it does
	// not escape per call. Its first fixed bytes, the rest of the ticket
	// and "&noncestr=", are the same for every page and are kept; in
	// WebAssembly each append costs a call out of the module.
	buf   []byte
	fixed int
	sum   [sha1.Size]byte
}

// NewTicketSigner returns a TicketSigner for ticket.
func NewTicketSigner(ticket string) *TicketSigner {
	s := &TicketSigner{ticket: ticket}
	if len("jsapi_ticket=")+len(ticket) < sha1.BlockSize {
		return s // the first block would depend on the page
	}
	s.h = sha1.New()
	head := append(append([]byte("jsapi_ticket="), ticket...), "&noncestr="...)
	s.h.Write(head[:sha1.BlockSize])
	s.buf = append([]byte(nil), head[sha1.BlockSize:]...)
	s.fixed = len(s.buf)
	var err error
	if s.state, err = s.h.(encoding.BinaryMarshaler).MarshalBinary(); err != nil {
		panic("crypto/sha1 cannot save its state: " + err.Error())
	}
	s.resume = s.h.(encoding.BinaryUnmarshaler)
	return s
}

// AppendSignature appends the signature of the page at url with nonce and
// timestamp, as AppendSignature would with s's ticket.
func (s *TicketSigner) AppendSignature(dst []byte, nonce string, timestamp int64, url string) []byte {
	if s.h == nil {
		return AppendSignature(dst, s.ticket, nonce, timestamp, url)
	}
	s.mu.Lock()
	// The rest of AppendCanonical's string.
	b := append(s.buf[:s.fixed], nonce...)
	b = append(b, "&timestamp="...)
	b = appendTimestamp(b, timestamp)
	b = append(b, "&url="...)
	s.buf = append(b, url...)
	err := s.resume.UnmarshalBinary(s.state)
	s.h.Write(s.buf)
	s.h.Sum(s.sum[:0])
	dst = appendHexSum(dst, &s.sum)
	s.mu.Unlock()
	if err != nil {
		panic("crypto/sha1 cannot restore the state it saved: " + err.Error())
	}
	return dst
}

// appendHexSum appends sum in lower-case hex, as hex.AppendEncode, four
// bytes at a time with word arithmetic rather than a table look-up per
// digit: in WebAssembly each iteration of hex.AppendEncode's loop is a jump
// through Go's dispatch table. FuzzAppendHexSum holds it to encoding/hex.
func appendHexSum(dst []byte, sum *[sha1.Size]byte) []byte {
	le := binary.LittleEndian
	// Written in place rather than appended: an append is a copy, in
	// WebAssembly a call out of the module.
	n := len(dst)
	dst = slices.Grow(dst, 2*sha1.Size)[:n+2*sha1.Size]
	out := (*[2 * sha1.Size]byte)(dst[n:])
	le.PutUint64(out[0:], hexDigits8(le.Uint32(sum[0:])))
	le.PutUint64(out[8:], hexDigits8(le.Uint32(sum[4:])))
	le.PutUint64(out[16:], hexDigits8(le.Uint32(sum[8:])))
	le.PutUint64(out[24:], hexDigits8(le.Uint32(sum[12:])))
	le.PutUint64(out[32:], hexDigits8(le.Uint32(sum[16:])))
	return dst
}

// hexDigits8 returns the 8 hex digits of the 4 bytes of v (little-endian:
// v's low byte first) as a little-endian word, each byte's high digit
// first.
func hexDigits8(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff // byte k moves to byte 2k
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	d := x>>4&0x000f000f000f000f | (x&0x000f000f000f000f)<<8 // one digit value per byte
	// '0' + d, and 'a'-'0'-10 = 39 more where d > 9 (d+6 carries into bit 4).
	return d + 0x3030303030303030 + (d+0x0606060606060606)>>4&0x0101010101010101*39
}

// appendTimestamp appends ts in decimal, as strconv.AppendInt(dst, ts, 10).
// Unix times of ten digits (2001 to 2286) are written two digits at a
// time in straight-line code: strconv's loop is a large part of what Sign
// adds to the raw SHA-1, and in WebAssembly each of its iterations is a
// jump through Go's dispatch table. FuzzAppendTimestamp holds it to strconv.
func appendTimestamp(dst []byte, ts int64) []byte {
	if ts < 1e9 || ts >= 1e10 {
		return strconv.AppendInt(dst, ts, 10)
	}
	u := uint64(ts)
	n := len(dst)
	dst = slices.Grow(dst, 10)[:n+10]
	b := (*[10]byte)(dst[n:]) // written in place, as appendHexSum
	putDigits2(b, 8, u%100)
	u /= 100
	putDigits2(b, 6, u%100)
	u /= 100
	putDigits2(b, 4, u%100)
	u /= 100
	putDigits2(b, 2, u%100)
	putDigits2(b, 0, u/100)
	return dst
}

// putDigits2 writes n (below 100) as two decimal digits at b[i:i+2].
func putDigits2(b *[10]byte, i int, n uint64) {
	b[i], b[i+1] = digitPairs[2*n], digitPairs[2*n+1]
}

const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"
