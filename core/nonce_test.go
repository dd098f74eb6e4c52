package core

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

func TestNonceRejectsBiasedValues(t *testing.T) {
	// Bytes whose low 6 bits are 62 or 63 must be skipped, not folded onto
	// the alphabet: that is what keeps the distribution uniform.
	tests := []struct {
		name   string
		in     []byte
		need   int
		want   string
		wantOK int
	}{
		{"all usable", []byte{0, 1, 61, 26}, 4, "AB9a", 4},
		{"stops at need", []byte{0, 1, 2, 3}, 2, "AB", 2},
		{"62 and 63 skipped", []byte{62, 63, 126, 255, 2}, 4, "C", 1},
		{"high bits ignored", []byte{64 + 3, 128 + 3, 192 + 3}, 3, "DDD", 3},
		{"none usable", bytes.Repeat([]byte{63}, 32), 16, "", 0},
		{"words", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, 16, "ABCDEFGHIJKLMNOP", 16},
		{"rejects within a word", []byte{62, 0, 63, 1, 126, 2, 255, 3, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52}, 10, "ABCD98765432"[:10], 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := appendNonceChars(nil, tt.in, tt.need)
			if string(got) != tt.want || n != tt.wantOK {
				t.Fatalf("appendNonceChars = %q, %d; want %q, %d", got, n, tt.want, tt.wantOK)
			}
		})
	}
}

func TestNonceAlphabetUniform(t *testing.T) {
	// Over all 256 byte values each of the 62 characters comes out exactly
	// 4 times: no character is favoured.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	got, n := appendNonceChars(nil, all, 256)
	counts := map[byte]int{}
	for _, c := range got {
		counts[c]++
	}
	if n != 248 || len(counts) != 62 {
		t.Fatalf("%d characters, %d distinct; want 248, 62", n, len(counts))
	}
	for c, k := range counts {
		if k != 4 {
			t.Fatalf("%q drawn %d times, want 4", c, k)
		}
	}
}

func TestNonceAllocs(t *testing.T) {
	var buf [NonceLen]byte
	if n := testing.AllocsPerRun(100, func() { AppendNonce(buf[:0]) }); n != 0 {
		t.Fatalf("AppendNonce allocates %.1f times, want 0", n)
	}
}

// appendNonceChars, eight bytes at a time, takes what a byte-by-byte loop
// takes.
func FuzzNonceChars(f *testing.F) {
	f.Add(bytes.Repeat([]byte{61, 62, 63, 0}, 9), 16)
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8}, 3)
	f.Fuzz(func(t *testing.T, random []byte, need int) {
		need = max(0, need%300)
		var want []byte
		for _, b := range random {
			if len(want) == need {
				break
			}
			if b&63 < 62 {
				want = append(want, nonceAlphabet[b&63])
			}
		}
		got, n := appendNonceChars([]byte("x"), random, need)
		if string(got) != "x"+string(want) || n != len(want) {
			t.Fatalf("appendNonceChars(%v, %d) = %q, %d; want %q, %d", random, need, got, n, want, len(want))
		}
	})
}
