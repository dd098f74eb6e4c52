package api

import (
	"net/netip"
	"testing"
)

func TestRateKey(t *testing.T) {
	for _, c := range []struct{ ip, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"}, // another address of the same /64
		{"2001:0DB8:0001:0002::1", "2001:db8:1:2::/64"},           // written otherwise, the same key
		{"2001:db8::1", "2001:db8::/64"},
		{"2001:0:0:1::1", "2001:0:0:1::/64"},
		{"::1", "::/64"},
		{"::", "::/64"},
		{"fe80::1:2:3:4", "fe80::/64"},
		{"1:0:0:0:1::", "1::/64"},
		{"::ffff:198.51.100.1", "198.51.100.1"}, // IPv4-mapped: the IPv4 client it is
		{"::ffff:c633:6401", "198.51.100.1"},
		{"2001:db8:1:2::1.2.3.4", "2001:db8:1:2::/64"},
		{"unknown", "unknown"},
		{"", ""},
		{"fe80::1%eth0", "fe80::1%eth0"}, // not an address CF-Connecting-IP holds: unchanged
		{"2001:db8::1::2", "2001:db8::1::2"},
	} {
		if got := RateKey(c.ip); got != c.want {
			t.Errorf("RateKey(%q) = %q, want %q", c.ip, got, c.want)
		}
	}
}

// rateKeyModel is RateKey written with net/netip.
func rateKeyModel(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Zone() != "" || a.Is4() {
		return ip
	}
	if a.Is4In6() {
		return a.Unmap().String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

func FuzzRateKey(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "2001:db8::1", "::ffff:1.2.3.4", "::", "1::", "1:0:0:1:0:0:0:1", "0:0:1::1:0:0:0", "a:b:c:d:e:f:1:2", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ip string) {
		if got, want := RateKey(ip), rateKeyModel(ip); got != want {
			t.Fatalf("RateKey(%q) = %q, net/netip says %q", ip, got, want)
		}
	})
}
