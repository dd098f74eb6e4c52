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

// Fetch makes k's call, with token for a kind that needs one, and returns
// the record WeChat's answer holds. It implements cred.Fetcher.
//
// A relay key goes only to its own base, and never to WeChat's own hosts
// (cred.WeChatHost), whatever the settings say. A redirect is not
// followed: the Doer must return it (in Workers, fetch with redirect
// "manual"), and it is an error naming the base, since following it would
// send the secret, the token and the relay key to another URL.
func (c *Client) Fetch(ctx context.Context, k *cred.Key, token string, force bool) (cred.Record, error) {
	call := k.Kind.Call
	base, key := c.BaseURL, c.RelayKey
	if k.Kind.API == cred.APIWeCom {
		base, key = c.WeComBaseURL, c.WeComRelayKey
	}
	if cred.WeChatHost(base) {
		key = ""
	}
	value := func(p cred.Param) string {
		switch p.From {
		case cred.FromAppID:
			return k.AppID
		case cred.FromSecret:
			return k.Secret()
		case cred.FromToken:
			return token
		case cred.FromForce:
			if force {
				return "true"
			}
			return "false"
		}
		return p.Value
	}
	target := strings.TrimRight(base, "/") + call.Path
	var body []byte
	if call.Method == http.MethodGet {
		q := url.Values{}
		for _, p := range call.Params {
			q.Set(p.Name, value(p))
		}
		target += "?" + q.Encode()
	} else {
		body = call.AppendBody(nil, value)
	}
	return c.do(ctx, k.Kind, base, key, call.Method, target, body)
}

func (c *Client) do(ctx context.Context, kind *cred.Kind, base, key, method, target string, body []byte) (cred.Record, error) {
	name := kind.Call.Name
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
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return cred.Record{}, &TransportError{Call: name, Err: errors.New("bad API base URL")}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set(RelayKeyHeader, key)
	}
	if c.Doer == nil {
		return cred.Record{}, &TransportError{Call: name, Err: errors.New("no Doer")}
	}
	res, err := c.Doer.Do(req)
	if err != nil {
		return cred.Record{}, &TransportError{Call: name, Err: cause(ctx, err)}
	}
	defer res.Body.Close()
	if redirected(req, res) {
		return cred.Record{}, &TransportError{Call: name, Status: res.StatusCode,
			Err: errors.New("the API base " + pageurl.SafeURL(base) + " answers with a redirect, which is never followed (it would take the secrets along): set the base to where it leads, over https")}
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return cred.Record{}, &TransportError{Call: name, Status: res.StatusCode, Err: cause(ctx, err)}
	}
	if res.StatusCode != http.StatusOK {
		return cred.Record{}, &TransportError{Call: name, Status: res.StatusCode, Err: errors.New(statusCause(res.StatusCode, raw))}
	}
	a, ok := kind.ParseAnswer(string(raw))
	if !ok {
		return cred.Record{}, &TransportError{Call: name, Status: res.StatusCode, Err: errors.New("answer is not JSON")}
	}
	if a.ErrCode != 0 {
		return cred.Record{}, &cred.APIError{Call: name, Code: int(a.ErrCode), Msg: a.ErrMsg}
	}
	value := a.Value
	if value == "" || a.ExpiresIn <= 0 {
		return cred.Record{}, &TransportError{Call: name, Status: res.StatusCode, Err: fmt.Errorf("answer has no %s", kind.Field)}
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	t := now().Unix()
	return cred.Record{Value: value, FetchedAt: t, ExpiresAt: t + max(a.ExpiresIn-cred.ExpirySafety, 1)}, nil
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
