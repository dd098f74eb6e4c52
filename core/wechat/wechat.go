package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/pageurl"
)

// Doer sends an HTTP request; *http.Client has it.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// DefaultTimeout bounds each call to WeChat.
const DefaultTimeout = 5 * time.Second

// RelayKeyHeader carries a relay key (WECHAT_RELAY_KEY, WECOM_RELAY_KEY) to
// a relay (cmd/wxsign-relay), which strips it before forwarding to WeChat.
const RelayKeyHeader = "X-Wxsign-Relay-Key"

// maxBody caps what is read of an answer: WeChat's are a few hundred bytes.
const maxBody = 64 << 10

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

// Fetch makes k's call, with the inputs the vault holds for it, and
// returns the record WeChat's answer holds. It implements cred.Fetcher.
//
// A relay key goes only to its own base, and never to WeChat's own hosts
// (cred.WeChatHost), whatever the settings say. A redirect is not
// followed: the Doer must return it (in Workers, fetch with redirect
// "manual"), and it is an error naming the base, since following it would
// send the secret, the token and the relay key to another URL.
func (c *Client) Fetch(ctx context.Context, k *cred.Key, in cred.Inputs) (cred.Record, error) {
	value := func(p cred.Param) string {
		switch p.From {
		case cred.FromAppID:
			return k.AppID
		case cred.FromSecret:
			return k.Secret()
		case cred.FromToken:
			return in.Token
		case cred.FromRefresh:
			return in.Refresh
		case cred.FromPlatform:
			return k.Platform
		case cred.FromForce:
			if in.Force {
				return "true"
			}
			return "false"
		}
		return p.Value
	}
	raw, status, err := c.send(ctx, k.Kind.API, &k.Kind.Call, value)
	if err != nil {
		return cred.Record{}, err
	}
	name := k.Kind.Call.Name
	a, ok := k.Kind.ParseAnswer(raw)
	if !ok {
		return cred.Record{}, &TransportError{Call: name, Status: status, Err: errors.New("answer is not JSON")}
	}
	if a.ErrCode != 0 {
		return cred.Record{}, &cred.APIError{Call: name, Code: int(a.ErrCode), Msg: a.ErrMsg}
	}
	if a.Value == "" || a.ExpiresIn <= 0 {
		return cred.Record{}, &TransportError{Call: name, Status: status, Err: fmt.Errorf("answer has no %s", k.Kind.Field)}
	}
	t := c.now()
	return cred.Record{Value: a.Value, FetchedAt: t, ExpiresAt: t + max(a.ExpiresIn-cred.ExpirySafety, 1), Rotated: a.Rotated}, nil
}

func (c *Client) now() int64 {
	if c.Now != nil {
		return c.Now().Unix()
	}
	return time.Now().Unix()
}

// request is a call as it goes out: the URL on base, with the query's
// parameters (a GET's, and a POST's that go in the query), and a POST's
// JSON body (nil for a GET).
func request(call *cred.Call, base string, value func(cred.Param) string) (target string, body []byte) {
	q := url.Values{}
	for _, p := range call.Params {
		if call.Method == http.MethodGet || p.Query {
			q.Set(p.Name, value(p))
		}
	}
	target = strings.TrimRight(base, "/") + call.Path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	if call.Method != http.MethodGet {
		body = call.AppendBody(nil, value)
	}
	return target, body
}

// send makes a call on api's base and returns WeChat's answer, a JSON
// text, when it came with HTTP 200.
func (c *Client) send(ctx context.Context, api cred.API, call *cred.Call, value func(cred.Param) string) (raw string, status int, err error) {
	base, key := c.BaseURL, c.RelayKey
	if api == cred.APIWeCom {
		base, key = c.WeComBaseURL, c.WeComRelayKey
	}
	if cred.WeChatHost(base) {
		key = ""
	}
	target, body := request(call, base, value)
	name := call.Name
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		// A bytes.Reader gives the request its Content-Length: WeChat's
		// gateway answers HTTP 412 to a chunked body.
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, target, rd)
	if err != nil {
		return "", 0, &TransportError{Call: name, Err: errors.New("bad API base URL")}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set(RelayKeyHeader, key)
	}
	if c.Doer == nil {
		return "", 0, &TransportError{Call: name, Err: errors.New("no Doer")}
	}
	res, err := c.Doer.Do(req)
	if err != nil {
		return "", 0, &TransportError{Call: name, Err: cause(ctx, err)}
	}
	defer res.Body.Close()
	if redirected(req, res) {
		return "", res.StatusCode, &TransportError{Call: name, Status: res.StatusCode,
			Err: errors.New("the API base " + pageurl.SafeURL(base) + " answers with a redirect, which is never followed (it would take the secrets along): set the base to where it leads, over https")}
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return "", res.StatusCode, &TransportError{Call: name, Status: res.StatusCode, Err: cause(ctx, err)}
	}
	if res.StatusCode != http.StatusOK {
		return "", res.StatusCode, &TransportError{Call: name, Status: res.StatusCode, Err: errors.New(statusCause(res.StatusCode, b))}
	}
	return string(b), res.StatusCode, nil
}

// PreAuthCode asks WeChat for a pre_auth_code, which starts an
// authorization of the platform (componentAppID) by an official account.
func (c *Client) PreAuthCode(ctx context.Context, componentAppID, componentToken string) (string, error) {
	call := &cred.PreAuthCodeCall
	raw, status, err := c.send(ctx, cred.APIOfficial, call, func(p cred.Param) string {
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
		return "", &TransportError{Call: call.Name, Status: status, Err: errors.New("answer is not JSON")}
	}
	if errcode != 0 {
		return "", &cred.APIError{Call: call.Name, Code: int(errcode), Msg: errmsg}
	}
	if code == "" {
		return "", &TransportError{Call: call.Name, Status: status, Err: errors.New("answer has no pre_auth_code")}
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
	raw, status, err := c.send(ctx, cred.APIOfficial, call, func(p cred.Param) string {
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
		return Authorization{}, &TransportError{Call: call.Name, Status: status, Err: errors.New("answer is not JSON")}
	}
	if errcode != 0 {
		return Authorization{}, &cred.APIError{Call: call.Name, Code: int(errcode), Msg: errmsg}
	}
	var a Authorization
	if info.Str == "" || core.DecodeFields(info.Str, core.JSONField{Key: "authorizer_appid", Str: &a.AppID},
		core.JSONField{Key: "authorizer_access_token", Str: &a.Token.Value}, core.JSONField{Key: "expires_in", Int: &expiresIn},
		core.JSONField{Key: "authorizer_refresh_token", Str: &a.RefreshToken}) != nil ||
		a.AppID == "" || a.Token.Value == "" || a.RefreshToken == "" || expiresIn <= 0 {
		return Authorization{}, &TransportError{Call: call.Name, Status: status, Err: errors.New("answer has no authorization_info")}
	}
	t := c.now()
	a.Token.FetchedAt, a.Token.ExpiresAt = t, t+max(expiresIn-cred.ExpirySafety, 1)
	return a, nil
}

// redirected reports whether an answer is a redirect, or came after one
// that the Doer followed by itself (as an *http.Client does): then the
// answer's request is not the one sent.
func redirected(req *http.Request, res *http.Response) bool {
	return res.StatusCode >= 300 && res.StatusCode < 400 || res.Request != nil && res.Request != req && res.Request.URL.String() != req.URL.String()
}

// statusCause says what an HTTP error status from WeChat's side means, for
// the two that configuration causes.
func statusCause(status int, body []byte) string {
	switch status {
	case http.StatusPreconditionFailed:
		return "unexpected HTTP status (WeChat's gateway refuses chunked request bodies)"
	case http.StatusUnauthorized, http.StatusForbidden:
		if bytes.Contains(body, []byte(`"errcode"`)) {
			return "the relay refused the call: check WECHAT_RELAY_KEY"
		}
	}
	return "unexpected HTTP status"
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
