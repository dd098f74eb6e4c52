package host_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/wxsign/wxsign/wasm/host"
)

// TestServeRateKey: the rate-limit bindings count an IPv6 client per /64
// (core.RateKey), so rotating addresses within it gets no fresh bucket;
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
		b := &backend{kv: map[string]string{"wxsign:wxapp:jsapi_ticket": string(record("TICKET", now+3600))}, allow: true}
		h := map[string]string{"cf-connecting-ip": c.ip, "authorization": "Bearer wrong"}
		if _, err := s.Serve(context.Background(), serveEnv(), host.Request{Method: "GET", URL: c.target, Header: h}, now, b); err != nil {
			t.Fatal(err)
		}
		if len(b.limits) != 1 || b.limits[0] != c.want {
			t.Errorf("%s %s: Limit calls %q, want %q", c.ip, c.target, b.limits, c.want)
		}
	}
}
