//go:build wasip1

package main

import (
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

// path reads a request URL's path as it came, without its query or fragment.
func TestPath(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://w.example.dev/config?url=x", "/config"},
		{"https://w.example.dev/config#x", "/config"},
		{"https://w.example.dev", "/"},
		{"https://w.example.dev/%7Aconfig?x", "/%7Aconfig"},
		{"https://w.example.dev/wecom/config", "/wecom/config"},
	} {
		if got := path(tt.url); got != tt.want {
			t.Errorf("path(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

// TestSizeClasses holds sizeClasses to the runtime's: each is a size the
// allocator rounds up to, and none lies between two of them.
func TestSizeClasses(t *testing.T) {
	roundUp := func(n int) int { return cap(append([]byte(nil), make([]byte, n)...)) }
	prev := 0
	for _, c := range sizeClasses {
		n := int(c)
		if got := roundUp(n); got != n {
			t.Errorf("%d bytes round up to %d: not a size class", n, got)
		}
		if got := roundUp(prev + 1); got != n {
			t.Errorf("%d bytes round up to %d, not to the next listed class %d", prev+1, got, n)
		}
		prev = n
	}
	if prev != 1<<10 {
		t.Errorf("the last class is %d, want 1 KiB", prev)
	}
}
