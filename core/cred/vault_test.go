package cred_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/internal/testkit"
)

// memKV is Workers KV in memory for the vault's tests: it counts reads
// and writes and fails when told to.
type memKV struct {
	m                map[string]string
	gets, puts       int
	failGet, failPut bool
}

func (s *memKV) Get(_ context.Context, key string) (string, bool, error) {
	s.gets++
	if s.failGet {
		return "", false, errors.New("kv: read failed")
	}
	v, ok := s.m[key]
	return v, ok, nil
}

func (s *memKV) Put(_ context.Context, key, value string) error {
	s.puts++
	if s.failPut {
		return errors.New("kv: write failed")
	}
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = value
	return nil
}

// set stores r at key without counting it.
func (s *memKV) set(key string, r cred.Record) {
	b, _ := json.Marshal(r)
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = string(b)
}

// reply is one answer of fakeWeChat: a value living life seconds from the
// fetch (ExpiresAt as the WeChat client computes it), or an error.
type reply struct {
	value   string
	life    int64 // 0: 7200 - ExpirySafety
	err     error
	rotated string // a new refresh token the answer hands out
}

// fakeWeChat is a Fetcher that answers from a script per KV key, and
// issues a new value ("<kind>-<n>") when the script has run out.
type fakeWeChat struct {
	now     int64
	life    int64 // the life of values past the script; 0: as reply
	replies map[string][]reply
	calls   []string // "<owner>:<kind> [token=T] [force]", in order
	serial  int
}

func (f *fakeWeChat) Fetch(_ context.Context, k *cred.Key, in cred.Inputs) (cred.Record, error) {
	call := k.Owner + ":" + k.Kind.Name
	if in.Token != "" {
		call += " token=" + in.Token
	}
	if in.Refresh != "" {
		call += " refresh=" + in.Refresh
	}
	if in.Force {
		call += " force"
	}
	f.calls = append(f.calls, call)
	var r reply
	if q := f.replies[k.String()]; len(q) > 0 {
		r, f.replies[k.String()] = q[0], q[1:]
	} else {
		f.serial++
		r.value = fmt.Sprintf("%s-%d", k.Kind.Name, f.serial)
		r.life = f.life
	}
	if r.err != nil {
		return cred.Record{}, r.err
	}
	if r.life == 0 {
		r.life = 7200 - cred.ExpirySafety
	}
	return cred.Record{Value: r.value, FetchedAt: f.now, ExpiresAt: f.now + r.life, Rotated: r.rotated}, nil
}

// The vault tests' clock: an hour's start, plus a little.
const (
	hourStart = 1_800_000_000 // a multiple of 3600
	vNow      = hourStart + 1000
)

// The keys of the tests' settings (vaultEnv).
const (
	kTok   = "wxsign:wxA1:access_token"
	kTick  = "wxsign:wxA1:jsapi_ticket"
	kCard  = "wxsign:wxA1:wx_card_ticket"
	kWTok  = "wxsign:ww01/1000002:wecom_token"
	kCorpT = "wxsign:ww01/1000002:wecom_corp_ticket"
	kAgenT = "wxsign:ww01/1000002:wecom_agent_ticket"
)

var (
	vaultEnv   = map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "secretA1"}
	wecomEnv   = map[string]string{"WECOM_CORPID": "ww01", "WECOM_AGENTS": "1000002", "WECOM_SECRET_1000002": "secret2"}
	classicEnv = map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "secretA1", "WECHAT_TOKEN_MODE": "classic"}
)

// Records relative to vNow: fresh is far from expiry, due within the
// margin (of tickets; a stable token's is shorter), expired past it.
func fresh(v string) cred.Record {
	return cred.Record{Value: v, FetchedAt: vNow - 100, ExpiresAt: vNow + 7070}
}
func due(v string) cred.Record {
	return cred.Record{Value: v, FetchedAt: vNow - 6070, ExpiresAt: vNow + 1100}
}
func expired(v string) cred.Record {
	return cred.Record{Value: v, FetchedAt: vNow - 7171, ExpiresAt: vNow - 1}
}

// dead is a record whose value has died at WeChat too (ExpiresAt is
// ExpirySafety before that).
func dead(v string) cred.Record {
	return cred.Record{Value: v, FetchedAt: vNow - 7200, ExpiresAt: vNow - cred.ExpirySafety - 1}
}

// got is a record as the fake issues it at vNow.
func got(v, prev string) cred.Record {
	return cred.Record{Value: v, Prev: prev, FetchedAt: vNow, ExpiresAt: vNow + 7200 - cred.ExpirySafety}
}

// backoffOver is r failed 30 s ago, its back-off just over.
func backoffOver(r cred.Record) cred.Record {
	r.LastErrorAt -= 30
	r.NextAttempt -= 30
	return r
}

func apiErr(code int, msg string) error { return &cred.APIError{Call: "test", Code: code, Msg: msg} }

// failed is r after one failed fetch at vNow with the error WeChat gave.
func failed(r cred.Record, n int, code int, msg string) cred.Record {
	r.Failures, r.LastErrCode, r.LastErrorAt = n, code, vNow
	r.LastError = cred.Describe(apiErr(code, msg)).Msg
	r.NextAttempt = vNow + cred.Backoff(n)
	return r
}

func TestVaultPolicy(t *testing.T) {
	type tcase struct {
		name    string
		env     map[string]string // vaultEnv when nil
		stored  map[string]cred.Record
		raw     map[string]string // stored as is (damaged records)
		failGet bool
		failPut bool
		replies map[string][]reply
		get     string // the key the request path asks for; "" runs the cron

		calls   []string
		errcode int   // the RefreshError's code; 0 for success
		retryAt int64 // checked when set
		value   string
		puts    int
		want    map[string]cred.Record // stored records afterwards
	}
	backedOff := cred.Record{Value: "jsapi0", FetchedAt: vNow - 7300, ExpiresAt: vNow - 100, Failures: 2,
		LastError: "WeChat: system error", LastErrCode: -1, LastErrorAt: vNow - 10, NextAttempt: vNow + 50}
	tests := []tcase{
		{
			name:   "fresh: the request path does not fetch",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: fresh("jsapi0")},
			get:    kTick, value: "jsapi0",
		},
		{
			name:   "fresh: the cron does not fetch",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: fresh("jsapi0")},
			want:   map[string]cred.Record{kTok: fresh("tok0"), kTick: fresh("jsapi0")},
		},
		{
			name:   "due: the request path uses it",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: due("jsapi0")},
			get:    kTick, value: "jsapi0",
		},
		{
			name:   "due: the cron leaves a sticky ticket alone until it dies (WeChat would hand it back)",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: due("jsapi0")},
			want:   map[string]cred.Record{kTok: fresh("tok0"), kTick: due("jsapi0")},
		},
		{
			name:    "dead: the cron fetches it with the stored token; Prev holds the old value",
			stored:  map[string]cred.Record{kTok: fresh("tok0"), kTick: dead("jsapi0")},
			replies: map[string][]reply{kTick: {{value: "jsapi1"}}},
			calls:   []string{"wxA1:jsapi_ticket token=tok0"},
			puts:    1,
			want:    map[string]cred.Record{kTok: fresh("tok0"), kTick: got("jsapi1", "jsapi0")},
		},
		{
			name:   "expired here, alive at WeChat: 1055 until it dies, without a call",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: expired("jsapi0")},
			get:    kTick, errcode: core.ErrStillOld.Code, retryAt: vNow - 1 + cred.ExpirySafety + 1,
		},
		{
			name:    "dead: the request path fetches",
			stored:  map[string]cred.Record{kTok: fresh("tok0"), kTick: dead("jsapi0")},
			replies: map[string][]reply{kTick: {{value: "jsapi1"}}},
			get:     kTick, value: "jsapi1",
			calls: []string{"wxA1:jsapi_ticket token=tok0"},
			puts:  1,
			want:  map[string]cred.Record{kTick: got("jsapi1", "jsapi0")},
		},
		{
			name:    "nothing stored: the token is fetched before the ticket that needs it",
			replies: map[string][]reply{kTok: {{value: "tok1"}}, kTick: {{value: "jsapi1"}}},
			get:     kTick, value: "jsapi1",
			calls: []string{"wxA1:access_token", "wxA1:jsapi_ticket token=tok1"},
			puts:  2,
			want:  map[string]cred.Record{kTok: got("tok1", ""), kTick: got("jsapi1", "")},
		},
		{
			name:    "cron, nothing stored: token, then ticket; the lazy card ticket waits",
			replies: map[string][]reply{kTok: {{value: "tok1"}}, kTick: {{value: "jsapi1"}}},
			calls:   []string{"wxA1:access_token", "wxA1:jsapi_ticket token=tok1"},
			puts:    2,
			want:    map[string]cred.Record{kTok: got("tok1", ""), kTick: got("jsapi1", ""), kCard: {}},
		},
		{
			name:    "cron: a due token is renewed before the tickets",
			stored:  map[string]cred.Record{kTok: {Value: "tok0", FetchedAt: vNow - 7000, ExpiresAt: vNow + 100}, kTick: dead("jsapi0")},
			replies: map[string][]reply{kTok: {{value: "tok1"}}, kTick: {{value: "jsapi1"}}},
			calls:   []string{"wxA1:access_token", "wxA1:jsapi_ticket token=tok1"},
			puts:    2,
		},
		{
			name:   "cron: a stable token outside WeChat's renewal window is not asked for",
			stored: map[string]cred.Record{kTok: due("tok0"), kTick: fresh("jsapi0")},
		},
		{
			name:    "cron: a card ticket once used is kept fresh",
			stored:  map[string]cred.Record{kTok: fresh("tok0"), kTick: fresh("jsapi0"), kCard: dead("card0")},
			replies: map[string][]reply{kCard: {{value: "card1"}}},
			calls:   []string{"wxA1:wx_card_ticket token=tok0"},
			puts:    1,
		},
		{
			name: "cron: a card ticket whose first fetch failed is tried again",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: fresh("jsapi0"),
				kCard: {LastError: "WeChat: system error", LastErrCode: -1, LastErrorAt: vNow - 600, Failures: 1, NextAttempt: vNow - 570}},
			replies: map[string][]reply{kCard: {{value: "card1"}}},
			calls:   []string{"wxA1:wx_card_ticket token=tok0"},
			puts:    1,
		},
		{
			name:    "the request path fetches a card ticket nobody had",
			stored:  map[string]cred.Record{kTok: fresh("tok0"), kTick: fresh("jsapi0")},
			replies: map[string][]reply{kCard: {{value: "card1"}}},
			get:     kCard, value: "card1",
			calls: []string{"wxA1:wx_card_ticket token=tok0"},
			puts:  1,
		},
		{
			name:    "40001 twice: one forced token, one retry, the second refusal reported",
			stored:  map[string]cred.Record{kTok: fresh("tok0"), kTick: dead("jsapi0")},
			replies: map[string][]reply{kTick: {{err: apiErr(40001, "invalid credential")}, {err: apiErr(40001, "invalid credential")}}, kTok: {{value: "tok1"}}},
			get:     kTick, errcode: 40001, retryAt: vNow + 30,
			calls: []string{"wxA1:jsapi_ticket token=tok0", "wxA1:access_token force", "wxA1:jsapi_ticket token=tok1"},
			puts:  2,
			want:  map[string]cred.Record{kTok: got("tok1", "tok0"), kTick: failed(dead("jsapi0"), 1, 40001, "invalid credential")},
		},
		{
			name:    "40013 is no token problem: reported at once",
			stored:  map[string]cred.Record{kTok: fresh("tok0"), kTick: dead("jsapi0")},
			replies: map[string][]reply{kTick: {{err: apiErr(40013, "invalid appid")}}},
			get:     kTick, errcode: 40013,
			calls: []string{"wxA1:jsapi_ticket token=tok0"},
			puts:  1,
			want:  map[string]cred.Record{kTok: fresh("tok0"), kTick: failed(dead("jsapi0"), 1, 40013, "invalid appid")},
		},
		{
			name:    "the forced token fails: the ticket reports the token's error",
			stored:  map[string]cred.Record{kTok: fresh("tok0"), kTick: dead("jsapi0")},
			replies: map[string][]reply{kTick: {{err: apiErr(40001, "invalid credential")}}, kTok: {{err: apiErr(40164, "invalid ip 203.0.113.7")}}},
			get:     kTick, errcode: 40164,
			calls: []string{"wxA1:jsapi_ticket token=tok0", "wxA1:access_token force"},
			puts:  2,
		},
		{
			name:    "failure keeps the valid record and backs off",
			stored:  map[string]cred.Record{kTok: {Value: "tok0", FetchedAt: vNow - 7000, ExpiresAt: vNow + 100}, kTick: fresh("jsapi0")},
			replies: map[string][]reply{kTok: {{err: apiErr(-1, "system error")}}},
			errcode: -1, retryAt: vNow + 30,
			calls: []string{"wxA1:access_token"},
			puts:  1,
			want: map[string]cred.Record{kTok: failed(cred.Record{Value: "tok0", FetchedAt: vNow - 7000, ExpiresAt: vNow + 100}, 1, -1, "system error"),
				kTick: fresh("jsapi0")},
		},
		{
			name:   "a failure keeps a usable record usable on the request path",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: failed(due("jsapi0"), 1, -1, "system error")},
			get:    kTick, value: "jsapi0",
		},
		{
			name:   "back-off: the request path refuses with the last error until NextAttempt",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: backedOff},
			get:    kTick, errcode: -1, retryAt: vNow + 50,
		},
		{
			name: "back-off over: the request path fetches, and success clears the failures",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: func() cred.Record {
				r := backedOff
				r.NextAttempt = vNow
				return r
			}()},
			replies: map[string][]reply{kTick: {{value: "jsapi1"}}},
			get:     kTick, value: "jsapi1",
			calls: []string{"wxA1:jsapi_ticket token=tok0"},
			puts:  1,
			want: map[string]cred.Record{kTick: {Value: "jsapi1", Prev: "jsapi0", FetchedAt: vNow, ExpiresAt: vNow + 7200 - cred.ExpirySafety,
				LastError: "WeChat: system error", LastErrCode: -1, LastErrorAt: vNow - 10}},
		},
		{
			name:   "the cron keeps the back-off: one try per step",
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: backedOff},
		},
		{
			name:    "a token that cannot be had fails its ticket",
			replies: map[string][]reply{kTok: {{err: apiErr(40125, "invalid appsecret")}}},
			get:     kTick, errcode: 40125,
			calls: []string{"wxA1:access_token"},
			puts:  2,
			want: map[string]cred.Record{kTok: failed(cred.Record{}, 1, 40125, "invalid appsecret"),
				kTick: failed(cred.Record{}, 1, 40125, "invalid appsecret")},
		},
		{
			name: "a backed-off token fails its ticket without a call",
			stored: map[string]cred.Record{kTok: {LastError: "WeChat: invalid ip", LastErrCode: 40164, LastErrorAt: vNow - 5, Failures: 1, NextAttempt: vNow + 25},
				kTick: dead("jsapi0")},
			get: kTick, errcode: 40164, retryAt: vNow + 25,
			puts: 1,
		},
		{
			name:    "the same value with a later expiry keeps its first expiry: nothing to write",
			env:     classicEnv,
			stored:  map[string]cred.Record{kTok: due("t0"), kTick: fresh("j0")},
			replies: map[string][]reply{kTok: {{value: "t0"}}},
			calls:   []string{"wxA1:access_token"},
			want:    map[string]cred.Record{kTok: due("t0")},
		},
		{
			name:    "the same value with an earlier expiry: the earlier one counts",
			env:     classicEnv,
			stored:  map[string]cred.Record{kTok: due("t0"), kTick: fresh("j0")},
			replies: map[string][]reply{kTok: {{value: "t0", life: 500}}},
			calls:   []string{"wxA1:access_token"},
			puts:    1,
			want:    map[string]cred.Record{kTok: {Value: "t0", FetchedAt: vNow - 6070, ExpiresAt: vNow + 500}},
		},
		{
			name:    "the same value after a failure: the failure is cleared",
			env:     classicEnv,
			stored:  map[string]cred.Record{kTok: backoffOver(failed(due("t0"), 1, -1, "system error")), kTick: fresh("j0")},
			replies: map[string][]reply{kTok: {{value: "t0"}}},
			calls:   []string{"wxA1:access_token"},
			puts:    1,
			want: map[string]cred.Record{kTok: func() cred.Record {
				r := failed(due("t0"), 1, -1, "system error")
				r.Failures, r.NextAttempt, r.LastErrorAt = 0, 0, vNow-30
				return r
			}()},
		},
		{
			// WeChat should have issued a successor once the ticket died; the
			// same one back is no usable ticket, and must not be served.
			name:    "the same value after its death is a failure: backed off, not served",
			stored:  map[string]cred.Record{kTok: fresh("tok0"), kTick: dead("jsapi0")},
			replies: map[string][]reply{kTick: {{value: "jsapi0"}}},
			get:     kTick, errcode: core.ErrStillOld.Code, retryAt: vNow + 30,
			calls: []string{"wxA1:jsapi_ticket token=tok0"},
			puts:  1,
		},
		{
			name:    "a damaged record reads as none",
			stored:  map[string]cred.Record{kTok: fresh("tok0")},
			raw:     map[string]string{kTick: `{"value":"jsapi0","expires_at":`},
			replies: map[string][]reply{kTick: {{value: "jsapi1"}}},
			get:     kTick, value: "jsapi1",
			calls: []string{"wxA1:jsapi_ticket token=tok0"},
			puts:  1,
			want:  map[string]cred.Record{kTick: got("jsapi1", "")},
		},
		{
			name:    "a record that is not an object reads as none",
			stored:  map[string]cred.Record{kTok: fresh("tok0")},
			raw:     map[string]string{kTick: `"jsapi0"`},
			replies: map[string][]reply{kTick: {{value: "jsapi1"}}},
			get:     kTick, value: "jsapi1",
			calls: []string{"wxA1:jsapi_ticket token=tok0"},
			puts:  1,
		},
		{
			name:    "KV cannot be read: 1053, and WeChat is not called",
			failGet: true,
			get:     kTick, errcode: core.ErrStorage.Code,
		},
		{
			name:    "KV cannot be read: the cron stops",
			failGet: true,
			errcode: core.ErrStorage.Code,
		},
		{
			name:    "KV cannot be written: what was fetched is still served",
			failPut: true,
			get:     kTick, value: "jsapi_ticket-2",
			calls: []string{"wxA1:access_token", "wxA1:jsapi_ticket token=access_token-1"},
			puts:  2, // tried
		},
		{
			name:   "budget: the share of the hour spent, refused with 1054 until the next hour",
			env:    wecomEnv,
			stored: map[string]cred.Record{kWTok: fresh("wtok0"), kCorpT: {Value: "corp0", ExpiresAt: vNow - cred.ExpirySafety - 1, Hour: vNow / 3600, Fetches: 44}},
			get:    kCorpT, errcode: core.ErrBudget.Code, retryAt: hourStart + 3600,
		},
		{
			name:    "budget: one left",
			env:     wecomEnv,
			stored:  map[string]cred.Record{kWTok: fresh("wtok0"), kCorpT: {Value: "corp0", ExpiresAt: vNow - cred.ExpirySafety - 1, Hour: vNow / 3600, Fetches: 43}},
			replies: map[string][]reply{kCorpT: {{value: "corp1"}}},
			get:     kCorpT, value: "corp1",
			calls: []string{"ww01/1000002:wecom_corp_ticket token=wtok0"},
			puts:  1,
			want:  map[string]cred.Record{kCorpT: {Value: "corp1", Prev: "corp0", FetchedAt: vNow, ExpiresAt: vNow + 7200 - cred.ExpirySafety, Hour: vNow / 3600, Fetches: 44}},
		},
		{
			name:    "budget: a new hour counts from nothing",
			env:     wecomEnv,
			stored:  map[string]cred.Record{kWTok: fresh("wtok0"), kCorpT: {Value: "corp0", ExpiresAt: vNow - cred.ExpirySafety - 1, Hour: vNow/3600 - 1, Fetches: 44}},
			replies: map[string][]reply{kCorpT: {{value: "corp1"}}},
			get:     kCorpT, value: "corp1",
			calls: []string{"ww01/1000002:wecom_corp_ticket token=wtok0"},
			puts:  1,
			want:  map[string]cred.Record{kCorpT: {Value: "corp1", Prev: "corp0", FetchedAt: vNow, ExpiresAt: vNow + 7200 - cred.ExpirySafety, Hour: vNow / 3600, Fetches: 1}},
		},
		{
			name:   "budget: the last fetch of the hour refused with 40001 is not retried past the share",
			env:    wecomEnv,
			stored: map[string]cred.Record{kWTok: fresh("wtok0"), kCorpT: {Value: "corp0", ExpiresAt: vNow - cred.ExpirySafety - 1, Hour: vNow / 3600, Fetches: 43}},
			replies: map[string][]reply{kCorpT: {{err: apiErr(40014, "invalid access_token")}, {value: "corp1"}},
				kWTok: {{value: "wtok1"}}},
			get: kCorpT, errcode: core.ErrBudget.Code, retryAt: hourStart + 3600,
			calls: []string{"ww01/1000002:wecom_corp_ticket token=wtok0", "ww01/1000002:wecom_token force"},
			puts:  2,
		},
	}
	for _, code := range []int{40001, 40014, 42001} {
		tests = append(tests, tcase{
			name:   fmt.Sprintf("%d once: one forced token, one retry", code),
			stored: map[string]cred.Record{kTok: fresh("tok0"), kTick: dead("jsapi0")},
			replies: map[string][]reply{kTick: {{err: apiErr(code, "token refused")}, {value: "jsapi1"}},
				kTok: {{value: "tok1"}}},
			get: kTick, value: "jsapi1",
			calls: []string{"wxA1:jsapi_ticket token=tok0", "wxA1:access_token force", "wxA1:jsapi_ticket token=tok1"},
			puts:  2,
			want:  map[string]cred.Record{kTok: got("tok1", "tok0"), kTick: got("jsapi1", "jsapi0")},
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env == nil {
				env = vaultEnv
			}
			s := api.LoadSettings(testkit.Env(env))
			kv := &memKV{failGet: tt.failGet, failPut: tt.failPut}
			for k, r := range tt.stored {
				kv.set(k, r)
			}
			for k, raw := range tt.raw {
				kv.m[k] = raw
			}
			wc := &fakeWeChat{now: vNow, replies: tt.replies}
			var logs []string
			v := &cred.Vault{Store: kv, Fetcher: wc, Now: vNow, RefreshMargin: s.RefreshMargin,
				Log: func(l string) { logs = append(logs, l) }}
			var err *cred.RefreshError
			var rec cred.Record
			if tt.get != "" {
				k := keyNamed(t, &s, tt.get)
				rec, err = v.Get(context.Background(), k)
			} else {
				err = v.Refresh(context.Background(), s.Keys())
			}
			switch {
			case tt.errcode == 0 && err != nil:
				t.Fatalf("error %v", err.Error)
			case tt.errcode != 0 && err == nil:
				t.Fatalf("no error, record %+v; want errcode %d", rec, tt.errcode)
			case err != nil && err.Code != tt.errcode:
				t.Fatalf("errcode %d (%s), want %d", err.Code, err.Msg, tt.errcode)
			case err != nil && tt.retryAt != 0 && err.RetryAt != tt.retryAt:
				t.Errorf("RetryAt now%+d, want now%+d", err.RetryAt-vNow, tt.retryAt-vNow)
			case err != nil && err.Status != 503:
				t.Errorf("status %d", err.Status)
			}
			if tt.get != "" && err == nil && (rec.Value != tt.value || !rec.Usable(vNow)) {
				t.Errorf("Get = %+v, want %q, usable", rec, tt.value)
			}
			if !reflect.DeepEqual(wc.calls, tt.calls) {
				t.Errorf("WeChat calls %q, want %q", wc.calls, tt.calls)
			}
			if kv.puts != tt.puts {
				t.Errorf("%d KV writes, want %d", kv.puts, tt.puts)
			}
			if !tt.failPut && v.Wrote != kv.puts || tt.failPut && v.Wrote != 0 {
				t.Errorf("Wrote = %d, %d KV writes", v.Wrote, kv.puts)
			}
			for k, want := range tt.want {
				// What the alerts keep is TestVaultAlerts' to check.
				r := cred.ParseRecord(kv.m[k])
				r.Alerted, r.AlertAt, r.AlertOK, r.AlertLost = 0, 0, 0, 0
				if r != want {
					t.Errorf("%s stored\n %+v, want\n %+v", k, r, want)
				}
			}
			if kv.gets > len(s.Keys()) {
				t.Errorf("%d KV reads in one pass over %d keys", kv.gets, len(s.Keys()))
			}
			for _, l := range logs {
				for _, secret := range []string{"secretA1", "secret2", "tok0", "tok1", "jsapi0", "jsapi1", "corp1", "wtok"} {
					if strings.Contains(l, secret) {
						t.Errorf("log line %q reveals %q", l, secret)
					}
				}
			}
		})
	}
}

func keyNamed(t *testing.T, s *api.Settings, name string) *cred.Key {
	t.Helper()
	for _, k := range s.Keys() {
		if k.String() == name {
			return k
		}
	}
	t.Fatalf("no key %s", name)
	return nil
}

// TestVaultBudget runs passes that each must fetch (every value comes
// dead) and holds the vault to each key's share: the
// (PerHour+1)th fetch in an hour is refused until the next hour.
func TestVaultBudget(t *testing.T) {
	s := api.LoadSettings(testkit.Env(wecomEnv))
	kv := &memKV{}
	wc := &fakeWeChat{life: -cred.ExpirySafety - 1}
	corpT := keyNamed(t, &s, kCorpT)
	per := corpT.PerHour
	if per == 0 {
		t.Fatal("no budget")
	}
	count := func(calls []string, name string) int {
		n := 0
		for _, c := range calls {
			if strings.HasPrefix(c, name+" ") {
				n++
			}
		}
		return n
	}
	var refusals []int64
	var firstHour []string
	for now := int64(hourStart); now < hourStart+3600+10; now++ {
		if now == hourStart+3600 {
			firstHour = append([]string(nil), wc.calls...)
		}
		wc.now = now
		v := &cred.Vault{Store: kv, Fetcher: wc, Now: now, RefreshMargin: 7200}
		if err := v.Refresh(context.Background(), s.Keys()); err != nil {
			if err.Code != core.ErrBudget.Code || err.RetryAt != hourStart+3600 {
				t.Fatalf("at +%d: %v (RetryAt +%d)", now-hourStart, err.Error, err.RetryAt-hourStart)
			}
			refusals = append(refusals, now)
		}
	}
	for _, name := range []string{"ww01/1000002:wecom_corp_ticket", "ww01/1000002:wecom_agent_ticket"} {
		if n, m := count(firstHour, name), count(wc.calls, name)-count(firstHour, name); n != per || m != 10 {
			t.Errorf("%s fetched %d times in the first hour and %d in the next 10 s, want %d and 10", name, n, m, per)
		}
	}
	if len(refusals) != 3600-per || refusals[0] != hourStart+int64(per) {
		t.Fatalf("%d passes refused, from +%d; want %d from +%d", len(refusals), refusals[0]-hourStart, 3600-per, per)
	}
	if r := cred.ParseRecord(kv.m[kCorpT]); r.Hour != (hourStart+3600)/3600 || r.Fetches != 10 {
		t.Errorf("corp ticket record counts %d in hour %d", r.Fetches, r.Hour)
	}
}

func TestDescribe(t *testing.T) {
	const ip40164 = "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6743a1b2-0c0ffee0-1d2e3f40"
	const ip60020 = "not allow to access from your ip, hint: [1700000000_wxsign_standin], from ip: 198.51.100.20, more info at https://open.work.weixin.qq.com/devtool/query?e=60020"
	tests := []struct {
		name string
		err  error
		code int
		has  []string // the message has each
		not  []string // and none of these
	}{
		{"40164 names the IP WeChat saw", apiErr(40164, ip40164), 40164,
			[]string{"WeChat: " + ip40164, "WeChat saw the IP 203.0.113.7", "add it to the whitelist", "relay"}, []string{"(not given)"}},
		{"60020 names the IP WeCom saw", apiErr(60020, ip60020), 60020,
			[]string{"WeCom saw the IP 198.51.100.20", "trusted IPs", "relay"}, nil},
		{"89503 asks for the admin", apiErr(89503, "the ip 192.0.2.44 call requires admin confirmation rid: 1-2-3"), 89503,
			[]string{"admin must confirm calls from IP 192.0.2.44", "add it to the whitelist", "relay"}, nil},
		{"40164 without an IP", apiErr(40164, "invalid ip, not in whitelist"), 40164, []string{"(not given)", "whitelist"}, nil},
		{"an IP-like version is no IP", apiErr(40164, "invalid ip 1.2.3 or 1.2.3.4.5, rid 10.0.0.1"), 40164, []string{"IP 10.0.0.1"}, nil},
		{"other refusals get no hint", apiErr(-1, "system error"), -1, []string{"WeChat: system error"}, []string{"relay", "whitelist", " — "}},
		{"a wrapped refusal", fmt.Errorf("fetching: %w", apiErr(45009, "reach max api daily quota limit")), 45009,
			[]string{"WeChat: reach max api daily quota limit"}, nil},
		{"transport error", errors.New("wechat getticket: HTTP 502: unexpected HTTP status"), core.ErrUpstream.Code,
			[]string{"WeChat could not be reached", "HTTP 502"}, nil},
		{"deadline", fmt.Errorf("wechat stable_token: %w", context.DeadlineExceeded), core.ErrUpstream.Code,
			[]string{"WeChat did not answer in time"}, []string{"deadline"}},
		{"wxsign's own error passes", core.ErrBudget, core.ErrBudget.Code, []string{core.ErrBudget.Msg}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := cred.Describe(tt.err)
			if e.Code != tt.code || e.Status != 503 {
				t.Errorf("Describe = %d/%d %q, want errcode %d, 503", e.Code, e.Status, e.Msg, tt.code)
			}
			for _, s := range tt.has {
				if !strings.Contains(e.Msg, s) {
					t.Errorf("%q lacks %q", e.Msg, s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(e.Msg, s) {
					t.Errorf("%q has %q", e.Msg, s)
				}
			}
		})
	}
	for _, code := range []int{-1, 40001, 40013, 40125, 45009, 61004} {
		if h := cred.Hint(code, "invalid ip 203.0.113.7"); h != "" {
			t.Errorf("Hint(%d) = %q", code, h)
		}
	}
}

func TestParseRecord(t *testing.T) {
	r := cred.Record{Value: "v", ExpiresAt: 2, FetchedAt: 1, Prev: "p", LastError: "e", LastErrCode: -1, LastErrorAt: 3,
		Failures: 4, NextAttempt: 5, Hour: 6, Fetches: 7}
	b, _ := json.Marshal(r)
	for _, tt := range []struct {
		raw  string
		want cred.Record
	}{
		{string(b), r},
		{`{"value":"v","expires_at":2,"fetched_at":1}`, cred.Record{Value: "v", ExpiresAt: 2, FetchedAt: 1}},
		{"", cred.Record{}},
		{"<null>", cred.Record{}},
		{`{"value":`, cred.Record{}},
		{`{"value":1}`, cred.Record{}},
		{`[]`, cred.Record{}},
	} {
		if got := cred.ParseRecord(tt.raw); got != tt.want {
			t.Errorf("ParseRecord(%q) = %+v, want %+v", tt.raw, got, tt.want)
		}
	}
}

// TestVaultMemory runs the coordinator's passes, with Mem beside KV, over
// hours of refusals: the back-off lives in memory, KV is written only when
// the error changes, and Wake names the next pass.
func TestVaultMemory(t *testing.T) {
	s := api.LoadSettings(testkit.Env(vaultEnv))
	kv, mem := &memKV{}, &memKV{}
	wc := &fakeWeChat{}
	tok := keyNamed(t, &s, kTok)
	refuse := func(n int, code int) []reply {
		var r []reply
		for range n {
			r = append(r, reply{err: apiErr(code, "refused")})
		}
		return r
	}
	// Ten refusals of 40164, five of -1, then WeChat answers: until the
	// ticket is had, a pass a minute.
	wc.replies = map[string][]reply{kTok: append(refuse(10, 40164), refuse(5, -1)...)}
	passes := 0
	for now := int64(vNow); cred.ParseRecord(kv.m[kTick]).Value == ""; now += 60 {
		if now > vNow+6*3600 {
			t.Fatalf("no ticket after 6 hours: %d calls", len(wc.calls))
		}
		wc.now = now
		v := &cred.Vault{Store: kv, Mem: mem, Fetcher: wc, Now: now, RefreshMargin: s.RefreshMargin}
		v.Refresh(context.Background(), s.Keys())
		passes++
		if w := v.Wake(context.Background(), s.Keys()); w <= now {
			t.Fatalf("at +%d s: Wake %d is not in the future", now-vNow, w)
		}
	}
	if kv.puts != 2+2+2 {
		t.Errorf("%d KV writes, want 6: token and ticket at each of two errors, then each value once", kv.puts)
	}
	if n := len(wc.calls); n != 17 {
		t.Errorf("%d WeChat calls in %d passes, want 17: 15 refusals, one per back-off step, then token and ticket", n, passes)
	}
	if r := cred.ParseRecord(mem.m[tok.String()]); r.Failures != 0 || r.Value == "" {
		t.Errorf("memory holds %+v after the recovery", r)
	}
	// The sticky ticket is due the second after it dies.
	now := wc.now + 60
	v := &cred.Vault{Store: kv, Mem: mem, Fetcher: wc, Now: now, RefreshMargin: s.RefreshMargin}
	tick := cred.ParseRecord(kv.m[kTick])
	tokr := cred.ParseRecord(kv.m[kTok])
	want := min(tick.Dies()+1, tokr.ExpiresAt-tok.Margin(s.RefreshMargin))
	if w := v.Wake(context.Background(), s.Keys()); w != want {
		t.Errorf("Wake = now%+d, want now%+d", w-now, want-now)
	}
}

// TestVaultStillOldAgain: every ask between a sticky value's expiry here
// and its death at WeChat gets 1055 with the same Retry-After, the second
// too (the coordinator remembers the wait in memory), and none calls
// WeChat.
func TestVaultStillOldAgain(t *testing.T) {
	s := api.LoadSettings(testkit.Env(vaultEnv))
	kv, mem := &memKV{}, &memKV{}
	tick := expired("jsapi0")
	kv.m = map[string]string{kTok: string(ptr(fresh("tok0")).AppendJSON(nil)), kTick: string(tick.AppendJSON(nil))}
	wc := &fakeWeChat{now: vNow}
	k := keyNamed(t, &s, kTick)
	for i := range 3 {
		v := &cred.Vault{Store: kv, Mem: mem, Fetcher: wc, Now: vNow + int64(i), RefreshMargin: s.RefreshMargin}
		_, err := v.Get(context.Background(), k)
		if err == nil || err.Code != core.ErrStillOld.Code || err.RetryAt != tick.Dies()+1 {
			t.Fatalf("ask %d in the gap: %+v", i+1, err)
		}
	}
	if len(wc.calls) != 0 || kv.puts != 0 {
		t.Errorf("asks in the gap made calls %q, %d KV writes", wc.calls, kv.puts)
	}
}

func ptr[T any](v T) *T { return &v }
