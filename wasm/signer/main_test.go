//go:build wasip1

package main

import (
	"bytes"
	"strings"
	"testing"
)

// query reads a request URL's query as net/url's RawQuery has it.
func TestQuery(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://w.example.dev/config?url=https%3A%2F%2Fh%2F", "url=https%3A%2F%2Fh%2F"},
		{"https://w.example.dev/config?url=x#frag", "url=x"},
		{"https://w.example.dev/config#frag?url=x", ""},
		{"https://w.example.dev/config", ""},
		{"https://w.example.dev/config?", ""},
		{"https://w.example.dev/config?a=1?b=2#c?d", "a=1?b=2"},
		{"", ""},
	} {
		if got := query(tt.url); got != tt.want {
			t.Errorf("query(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

// FuzzQuery holds query to the plain form: cut at "#", then at "?".
func FuzzQuery(f *testing.F) {
	f.Add("/c?u=1#f?g")
	f.Fuzz(func(t *testing.T, u string) {
		v, _, _ := strings.Cut(u, "#")
		_, want, _ := strings.Cut(v, "?")
		if got := query(u); got != want {
			t.Fatalf("query(%q) = %q, want %q", u, got, want)
		}
	})
}

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
