package cred_test

import (
	"context"
	"testing"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
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

func (f *sameValue) Fetch(_ context.Context, k *cred.Key, _ cred.Inputs) (cred.Record, error) {
	f.calls++
	return cred.Record{Value: "value-of-" + k.Kind.Name, FetchedAt: 1_800_000_000, ExpiresAt: 1_800_000_000 + 990}, nil
}

// TestBudgetUnchangedFetches: a fetch that brings back the value already
// held is not written, even for a budgeted key (the cron would write on
// every run within the margin); the key's share leaves the cron's runs
// room instead.
func TestBudgetUnchangedFetches(t *testing.T) {
	s := api.LoadSettings(func(name string) string {
		return map[string]string{"WECOM_CORPID": "wwtest", "WECOM_AGENTS": "1000002", "WECOM_SECRET_1000002": "s"}[name]
	})
	k := s.Key(cred.WeComAgentTicket.Name, "wwtest/1000002")
	if k == nil || k.PerHour == 0 || k.PerHour+cred.CronPerHour > cred.WeComAgentTicket.Budget.PerAgent/2 {
		t.Fatalf("agent ticket key %+v: its share and the cron's runs must fit the agent's budget", k)
	}
	store, f := mapStore{}, &sameValue{}
	var first string
	for i := 1; i <= 3; i++ {
		v := &cred.Vault{Store: store, Fetcher: f, Now: 1_800_000_000 + int64(i), RefreshMargin: 1800}
		if err := v.Refresh(context.Background(), []*cred.Key{k.Token, k}); err != nil {
			t.Fatalf("refresh %d: %v", i, err.Error)
		}
		if i == 1 {
			first = store[k.String()]
		} else if store[k.String()] != first {
			t.Fatalf("fetch %d of the same value was written: %s, then %s", i, first, store[k.String()])
		}
	}
	if f.calls != 2 {
		t.Fatalf("%d fetches, want 2 (token and ticket once): WeCom hands both back unchanged until they die, so neither is asked for again", f.calls)
	}
}
