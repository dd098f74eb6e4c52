package core

import "strconv"

// Error is a refusal with a stable code, the HTTP status to send it with and
// a message for the caller. Its JSON form is WeChat's error shape.
type Error struct {
	Code   int    // errcode in the JSON body
	Status int    // HTTP status
	Msg    string // errmsg in the JSON body
}

func (e *Error) Error() string { return "wxsign: " + e.Msg + " (errcode " + strconv.Itoa(e.Code) + ")" }

// AppendJSON appends {"errcode":N,"errmsg":"..."} to dst.
func (e *Error) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"errcode":`...)
	dst = strconv.AppendInt(dst, int64(e.Code), 10)
	dst = append(dst, `,"errmsg":`...)
	dst = appendJSONString(dst, e.Msg)
	return append(dst, '}')
}

// The refusals, one per reason; errorTable lists them for the documentation.
var (
	ErrURLMissing      = &Error{1001, 400, "url is required: pass the page URL (location.href.split('#')[0]) as ?url= or in the body"}
	ErrURLTooLong      = &Error{1002, 400, "url is longer than 4096 bytes"}
	ErrURLBadChar      = &Error{1003, 400, "url has whitespace, a control character or invalid UTF-8: percent-encode it with encodeURIComponent"}
	ErrURLScheme       = &Error{1004, 400, "url must be an absolute http:// or https:// URL"}
	ErrURLNoHost       = &Error{1005, 400, "url has no host"}
	ErrURLUserinfo     = &Error{1006, 400, "url must not contain userinfo (user@host)"}
	ErrURLEscape       = &Error{1007, 400, "url has a malformed percent-escape"}
	ErrURLBadHost      = &Error{1008, 400, "url has an invalid host or port"}
	ErrURLTwice        = &Error{1009, 400, "url is given more than once"}
	ErrHostForbidden   = &Error{1010, 403, "url's host is not allowed (ALLOWED_HOSTS)"}
	ErrOrigin          = &Error{1011, 403, "origin is not allowed (ALLOWED_ORIGINS)"}
	ErrURLHostNotASCII = &Error{1013, 400, "url's host is not ASCII: use the punycode (xn--) form, as location.href shows it"}
	ErrMethod          = &Error{1020, 405, "method not allowed"}
	ErrBadRequest      = &Error{1021, 400, "malformed request: send ?url=, a JSON body {\"url\":...} or a form body url=..."}
	ErrBodyTooLarge    = &Error{1022, 413, "request body is larger than 16 KiB"}
	ErrMediaType       = &Error{1023, 415, "unsupported Content-Type: use application/json or application/x-www-form-urlencoded"}
	ErrURITooLong      = &Error{1024, 414, "request URL is too long"}
	ErrHeaderTooLarge  = &Error{1025, 431, "request headers are too large"}
	ErrRateLimited     = &Error{1026, 429, "too many requests from this address: try again later"}
	ErrFieldTooLong    = &Error{1027, 400, "a field is too long for the answer to hold"} // FieldTooLong names the field
	ErrNotFound        = &Error{1030, 404, "not found"}
	ErrUnknownApp      = &Error{1031, 404, "unknown appid or agentid: it is not in WECHAT_APPID or WECOM_AGENTS, nor an account that authorized the platform"}
	ErrUnauthorized    = &Error{1040, 401, "unauthorized"}
	ErrForbidden       = &Error{1041, 403, "forbidden: wrong key"}
	ErrPushSignature   = &Error{1042, 403, "the push's msg_signature does not match: it is not WeChat's, or COMPONENT_TOKEN is wrong"}
	ErrPushMalformed   = &Error{1043, 400, "the push cannot be opened: its XML, encryption or AppID is wrong (COMPONENT_AES_KEY, COMPONENT_APPID)"}
	ErrNotConfigured   = &Error{1050, 503, "the service is not configured"}
	ErrNoTicket        = &Error{1051, 503, "no valid jsapi_ticket is available yet"}
	ErrUpstream        = &Error{1052, 503, "WeChat could not be reached"}
	ErrStorage         = &Error{1053, 503, "Workers KV is unavailable"}
	ErrStillOld        = &Error{1055, 503, "WeChat still hands out the credential that is about to expire; a new one comes once it has"}
	ErrNoVerifyTicket  = &Error{1056, 503, "the platform has no component_verify_ticket yet: WeChat pushes one to /component/event every 10 minutes"}
	ErrBudget          = &Error{1054, 503, "WeChat's hourly limit for this credential is spent"}
	ErrInternal        = &Error{1060, 500, "internal error"}
)

// errorTable is every refusal in the order of its code, with what the
// documentation says of it: the tables in doc.go and docs/api.md are
// rendered from it (go test ./core -run TestErrorCodesDocumented -update).
var errorTable = []struct {
	err     *Error
	meaning string
}{
	{ErrURLMissing, "url is missing"},
	{ErrURLTooLong, "url longer than 4096 bytes"},
	{ErrURLBadChar, "url has whitespace, a control character or invalid UTF-8"},
	{ErrURLScheme, "url is not an absolute http or https URL"},
	{ErrURLNoHost, "url has no host"},
	{ErrURLUserinfo, "url has userinfo (user@host)"},
	{ErrURLEscape, "url has a malformed percent-escape"},
	{ErrURLBadHost, "url has an invalid host or port"},
	{ErrURLTwice, "url is given more than once (also: in both the body and the query)"},
	{ErrHostForbidden, "url's host is not in ALLOWED_HOSTS"},
	{ErrOrigin, "request Origin is not in ALLOWED_ORIGINS"},
	{ErrURLHostNotASCII, "url's host is not ASCII (send the punycode xn-- form)"},
	{ErrMethod, "method not allowed"},
	{ErrBadRequest, "malformed request (query or body)"},
	{ErrBodyTooLarge, "request body larger than 16 KiB"},
	{ErrMediaType, "unsupported Content-Type"},
	{ErrURITooLong, "request URL too long for the signer"},
	{ErrHeaderTooLarge, "request headers too large for the signer"},
	{ErrRateLimited, "rate limit reached (CONFIG_RATE_LIMIT, AUTH_RATE_LIMIT)"},
	{ErrFieldTooLong, "a field is too long for the answer (errmsg names it: url, signed_url, code, ...)"},
	{ErrNotFound, "no such endpoint"},
	{ErrUnknownApp, "the appid or agentid asked for is not configured, nor an authorizer of the platform"},
	{ErrUnauthorized, "missing or wrong API key"},
	{ErrForbidden, "wrong relay key (cmd/wxsign-relay)"},
	{ErrPushSignature, "a push to /component/event whose msg_signature does not match"},
	{ErrPushMalformed, "a push to /component/event that does not decrypt, or names another AppID"},
	{ErrNotConfigured, "the service is not configured (a required setting is missing)"},
	{ErrNoTicket, "no valid jsapi_ticket is available yet"},
	{ErrUpstream, "WeChat could not be reached or answered garbage"},
	{ErrStorage, "Workers KV could not be read"},
	{ErrBudget, "the hourly fetch budget of a credential is spent (WeCom's limits)"},
	{ErrStillOld, "WeChat still hands out the credential that is about to expire (seconds, once per lifetime)"},
	{ErrNoVerifyTicket, "the third-party platform has no component_verify_ticket yet"},
	{ErrInternal, "internal error"},
}
