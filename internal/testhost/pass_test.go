package testhost_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/internal/fakes"
	"github.com/wxsign/wxsign/internal/testhost"
	"github.com/wxsign/wxsign/wechattest"
)

// coordinator is one coordinator's world: KV, its storage, the stand-in.
type coordinator struct {
	wc      *wechattest.Server
	kv, mem *fakes.MemStore
	host    *coord.Host
}

func newCoordinator(env map[string]string, now func() time.Time) *coordinator {
	settings := api.LoadSettings(func(k string) string { return env[k] })
	c := &coordinator{wc: wechattest.New(appA, secretA), kv: &fakes.MemStore{}, mem: &fakes.MemStore{}}
	c.wc.AddApp(appB, secretB)
	c.wc.AddCorp(corp, map[string]string{"1000002": secret2, "1000003": secret3})
	c.wc.SetClock(now)
	client := &wechat.Client{BaseURL: settings.APIBase, WeComBaseURL: settings.WeComAPIBase, RelayKey: settings.RelayKey,
		Doer: relayDoer{c.wc.Doer()}, Timeout: 300 * time.Millisecond}
	c.host = &coord.Host{Store: c.kv, Mem: c.mem, Send: client.Send}
	return c
}

// outcome is what a pass did, without the values WeChat made up.
func (c *coordinator) outcome(t *testing.T, r testhost.Result) string {
	t.Helper()
	var names []string
	for _, h := range r.Header {
		names = append(names, h.Name)
	}
	return strings.Join(names, ",") + " | KV " + strings.Join(c.kv.Keys(), ",") + " | " + strconv.Itoa(c.wc.Stats().Calls()) + " calls"
}

var passTargets = []string{
	cred.CredentialPath + "?key=" + url.QueryEscape("wxsign:"+appA+":jsapi_ticket"),
	cred.CredentialPath + "?key=wxsign:" + appB + ":access_token",
	cred.CredentialPath + "?key=" + url.QueryEscape("wxsign:"+corp+"/1000003:wecom_agent_ticket"),
	cred.RefreshAsk(appA),
	cred.RefreshAsk(corp),
	cred.CredentialPath + "?key=wxsign:wxnobody:jsapi_ticket",
}

// TestPassInModule: a coordinator pass in the module (wxs_pass, the
// Worker's entry doing its I/O) does what the same step function run
// natively (coord.Run) does: the same answer, KV written alike, the same
// WeChat calls; and its records are WeChat's.
func TestPassInModule(t *testing.T) {
	s, err := testhost.New(context.Background(), wasmBytes, &testhost.Options{Cache: testCache, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	env := workerEnv()
	settings := api.LoadSettings(func(k string) string { return env[k] })
	now := int64(1_800_000_000)
	clock := func() time.Time { return time.Unix(now, 0) }
	for _, target := range passTargets {
		t.Run(target, func(t *testing.T) {
			native, module := newCoordinator(env, clock), newCoordinator(env, clock)
			want := coord.Run(context.Background(), &settings, now, target, native.host)
			got, err := s.Pass(context.Background(), env, target, now, module.host)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != want.Status {
				t.Fatalf("module %d %s, native %d %s", got.Status, got.Body, want.Status, want.Body)
			}
			w := testhost.Result{Status: want.Status, Header: want.Headers(), Body: want.Body}
			if g, n := module.outcome(t, got), native.outcome(t, w); g != n {
				t.Errorf("module: %s\nnative: %s", g, n)
			}
			if got.Status == 200 && strings.HasPrefix(target, cred.CredentialPath) {
				if r := cred.ParseRecord(string(got.Body)); r.Value == "" || r.ExpiresAt <= now {
					t.Errorf("record %s", got.Body)
				}
			}
		})
	}
}

// TestPassesInterleave: passes of several coordinators in one instance,
// stepped in turn as their I/O completes, each get their own answer.
func TestPassesInterleave(t *testing.T) {
	s, err := testhost.New(context.Background(), wasmBytes, &testhost.Options{Cache: testCache, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	env := workerEnv()
	now := int64(1_800_000_000)
	clock := func() time.Time { return time.Unix(now, 0) }
	var hosts []*coord.Host
	var coords []*coordinator
	for range passTargets {
		c := newCoordinator(env, clock)
		coords = append(coords, c)
		hosts = append(hosts, c.host)
	}
	answers, err := s.PassesInTurn(context.Background(), env, passTargets, now, hosts)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range answers {
		c := coords[i]
		target := passTargets[i]
		switch {
		case strings.Contains(target, "wxnobody"):
			if a.Status != 404 {
				t.Errorf("%s: %d %s", target, a.Status, a.Body)
			}
		case strings.HasPrefix(target, cred.RefreshPath):
			if a.Status != 200 || a.Get(cred.WakeHeader) == "" {
				t.Errorf("%s: %d %s", target, a.Status, a.Body)
			}
		default:
			key, _ := url.QueryUnescape(strings.TrimPrefix(target, cred.CredentialPath+"?key="))
			stored, _, _ := c.kv.Get(context.Background(), key)
			if a.Status != 200 || stored != string(a.Body) {
				t.Errorf("%s: %d %s; its KV holds %s", target, a.Status, a.Body, stored)
			}
		}
	}
}

// TestCron: the cron wakes only the coordinators with a key missing, due
// or unreadable, reading each key from KV at most once a minute.
func TestCron(t *testing.T) {
	w := newWorker(t, nil)
	ctx := context.Background()
	all := []string{appA, appB, corp}
	cron := func() []string {
		t.Helper()
		owners, err := w.s.Cron(ctx, w.env, w.clock().Unix(), w)
		if err != nil {
			t.Fatal(err)
		}
		return owners
	}
	if got := cron(); !slices.Equal(got, all) {
		t.Fatalf("KV empty: wakes %q, want %q", got, all)
	}
	if err := w.svc.Cron(ctx); err != nil { // every coordinator's pass, natively
		t.Fatal(err)
	}
	w.advance(api.RecordTTL * time.Second)
	reads, _ := w.counts()
	if got := cron(); len(got) != 0 {
		t.Fatalf("everything fresh: wakes %q", got)
	}
	if r, _ := w.counts(); r-reads != 12 {
		t.Errorf("%d KV reads, want one per key (12)", r-reads)
	}
	if got := cron(); len(got) != 0 {
		t.Fatalf("again in the same minute: wakes %q", got)
	}
	if r, _ := w.counts(); r-reads != 12 {
		t.Errorf("read again within the minute: %d reads", r-reads-12)
	}
	w.advance((7200 - 300) * time.Second) // the stable tokens' margin is 300 s
	if got := cron(); !slices.Contains(got, appA) || !slices.Contains(got, appB) {
		t.Fatalf("tokens due: wakes %q", got)
	}
	w.mu.Lock()
	w.failReads = true
	w.mu.Unlock()
	w.advance(api.RecordTTL * time.Second)
	if got := cron(); !slices.Equal(got, all) {
		t.Fatalf("KV unreadable: wakes %q, want %q", got, all)
	}
}
