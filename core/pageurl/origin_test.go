package pageurl

import "testing"

// TestOriginList: CORS goes to an origin only if its scheme, host and port
// are an entry's, and only for a value a browser would send as Origin.
func TestOriginList(t *testing.T) {
	tests := []struct {
		list, origin string
		want         bool
	}{
		{"", "https://h.example.com", false},
		{" , ", "https://h.example.com", false},
		{"https://www.example.com", "https://www.example.com", true},
		{"https://www.example.com", "https://www.example.com:443", true},
		{"https://www.example.com:443", "https://www.example.com", true},
		{"https://www.example.com", "HTTPS://WWW.EXAMPLE.COM", true},
		{"HTTPS://WWW.Example.COM/", "https://www.example.com", true}, // entries are folded; a final "/" is dropped
		{"https://www.example.com", "http://www.example.com", false},
		{"https://www.example.com", "https://www.example.com:8443", false},
		{"https://www.example.com", "https://example.com", false},
		{"https://www.example.com", "https://a.www.example.com", false},
		{"https://www.example.com", "https://www.example.com.evil.net", false},
		{"www.example.com", "https://www.example.com", true}, // no scheme: https, default port
		{"www.example.com", "http://www.example.com", false},
		{"www.example.com", "https://www.example.com:8443", false},
		{"http://localhost:3000", "http://localhost:3000", true},
		{"http://localhost:3000", "http://localhost", false},
		{"http://localhost:3000", "https://localhost:3000", false},
		{"http://localhost:3000", "http://localhost:3001", false},
		{"http://localhost", "http://localhost:80", true},
		{"http://[::1]:8787", "http://[::1]:8787", true},
		{"https://*.example.com", "https://a.example.com", true},
		{"https://*.example.com", "https://a.b.example.com", true},
		{"https://*.example.com", "https://A.Example.Com", true},
		{"https://*.example.com", "https://a.example.com:443", true},
		{"https://*.example.com", "https://example.com", false},
		{"https://*.example.com", "http://a.example.com", false},
		{"https://*.example.com", "https://a.example.com:8443", false},
		{"https://*.example.com", "https://badexample.com", false},
		{"*.example.com", "https://a.example.com", true},
		{"*.example.com", "http://a.example.com", false},
		{"http://*.example.com:8080", "http://a.example.com:8080", true},
		{"http://*.example.com:8080", "http://a.example.com", false},
		{"a.com, https://*.b.com ,http://c.com:81", "http://c.com:81", true},
		{"a.com, https://*.b.com ,http://c.com:81", "https://x.b.com", true},
		{"a.com, https://*.b.com ,http://c.com:81", "https://a.com", true},
		// Not an origin as a browser sends it: never allowed.
		{"https://www.example.com", "https://www.example.com/", false},
		{"https://www.example.com", "https://www.example.com/path", false},
		{"https://www.example.com", "https://www.example.com?q", false},
		{"https://www.example.com", "https://www.example.com#f", false},
		{"https://www.example.com", "https://user@www.example.com", false},
		{"https://www.example.com", "https://www.example.com:", false},
		{"https://www.example.com", "https://www.example.com:0443", false},
		{"https://www.example.com", " https://www.example.com", false},
		{"https://www.example.com", "https://www.example.com ", false},
		{"https://www.example.com", "https://www.example.com\t", false},
		{"https://www.example.com", "https://www.example.com, https://evil.net", false},
		{"https://www.example.com, https://evil.net", "https://www.example.com, https://evil.net", false},
		{"https://www.example.com", "https://www.example.com,https://www.example.com", false},
		{"https://www.example.com", "https:/www.example.com", false},
		{"https://www.example.com", "https\x1a//www.example.com", false}, // folding with 0x20 would make it "https://"
		{"https://www.example.com", "//www.example.com", false},
		{"https://www.example.com", "www.example.com", false},
		{"https://*.example.com", "https://evil.com%2F.example.com", false},
		{"https://*.example.com", "https://\u212a.example.com", false},
		{"https://k.example.com", "https://\u212a.example.com", false},
		{"null", "null", false},
		{"*", "https://a.com", false},
		{"https://*", "https://a.com", false},
		// Entries that are not origins match nothing, and the list is not empty.
		{"https://www.example.com/app", "https://www.example.com", false},
		{"ftp://www.example.com", "https://www.example.com", false},
		{"https://user@www.example.com", "https://www.example.com", false},
	}
	for _, tt := range tests {
		l := ParseOriginList(tt.list)
		if got := l.Allows(tt.origin); got != tt.want {
			t.Errorf("ParseOriginList(%q).Allows(%q) = %v, want %v", tt.list, tt.origin, got, tt.want)
		}
	}
	if l := ParseOriginList("ftp://x"); l.Empty() || l.Len() != 0 {
		t.Errorf("an unusable entry: Empty %v, Len %d; want false, 0", l.Empty(), l.Len())
	}
	if l := ParseOriginList(" ,"); !l.Empty() {
		t.Error("a blank list is not Empty")
	}
}

// FuzzOriginList: whatever is allowed is an origin as a browser sends it,
// and its own entry allows it.
func FuzzOriginList(f *testing.F) {
	f.Add("https://*.example.com,http://localhost:3000", "https://a.example.com")
	f.Add("h.example.com", "https://h.example.com:443")
	f.Add("https://h.example.com", "https://h.example.com, https://evil.net")
	f.Fuzz(func(t *testing.T, list, origin string) {
		if !ParseOriginList(list).Allows(origin) {
			return
		}
		o, ok := parseOrigin(origin)
		if !ok {
			t.Fatalf("%q allowed by %q but not an origin", origin, list)
		}
		for i := 0; i < len(origin); i++ {
			if c := origin[i]; c <= ' ' || c >= 0x7f || c == ',' || c == '/' && i >= len(o.scheme)+3 || c == '?' || c == '#' || c == '@' || c == '%' {
				t.Fatalf("%q allowed by %q has %q", origin, list, c)
			}
		}
		if !ParseOriginList(origin).Allows(origin) {
			t.Fatalf("%q is allowed by %q but not by itself", origin, list)
		}
	})
}
