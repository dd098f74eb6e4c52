package core

import (
	"strings"
	"testing"
)

// equal is ==, for every length around its word path and a difference at
// every position.
func TestEqual(t *testing.T) {
	for n := 0; n <= 30; n++ {
		a := strings.Repeat("h.example.com:", 3)[:n]
		if !equal(a, strings.Clone(a)) {
			t.Fatalf("equal(%q, itself) = false", a)
		}
		if n > 0 && equal(a, a[:n-1]) {
			t.Fatalf("equal(%q, %q) = true", a, a[:n-1])
		}
		for i := range n {
			for _, flip := range []byte{0x01, 0x20, 0x80} {
				b := []byte(a)
				b[i] ^= flip
				if equal(a, string(b)) {
					t.Fatalf("equal(%q, %q) = true", a, b)
				}
			}
		}
	}
}

func FuzzEqual(f *testing.F) {
	f.Add("https://h.example.com", "https://h.example.con")
	f.Add("h.example.com", "h.example.com")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got := equal(a, b); got != (a == b) {
			t.Fatalf("equal(%q, %q) = %v", a, b, got)
		}
		if b := a; !equal(a, b) {
			t.Fatalf("equal(%q, itself) = false", a)
		}
	})
}
