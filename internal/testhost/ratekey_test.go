package testhost_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/internal/testhost"
)

// TestServeRateKey: the rate-limit bindings count an IPv6 client per /64
// (api.RateKey), so rotating addresses within it gets no fresh bucket;
// IPv4 clients per address. Both limits, /config's and failed keys'.
func TestServeRateKey(t *testing.T) {
	page := "https://w.example/config?url=" + url.QueryEscape("https://h.example.com/a")
	s := newSigner(t)
	for _, c := range []struct{ ip, target, want string }{
		{"2001:db8:1:2::a", page, "CONFIG_RATE_LIMIT 2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:1:2:3", page, "CONFIG_RATE_LIMIT 2001:db8:1:2::/64"},
		{"2001:db8:1:3::a", page, "CONFIG_RATE_LIMIT 2001:db8:1:3::/64"},
		{"2001:db8:1:2::b", "https://w.example/token", "AUTH_RATE_LIMIT 2001:db8:1:2::/64"},
		{"198.51.100.7", page, "CONFIG_RATE_LIMIT 198.51.100.7"},
		{"::ffff:198.51.100.7", page, "CONFIG_RATE_LIMIT 198.51.100.7"},
	} {
		b := &backend{kv: map[string]string{"wxsign:wxapp:jsapi_ticket": string(record("TICKET", now+3600))}}
		h := map[string]string{"cf-connecting-ip": c.ip, "authorization": "Bearer wrong"}
		if _, err := s.Serve(context.Background(), serveEnv(), testhost.Request{Method: "GET", URL: c.target, Header: h}, now, b); err != nil {
			t.Fatal(err)
		}
		// A failed authentication is counted by both bindings, the last
		// being AUTH_RATE_LIMIT's: each under the same key.
		_, key, _ := strings.Cut(c.want, " ")
		if len(b.limits) == 0 || b.limits[len(b.limits)-1] != c.want {
			t.Errorf("%s %s: Limit calls %q, want the last %q", c.ip, c.target, b.limits, c.want)
		}
		for _, l := range b.limits {
			if !strings.HasSuffix(l, " "+key) {
				t.Errorf("%s %s: Limit call %q, want the key %q", c.ip, c.target, l, key)
			}
		}
	}
}
