package jssdk

import (
	"bytes"
	"strings"
	"testing"
)

func TestNewNonce(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		n := NewNonce()
		if len(n) != NonceLen {
			t.Fatalf("len(%q) = %d, want %d", n, len(n), NonceLen)
		}
		for _, c := range n {
			if !strings.ContainsRune(nonceAlphabet, c) {
				t.Fatalf("nonce %q has %q, outside [A-Za-z0-9]", n, c)
			}
		}
		if seen[n] {
			t.Fatalf("nonce %q repeated within 1000 draws", n)
		}
		seen[n] = true
	}
}

// chars is what appendNonceChars makes of random, with no limit.
func chars(random []byte) string { return string(appendNonceChars(nil, random, len(random))) }

func TestNonceRejectsBiasedValues(t *testing.T) {
	// Bytes whose low 6 bits are 62 or 63 must be skipped, not folded onto
	// the alphabet: that is what keeps the distribution uniform.
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"all usable", []byte{0, 1, 61, 26}, "AB9a"},
		{"62 and 63 skipped", []byte{62, 63, 126, 255, 2}, "C"},
		{"high bits ignored", []byte{64 + 3, 128 + 3, 192 + 3}, "DDD"},
		{"none usable", bytes.Repeat([]byte{63}, 32), ""},
		{"interleaved", []byte{62, 0, 63, 1, 126, 2, 255, 3, 61, 60}, "ABCD98"},
	}
	for _, tt := range tests {
		if got := chars(tt.in); got != tt.want {
			t.Errorf("%s: appendNonceChars made %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := string(appendNonceChars([]byte("x"), []byte{0, 62, 1, 2, 3}, 2)); got != "xAB" {
		t.Errorf("appendNonceChars with a limit of 2 made %q, want %q", got, "xAB")
	}
}

func TestNonceAlphabetUniform(t *testing.T) {
	// Over all 256 byte values each of the 62 characters comes out exactly
	// 4 times: no character is favoured.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	got := chars(all)
	counts := map[rune]int{}
	for _, c := range got {
		counts[c]++
	}
	if len(got) != 248 || len(counts) != 62 {
		t.Fatalf("%d characters, %d distinct; want 248, 62", len(got), len(counts))
	}
	for c, k := range counts {
		if k != 4 {
			t.Fatalf("%q drawn %d times, want 4", c, k)
		}
	}
}

// The pool hands out the characters it makes in order, each once, across
// refills: a refill keeps the characters left over and puts them first.
func TestNoncePoolRefills(t *testing.T) {
	noncePool.Lock()
	noncePool.at = noncePool.n // empty: the next draw refills
	noncePool.Unlock()
	refills := 0
	for i := range 4 * noncePoolLen / NonceLen {
		noncePool.Lock()
		rem := string(noncePool.chars[noncePool.at:noncePool.n])
		noncePool.Unlock()
		got := NewNonce()
		switch {
		case len(rem) >= NonceLen && got != rem[:NonceLen]:
			t.Fatalf("draw %d: %q, the pool held %q next", i, got, rem[:NonceLen])
		case len(rem) < NonceLen:
			refills++
			noncePool.Lock()
			at, n := noncePool.at, noncePool.n
			noncePool.Unlock()
			if !strings.HasPrefix(got, rem) || at != NonceLen || n < noncePoolLen/2 {
				t.Fatalf("draw %d refilled: %q from %q left over; pool at %d of %d", i, got, rem, at, n)
			}
		}
	}
	if refills < 3 {
		t.Fatalf("%d refills in %d draws", refills, 4*noncePoolLen/NonceLen)
	}
}

func TestNonceAllocs(t *testing.T) {
	var buf [NonceLen]byte
	if n := testing.AllocsPerRun(100, func() { AppendNonce(buf[:0]) }); n != 0 {
		t.Fatalf("AppendNonce allocates %.1f times, want 0", n)
	}
}

// noncePos is where the pool stands: every draw moves it (at advances, or
// a refill starts a new pool), so an unchanged position means no draw.
func noncePos() [2]int {
	noncePool.Lock()
	defer noncePool.Unlock()
	return [2]int{noncePool.at, noncePool.n}
}
