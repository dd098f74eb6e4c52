package diagnose

import (
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/internal/ascii"
	"github.com/wxsign/wxsign/core/jssdk"
	"github.com/wxsign/wxsign/core/pageurl"
)

// The finding codes of Check and DebugInfo. Each names one cause of
// "invalid signature" (or, in DebugInfo, one thing to know about the URL);
// the codes are stable because the debug page maps them to words.
// maxAppIDLen bounds /debug/check's appId (AppIDs are shorter).
const maxAppIDLen = 64

const (
	FindBadURL            = "bad_url"            // the page URL is not one wxsign signs; Detail: why
	FindBadInput          = "bad_input"          // a pasted value is missing or malformed; Detail: which
	FindHostNotAllowed    = "host_not_allowed"   // the page's host is not in ALLOWED_HOSTS; Detail: the host
	FindFragmentKept      = "fragment_kept"      // the signed URL keeps its #fragment
	FindURLEncoded        = "url_encoded"        // the signed URL is the page URL percent-encoded once more
	FindURLDecoded        = "url_decoded"        // the signed URL is the page URL percent-decoded
	FindAmpEscaped        = "amp_escaped"        // "&amp;" in the signed URL where the page has "&"
	FindSchemeDiffers     = "scheme_differs"     // http vs https
	FindHostDiffers       = "host_differs"       // another host
	FindPortDiffers       = "port_differs"       // another port, or a default port written out
	FindTrailingSlash     = "trailing_slash"     // "http://qq.com" vs "http://qq.com/"
	FindShareParams       = "share_params"       // from=…&isappinstalled=… on one side only
	FindURLDiffers        = "url_differs"        // the URLs differ otherwise (path, query); At: where
	FindSignedWrongURL    = "signed_wrong_url"   // the signature is right, but for a URL that is not the page's
	FindPreviousTicket    = "previous_ticket"    // signed with the ticket before the current one
	FindAppIDMismatch     = "appid_mismatch"     // wx.config's appId is not the app whose ticket signs
	FindTimestampSkewed   = "timestamp_skewed"   // more than MaxClockSkew from now, or in milliseconds
	FindSignatureOK       = "signature_ok"       // the signature is right; Detail: the host for the safe domains
	FindSignatureMismatch = "signature_mismatch" // the signature matches nothing tried
)

// MaxClockSkew is how far, in seconds, wx.config's timestamp may be from
// now before Check reports it.
const MaxClockSkew = 300

// CheckInput is what a person pastes from a failing page.
type CheckInput struct {
	PageURL   string // the page's URL as location.href shows it
	SignedURL string // the URL the page's code signed; "" = not known
	AppID     string // wx.config's appId; "" = not checked
	NonceStr  string
	Signature string
	Timestamp int64
}

// Finding is one cause; Code is stable (the page maps it to words), Detail
// says what was seen, in terms that need no translating (URLs, hosts,
// numbers), and At, where it applies, is the 1-based position in the signed
// URL of the first byte that differs from the page's URL (0 = none).
type Finding struct {
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
	At     int    `json:"at,omitempty"`
}

// CheckResult is /debug/check's answer. OK means the signature is right for
// the page's URL: if WeChat still refuses it, the cause is outside the
// signature (see FindSignatureOK). URL is the URL that should have been
// signed; Signed the one the signature was checked over, which Check may
// have found by trying the usual mistakes when SignedURL was not given.
type CheckResult struct {
	OK       bool      `json:"ok"`
	URL      string    `json:"url"`
	Signed   string    `json:"signed_url,omitempty"`
	Findings []Finding `json:"findings"`
}

func (r *CheckResult) add(code, detail string, at int) {
	r.Findings = append(r.Findings, Finding{Code: code, Detail: detail, At: at})
}

// Check says why WeChat would refuse a wx.config: it verifies the pasted
// signature as WeChat does, with ticket (the current jsapi_ticket) and
// previous (the one before it, "" if unknown), and names what differs. It
// uses /config's URL rules (PageURL) and allowlist (a.Hosts), and Sign.
//
// The page URL is taken as the browser holds it: a URL without a path gets
// "/" (browsers add it; "http://qq.com" is "http://qq.com/" in
// location.href).
func Check(a *api.App, in CheckInput, ticket, previous string, now int64) CheckResult {
	in = in.trimmed()
	r := CheckResult{Findings: []Finding{}}
	page, host, err := pageurl.SplitPageURL(in.PageURL)
	if err != nil {
		r.add(FindBadURL, err.Msg, 0)
		return r
	}
	page = browserForm(page)
	r.URL = page
	if !a.Hosts.AllowsHost(host) {
		// The cause is named, and no signature is verified: wxsign signs
		// no page on this host, so a yes or no would only tell a stranger
		// whether some other signer shares this account's ticket.
		r.add(FindHostNotAllowed, host, 0)
		return r
	}
	if bad := badInput(in); len(bad) > 0 {
		for _, b := range bad {
			r.add(FindBadInput, b, 0)
		}
		return r
	}
	signs := func(t, url string) bool {
		// Constant time: how long a comparison takes must not tell how
		// much of a guessed signature is right.
		return t != "" && allowsSigned(a, url) && api.SecretEqual(jssdk.Sign(t, in.NonceStr, in.Timestamp, url), ascii.LowerASCII(in.Signature))
	}

	// Right for the page's URL: whatever the person thinks was signed, the
	// signature is for this URL.
	switch {
	case signs(ticket, page):
		r.OK, r.Signed = true, page
		addMeta(a, &r, in, now)
		r.add(FindSignatureOK, strings.ToLower(host), 0) // the safe domain to check
		return r
	case signs(previous, page):
		r.Signed = page
		r.add(FindPreviousTicket, "", 0)
		addMeta(a, &r, in, now)
		return r
	}

	signed := in.SignedURL
	if signed == "" {
		// Not told which URL the code signed: try the usual mistakes.
		signed = page
		for _, c := range guesses(in.PageURL, page) {
			if core.JSONLen(c) > core.MaxDebugURLLen {
				continue // as a signed_url that long is refused: the answer could not hold it
			}
			if signs(ticket, c) || signs(previous, c) {
				signed = c
				break
			}
		}
	}
	r.Signed = signed
	r.Findings = append(r.Findings, compareURLs(signed, page)...)
	switch {
	case signed != page && signs(ticket, signed):
		r.add(FindSignedWrongURL, signed, 0)
		addMeta(a, &r, in, now)
	case signed != page && signs(previous, signed):
		r.add(FindPreviousTicket, signed, 0)
		addMeta(a, &r, in, now)
	default:
		// Nothing tried explains it: the URL findings (if any) are real
		// differences, but fixing them alone would not make it verify.
		addMeta(a, &r, in, now)
		r.add(FindSignatureMismatch, "", 0)
	}
	return r
}

// allowsSigned reports whether u, a URL a page's code may have signed
// (maybe percent-encoded once), is on a host of the allowlist: Check
// verifies signatures over those only, as wxsign signs no other.
func allowsSigned(a *api.App, u string) bool {
	return a.Hosts.AllowsHost(splitLoose(unescapeOnce(u)).host)
}

// trimmed drops the spaces and line ends a paste brings along.
func (in CheckInput) trimmed() CheckInput {
	in.PageURL = strings.TrimSpace(in.PageURL)
	in.SignedURL = strings.TrimSpace(in.SignedURL)
	in.AppID = strings.TrimSpace(in.AppID)
	in.NonceStr = strings.TrimSpace(in.NonceStr)
	in.Signature = strings.TrimSpace(in.Signature)
	return in
}

// tooLong refuses the fields an answer echoes when they are longer than
// it could hold (see MaxAnswerLen): the URLs appear up to three times
// each, in the answer's fields and in findings.
func (in CheckInput) tooLong() *core.Error {
	in = in.trimmed()
	switch {
	case core.JSONLen(in.PageURL) > core.MaxDebugURLLen:
		return core.FieldTooLong("url", core.MaxDebugURLLen, true)
	case core.JSONLen(in.SignedURL) > core.MaxDebugURLLen:
		return core.FieldTooLong("signed_url", core.MaxDebugURLLen, true)
	case len(in.AppID) > maxAppIDLen:
		return core.FieldTooLong("appId", maxAppIDLen, false)
	}
	return nil
}

// badInput lists what is missing or malformed in the pasted values.
func badInput(in CheckInput) []string {
	var bad []string
	if in.NonceStr == "" {
		bad = append(bad, "nonceStr is empty")
	}
	if in.Timestamp <= 0 {
		bad = append(bad, "timestamp is missing")
	}
	if !isHex40(in.Signature) {
		bad = append(bad, "signature is not 40 hex digits")
	}
	return bad
}

func isHex40(s string) bool { return len(s) == 40 && ascii.IsHex(s) }

// addMeta reports what WeChat checks besides the signature.
func addMeta(a *api.App, r *CheckResult, in CheckInput, now int64) {
	if in.AppID != "" && a.AppID != "" && in.AppID != a.AppID {
		r.add(FindAppIDMismatch, "wx.config appId "+strconv.Quote(in.AppID)+", this Worker signs for "+strconv.Quote(a.AppID), 0)
	}
	switch d := now - in.Timestamp; {
	case in.Timestamp >= 1e11:
		r.add(FindTimestampSkewed, "timestamp "+strconv.FormatInt(in.Timestamp, 10)+" is in milliseconds; WeChat wants seconds", 0)
	case d > MaxClockSkew:
		r.add(FindTimestampSkewed, strconv.FormatInt(d, 10)+" s before now", 0)
	case d < -MaxClockSkew:
		r.add(FindTimestampSkewed, strconv.FormatInt(-d, 10)+" s after now", 0)
	}
}

// browserForm adds the "/" a browser gives a URL without a path.
func browserForm(u string) string {
	p := splitLoose(u)
	if p.path != "" {
		return u
	}
	i := len(p.scheme) + 3 + len(p.authority)
	return u[:i] + "/" + u[i:]
}

// urlParts is a URL split without validation: the signed URL may be
// anything a page's code produced.
type urlParts struct {
	scheme, authority, host, port, path, query string
	hasScheme, hasQuery                        bool
}

func splitLoose(u string) urlParts {
	var p urlParts
	if i := strings.Index(u, "://"); i >= 0 && strings.IndexAny(u[:i], "/?#") < 0 {
		p.scheme, u, p.hasScheme = u[:i], u[i+3:], true
	}
	end := strings.IndexAny(u, "/?")
	if end < 0 {
		end = len(u)
	}
	p.authority = u[:end]
	p.host, p.port = pageurl.SplitHostPort(p.authority)
	rest := u[end:]
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		p.path, p.query, p.hasQuery = rest[:q], rest[q+1:], true
	} else {
		p.path = rest
	}
	return p
}

// compareURLs names how signed differs from page (which has no fragment).
func compareURLs(signed, page string) []Finding {
	if signed == page {
		return nil
	}
	var f []Finding
	add := func(code, detail string, at int) { f = append(f, Finding{Code: code, Detail: detail, At: at}) }
	at := firstDiff(signed, page) + 1

	// Whole-URL transformations: each explains the difference alone
	// (together with a fragment kept along).
	if d := unescapeOnce(signed); d != signed && withoutFragment(d) == page {
		add(FindURLEncoded, "", at)
		if d != page {
			add(FindFragmentKept, d[len(page):], 0)
		}
		return f
	}
	if d := unescapeOnce(page); d != page && withoutFragment(signed) == d {
		add(FindURLDecoded, "", at)
		if signed != d {
			add(FindFragmentKept, signed[len(d):], 0)
		}
		return f
	}

	s := signed
	if i := strings.IndexByte(s, '#'); i >= 0 {
		add(FindFragmentKept, s[i:], i+1)
		s = s[:i]
	}
	if i := strings.Index(s, "&amp;"); i >= 0 && !strings.Contains(page, "&amp;") {
		add(FindAmpEscaped, "", i+1)
		s = strings.ReplaceAll(s, "&amp;", "&")
	}
	if s == page {
		return f
	}

	ps, pp := splitLoose(s), splitLoose(page)
	if ps.scheme != pp.scheme {
		add(FindSchemeDiffers, versus(ps.scheme, pp.scheme), 0)
	}
	if ps.host != pp.host {
		add(FindHostDiffers, versus(ps.host, pp.host), 0)
	}
	if ps.port != pp.port {
		add(FindPortDiffers, versus(ps.port, pp.port), 0)
	}
	rest := false // a difference none of the codes above names
	if ps.path != pp.path {
		if strings.TrimSuffix(ps.path, "/") == strings.TrimSuffix(pp.path, "/") {
			add(FindTrailingSlash, versus(ps.path, pp.path), 0)
		} else {
			rest = true
		}
	}
	if ps.query != pp.query || ps.hasQuery != pp.hasQuery {
		qs, ss := splitShare(ps.query)
		qp, sp := splitShare(pp.query)
		share := ss != sp
		if share {
			add(FindShareParams, versus(ss, sp), 0)
		}
		if qs != qp || (!share && ps.hasQuery != pp.hasQuery) {
			rest = true
		}
	}
	if rest || len(f) == 0 {
		add(FindURLDiffers, "", at)
	}
	return f
}

// versus is the Detail of a part that differs: the signed URL's, then the
// page's; an empty part shows as "(none)".
func versus(signed, page string) string {
	if signed == "" {
		signed = "(none)"
	}
	if page == "" {
		page = "(none)"
	}
	return "signed " + signed + ", page " + page
}

// shareParams are the parameters WeChat adds to a shared link.
var shareParams = []string{"from", "isappinstalled"}

func isShareParam(kv string) bool {
	name, _, _ := strings.Cut(kv, "=")
	for _, p := range shareParams {
		if name == p {
			return true
		}
	}
	return false
}

// splitShare splits a raw query into its parameters other than the share
// parameters and the share parameters, each joined with "&" in their order.
func splitShare(q string) (other, share string) {
	var o, s []string
	for _, kv := range strings.Split(q, "&") {
		if kv == "" {
			continue
		}
		if isShareParam(kv) {
			s = append(s, kv)
		} else {
			o = append(o, kv)
		}
	}
	return strings.Join(o, "&"), strings.Join(s, "&")
}

func withoutFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}

// firstDiff is the index of the first byte where a and b differ (the
// shorter one's length if one is a prefix of the other).
func firstDiff(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// unescapeOnce decodes every well-formed %XX escape of s once, as
// decodeURIComponent does; "+" stays, and so does a malformed escape.
func unescapeOnce(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ascii.HexValue[s[i+1]] <= 0xf && ascii.HexValue[s[i+2]] <= 0xf {
			b = append(b, ascii.HexValue[s[i+1]]<<4|ascii.HexValue[s[i+2]])
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// escapeComponent is JavaScript's encodeURIComponent: every byte but
// letters, digits and -_.!~*'() as an upper-case %XX escape.
func escapeComponent(s string) string {
	const upper = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b = append(b, c)
		} else {
			b = append(b, '%', upper[c>>4], upper[c&0xf])
		}
	}
	return string(b)
}

// guesses are the URLs a page's code commonly signs instead of page (the
// page's URL, as the browser holds it; raw is it as pasted): one per
// mistake the finding codes name, tried when the signed URL is not known.
func guesses(raw, page string) []string {
	p := splitLoose(page)
	swapped := "http" + page[len("https"):]
	if strings.EqualFold(p.scheme, "http") {
		swapped = "https" + page[len("http"):]
	}
	noSlash := page
	if p.path == "/" {
		i := len(p.scheme) + 3 + len(p.authority)
		noSlash = page[:i] + page[i+1:]
	}
	noShare := page
	if other, share := splitShare(p.query); share != "" {
		noShare = strings.TrimSuffix(page[:len(page)-len(p.query)], "?")
		if other != "" {
			noShare += "?" + other
		}
	}
	var out []string
	for _, c := range []string{
		raw, // with its #fragment
		browserForm(withoutFragment(raw)),
		strings.ReplaceAll(page, "&", "&amp;"),
		escapeComponent(page),
		strings.ReplaceAll(page, "%", "%25"),
		unescapeOnce(page),
		swapped,
		noSlash,
		noShare,
		withoutFragment(raw), // as pasted, without the "/" a browser adds
	} {
		if c != page && !contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RedactTicket shows a ticket without giving it away: its first four
// characters and its length, "sM4A…(86)". A ticket under 12 characters
// shows only its length.
func RedactTicket(t string) string {
	return ticketPrefix(t) + "…(" + strconv.Itoa(len(t)) + ")"
}

func ticketPrefix(t string) string {
	if len(t) < 12 {
		return ""
	}
	return t[:4]
}

// RedactedCanonical is the canonical string with the ticket redacted, as
// /debug/info shows it: "jsapi_ticket=sM4A…(86)&noncestr=…&timestamp=…&url=…".
func RedactedCanonical(ticket, nonce string, timestamp int64, url string) string {
	return string(jssdk.AppendCanonical(nil, RedactTicket(ticket), nonce, timestamp, url))
}

// TicketInfo describes the ticket that signs, never giving it whole.
type TicketInfo struct {
	Length    int    `json:"length"`
	Prefix    string `json:"prefix"`
	FetchedAt int64  `json:"fetched_at"`
	ExpiresAt int64  `json:"expires_at"`
}

// DebugInfo is /debug/info's answer: what wxsign signs for a page, as
// /config would, with the canonical string shown and the ticket redacted.
type DebugInfo struct {
	URL       string     `json:"url"`
	AppID     string     `json:"appId"`
	Timestamp int64      `json:"timestamp"`
	NonceStr  string     `json:"nonceStr"`
	Signature string     `json:"signature"`
	Canonical string     `json:"canonical"`
	Ticket    TicketInfo `json:"ticket"`
	Findings  []Finding  `json:"findings"`
}

// NewDebugInfo signs page as /config would, with ticket, nonce and now as
// the timestamp, and shows how. Its findings are notes on the URL:
// FindFragmentKept (page had a fragment, which was not signed),
// FindTrailingSlash (page has no path: the browser holds it with "/",
// which wxsign.js sends) and FindShareParams (page carries WeChat's share
// parameters: sign them along, as the browser holds them). It refuses
// what /config refuses, with the same errors.
func NewDebugInfo(a *api.App, page string, ticket *cred.Record, nonce string, now int64) (DebugInfo, *core.Error) {
	if a.AppID == "" {
		return DebugInfo{}, core.ErrNotConfigured
	}
	u, host, err := pageurl.SplitPageURL(page)
	if err != nil {
		return DebugInfo{}, err
	}
	if !a.Hosts.AllowsHost(host) {
		return DebugInfo{}, core.ErrHostForbidden
	}
	if ticket == nil || !ticket.Usable(now) {
		return DebugInfo{}, core.ErrNoTicket
	}
	d := DebugInfo{
		URL: u, AppID: a.AppID, Timestamp: now, NonceStr: nonce,
		Signature: jssdk.Sign(ticket.Value, nonce, now, u),
		Canonical: RedactedCanonical(ticket.Value, nonce, now, u),
		Ticket: TicketInfo{Length: len(ticket.Value), Prefix: ticketPrefix(ticket.Value),
			FetchedAt: ticket.FetchedAt, ExpiresAt: ticket.ExpiresAt},
		Findings: []Finding{},
	}
	if u != page {
		d.Findings = append(d.Findings, Finding{Code: FindFragmentKept, Detail: page[len(u):], At: len(u) + 1})
	}
	p := splitLoose(u)
	if p.path == "" {
		d.Findings = append(d.Findings, Finding{Code: FindTrailingSlash, Detail: browserForm(u)})
	}
	if _, share := splitShare(p.query); share != "" {
		d.Findings = append(d.Findings, Finding{Code: FindShareParams, Detail: share})
	}
	return d, nil
}

// AppendJSON appends the result as JSON, as encoding/json would write it
// (less its HTML escaping).
func (r CheckResult) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"ok":`...)
	dst = strconv.AppendBool(dst, r.OK)
	dst = append(dst, `,"url":`...)
	dst = core.AppendJSONString(dst, r.URL)
	if r.Signed != "" {
		dst = append(dst, `,"signed_url":`...)
		dst = core.AppendJSONString(dst, strings.ToValidUTF8(r.Signed, "\uFFFD"))
	}
	dst = append(dst, `,"findings":`...)
	return append(appendFindings(dst, r.Findings), '}')
}

// AppendJSON appends the answer as JSON, as encoding/json would write it
// (less its HTML escaping).
func (d DebugInfo) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"url":`...)
	dst = core.AppendJSONString(dst, d.URL)
	dst = append(dst, `,"appId":`...)
	dst = core.AppendJSONString(dst, d.AppID)
	dst = append(dst, `,"timestamp":`...)
	dst = strconv.AppendInt(dst, d.Timestamp, 10)
	dst = append(dst, `,"nonceStr":`...)
	dst = core.AppendJSONString(dst, d.NonceStr)
	dst = append(dst, `,"signature":`...)
	dst = core.AppendJSONString(dst, d.Signature)
	dst = append(dst, `,"canonical":`...)
	dst = core.AppendJSONString(dst, d.Canonical)
	dst = append(dst, `,"ticket":{"length":`...)
	dst = strconv.AppendInt(dst, int64(d.Ticket.Length), 10)
	dst = append(dst, `,"prefix":`...)
	dst = core.AppendJSONString(dst, d.Ticket.Prefix)
	dst = append(dst, `,"fetched_at":`...)
	dst = strconv.AppendInt(dst, d.Ticket.FetchedAt, 10)
	dst = append(dst, `,"expires_at":`...)
	dst = strconv.AppendInt(dst, d.Ticket.ExpiresAt, 10)
	dst = append(dst, `},"findings":`...)
	return append(appendFindings(dst, d.Findings), '}')
}

func appendFindings(dst []byte, fs []Finding) []byte {
	dst = append(dst, '[')
	for i, f := range fs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"code":`...)
		dst = core.AppendJSONString(dst, f.Code)
		if f.Detail != "" {
			dst = append(dst, `,"detail":`...)
			// A detail may hold bytes a decoded escape made.
			dst = core.AppendJSONString(dst, strings.ToValidUTF8(f.Detail, "\uFFFD"))
		}
		if f.At != 0 {
			dst = append(dst, `,"at":`...)
			dst = strconv.AppendInt(dst, int64(f.At), 10)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// ServeDebugInfo answers GET /debug/info?url=<page URL>: what /config
// would sign for the page, with the canonical string shown and the ticket
// redacted (DebugInfo).
func ServeDebugInfo(a *api.App, dst []byte, req *api.Request, ticket *cred.Record, now int64) api.Response {
	r, _ := a.Begin(dst, req)
	var scratch [512]byte
	page, err := api.PageParam(req, scratch[:0])
	var d DebugInfo
	if err == nil && core.JSONLen(page) > core.MaxDebugURLLen {
		err = core.FieldTooLong("url", core.MaxDebugURLLen, true)
	}
	if err == nil {
		var nonce [jssdk.NonceLen]byte
		d, err = NewDebugInfo(a, page, ticket, string(jssdk.AppendNonce(nonce[:0])), now)
	}
	if err != nil {
		r.Fail(dst, err)
		return r
	}
	r.Status, r.Body = 200, d.AppendJSON(dst)
	return r
}

// errCheckBody is POST /debug/check's refusal of a body it cannot read.
var errCheckBody = &core.Error{Code: core.ErrBadRequest.Code, Status: 400,
	Msg: `malformed request: send JSON {"url","signed_url","appId","timestamp","nonceStr","signature"}`}

// ServeDebugCheck answers POST /debug/check: why the wx.config pasted in
// the body fails (Check), with the current ticket and the one before it.
// It says whether the signature is right, never what it should be: it is
// no oracle for the ticket.
func ServeDebugCheck(a *api.App, dst []byte, req *api.Request, ticket *cred.Record, now int64) api.Response {
	r, done := a.Begin(dst, req)
	if done {
		return r
	}
	var in CheckInput
	err := core.DecodeObject(string(req.Body), func(key string, v core.JSONValue) *core.Error {
		if v.Dup || v.BadText {
			return errCheckBody
		}
		var to *string
		switch key {
		case "url":
			to = &in.PageURL
		case "signed_url":
			to = &in.SignedURL
		case "appId":
			to = &in.AppID
		case "nonceStr":
			to = &in.NonceStr
		case "signature":
			to = &in.Signature
		case "timestamp": // a number, or a string of digits as a pasted wx.config may have it
			switch {
			case v.IsInt:
				in.Timestamp = v.Int
			case v.Kind == core.JSONString:
				in.Timestamp, _ = strconv.ParseInt(strings.TrimSpace(v.Str), 10, 64) // unreadable: 0, reported as missing
			}
			return nil
		default:
			return nil
		}
		if v.Kind == core.JSONString {
			*to = strings.Clone(v.Str)
		}
		return nil
	})
	if err != nil {
		r.Fail(dst, errCheckBody)
		return r
	}
	if e := in.tooLong(); e != nil {
		r.Fail(dst, e)
		return r
	}
	if ticket == nil || !ticket.Usable(now) {
		r.Fail(dst, core.ErrNoTicket)
		return r
	}
	res := Check(a, in, ticket.Value, ticket.Prev, now)
	r.Status, r.Body = 200, res.AppendJSON(dst)
	return r
}
