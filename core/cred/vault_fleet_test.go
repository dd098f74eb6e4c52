package cred_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/internal/testkit"
)

// The vault changes the fleet simulation (fleet/) called for: a value
// first seen after an unanswered call counts its life from that call; a
// coordinator's alarm does not fire every second for a value WeChat
// hands back unchanged; a record read from KV is remembered in memory.

// TestVaultUnanswered: a ticket call that times out may have made WeChat
// issue the successor, which the next call hands back with a fresh
// expires_in: its life counts from the unanswered call, or pages are
// signed with it after it died (fleet's Goal: 6 such signatures).
func TestVaultUnanswered(t *testing.T) {
	timeout := errors.New("wechat getticket: context deadline exceeded")
	tests := []struct {
		name    string
		env     map[string]string
		stored  map[string]cred.Record
		key     string
		first   error // the first call's failure, at vNow
		expires int64 // the value's ExpiresAt after the second call, at vNow+30
		asked   int64 // AskedAt after the first call
	}{
		{"a timeout: the ticket's life counts from it", vaultEnv,
			map[string]cred.Record{kTok: fresh("tok0"), kTick: dead("jsapi0")}, kTick, timeout, vNow + 7200 - cred.ExpirySafety, vNow},
		{"a refusal (errcode -1): WeChat issued nothing, the ticket's own expiry", vaultEnv,
			map[string]cred.Record{kTok: fresh("tok0"), kTick: dead("jsapi0")}, kTick, apiErr(-1, "system error"), vNow + 30 + 7200 - cred.ExpirySafety, 0},
		{"a timeout with nothing held: the first ticket's life counts from it", vaultEnv,
			map[string]cred.Record{kTok: fresh("tok0")}, kTick, timeout, vNow + 7200 - cred.ExpirySafety, vNow},
		{"a timeout while the value is usable (a due WeCom token): no successor can have come", wecomEnv,
			map[string]cred.Record{kWTok: due("wt0"), kCorpT: fresh("c0"), kAgenT: fresh("a0")}, kWTok, timeout, vNow + 1100, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := api.LoadSettings(testkit.Env(tc.env))
			kv, mem := &memKV{}, &memKV{}
			for key, r := range tc.stored {
				kv.set(key, r)
			}
			value := "new" // a successor, but for a usable value, which comes back
			if r := tc.stored[tc.key]; r.Usable(vNow) {
				value = r.Value
			}
			wc := &fakeWeChat{now: vNow, replies: map[string][]reply{tc.key: {{err: tc.first}, {value: value}}}}
			pass := func(now int64) {
				wc.now = now
				v := &cred.Vault{Store: kv, Mem: mem, Fetcher: wc, Now: now, RefreshMargin: s.RefreshMargin}
				v.Refresh(context.Background(), s.Keys())
			}
			pass(vNow)
			if r := cred.ParseRecord(mem.m[tc.key]); r.AskedAt != tc.asked {
				t.Errorf("after the failure: AskedAt = %d, want %d", r.AskedAt, tc.asked)
			}
			if tc.asked != 0 && cred.ParseRecord(kv.m[tc.key]).AskedAt != tc.asked {
				t.Errorf("AskedAt not in KV, where a coordinator that lost its memory finds it")
			}
			pass(vNow + 30)
			r := cred.ParseRecord(mem.m[tc.key])
			if r.Value != value || r.ExpiresAt != tc.expires || r.AskedAt != 0 {
				t.Errorf("after the answer: %q expires now%+d, AskedAt %d; want %q expiring now%+d, AskedAt 0",
					r.Value, r.ExpiresAt-vNow, r.AskedAt, value, tc.expires-vNow)
			}
		})
	}
}

// TestVaultWakeUnchanged: a classic token is due 30 minutes before its
// expiry; handed back unchanged, the alarm must not ask again the next
// second (the fleet simulation found it spinning so): it wakes when the
// token is no longer usable, and the cron asks meanwhile.
func TestVaultWakeUnchanged(t *testing.T) {
	s := api.LoadSettings(testkit.Env(classicEnv))
	kv, mem := &memKV{}, &memKV{}
	kv.set(kTok, due("t0"))
	kv.set(kTick, fresh("j0"))
	wc := &fakeWeChat{now: vNow, replies: map[string][]reply{kTok: {{value: "t0"}}}}
	v := &cred.Vault{Store: kv, Mem: mem, Fetcher: wc, Now: vNow, RefreshMargin: s.RefreshMargin}
	v.Refresh(context.Background(), s.Keys())
	if len(wc.calls) != 1 {
		t.Fatalf("calls %v, want the token once", wc.calls)
	}
	if w := v.Wake(context.Background(), s.Keys()); w != due("t0").ExpiresAt {
		t.Errorf("Wake = now%+d, want the token's expiry, now%+d", w-vNow, due("t0").ExpiresAt-vNow)
	}
	// A stable token at the second its margin begins is still asked for
	// the next second: WeChat renews it then.
	s = api.LoadSettings(testkit.Env(vaultEnv))
	kv, mem = &memKV{}, &memKV{}
	tok := keyNamed(t, &s, kTok)
	r := fresh("tok0")
	r.ExpiresAt = vNow + tok.Margin(s.RefreshMargin)
	kv.set(kTok, r)
	kv.set(kTick, fresh("jsapi0"))
	v = &cred.Vault{Store: kv, Mem: mem, Fetcher: &fakeWeChat{now: vNow}, Now: vNow, RefreshMargin: s.RefreshMargin}
	if w := v.Wake(context.Background(), s.Keys()); w != vNow+1 {
		t.Errorf("stable token at its margin: Wake = now%+d, want now+1", w-vNow)
	}
}

// TestVaultMemRemembersReads: with memory, a pass reads a record from KV
// once, a missing one included; the next pass reads memory only.
func TestVaultMemRemembersReads(t *testing.T) {
	s := api.LoadSettings(testkit.Env(vaultEnv))
	kv, mem := &memKV{}, &memKV{}
	kv.set(kTok, fresh("tok0"))
	kv.set(kTick, fresh("jsapi0")) // the card ticket is missing
	for pass, want := range []int{3, 3} {
		v := &cred.Vault{Store: kv, Mem: mem, Fetcher: &fakeWeChat{now: vNow}, Now: vNow, RefreshMargin: s.RefreshMargin}
		v.Refresh(context.Background(), s.Keys())
		v.Wake(context.Background(), s.Keys())
		if kv.gets != want {
			t.Errorf("pass %d: %d KV reads in all, want %d", pass+1, kv.gets, want)
		}
	}
	if kv.puts != 0 {
		t.Errorf("%d KV writes, want none", kv.puts)
	}
	if r := cred.ParseRecord(mem.m[kCard]); r != (cred.Record{}) {
		t.Errorf("the missing card ticket reads %+v from memory", r)
	}
}
