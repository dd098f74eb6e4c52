package cred

import (
	"testing"
)

func TestRecordPolicy(t *testing.T) {
	const now = 1_000_000
	tests := []struct {
		name        string
		rec         Record
		usable, due bool
	}{
		{"empty", Record{}, false, true},
		{"fresh", Record{Value: "v", ExpiresAt: now + 7000}, true, false},
		{"inside the margin", Record{Value: "v", ExpiresAt: now + 1799}, true, true},
		{"at the margin", Record{Value: "v", ExpiresAt: now + 1800}, true, false},
		{"last second", Record{Value: "v", ExpiresAt: now + 1}, true, true},
		{"at expiry", Record{Value: "v", ExpiresAt: now}, false, true},
		{"past expiry", Record{Value: "v", ExpiresAt: now - 1}, false, true},
		{"no value", Record{ExpiresAt: now + 7000}, false, true},
	}
	for _, tt := range tests {
		if u, d := tt.rec.Usable(now), tt.rec.Due(now, DefaultRefreshMargin); u != tt.usable || d != tt.due {
			t.Errorf("%s: Usable %v Due %v, want %v %v", tt.name, u, d, tt.usable, tt.due)
		}
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		failures int
		want     int64
	}{{0, 0}, {1, 30}, {2, 60}, {3, 120}, {4, 240}, {5, 480}, {6, 600}, {7, 600}, {1000, 600}}
	for _, tt := range tests {
		if got := Backoff(tt.failures); got != tt.want {
			t.Errorf("Backoff(%d) = %d, want %d", tt.failures, got, tt.want)
		}
	}
}
