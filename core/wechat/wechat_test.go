package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/wechattest"
)

const (
	appID  = "wxtest0123456789a"
	secret = "test-secret-abcdef0123456789"
)

var clock = time.Unix(1_700_000_000, 0)

// newClient returns a client talking in-process to a fresh stand-in, so the
// suite also runs where there are no sockets (GOOS=wasip1).
func newClient(mode string) (*wechat.Client, *wechattest.Server) {
	s := wechattest.New(appID, secret)
	s.SetClock(func() time.Time { return clock })
	return &wechat.Client{BaseURL: "http://wechat.test", AppID: appID, Secret: secret, Mode: mode,
		Doer: s.Doer(), Timeout: 2 * time.Second, Now: func() time.Time { return clock }}, s
}

func TestToken(t *testing.T) {
	for _, mode := range []string{wechat.ModeStable, "", wechat.ModeClassic} {
		t.Run("mode="+mode, func(t *testing.T) {
			c, s := newClient(mode)
			rec, err := c.Token(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			want := core.Record{Value: s.AccessToken(), FetchedAt: clock.Unix(), ExpiresAt: clock.Unix() + 7200 - wechat.ExpirySafety}
			if rec != want || rec.Value == "" {
				t.Fatalf("Token = %+v, want %+v", rec, want)
			}
			st := s.Stats()
			if mode == wechat.ModeClassic && (st.Token != 1 || st.StableToken != 0) ||
				mode != wechat.ModeClassic && (st.Token != 0 || st.StableToken != 1) {
				t.Fatalf("calls %+v for mode %q", st, mode)
			}
		})
	}
}

func TestStableTokenReuse(t *testing.T) {
	c, _ := newClient(wechat.ModeStable)
	ctx := context.Background()
	a, _ := c.Token(ctx, false)
	b, _ := c.Token(ctx, false)
	if a.Value != b.Value {
		t.Fatalf("stable token changed without force: %q then %q", a.Value, b.Value)
	}
	f, err := c.Token(ctx, true)
	if err != nil || f.Value == a.Value {
		t.Fatalf("force_refresh kept the token: %q, %v", f.Value, err)
	}
}

func TestTicket(t *testing.T) {
	c, s := newClient(wechat.ModeStable)
	tok, _ := c.Token(context.Background(), false)
	rec, err := c.JSAPITicket(context.Background(), tok.Value)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Value != s.Ticket() || rec.ExpiresAt != clock.Unix()+7200-wechat.ExpirySafety {
		t.Fatalf("JSAPITicket = %+v, stand-in ticket %q", rec, s.Ticket())
	}
}

// source is a TokenSource over a client that counts what it is asked.
type source struct {
	c      *wechat.Client
	calls  []bool // the force argument of each call
	revoke func()
}

func (s *source) Token(ctx context.Context, force bool) (string, error) {
	s.calls = append(s.calls, force)
	rec, err := s.c.Token(ctx, force)
	return rec.Value, err
}

func TestTicketRetriesOnceOnInvalidToken(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*wechattest.Server)
		wantErr   int // WeChat errcode, 0 for success
		calls     []bool
		ticketHit int
	}{
		{"no fault", func(*wechattest.Server) {}, 0, []bool{false}, 1},
		{"revoked once: one forced refresh, one retry", func(s *wechattest.Server) {
			s.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.Revoked, Count: 1})
		}, 0, []bool{false, true}, 2},
		{"revoked twice: reported, not retried again", func(s *wechattest.Server) {
			s.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.Revoked, Count: 2})
		}, 40001, []bool{false, true}, 2},
		{"token really revoked at WeChat", func(s *wechattest.Server) { s.Revoke() }, 0, []bool{false, true}, 2},
		{"quota: not retried", func(s *wechattest.Server) {
			s.SetFault(wechattest.Fault{Endpoint: "ticket", Kind: wechattest.Quota})
		}, 45009, []bool{false}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := newClient(wechat.ModeStable)
			src := &source{c: c}
			src.Token(context.Background(), false) // a token exists before the fault
			src.calls = nil
			tt.setup(s)
			if tt.name == "token really revoked at WeChat" {
				// The source still holds the revoked token for its first call.
				tok := s.AccessToken()
				s.Revoke()
				first := true
				rec, err := c.Ticket(context.Background(), tokenFunc(func(ctx context.Context, force bool) (string, error) {
					src.calls = append(src.calls, force)
					if first && !force {
						first = false
						return tok, nil
					}
					r, err := c.Token(ctx, force)
					return r.Value, err
				}))
				if err != nil || rec.Value != s.Ticket() {
					t.Fatalf("Ticket = %+v, %v", rec, err)
				}
			} else {
				rec, err := c.Ticket(context.Background(), src)
				var api *wechat.APIError
				switch {
				case tt.wantErr == 0 && (err != nil || rec.Value != s.Ticket()):
					t.Fatalf("Ticket = %+v, %v; want the stand-in's ticket", rec, err)
				case tt.wantErr != 0 && (!errors.As(err, &api) || api.Code != tt.wantErr):
					t.Fatalf("Ticket error %v, want errcode %d", err, tt.wantErr)
				}
			}
			if got := s.Stats().Ticket; got != tt.ticketHit {
				t.Fatalf("%d ticket calls, want %d", got, tt.ticketHit)
			}
			if !equal(src.calls, tt.calls) {
				t.Fatalf("token calls (force) %v, want %v", src.calls, tt.calls)
			}
		})
	}
}

type tokenFunc func(ctx context.Context, force bool) (string, error)

func (f tokenFunc) Token(ctx context.Context, force bool) (string, error) { return f(ctx, force) }

func equal(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestErrors(t *testing.T) {
	tests := []struct {
		kind      string
		code      int // APIError code; 0 for a TransportError
		status    int // TransportError HTTP status
		tokenInv  bool
		config    bool
		quota     bool
		delay     int
		timeout   bool
		errSubstr string
	}{
		{kind: wechattest.Busy, code: -1},
		{kind: wechattest.Revoked, code: 40001, tokenInv: true},
		{kind: wechattest.Quota, code: 45009, quota: true},
		{kind: wechattest.IP, code: 40164, config: true, errSubstr: "not in whitelist"},
		{kind: wechattest.BadSecret, code: 40125, config: true},
		{kind: wechattest.BadAppID, code: 40013, config: true},
		{kind: wechattest.HTTP500, status: 500},
		{kind: wechattest.NonJSON, status: 200, errSubstr: "not JSON"},
		{kind: wechattest.Slow, delay: 3000, timeout: true},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			c, s := newClient(wechat.ModeStable)
			c.Timeout = 200 * time.Millisecond
			s.SetFault(wechattest.Fault{Endpoint: "all", Kind: tt.kind, DelayMS: tt.delay})
			_, err := c.Token(context.Background(), false)
			if err == nil {
				t.Fatal("no error")
			}
			var api *wechat.APIError
			var tr *wechat.TransportError
			switch {
			case tt.code != 0:
				if !errors.As(err, &api) || api.Code != tt.code || api.Msg == "" {
					t.Fatalf("error %v, want APIError %d", err, tt.code)
				}
			case tt.timeout:
				if !errors.As(err, &tr) || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("error %v, want a timeout", err)
				}
			default:
				if !errors.As(err, &tr) || tr.Status != tt.status {
					t.Fatalf("error %v, want TransportError with HTTP %d", err, tt.status)
				}
			}
			if wechat.IsTokenInvalid(err) != tt.tokenInv || wechat.IsConfig(err) != tt.config || wechat.IsQuota(err) != tt.quota {
				t.Fatalf("classification of %v wrong", err)
			}
			if !strings.Contains(err.Error(), tt.errSubstr) {
				t.Fatalf("error %q lacks %q", err, tt.errSubstr)
			}
			for _, secretText := range []string{secret, "ACCESS_TOKEN_"} {
				if strings.Contains(err.Error(), secretText) {
					t.Fatalf("error %q reveals %q", err, secretText)
				}
			}
		})
	}
}

// failingDoer quotes the request URL in its error, as net/http's does.
type failingDoer struct{}

func (failingDoer) Do(r *http.Request) (*http.Response, error) {
	return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: errors.New("connection refused")}
}

func TestTransportErrorHidesSecrets(t *testing.T) {
	c := &wechat.Client{BaseURL: "http://wechat.test", AppID: appID, Secret: secret, Mode: wechat.ModeClassic, Doer: failingDoer{}}
	_, err := c.Token(context.Background(), false)
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v", err)
	}
	_, err = c.JSAPITicket(context.Background(), "ACCESS_TOKEN_SECRET_VALUE")
	if err == nil || strings.Contains(err.Error(), "ACCESS_TOKEN_SECRET_VALUE") {
		t.Fatalf("error %v", err)
	}
}

func TestMissingToken(t *testing.T) {
	c, _ := newClient(wechat.ModeStable)
	_, err := c.JSAPITicket(context.Background(), "")
	var api *wechat.APIError
	if !errors.As(err, &api) || api.Code != 41001 {
		t.Fatalf("error %v, want 41001", err)
	}
	_, err = c.JSAPITicket(context.Background(), "unknown-token")
	if !wechat.IsTokenInvalid(err) {
		t.Fatalf("error %v, want 40001", err)
	}
}

func TestWrongCredentials(t *testing.T) {
	for _, mode := range []string{wechat.ModeStable, wechat.ModeClassic} {
		c, _ := newClient(mode)
		c.Secret = "wrong"
		if _, err := c.Token(context.Background(), false); !wechat.IsConfig(err) || strings.Contains(err.Error(), "wrong") {
			t.Fatalf("%s, wrong secret: %v", mode, err)
		}
		c.Secret, c.AppID = secret, "wxother"
		var api *wechat.APIError
		if _, err := c.Token(context.Background(), false); !errors.As(err, &api) || api.Code != 40013 {
			t.Fatalf("%s, wrong appid: %v", mode, err)
		}
	}
}

func TestExpiredToken(t *testing.T) {
	c, s := newClient(wechat.ModeStable)
	tok, _ := c.Token(context.Background(), false)
	s.SetClock(func() time.Time { return clock.Add(7201 * time.Second) })
	_, err := c.JSAPITicket(context.Background(), tok.Value)
	var api *wechat.APIError
	if !errors.As(err, &api) || api.Code != 42001 || !wechat.IsTokenInvalid(err) {
		t.Fatalf("error %v, want 42001", err)
	}
}
