package core

import "math/bits"

// Word-at-a-time scanning. Compiled to WebAssembly, Go's code pays for
// every loop iteration far more than natively: its functions can be
// suspended anywhere, so a branch back goes through the function's
// dispatch table, and wazero moves every live value at that merge point.
// The hot path's loops therefore take eight bytes per iteration: they find
// the first byte that needs a look with a few word operations and one
// count-trailing-zeros, skip to it, and handle only that byte singly.
// Natively this is no slower. The measurements are in RATIONALE.md.

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load64 returns the first 8 bytes of s as a little-endian word; the
// compiler turns it into a single load (wasm and amd64 allow unaligned
// loads). Reading s[7] first keeps it to one bounds check and small enough
// to inline.
func load64(s string) uint64 {
	return uint64(s[7])<<56 | uint64(s[6])<<48 | uint64(s[5])<<40 | uint64(s[4])<<32 |
		uint64(s[3])<<24 | uint64(s[2])<<16 | uint64(s[1])<<8 | uint64(s[0])
}

// word returns the (up to) 8 bytes of s from i on as a little-endian word,
// zero bytes standing in past the end. len(s) must be at least 8 and i
// less than len(s).
func word(s string, i int) uint64 {
	at := min(i, len(s)-8) // near the end: the last 8 bytes, shifted
	return load64(s[at:]) >> (8 * uint(i-at))
}

// below flags (sets the high bit of) the bytes of x that are less than n,
// for n <= 0x80; bytes with the high bit set never count. Only the lowest
// flag is exact: borrows may flag bytes above it.
func below(x uint64, n byte) uint64 { return (x - ones*uint64(n)) &^ x & highs }

// has flags the bytes of x equal to b, as below does.
func has(x uint64, b byte) uint64 { return below(x^(ones*uint64(b)), 1) }

// plain is the number of bytes before the first flagged one: 0–8.
func plain(flags uint64) int { return bits.TrailingZeros64(flags) >> 3 }

// jsonFlags flags the bytes a JSON string cannot hold as they are: quote,
// backslash and control characters (so also the zeros past the end).
func jsonFlags(x uint64) uint64 { return below(x, 0x20) | has(x, '"') | has(x, '\\') }

// urlFlags flags the bytes splitPageURL must look at: "#", "%", quote and
// backslash, control characters, space and all but ASCII (so also the zeros
// past the end). One subtraction flags every byte below "&", which takes in
// "#" (0x23), "%" (0x25) and the quote (0x22) at once; the "!" and "$" it
// flags besides are rare in URLs and passed over singly (urlPlain).
func urlFlags(x uint64) uint64 {
	// Bytes below 0x26 borrow, those from 0x80 have the bit, 0x7f carries.
	return ((x-ones*0x26)|x|(x+ones))&highs | has(x, '\\')
}

// queryFlags flags the bytes a query value's decoding looks at: "%" and
// "+", and "&" that ends it. Zeros past the end are not flagged.
func queryFlags(x uint64) uint64 { return has(x, '%') | has(x, '+') | has(x, '&') }

// equal reports whether a == b. Compiled to WebAssembly, == on strings
// compares a byte per iteration unless both are the same bytes in memory;
// strings of 8 to 24 bytes, as hosts and origins mostly are, are compared
// here as three overlapping words, without a loop.
func equal(a, b string) bool {
	n := len(a)
	if n != len(b) {
		return false
	}
	if n < 8 || n > 24 {
		return a == b
	}
	m := (n - 8) / 2 // the middle word covers what the first and last leave
	// Parenthesized: in Go, ^ and | bind equally, left to right.
	return (load64(a)^load64(b))|(load64(a[m:])^load64(b[m:]))|(load64(a[n-8:])^load64(b[n-8:])) == 0
}

// equalFold reports whether a and b are equal with ASCII letters compared
// case-insensitively. Unlike strings.EqualFold it folds nothing else: hosts
// and schemes are ASCII, and Unicode folding would take the Kelvin sign
// U+212A for "k" and so let a host no browser sends match an allowed one.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c, d := a[i], b[i]; c != d && (c|0x20 != d|0x20 || !isLetter(c|0x20)) {
			return false
		}
	}
	return true
}

// lowerASCII returns s with ASCII letters in lower case, and nothing else
// changed (strings.ToLower also maps the Kelvin sign to "k").
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// hexValue is the value of each hex digit, 0xff for other bytes: one
// look-up per digit instead of a chain of comparisons, each a branch.
var hexValue = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xff
		}
	}
	return t
}()
