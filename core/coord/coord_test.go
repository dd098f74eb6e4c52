package coord_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/core/wechat/wire"
	"github.com/wxsign/wxsign/internal/fakes"
	"github.com/wxsign/wxsign/wechattest"
)

const (
	appID  = "wxcoord000000001"
	secret = "coord-secret-0123456789"
	start  = 1_800_000_000
)

// fixture is one coordinator: KV, its storage, and the stand-in.
type fixture struct {
	settings api.Settings
	wc       *wechattest.Server
	kv, mem  *fakes.MemStore
	host     *coord.Host
	now      int64
	logs     []string
}

func newFixture(t *testing.T, env map[string]string) *fixture {
	t.Helper()
	vars := map[string]string{"WECHAT_APPID": appID, "WECHAT_APPSECRET": secret, "WECHAT_API_BASE": "http://wechat.test"}
	for k, v := range env {
		vars[k] = v
	}
	f := &fixture{wc: wechattest.New(appID, secret), kv: &fakes.MemStore{}, mem: &fakes.MemStore{}, now: start}
	f.settings = api.LoadSettings(func(k string) string { return vars[k] })
	f.wc.SetClock(func() time.Time { return time.Unix(f.now, 0) })
	client := &wechat.Client{BaseURL: f.settings.APIBase, Doer: f.wc.Doer(), Timeout: 300 * time.Millisecond}
	f.host = &coord.Host{Store: f.kv, Mem: f.mem, Send: client.Send, Log: func(l string) { f.logs = append(f.logs, l) }}
	return f
}

func (f *fixture) run(target string) *coord.Answer {
	return coord.Run(context.Background(), &f.settings, f.now, target, f.host)
}

func header(a *coord.Answer, name string) string {
	for _, h := range a.Headers() {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

var ticketKey = "wxsign:" + appID + ":jsapi_ticket"

// TestRun: a pass answers each path as the coordinator must, and its
// answer says when to wake.
func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		target     string
		status     int
		code       int    // errcode of a refusal
		calls      int    // WeChat calls made
		wake       bool   // the answer carries a WakeHeader
		bodyPrefix string // of a 200
	}{
		{"a cold ticket: token, then ticket", nil, cred.CredentialPath + "?key=" + ticketKey, 200, 0, 2, true, `{"value":"`},
		{"the refresh pass buys what is due", nil, cred.RefreshAsk(appID), 200, 0, 2, true, `{"errcode":0`},
		{"an unknown key", nil, cred.CredentialPath + "?key=wxsign:wxother:jsapi_ticket", 404, core.ErrNotFound.Code, 0, false, ""},
		{"a key given twice", nil, cred.CredentialPath + "?key=" + ticketKey + "&key=" + ticketKey, 404, core.ErrNotFound.Code, 0, false, ""},
		{"an unknown owner", nil, cred.RefreshAsk("wxother"), 404, core.ErrNotFound.Code, 0, false, ""},
		{"an unknown path", nil, "/__wxsign/else", 404, core.ErrNotFound.Code, 0, false, ""},
		{"settings with a problem", map[string]string{"WECHAT_APPSECRET": ""}, cred.RefreshAsk(appID), 503, 1050, 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.env)
			a := f.run(tt.target)
			if a.Status != tt.status {
				t.Fatalf("%d %s, want %d", a.Status, a.Body, tt.status)
			}
			if tt.status == 200 && !strings.HasPrefix(string(a.Body), tt.bodyPrefix) {
				t.Errorf("body %s, want it to start %s", a.Body, tt.bodyPrefix)
			}
			if tt.status != 200 {
				var e struct{ code int64 }
				if err := core.DecodeFields(string(a.Body), core.JSONField{Key: "errcode", Int: &e.code}); err != nil || int(e.code) != tt.code {
					t.Errorf("body %s, want errcode %d", a.Body, tt.code)
				}
			}
			if n := f.wc.Stats().Calls(); n != tt.calls {
				t.Errorf("%d WeChat calls, want %d", n, tt.calls)
			}
			if w := header(a, cred.WakeHeader); (w != "") != tt.wake || tt.wake && !strings.HasSuffix(w, " "+cred.RefreshAsk(appID)) {
				t.Errorf("%s %q", cred.WakeHeader, w)
			}
		})
	}
}

// TestRunKeepsKV: what a pass writes is what KV must hold, and a second
// ask is answered from the coordinator's storage without WeChat.
func TestRunKeepsKV(t *testing.T) {
	f := newFixture(t, nil)
	a := f.run(cred.CredentialPath + "?key=" + ticketKey)
	stored, ok, _ := f.kv.Get(context.Background(), ticketKey)
	if a.Status != 200 || !ok || stored != string(a.Body) {
		t.Fatalf("answered %d %s, KV holds %q", a.Status, a.Body, stored)
	}
	if r := cred.ParseRecord(stored); r.Value != f.wc.Ticket() {
		t.Fatalf("record %+v, the stand-in issued %s", r, f.wc.Ticket())
	}
	f.now += 60
	if b := f.run(cred.CredentialPath + "?key=" + ticketKey); b.Status != 200 || string(b.Body) != string(a.Body) || f.wc.Stats().Calls() != 2 {
		t.Fatalf("second ask: %d %s after %d calls", b.Status, b.Body, f.wc.Stats().Calls())
	}
	for _, l := range f.logs {
		if strings.Contains(l, secret) || strings.Contains(l, f.wc.Ticket()) || strings.Contains(l, f.wc.AccessToken()) {
			t.Errorf("a log line with a secret: %q", l)
		}
	}
}

// TestStepTimeout: a call the host says timed out is WeChat not
// answering in time, and backs off.
func TestStepTimeout(t *testing.T) {
	f := newFixture(t, nil)
	f.host.Send = func(context.Context, *wire.Request) (wire.Answer, error) {
		return wire.Answer{}, context.DeadlineExceeded
	}
	a := f.run(cred.CredentialPath + "?key=" + ticketKey)
	if a.Status != 503 || !strings.Contains(string(a.Body), "did not answer in time") || a.RetryAfter <= 0 {
		t.Fatalf("%d %s, Retry-After %d", a.Status, a.Body, a.RetryAfter)
	}
}

// TestStepCalls: each call a pass asks for is the request the WeChat
// client sends, with its budget.
func TestStepCalls(t *testing.T) {
	f := newFixture(t, nil)
	s := f.settings
	p, op := coord.Start(&s, f.now, cred.CredentialPath+"?key="+ticketKey, true)
	var calls []string
	for op.Kind != coord.OpDone {
		var r coord.Result
		switch op.Kind {
		case coord.OpMemGet, coord.OpKVGet: // nothing held
		case coord.OpCall:
			if op.Budget != coord.ColdPathTimeout.Milliseconds() {
				t.Errorf("budget %d ms", op.Budget)
			}
			calls = append(calls, op.Call.Method+" "+strings.SplitN(op.Call.URL, "?", 2)[0])
			r.Answer, r.Err = f.host.Send(context.Background(), op.Call)
		}
		op = p.Step(r)
	}
	want := []string{"POST http://wechat.test/cgi-bin/stable_token", "GET http://wechat.test/cgi-bin/ticket/getticket"}
	if strings.Join(calls, "; ") != strings.Join(want, "; ") || op.Answer.Status != 200 {
		t.Fatalf("calls %q, answer %d %s", calls, op.Answer.Status, op.Answer.Body)
	}
}

// TestPassesAreIndependent: passes stepped in turn, and one left
// unfinished, do not disturb each other.
func TestPassesAreIndependent(t *testing.T) {
	f := newFixture(t, nil)
	s := f.settings
	coord.Start(&s, f.now, cred.CredentialPath+"?key="+ticketKey, true) // never stepped again
	var wg sync.WaitGroup
	answers := make([]*coord.Answer, 4)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = coord.Run(context.Background(), &s, f.now, cred.RefreshAsk(appID), &coord.Host{
				Store: &fakes.MemStore{}, Mem: &fakes.MemStore{},
				Send: func(ctx context.Context, r *wire.Request) (wire.Answer, error) { return f.host.Send(ctx, r) }})
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a.Status != 200 {
			t.Errorf("pass %d: %d %s", i, a.Status, a.Body)
		}
	}
}

// buggy is an error whose Error panics, as a bug in the host would make
// the policy panic.
type buggy struct{}

func (buggy) Error() string { panic("a bug, with " + secret) }

// TestPanicInPass: a pass whose policy panics answers a JSON 500 without
// internals, and ends; the panic never reaches the host.
func TestPanicInPass(t *testing.T) {
	f := newFixture(t, nil)
	s := f.settings
	p, op := coord.Start(&s, f.now, cred.RefreshAsk(appID), true)
	for op.Kind != coord.OpDone {
		op = p.Step(coord.Result{Err: buggy{}})
	}
	a := op.Answer
	if a.Status != 500 || !strings.Contains(string(a.Body), `"errcode":`+strconv.Itoa(core.ErrInternal.Code)) || strings.Contains(string(a.Body), secret) {
		t.Fatalf("answer %d %s", a.Status, a.Body)
	}
}

// TestCallTime: a value's life counts from when its answer came, not from
// the pass's start: a ticket bought after a slow token lives from its own
// call, and its death, when the alarm fetches its successor, is WeChat's.
func TestCallTime(t *testing.T) {
	f := newFixture(t, nil)
	s := f.settings
	p, op := coord.Start(&s, f.now, cred.CredentialPath+"?key="+ticketKey, true)
	at := f.now
	for op.Kind != coord.OpDone {
		var r coord.Result
		if op.Kind == coord.OpCall {
			at += 2 // each answer comes two seconds later
			f.now = at
			r.Answer, r.Err = f.host.Send(context.Background(), op.Call)
			r.At = at
		}
		op = p.Step(r)
	}
	rec := cred.ParseRecord(string(op.Answer.Body))
	if op.Answer.Status != 200 || rec.FetchedAt != start+4 || rec.ExpiresAt != start+4+7200-cred.ExpirySafety {
		t.Fatalf("%d %s, want the ticket fetched at +4", op.Answer.Status, op.Answer.Body)
	}
}
