package core

import (
	"context"
	"testing"
)

type mapStore map[string]string

func (m mapStore) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := m[key]
	return v, ok, nil
}

func (m mapStore) Put(_ context.Context, key, value string) error {
	m[key] = value
	return nil
}

// sameValue hands back the same value, with a fresh lifetime, on every
// fetch: WeChat does so with a ticket (and a WeCom token) while it lives.
type sameValue struct{ calls int }

func (f *sameValue) Fetch(_ context.Context, k *Key, _ string, _ bool) (Record, error) {
	f.calls++
	return Record{Value: "value-of-" + k.Kind.Name, FetchedAt: 1_800_000_000, ExpiresAt: 1_800_000_000 + 990}, nil
}

// TestBudgetCountsUnchangedFetches: a budgeted key's fetches count toward
// its hourly budget, and the count is stored, even when WeChat hands back
// the value already held.
func TestBudgetCountsUnchangedFetches(t *testing.T) {
	s := LoadSettings(func(name string) string {
		return map[string]string{"WECOM_CORPID": "wwtest", "WECOM_AGENTS": "1000002", "WECOM_SECRET_1000002": "s"}[name]
	})
	k := s.Key(WeComAgentTicket.Name, "wwtest/1000002")
	if k == nil || k.PerHour == 0 {
		t.Fatalf("no budgeted agent ticket key: %+v", k)
	}
	store, f := mapStore{}, &sameValue{}
	for i := 1; i <= 3; i++ {
		v := &Vault{Store: store, Fetcher: f, Now: 1_800_000_000 + int64(i), RefreshMargin: 1800}
		if err := v.Refresh(context.Background(), []*Key{k.Token, k}); err != nil {
			t.Fatalf("refresh %d: %v", i, err.Error)
		}
		rec := ParseRecord(store[k.String()])
		if got := rec.FetchesThisHour(v.Now); got != i {
			t.Fatalf("after %d fetches of the same value the record counts %d: %s", i, got, store[k.String()])
		}
	}
}
