package wechat

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat/wire"
)

// Doer sends an HTTP request; *http.Client has it.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// DefaultTimeout bounds each call to WeChat.
const DefaultTimeout = wire.TimeoutMillis * time.Millisecond

// RelayKeyHeader carries a relay key (WECHAT_RELAY_KEY, WECOM_RELAY_KEY) to
// a relay (cmd/wxsign-relay), which strips it before forwarding to WeChat.
const RelayKeyHeader = wire.RelayKeyHeader

// Client calls WeChat.
type Client struct {
	BaseURL       string           // official accounts' API (WECHAT_API_BASE); may carry a relay's path prefix
	WeComBaseURL  string           // WeCom's API (WECOM_API_BASE)
	RelayKey      string           // sent as RelayKeyHeader on calls to BaseURL when set
	WeComRelayKey string           // sent as RelayKeyHeader on calls to WeComBaseURL when set
	Doer          Doer             // how requests are sent
	Timeout       time.Duration    // per call; DefaultTimeout when zero
	Now           func() time.Time // the clock for FetchedAt and ExpiresAt; time.Now when nil
}

// TransportError is a call that did not get a WeChat answer: the request
// failed, timed out, or the answer was not HTTP 200 with a JSON body.
type TransportError = wire.TransportError

// Fetch makes k's call, with the inputs the vault holds for it, and
// returns the record WeChat's answer holds. It implements cred.Fetcher.
//
// A relay key goes only to its own base, and never to WeChat's own hosts
// (cred.WeChatHost), whatever the settings say. A redirect is not
// followed: the Doer must return it (in Workers, fetch with redirect
// "manual"), and it is an error naming the base, since following it would
// send the secret, the token and the relay key to another URL.
func (c *Client) Fetch(ctx context.Context, k *cred.Key, in cred.Inputs) (cred.Record, error) {
	req := c.bases().Credential(k, in)
	raw, err := c.call(ctx, &req)
	if err != nil {
		return cred.Record{}, err
	}
	return wire.Record(k, raw, c.now())
}

func (c *Client) now() int64 {
	if c.Now != nil {
		return c.Now().Unix()
	}
	return time.Now().Unix()
}

func (c *Client) bases() *wire.Bases {
	return &wire.Bases{Official: c.BaseURL, WeCom: c.WeComBaseURL, RelayKey: c.RelayKey, WeComRelayKey: c.WeComRelayKey}
}

// send makes a call on api's base and returns WeChat's answer, a JSON
// text, when it came with HTTP 200.
func (c *Client) send(ctx context.Context, api cred.API, call *cred.Call, value func(cred.Param) string) (string, error) {
	req := c.bases().Build(api, call, value)
	return c.call(ctx, &req)
}

// call sends req and reads WeChat's answer.
func (c *Client) call(ctx context.Context, req *wire.Request) (string, error) {
	a, err := c.Send(ctx, req)
	if err != nil {
		return "", &TransportError{Call: req.Call, Err: err}
	}
	return req.Read(a)
}

// Send sends req through the Doer, within the client's timeout, and
// returns the answer; an error is free of the request's URL.
func (c *Client) Send(ctx context.Context, req *wire.Request) (wire.Answer, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if req.Body != nil {
		rd = bytes.NewReader(req.Body) // with a Content-Length, never chunked
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, rd)
	if err != nil {
		return wire.Answer{}, errors.New("bad API base URL")
	}
	for _, h := range req.Header() {
		hr.Header.Set(h[0], h[1])
	}
	if c.Doer == nil {
		return wire.Answer{}, errors.New("no Doer")
	}
	res, err := c.Doer.Do(hr)
	if err != nil {
		return wire.Answer{}, cause(ctx, err)
	}
	defer res.Body.Close()
	a := wire.Answer{Status: res.StatusCode, Redirected: res.Request != nil && res.Request != hr && res.Request.URL.String() != hr.URL.String()}
	if a.Redirected || a.Status >= 300 && a.Status < 400 {
		return a, nil
	}
	a.Body, err = io.ReadAll(io.LimitReader(res.Body, wire.MaxBody))
	if err != nil {
		return wire.Answer{}, cause(ctx, err)
	}
	return a, nil
}

// PreAuthCode asks WeChat for a pre_auth_code, which starts an
// authorization of the platform (componentAppID) by an official account.
func (c *Client) PreAuthCode(ctx context.Context, componentAppID, componentToken string) (string, error) {
	call := &cred.PreAuthCodeCall
	raw, err := c.send(ctx, cred.APIOfficial, call, func(p cred.Param) string {
		if p.From == cred.FromToken {
			return componentToken
		}
		return componentAppID
	})
	if err != nil {
		return "", err
	}
	var code string
	var errcode int64
	var errmsg string
	if core.DecodeFields(raw, core.JSONField{Key: "errcode", Int: &errcode}, core.JSONField{Key: "errmsg", Str: &errmsg},
		core.JSONField{Key: "pre_auth_code", Str: &code}) != nil {
		return "", &TransportError{Call: call.Name, Status: http.StatusOK, Err: errors.New("answer is not JSON")}
	}
	if errcode != 0 {
		return "", &cred.APIError{Call: call.Name, Code: int(errcode), Msg: errmsg}
	}
	if code == "" {
		return "", &TransportError{Call: call.Name, Status: http.StatusOK, Err: errors.New("answer has no pre_auth_code")}
	}
	return code, nil
}

// Authorization is what an authorization gives the platform: the
// account's AppID, its access token and the refresh token that renews it.
type Authorization struct {
	AppID        string
	Token        cred.Record
	RefreshToken string
}

// QueryAuth exchanges an authorization's auth_code for the authorizer's
// tokens (api_query_auth).
func (c *Client) QueryAuth(ctx context.Context, componentAppID, componentToken, authCode string) (Authorization, error) {
	call := &cred.QueryAuthCall
	raw, err := c.send(ctx, cred.APIOfficial, call, func(p cred.Param) string {
		switch p.From {
		case cred.FromToken:
			return componentToken
		case cred.FromAppID:
			return componentAppID
		}
		return authCode
	})
	if err != nil {
		return Authorization{}, err
	}
	var errcode, expiresIn int64
	var errmsg string
	var info core.JSONValue
	bad := core.DecodeObject(raw, func(key string, v core.JSONValue) *core.Error {
		switch {
		case key == "errcode" && v.IsInt:
			errcode = v.Int
		case key == "errmsg" && v.Kind == core.JSONString:
			errmsg = v.Str
		case key == "authorization_info" && v.Kind == core.JSONObject:
			info = v
		}
		return nil
	})
	if bad != nil {
		return Authorization{}, &TransportError{Call: call.Name, Status: http.StatusOK, Err: errors.New("answer is not JSON")}
	}
	if errcode != 0 {
		return Authorization{}, &cred.APIError{Call: call.Name, Code: int(errcode), Msg: errmsg}
	}
	var a Authorization
	if info.Str == "" || core.DecodeFields(info.Str, core.JSONField{Key: "authorizer_appid", Str: &a.AppID},
		core.JSONField{Key: "authorizer_access_token", Str: &a.Token.Value}, core.JSONField{Key: "expires_in", Int: &expiresIn},
		core.JSONField{Key: "authorizer_refresh_token", Str: &a.RefreshToken}) != nil ||
		a.AppID == "" || a.Token.Value == "" || a.RefreshToken == "" || expiresIn <= 0 {
		return Authorization{}, &TransportError{Call: call.Name, Status: http.StatusOK, Err: errors.New("answer has no authorization_info")}
	}
	t := c.now()
	a.Token.FetchedAt, a.Token.ExpiresAt = t, t+max(expiresIn-cred.ExpirySafety, 1)
	return a, nil
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
	return errors.New(wire.Redact(err.Error()))
}
