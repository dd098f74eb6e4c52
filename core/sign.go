package core

import (
	"crypto/sha1"
	"encoding"
	"encoding/hex"
	"hash"
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
	return hex.AppendEncode(dst, sum[:])
}

// Sign returns the signature for wx.config: the lower-case hex SHA1 of the
// canonical string. Any nonce is accepted, not only those NewNonce makes.
func Sign(ticket, nonce string, timestamp int64, url string) string {
	var out [2 * sha1.Size]byte
	return string(AppendSignature(out[:0], ticket, nonce, timestamp, url))
}

// A TicketSigner signs pages with one jsapi_ticket, like AppendSignature
// but faster where hashing is slow (in WebAssembly one SHA-1 block is
// about a seventh of a request's work). Every canonical string starts
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
	buf    []byte                     // the canonical string, reused: it does not escape per call
	sum    [sha1.Size]byte
}

// NewTicketSigner returns a TicketSigner for ticket.
func NewTicketSigner(ticket string) *TicketSigner {
	s := &TicketSigner{ticket: ticket}
	if len("jsapi_ticket=")+len(ticket) < sha1.BlockSize {
		return s // the first block would depend on the page
	}
	s.h = sha1.New()
	s.h.Write(AppendCanonical(nil, ticket, "", 0, "")[:sha1.BlockSize])
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
	s.buf = AppendCanonical(s.buf[:0], s.ticket, nonce, timestamp, url)
	err := s.resume.UnmarshalBinary(s.state)
	s.h.Write(s.buf[sha1.BlockSize:])
	dst = hex.AppendEncode(dst, s.h.Sum(s.sum[:0]))
	s.mu.Unlock()
	if err != nil {
		panic("crypto/sha1 cannot restore the state it saved: " + err.Error())
	}
	return dst
}
