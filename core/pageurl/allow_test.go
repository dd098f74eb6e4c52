package pageurl

import (
	"testing"

	"github.com/wxsign/wxsign/core/internal/ascii"
)

func TestAllowlist(t *testing.T) {
	tests := []struct {
		list, authority string
		want            bool
	}{
		{"", "anything.net", true},
		{" , ", "anything.net", true},
		{"h.example.com", "h.example.com", true},
		{"h.example.com", "H.Example.COM", true},
		{"h.example.com", "h.example.com:8443", true},
		{"h.example.com:443", "h.example.com", true},
		{"h.example.com", "example.com", false},
		{"h.example.com", "x.h.example.com", false},
		{"h.example.com", "h.example.com.evil.net", false},
		{"h.example.com", "h.example.com@evil.net", false},
		{"h.example.com", "evil.net@h.example.com", false},
		{"h.example.com", "h.example.co", false},
		{"h.example.com", "", false},
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "a.b.example.com", true},
		{"*.example.com", "A.EXAMPLE.com:80", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", ".example.com", false},
		{"*.example.com", "badexample.com", false},
		{"*.example.com", "a.example.com.evil.net", false},
		{"a.com, *.b.com ,c.com", "c.com", true},
		{"a.com, *.b.com ,c.com", "x.b.com", true},
		{"a.com, *.b.com ,c.com", "b.com", false},
		{"https://a.com/", "a.com", true},
		{"[::1]", "[::1]:8787", true},
		{"*.", "a.", false}, // set but unusable: nothing allowed, not everything
		{"*.", "anything.net", false},
		// Case folds in ASCII only: the Kelvin sign U+212A is not "k".
		{"k.example.com", "\u212a.example.com", false},
		{"\u212a.example.com", "k.example.com", false},
		{"*.k.example.com", "a.\u212a.example.com", false},
		{"K.EXAMPLE.COM", "k.example.com", true},
		// Hosts no browser would send never match (see TestPageURLHost).
		{"*.good.example", "evil.com%2F.good.example", false},
		{"*.good.example", "a..good.example", false},
		{"*.good.example", "例子.good.example", false},
		{"h.example.com", "h.example.com:99999", false},
	}
	for _, tt := range tests {
		if got := ParseAllowlist(tt.list).Allows(tt.authority); got != tt.want {
			t.Errorf("ParseAllowlist(%q).Allows(%q) = %v, want %v", tt.list, tt.authority, got, tt.want)
		}
	}
}

// AllowsHost, which the hot path calls with a host splitPageURL checked,
// folds case in ASCII only, whatever it is given.
func TestAllowsHostFold(t *testing.T) {
	a := ParseAllowlist("k.example.com,*.k.example.org")
	for host, want := range map[string]bool{
		"k.example.com": true, "K.Example.Com": true, "a.k.example.org": true, "A.K.EXAMPLE.ORG": true,
		"\u212a.example.com": false, "a.\u212a.example.org": false, "\u212a.k.example.org": true,
	} {
		if got := a.AllowsHost(host); got != want {
			t.Errorf("allowsHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestEqualFold(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true}, {"a", "A", true}, {"Https://", "hTTPS://", true}, {"@", "`", false}, {"[", "{", false},
		{"k", "\u212a", false}, {"\u212a", "\u212a", true}, {"s", "\u017f", false}, {"\xc1", "\xe1", false}, {"ab", "a", false},
	}
	for _, tt := range tests {
		if got := ascii.EqualFold(tt.a, tt.b); got != tt.want {
			t.Errorf("equalFold(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
	if got := ascii.LowerASCII("HOST.\u212a.Example"); got != "host.\u212a.example" {
		t.Errorf("lowerASCII = %q", got)
	}
}

// FuzzEqualFold holds equalFold and lowerASCII to a byte-wise model.
func FuzzEqualFold(f *testing.F) {
	f.Add("H.Example.COM", "h.example.com")
	f.Add("k", "\u212a")
	f.Fuzz(func(t *testing.T, a, b string) {
		lower := func(s string) string {
			out := []byte(s)
			for i, c := range out {
				if 'A' <= c && c <= 'Z' {
					out[i] = c + 32
				}
			}
			return string(out)
		}
		if got, want := ascii.EqualFold(a, b), lower(a) == lower(b); got != want {
			t.Fatalf("equalFold(%q, %q) = %v, want %v", a, b, got, want)
		}
		if got := ascii.LowerASCII(a); got != lower(a) {
			t.Fatalf("lowerASCII(%q) = %q, want %q", a, got, lower(a))
		}
	})
}

// allowsURL reports whether the host of an absolute URL is allowed; a URL
// PageURL refuses never is.
func allowsURL(a Allowlist, raw string) bool {
	_, host, err := SplitPageURL(raw)
	return err == nil && a.AllowsHost(host)
}

func TestAllowsURL(t *testing.T) {
	a := ParseAllowlist("h.example.com,*.example.org")
	tests := []struct {
		url  string
		want bool
	}{
		{"https://h.example.com/x", true},
		{"https://h.example.com", true},
		{"http://a.example.org:8080/?q", true},
		{"https://h.example.com.evil.net/", false},
		{"https://h.example.com@evil.net/", false},
		{"https://evil.net/?h.example.com", false},
		{"https://evil.net/#h.example.com", false},
		{"null", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := allowsURL(a, tt.url); got != tt.want {
			t.Errorf("AllowsURL(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
	if n := ParseAllowlist("a, *.b, ,c").Len(); n != 3 {
		t.Errorf("Len = %d, want 3", n)
	}
}
