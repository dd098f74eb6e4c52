//go:build wasip1

package main

import (
	"bytes"
	"testing"
)

func TestSame(t *testing.T) {
	base := []byte(`{"value":"sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg","expires_at":1700003600}`)
	// Every length from 0 up, and a difference at every position: each
	// loop (32-byte, 8-byte, the overlapping last word, under 8) must see it.
	for n := 0; n <= len(base); n++ {
		a := base[:n]
		if !same(a, bytes.Clone(a)) {
			t.Fatalf("same(a, copy of a) = false for length %d", n)
		}
		if n > 0 && same(a, base[:n-1]) {
			t.Fatalf("lengths %d and %d compare equal", n, n-1)
		}
		for i := range n {
			// One bit the bytes around have set, one none has, all of them:
			// a difference must not be masked by the words compared after it.
			for _, flip := range []byte{0x01, 0x80, 0xff} {
				b := bytes.Clone(a)
				b[i] ^= flip
				if same(a, b) {
					t.Fatalf("length %d: a difference at %d (^%#x) is missed", n, i, flip)
				}
			}
		}
	}
	if !same(nil, []byte{}) {
		t.Error("nil and empty differ")
	}
}

func FuzzSame(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdef0"), []byte("0123456789abcdef0123456789abcdef1"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if got, want := same(a, b), bytes.Equal(a, b); got != want {
			t.Fatalf("same(%q, %q) = %v, bytes.Equal says %v", a, b, got, want)
		}
	})
}
