package core

import "testing"

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
	}
	for _, tt := range tests {
		if got := ParseAllowlist(tt.list).Allows(tt.authority); got != tt.want {
			t.Errorf("ParseAllowlist(%q).Allows(%q) = %v, want %v", tt.list, tt.authority, got, tt.want)
		}
	}
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
		if got := a.AllowsURL(tt.url); got != tt.want {
			t.Errorf("AllowsURL(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
	if n := ParseAllowlist("a, *.b, ,c").Len(); n != 3 {
		t.Errorf("Len = %d, want 3", n)
	}
}
