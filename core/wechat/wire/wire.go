// Package wire is WeChat's calls as bytes: the request a call makes and
// what its answer means, without net/http. core/wechat sends these
// requests through a Doer; the signer module hands them to the Worker's
// entry, which sends them with the Workers fetch API. Both read the answer
// here, so a call means the same whichever runs it.
//
// Errors never contain a secret or an access_token: both travel in request
// URLs and bodies, which are never put into an error.
package wire

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/pageurl"
)

// RelayKeyHeader carries a relay key (WECHAT_RELAY_KEY, WECOM_RELAY_KEY) to
// a relay (cmd/wxsign-relay), which strips it before forwarding to WeChat.
const RelayKeyHeader = "X-Wxsign-Relay-Key"

// MaxBody caps what is read of an answer: WeChat's are a few hundred bytes.
const MaxBody = 64 << 10

// TimeoutMillis bounds each call to WeChat.
const TimeoutMillis = 5000

// Bases are where calls go: the settings' API bases and relay keys.
type Bases struct {
	Official      string // official accounts' API (WECHAT_API_BASE); may carry a relay's path prefix
	WeCom         string // WeCom's API (WECOM_API_BASE)
	RelayKey      string // sent as RelayKeyHeader on calls to Official when set
	WeComRelayKey string // sent as RelayKeyHeader on calls to WeCom when set
}

// Request is one call as it goes out. A POST's body is sent with its
// length: WeChat's gateway answers HTTP 412 to a chunked body.
type Request struct {
	Call     string    // what errors call it
	Key      *cred.Key // the credential the call fetches; nil for the platform's other calls
	Method   string
	URL      string
	Base     string // the API base the URL is on, for errors (never with its query)
	Body     []byte // a POST's JSON body; nil for a GET
	RelayKey string // RelayKeyHeader's value, "" for none
}

// Header is the request's headers beyond the method's own, as name, value
// pairs.
func (r *Request) Header() [][2]string {
	var h [][2]string
	if r.Body != nil {
		h = append(h, [2]string{"Content-Type", "application/json"})
	}
	if r.RelayKey != "" {
		h = append(h, [2]string{RelayKeyHeader, r.RelayKey})
	}
	return h
}

// Answer is what came back: the HTTP status and at most MaxBody bytes of
// the body. Redirected is an answer that came after a redirect its sender
// followed by itself.
type Answer struct {
	Status     int
	Body       []byte
	Redirected bool
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
		return "wechat " + e.Call + ": HTTP " + strconv.Itoa(e.Status) + ": " + e.Err.Error()
	}
	return "wechat " + e.Call + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// Build makes call's request on api's base, with value giving each
// parameter. A relay key goes only to its own base, and never to WeChat's
// own hosts (cred.WeChatHost), whatever the settings say.
func (b *Bases) Build(api cred.API, call *cred.Call, value func(cred.Param) string) Request {
	base, key := b.Official, b.RelayKey
	if api == cred.APIWeCom {
		base, key = b.WeCom, b.WeComRelayKey
	}
	if cred.WeChatHost(base) {
		key = ""
	}
	var q []string
	for _, p := range call.Params {
		if call.Method == "GET" || p.Query {
			q = append(q, p.Name+"="+pageurl.QueryEscape(value(p)))
		}
	}
	slices.Sort(q) // in the order url.Values.Encode gives
	r := Request{Call: call.Name, Method: call.Method, URL: strings.TrimRight(base, "/") + call.Path, Base: base, RelayKey: key}
	if len(q) > 0 {
		r.URL += "?" + strings.Join(q, "&")
	}
	if call.Method != "GET" {
		r.Body = call.AppendBody(nil, value)
	}
	return r
}

// Credential makes k's call, with the inputs the vault holds for it.
func (b *Bases) Credential(k *cred.Key, in cred.Inputs) Request {
	r := b.Build(k.Kind.API, &k.Kind.Call, func(p cred.Param) string {
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
	})
	r.Key = k
	return r
}

// Read returns WeChat's answer to r, a JSON text, when it came with HTTP
// 200. A redirect is never followed, since following it would send the
// secret, the token and the relay key to another URL: it is an error
// naming the base.
func (r *Request) Read(a Answer) (string, error) {
	if a.Redirected || a.Status >= 300 && a.Status < 400 {
		return "", &TransportError{Call: r.Call, Status: a.Status,
			Err: errors.New("the API base " + pageurl.SafeURL(r.Base) + " answers with a redirect, which is never followed (it would take the secrets along): set the base to where it leads, over https")}
	}
	if len(a.Body) > MaxBody {
		a.Body = a.Body[:MaxBody]
	}
	if a.Status != 200 {
		return "", &TransportError{Call: r.Call, Status: a.Status, Err: errors.New(statusCause(a.Status, a.Body))}
	}
	return string(a.Body), nil
}

// Record is the record k's answer holds, fetched at now (Unix seconds).
func Record(k *cred.Key, raw string, now int64) (cred.Record, error) {
	name := k.Kind.Call.Name
	a, ok := k.Kind.ParseAnswer(raw)
	if !ok {
		return cred.Record{}, &TransportError{Call: name, Status: 200, Err: errors.New("answer is not JSON")}
	}
	if a.ErrCode != 0 {
		return cred.Record{}, &cred.APIError{Call: name, Code: int(a.ErrCode), Msg: a.ErrMsg}
	}
	if a.Value == "" || a.ExpiresIn <= 0 {
		return cred.Record{}, &TransportError{Call: name, Status: 200, Err: errors.New("answer has no " + k.Kind.Field)}
	}
	return cred.Record{Value: a.Value, FetchedAt: now, ExpiresAt: now + max(a.ExpiresIn-cred.ExpirySafety, 1), Rotated: a.Rotated}, nil
}

// statusCause says what an HTTP error status from WeChat's side means, for
// the two that configuration causes.
func statusCause(status int, body []byte) string {
	switch status {
	case 412:
		return "unexpected HTTP status (WeChat's gateway refuses chunked request bodies)"
	case 401, 403:
		if strings.Contains(string(body), `"errcode"`) {
			return "the relay refused the call: check WECHAT_RELAY_KEY"
		}
	}
	return "unexpected HTTP status"
}

// Redact drops anything that looks like a query string from a message, in
// case a sender quotes the URL in an error of its own.
func Redact(msg string) string {
	if i := strings.IndexByte(msg, '?'); i >= 0 {
		return msg[:i] + "?…"
	}
	return msg
}
