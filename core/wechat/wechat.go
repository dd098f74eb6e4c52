// Package wechat is a small client for the WeChat API calls wxsign needs:
// the access_token (stable or classic) and the JS-SDK jsapi_ticket.
//
// It talks through Doer, so that a Cloudflare Worker can send requests with
// the Workers fetch API and tests with net/http; it never uses
// http.DefaultClient. Errors never contain the AppSecret or an
// access_token: both travel in request URLs and bodies, which are never
// put into an error.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wxsign/wxsign/core"
)

// Doer sends an HTTP request; *http.Client has it.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Token modes, as in WECHAT_TOKEN_MODE.
const (
	ModeStable  = "stable"  // POST /cgi-bin/stable_token: one token shared by every caller
	ModeClassic = "classic" // GET /cgi-bin/token: each fetch invalidates the previous token
)

// DefaultTimeout bounds each call to WeChat.
const DefaultTimeout = 5 * time.Second

// ExpirySafety is taken off WeChat's expires_in, so that a record expires
// before WeChat's copy does even with some clock skew and latency.
const ExpirySafety = 60

// StableRenewal is how many seconds before its expiry WeChat renews a
// stable token. Asked earlier without force_refresh, WeChat hands back the
// same token with expires_in counting down, so refreshing sooner only
// costs calls (and KV writes).
const StableRenewal = 300

// maxBody caps what is read of an answer: WeChat's are a few hundred bytes.
const maxBody = 64 << 10

// Client calls WeChat for one app.
type Client struct {
	BaseURL string           // e.g. https://api.weixin.qq.com, no trailing slash
	AppID   string           // WECHAT_APPID
	Secret  string           // WECHAT_APPSECRET
	Mode    string           // ModeStable (default) or ModeClassic
	Doer    Doer             // how requests are sent
	Timeout time.Duration    // per call; DefaultTimeout when zero
	Now     func() time.Time // the clock for FetchedAt and ExpiresAt; time.Now when nil
}

// TokenSource hands out the access_token to call WeChat with; force asks
// for a new one because WeChat said the current one is invalid.
type TokenSource interface {
	Token(ctx context.Context, force bool) (string, error)
}

// APIError is WeChat refusing a call: errcode and errmsg as WeChat sent them.
type APIError struct {
	Call string // "token", "stable_token" or "getticket"
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat %s: errcode %d: %s", e.Call, e.Code, e.Msg)
}

// TransportError is a call that did not get a WeChat answer: the request
// failed, timed out, or the answer was not HTTP 200 with a JSON body.
type TransportError struct {
	Call   string
	Status int   // HTTP status, 0 when there was no answer
	Err    error // the cause, free of URLs
}

func (e *TransportError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("wechat %s: HTTP %d: %v", e.Call, e.Status, e.Err)
	}
	return fmt.Sprintf("wechat %s: %v", e.Call, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsTokenInvalid reports whether WeChat refused the access_token: invalid,
// not the latest, or expired (40001, 40014, 42001).
func IsTokenInvalid(err error) bool { return hasCode(err, 40001, 40014, 42001) }

// IsConfig reports a configuration error that retrying cannot fix: a wrong
// appid or secret, a frozen secret, a caller IP missing from the whitelist.
func IsConfig(err error) bool { return hasCode(err, 40013, 40125, 40164, 40243, 42012) }

// IsQuota reports that the daily quota is spent (45009).
func IsQuota(err error) bool { return hasCode(err, 45009) }

func hasCode(err error, codes ...int) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code == c {
			return true
		}
	}
	return false
}

// Token fetches an access_token. In stable mode, without force WeChat hands
// back the current token while it is valid; force rotates it (20 a day).
func (c *Client) Token(ctx context.Context, force bool) (core.Record, error) {
	if c.Mode == ModeClassic {
		q := url.Values{"grant_type": {"client_credential"}, "appid": {c.AppID}, "secret": {c.Secret}}
		return c.call(ctx, "token", http.MethodGet, "/cgi-bin/token?"+q.Encode(), nil, "access_token")
	}
	body, _ := json.Marshal(struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}{"client_credential", c.AppID, c.Secret, force})
	return c.call(ctx, "stable_token", http.MethodPost, "/cgi-bin/stable_token", body, "access_token")
}

// JSAPITicket fetches a jsapi_ticket with the given access_token.
func (c *Client) JSAPITicket(ctx context.Context, accessToken string) (core.Record, error) {
	q := url.Values{"access_token": {accessToken}, "type": {"jsapi"}}
	return c.call(ctx, "getticket", http.MethodGet, "/cgi-bin/ticket/getticket?"+q.Encode(), nil, "ticket")
}

// Ticket fetches a jsapi_ticket with a token from tokens. When WeChat says
// the token is invalid (40001, 40014, 42001) it asks tokens for a new one
// once and retries once; a second refusal is returned, never retried.
func (c *Client) Ticket(ctx context.Context, tokens TokenSource) (core.Record, error) {
	tok, err := tokens.Token(ctx, false)
	if err != nil {
		return core.Record{}, err
	}
	rec, err := c.JSAPITicket(ctx, tok)
	if !IsTokenInvalid(err) {
		return rec, err
	}
	if tok, err = tokens.Token(ctx, true); err != nil {
		return core.Record{}, err
	}
	return c.JSAPITicket(ctx, tok)
}

// answer is every shape WeChat sends for these calls.
type answer struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	Ticket      string `json:"ticket"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (c *Client) call(ctx context.Context, name, method, path string, body []byte, field string) (core.Record, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return core.Record{}, &TransportError{Call: name, Err: errors.New("bad WECHAT_API_BASE")}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	} else {
		req.Body, req.ContentLength = nil, 0
	}
	if c.Doer == nil {
		return core.Record{}, &TransportError{Call: name, Err: errors.New("no Doer")}
	}
	res, err := c.Doer.Do(req)
	if err != nil {
		return core.Record{}, &TransportError{Call: name, Err: cause(ctx, err)}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return core.Record{}, &TransportError{Call: name, Status: res.StatusCode, Err: cause(ctx, err)}
	}
	if res.StatusCode != http.StatusOK {
		return core.Record{}, &TransportError{Call: name, Status: res.StatusCode, Err: errors.New("unexpected HTTP status")}
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		return core.Record{}, &TransportError{Call: name, Status: res.StatusCode, Err: errors.New("answer is not JSON")}
	}
	if a.ErrCode != 0 {
		return core.Record{}, &APIError{Call: name, Code: a.ErrCode, Msg: a.ErrMsg}
	}
	value := a.AccessToken
	if field == "ticket" {
		value = a.Ticket
	}
	if value == "" || a.ExpiresIn <= 0 {
		return core.Record{}, &TransportError{Call: name, Status: res.StatusCode, Err: fmt.Errorf("answer has no %s", field)}
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	t := now().Unix()
	return core.Record{Value: value, FetchedAt: t, ExpiresAt: t + max(a.ExpiresIn-ExpirySafety, 1)}, nil
}

// cause reduces a transport error to what it says without the request URL
// (net/http's *url.Error quotes it, access_token and secret included).
func cause(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	return errors.New(redact(err.Error()))
}

// redact drops anything that looks like a query string from a message, in
// case a Doer quotes the URL in an error of its own.
func redact(msg string) string {
	if i := strings.IndexByte(msg, '?'); i >= 0 {
		return msg[:i] + "?…"
	}
	return msg
}
