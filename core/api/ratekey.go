package api

import (
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core/internal/ascii"
	"github.com/wxsign/wxsign/core/pageurl"
)

// RateKey is the rate-limit key of a client address (CF-Connecting-IP): an
// IPv4 address as it is, an IPv4-mapped IPv6 address as its IPv4 address,
// and any other IPv6 address as its /64 prefix in canonical form (RFC
// 5952, "2001:db8:1:2::/64"), since a /64 is what one IPv6 client holds and
// can rotate its address within. Anything else is returned unchanged.
//
// It is written without net/netip, which the signer module does not link
// (RATIONALE.md, Bundle size); FuzzRateKey holds it to net/netip.
func RateKey(ip string) string {
	if !pageurl.IsIPv6(ip) {
		return ip
	}
	g := ipv6Groups(ip)
	if g[0]|g[1]|g[2]|g[3]|g[4] == 0 && g[5] == 0xffff {
		return strconv.Itoa(int(g[6]>>8)) + "." + strconv.Itoa(int(g[6]&0xff)) + "." + strconv.Itoa(int(g[7]>>8)) + "." + strconv.Itoa(int(g[7]&0xff))
	}
	g[4], g[5], g[6], g[7] = 0, 0, 0, 0
	return formatIPv6(g) + "/64"
}

// ipv6Groups is the eight 16-bit groups of s, which isIPv6 has accepted.
func ipv6Groups(s string) [8]uint16 {
	var head, tail []uint16
	cur := &head
	for s != "" {
		if strings.HasPrefix(s, "::") {
			cur, s = &tail, s[2:]
			continue
		}
		s = strings.TrimPrefix(s, ":")
		end := strings.IndexByte(s, ':')
		if end < 0 {
			end = len(s)
		}
		f := s[:end]
		if strings.IndexByte(f, '.') >= 0 {
			var b [4]uint16
			for i, p := range strings.Split(f, ".") {
				for j := 0; j < len(p); j++ {
					b[i] = b[i]*10 + uint16(p[j]-'0')
				}
			}
			*cur = append(*cur, b[0]<<8|b[1], b[2]<<8|b[3])
		} else {
			var v uint16
			for j := 0; j < len(f); j++ {
				v = v<<4 | uint16(ascii.HexValue[f[j]])
			}
			*cur = append(*cur, v)
		}
		s = s[end:]
	}
	var g [8]uint16
	copy(g[:], head)
	copy(g[8-len(tail):], tail)
	return g
}

// formatIPv6 writes an address as RFC 5952 says: groups in lower-case hex
// without leading zeros, the first longest run of two or more zero groups
// as "::".
func formatIPv6(g [8]uint16) string {
	run, at := 0, -1
	for i := 0; i < 8; {
		j := i
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i > run && j-i >= 2 {
			run, at = j-i, i
		}
		i = max(j, i+1)
	}
	var b []byte
	for i := 0; i < 8; i++ {
		if i == at {
			b = append(b, "::"...)
			i += run - 1
			continue
		}
		if i > 0 && i != at+run {
			b = append(b, ':')
		}
		b = strconv.AppendUint(b, uint64(g[i]), 16)
	}
	return string(b)
}
