package core

import (
	"errors"
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

func TestRefresh(t *testing.T) {
	const now = 1_000_000
	fresh := Record{Value: "old", ExpiresAt: now + 7000, FetchedAt: now - 200}
	due := Record{Value: "old", ExpiresAt: now + 600, FetchedAt: now - 6600}
	expired := Record{Value: "old", ExpiresAt: now - 1, FetchedAt: now - 7201}
	next := Record{Value: "new", ExpiresAt: now + 7140, FetchedAt: now}
	boom := errors.New("boom")
	tests := []struct {
		name    string
		old     Record
		got     Record
		err     error
		calls   int
		want    Record
		changed bool
		wantErr bool
	}{
		{"fresh: no fetch", fresh, next, nil, 0, fresh, false, false},
		{"due: fetched", due, next, nil, 1, next, true, false},
		{"expired: fetched", expired, next, nil, 1, next, true, false},
		{"empty: fetched", Record{}, next, nil, 1, next, true, false},
		{"due, same record back: no write", due, due, nil, 1, due, false, false},
		{"due, failure keeps the valid record", due, Record{}, boom, 1, due, false, true},
		{"expired, failure keeps it (but it is not usable)", expired, Record{}, boom, 1, expired, false, true},
		{"due, empty answer is a failure", due, Record{}, nil, 1, due, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			rec, changed, err := Refresh(tt.old, now, DefaultRefreshMargin, func() (Record, error) {
				calls++
				return tt.got, tt.err
			})
			if rec != tt.want || changed != tt.changed || (err != nil) != tt.wantErr || calls != tt.calls {
				t.Fatalf("Refresh = %+v, %v, %v after %d calls; want %+v, %v, error %v after %d",
					rec, changed, err, calls, tt.want, tt.changed, tt.wantErr, tt.calls)
			}
			if tt.wantErr && rec.Usable(now) != tt.old.Usable(now) {
				t.Fatal("a failed refresh changed whether the record is usable")
			}
		})
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
