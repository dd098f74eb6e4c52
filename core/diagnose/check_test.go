package diagnose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
	"github.com/wxsign/wxsign/core/pageurl"
)

// The published vector of wechat-api.md (JS-SDK appendix 1).
const (
	pubTicket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	pubNonce  = "Wm3WZYTPz0wzccnW"
	pubTime   = 1414587457
	pubURL    = "http://mp.weixin.qq.com?params=value"
	pubSig    = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
)

// oldTicket stands for the ticket before pubTicket.
const oldTicket = "OLD4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"

func TestCheck(t *testing.T) {
	const (
		page  = "https://h.example.com/a?b=1"
		now   = int64(1700000000)
		appID = "wx0123456789abcdef"
	)
	// sig is a signature the page's code could have made.
	sig := func(ticket, url string, ts int64) string { return jssdk.Sign(ticket, "n0nce", ts, url) }
	type want struct {
		ok     bool
		url    string // "" = page
		signed string // "" = the URL signed in the case
		codes  []string
	}
	tests := []struct {
		name      string
		hosts     string
		in        CheckInput // Signature, NonceStr, Timestamp and AppID filled in below if empty
		signedFor string     // the URL the signature is made for; "" = in.SignedURL, else the page URL
		ticket    string     // the ticket that made the signature; "" = the current one
		want      want
	}{
		{name: "published vector, signed without the slash the browser adds",
			in:   CheckInput{PageURL: "http://mp.weixin.qq.com/?params=value", SignedURL: pubURL, NonceStr: pubNonce, Timestamp: pubTime, Signature: pubSig},
			want: want{url: "http://mp.weixin.qq.com/?params=value", codes: []string{FindTrailingSlash, FindSignedWrongURL}}},
		{name: "published vector, signed URL not given: found by trying",
			in:   CheckInput{PageURL: pubURL, NonceStr: pubNonce, Timestamp: pubTime, Signature: pubSig},
			want: want{url: "http://mp.weixin.qq.com/?params=value", signed: pubURL, codes: []string{FindTrailingSlash, FindSignedWrongURL}}},
		{name: "right",
			in:   CheckInput{PageURL: page + "#/route"},
			want: want{ok: true, signed: page, codes: []string{FindSignatureOK}}},
		{name: "right, though the signed URL given is another",
			in: CheckInput{PageURL: page, SignedURL: "https://h.example.com/other"}, signedFor: page,
			want: want{ok: true, signed: page, codes: []string{FindSignatureOK}}},
		{name: "appid mismatch",
			in:   CheckInput{PageURL: page, AppID: "wxffffffffffffffff"},
			want: want{ok: true, signed: page, codes: []string{FindAppIDMismatch, FindSignatureOK}}},
		{name: "timestamp in milliseconds",
			in:   CheckInput{PageURL: page, Timestamp: now*1000 + 123},
			want: want{ok: true, signed: page, codes: []string{FindTimestampSkewed, FindSignatureOK}}},
		{name: "timestamp ten minutes old",
			in:   CheckInput{PageURL: page, Timestamp: now - 600},
			want: want{ok: true, signed: page, codes: []string{FindTimestampSkewed, FindSignatureOK}}},
		{name: "timestamp four minutes ahead is fine",
			in:   CheckInput{PageURL: page, Timestamp: now + 240},
			want: want{ok: true, signed: page, codes: []string{FindSignatureOK}}},
		{name: "fragment kept",
			in:   CheckInput{PageURL: page + "#top", SignedURL: page + "#top"},
			want: want{codes: []string{FindFragmentKept, FindSignedWrongURL}}},
		{name: "fragment kept, found by trying",
			in: CheckInput{PageURL: page + "#top"}, signedFor: page + "#top",
			want: want{signed: page + "#top", codes: []string{FindFragmentKept, FindSignedWrongURL}}},
		{name: "encoded with encodeURIComponent",
			in:   CheckInput{PageURL: page, SignedURL: "https%3A%2F%2Fh.example.com%2Fa%3Fb%3D1"},
			want: want{codes: []string{FindURLEncoded, FindSignedWrongURL}}},
		{name: "encoded, found by trying",
			in: CheckInput{PageURL: page}, signedFor: "https%3A%2F%2Fh.example.com%2Fa%3Fb%3D1",
			want: want{signed: "https%3A%2F%2Fh.example.com%2Fa%3Fb%3D1", codes: []string{FindURLEncoded, FindSignedWrongURL}}},
		{name: "escapes encoded again",
			in:   CheckInput{PageURL: "https://h.example.com/s?q=%E4%B8%AD", SignedURL: "https://h.example.com/s?q=%25E4%25B8%25AD"},
			want: want{url: "https://h.example.com/s?q=%E4%B8%AD", codes: []string{FindURLEncoded, FindSignedWrongURL}}},
		{name: "encoded with its fragment",
			in:   CheckInput{PageURL: page + "#x", SignedURL: "https%3A%2F%2Fh.example.com%2Fa%3Fb%3D1%23x"},
			want: want{codes: []string{FindURLEncoded, FindFragmentKept, FindSignedWrongURL}}},
		{name: "decoded",
			in:   CheckInput{PageURL: "https://h.example.com/s?q=%E4%B8%AD", SignedURL: "https://h.example.com/s?q=中"},
			want: want{url: "https://h.example.com/s?q=%E4%B8%AD", codes: []string{FindURLDecoded, FindSignedWrongURL}}},
		{name: "decoded, found by trying",
			in: CheckInput{PageURL: "https://h.example.com/s?q=%E4%B8%AD"}, signedFor: "https://h.example.com/s?q=中",
			want: want{url: "https://h.example.com/s?q=%E4%B8%AD", signed: "https://h.example.com/s?q=中", codes: []string{FindURLDecoded, FindSignedWrongURL}}},
		{name: "&amp;",
			in:   CheckInput{PageURL: page + "&c=2", SignedURL: page + "&amp;c=2"},
			want: want{url: page + "&c=2", codes: []string{FindAmpEscaped, FindSignedWrongURL}}},
		{name: "&amp; and a fragment",
			in:   CheckInput{PageURL: page + "&c=2#x", SignedURL: page + "&amp;c=2#x"},
			want: want{url: page + "&c=2", codes: []string{FindFragmentKept, FindAmpEscaped, FindSignedWrongURL}}},
		{name: "scheme",
			in:   CheckInput{PageURL: page, SignedURL: "http://h.example.com/a?b=1"},
			want: want{codes: []string{FindSchemeDiffers, FindSignedWrongURL}}},
		{name: "scheme, found by trying",
			in: CheckInput{PageURL: page}, signedFor: "http://h.example.com/a?b=1",
			want: want{signed: "http://h.example.com/a?b=1", codes: []string{FindSchemeDiffers, FindSignedWrongURL}}},
		{name: "host",
			in:   CheckInput{PageURL: page, SignedURL: "https://www.example.com/a?b=1"},
			want: want{codes: []string{FindHostDiffers, FindSignedWrongURL}}},
		{name: "port written out",
			in:   CheckInput{PageURL: page, SignedURL: "https://h.example.com:443/a?b=1"},
			want: want{codes: []string{FindPortDiffers, FindSignedWrongURL}}},
		{name: "trailing slash on a path",
			in:   CheckInput{PageURL: "https://h.example.com/a/", SignedURL: "https://h.example.com/a"},
			want: want{url: "https://h.example.com/a/", codes: []string{FindTrailingSlash, FindSignedWrongURL}}},
		{name: "share parameters the page has",
			in:   CheckInput{PageURL: page + "&from=singlemessage&isappinstalled=0", SignedURL: page},
			want: want{url: page + "&from=singlemessage&isappinstalled=0", codes: []string{FindShareParams, FindSignedWrongURL}}},
		{name: "share parameters only, found by trying",
			in: CheckInput{PageURL: "https://h.example.com/a?from=timeline"}, signedFor: "https://h.example.com/a",
			want: want{url: "https://h.example.com/a?from=timeline", signed: "https://h.example.com/a", codes: []string{FindShareParams, FindSignedWrongURL}}},
		{name: "share parameters the page lacks",
			in:   CheckInput{PageURL: page, SignedURL: page + "&from=timeline"},
			want: want{codes: []string{FindShareParams, FindSignedWrongURL}}},
		{name: "another route (an iOS single-page app's entry URL)",
			in:   CheckInput{PageURL: "https://h.example.com/app/b", SignedURL: "https://h.example.com/app/a"},
			want: want{url: "https://h.example.com/app/b", codes: []string{FindURLDiffers, FindSignedWrongURL}}},
		{name: "scheme and path",
			in:   CheckInput{PageURL: "https://h.example.com/app/b", SignedURL: "http://h.example.com/app/a"},
			want: want{url: "https://h.example.com/app/b", codes: []string{FindSchemeDiffers, FindURLDiffers, FindSignedWrongURL}}},
		// Named, and no signature verified: a page wxsign would not sign
		// gets no yes or no (docs/api.md, /debug/check).
		{name: "host not allowed",
			hosts: "h.example.com",
			in:    CheckInput{PageURL: "https://evil.example.net/"},
			want:  want{url: "https://evil.example.net/", codes: []string{FindHostNotAllowed}}},
		{name: "signed URL on a host not allowed is not verified",
			hosts:     "h.example.com",
			in:        CheckInput{PageURL: "https://h.example.com/", SignedURL: "https://evil.example.net/"},
			signedFor: "https://evil.example.net/",
			want:      want{url: "https://h.example.com/", signed: "https://evil.example.net/", codes: []string{FindHostDiffers, FindSignatureMismatch}}},
		{name: "previous ticket",
			in: CheckInput{PageURL: page}, ticket: oldTicket,
			want: want{signed: page, codes: []string{FindPreviousTicket}}},
		{name: "previous ticket and a fragment",
			in: CheckInput{PageURL: page + "#x", SignedURL: page + "#x"}, ticket: oldTicket,
			want: want{codes: []string{FindFragmentKept, FindPreviousTicket}}},
		{name: "previous ticket, fragment found by trying",
			in: CheckInput{PageURL: page + "#x"}, signedFor: page + "#x", ticket: oldTicket,
			want: want{signed: page + "#x", codes: []string{FindFragmentKept, FindPreviousTicket}}},
		{name: "mismatch",
			in:   CheckInput{PageURL: page, Signature: strings.Repeat("ab", 20)},
			want: want{signed: page, codes: []string{FindSignatureMismatch}}},
		{name: "mismatch, and another ticket's app",
			in:   CheckInput{PageURL: page, Signature: strings.Repeat("ab", 20), AppID: "wxffffffffffffffff"},
			want: want{signed: page, codes: []string{FindAppIDMismatch, FindSignatureMismatch}}},
		{name: "mismatch with a fragment kept: the URL is not all",
			in:   CheckInput{PageURL: page + "#x", SignedURL: page + "#x", Signature: strings.Repeat("ab", 20)},
			want: want{codes: []string{FindFragmentKept, FindSignatureMismatch}}},
		{name: "nonce signed differs from the one passed",
			in:   CheckInput{PageURL: page, Signature: jssdk.Sign(pubTicket, "another", now, page)},
			want: want{signed: page, codes: []string{FindSignatureMismatch}}},
		{name: "upper-case hex",
			in:   CheckInput{PageURL: page, Signature: strings.ToUpper(sig(pubTicket, page, now))},
			want: want{ok: true, signed: page, codes: []string{FindSignatureOK}}},
		{name: "pasted with spaces",
			in:   CheckInput{PageURL: " " + page + "\n", Signature: sig(pubTicket, page, now) + "\n", NonceStr: " n0nce "},
			want: want{ok: true, signed: page, codes: []string{FindSignatureOK}}},
		{name: "bad page URL",
			in:   CheckInput{PageURL: "ftp://h.example.com/"},
			want: want{url: "-", codes: []string{FindBadURL}}},
		{name: "bad input",
			in:   CheckInput{PageURL: page, NonceStr: " ", Signature: "xyz"},
			want: want{signed: "-", codes: []string{FindBadInput, FindBadInput}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.NonceStr == "" {
				in.NonceStr = "n0nce"
			}
			if in.Timestamp == 0 {
				in.Timestamp = now
			}
			ticket := tc.ticket
			if ticket == "" {
				ticket = pubTicket
			}
			if in.Signature == "" {
				u := tc.signedFor
				if u == "" {
					u = in.SignedURL
				}
				if u == "" {
					u = browserForm(withoutFragment(in.PageURL))
				}
				in.Signature = jssdk.Sign(ticket, in.NonceStr, in.Timestamp, u)
			}
			checkNow := now
			if in.Timestamp == pubTime {
				checkNow = pubTime
			}
			app := api.App{AppID: appID, Hosts: pageurl.ParseAllowlist(tc.hosts)}
			got := Check(&app, in, pubTicket, oldTicket, checkNow)

			w := tc.want
			switch w.url {
			case "":
				w.url = page
			case "-":
				w.url = ""
			}
			switch w.signed {
			case "":
				w.signed = in.SignedURL
			case "-":
				w.signed = ""
			}
			var codes []string
			for _, f := range got.Findings {
				codes = append(codes, f.Code)
			}
			if got.OK != w.ok || got.URL != w.url || got.Signed != w.signed || !reflect.DeepEqual(codes, w.codes) {
				t.Errorf("Check = ok %v url %q signed %q %v\nwant    ok %v url %q signed %q %v\nfindings %+v",
					got.OK, got.URL, got.Signed, codes, w.ok, w.url, w.signed, w.codes, got.Findings)
			}
		})
	}
}

// TestCheckDetails: the details and positions the page shows.
func TestCheckDetails(t *testing.T) {
	const page = "https://h.example.com/app/b?x=1"
	app := api.App{AppID: "wx0123456789abcdef"}
	check := func(signed string, ts int64) CheckResult {
		return Check(&app, CheckInput{PageURL: page, SignedURL: signed, NonceStr: "n", Timestamp: ts,
			Signature: jssdk.Sign(pubTicket, "n", ts, signed)}, pubTicket, "", 1700000000)
	}
	tests := []struct {
		name   string
		result CheckResult
		want   Finding
	}{
		{"url_differs at the first differing byte", check("https://h.example.com/app/a?x=1", 1700000000),
			Finding{Code: FindURLDiffers, At: len("https://h.example.com/app/") + 1}},
		{"fragment_kept: the fragment and where it starts", check(page+"#/r", 1700000000),
			Finding{Code: FindFragmentKept, Detail: "#/r", At: len(page) + 1}},
		{"scheme_differs: both schemes", check("http://h.example.com/app/b?x=1", 1700000000),
			Finding{Code: FindSchemeDiffers, Detail: "signed http, page https"}},
		{"port_differs: a port against none", check("https://h.example.com:8443/app/b?x=1", 1700000000),
			Finding{Code: FindPortDiffers, Detail: "signed 8443, page (none)"}},
		{"share_params: the parameters", check(page+"&from=singlemessage&isappinstalled=0", 1700000000),
			Finding{Code: FindShareParams, Detail: "signed from=singlemessage&isappinstalled=0, page (none)"}},
		{"timestamp_skewed: how far", check(page, 1700000000-3600),
			Finding{Code: FindTimestampSkewed, Detail: "3600 s before now"}},
		{"signature_ok: the host for the safe domains", check(page, 1700000000),
			Finding{Code: FindSignatureOK, Detail: "h.example.com"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range tc.result.Findings {
				if f.Code == tc.want.Code {
					if f != tc.want {
						t.Fatalf("finding %+v, want %+v", f, tc.want)
					}
					return
				}
			}
			t.Fatalf("no %s in %+v", tc.want.Code, tc.result.Findings)
		})
	}
	if r := Check(&app, CheckInput{PageURL: "https://h.example.com/%zz"}, pubTicket, "", 0); r.Findings[0].Detail != core.ErrURLEscape.Msg {
		t.Errorf("bad_url detail %q, want the /config errmsg %q", r.Findings[0].Detail, core.ErrURLEscape.Msg)
	}
}

// TestCheckNoTicket: without a ticket (or a previous one) nothing verifies,
// and an empty previous ticket never matches.
func TestCheckNoTicket(t *testing.T) {
	app := api.App{AppID: "wx0123456789abcdef"}
	in := CheckInput{PageURL: "https://h.example.com/", NonceStr: "n", Timestamp: 1700000000, Signature: jssdk.Sign("", "n", 1700000000, "https://h.example.com/")}
	if r := Check(&app, in, "T", "", 1700000000); r.OK || r.Findings[len(r.Findings)-1].Code != FindSignatureMismatch {
		t.Fatalf("a signature with an empty ticket: %+v", r)
	}
}

func TestGuesses(t *testing.T) {
	got := guesses("http://h.example.com/?a=1&b=%E4&from=timeline#x", "http://h.example.com/?a=1&b=%E4&from=timeline")
	want := []string{
		"http://h.example.com/?a=1&b=%E4&from=timeline#x",
		"http://h.example.com/?a=1&amp;b=%E4&amp;from=timeline",
		"http%3A%2F%2Fh.example.com%2F%3Fa%3D1%26b%3D%25E4%26from%3Dtimeline",
		"http://h.example.com/?a=1&b=%25E4&from=timeline",
		"http://h.example.com/?a=1&b=\xe4&from=timeline",
		"https://h.example.com/?a=1&b=%E4&from=timeline",
		"http://h.example.com?a=1&b=%E4&from=timeline",
		"http://h.example.com/?a=1&b=%E4",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("guesses:\n%q\nwant\n%q", got, want)
	}
}

func TestEscapeComponent(t *testing.T) {
	// What encodeURIComponent gives in a browser.
	in := "https://h.example.com/a b?x=1&y=中#f!~*'()-_."
	want := "https%3A%2F%2Fh.example.com%2Fa%20b%3Fx%3D1%26y%3D%E4%B8%AD%23f!~*'()-_."
	if got := escapeComponent(in); got != want {
		t.Fatalf("escapeComponent = %q, want %q", got, want)
	}
	if got := unescapeOnce(want); got != in {
		t.Fatalf("unescapeOnce = %q, want %q", got, in)
	}
	if got := unescapeOnce("%zz%4"); got != "%zz%4" {
		t.Fatalf("malformed escapes: %q", got)
	}
}

func TestRedactTicket(t *testing.T) {
	tests := []struct{ in, want string }{
		{pubTicket, "sM4A…(86)"},
		{"TICKET_1_jsapi", "TICK…(14)"},
		{"short", "…(5)"},
		{"", "…(0)"},
	}
	for _, tc := range tests {
		if got := RedactTicket(tc.in); got != tc.want {
			t.Errorf("RedactTicket(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := RedactedCanonical(pubTicket, pubNonce, pubTime, pubURL)
	want := "jsapi_ticket=sM4A…(86)&noncestr=Wm3WZYTPz0wzccnW&timestamp=1414587457&url=http://mp.weixin.qq.com?params=value"
	if got != want {
		t.Fatalf("RedactedCanonical = %q, want %q", got, want)
	}
}

func TestDebugInfo(t *testing.T) {
	rec := &cred.Record{Value: pubTicket, FetchedAt: pubTime - 100, ExpiresAt: pubTime + 7000}
	app := &api.App{AppID: "wx0123456789abcdef", Hosts: pageurl.ParseAllowlist("mp.weixin.qq.com,h.example.com")}
	d, err := NewDebugInfo(app, pubURL, rec, pubNonce, pubTime)
	if err != nil {
		t.Fatal(err)
	}
	want := DebugInfo{URL: pubURL, AppID: app.AppID, Timestamp: pubTime, NonceStr: pubNonce, Signature: pubSig,
		Canonical: "jsapi_ticket=sM4A…(86)&noncestr=Wm3WZYTPz0wzccnW&timestamp=1414587457&url=" + pubURL,
		Ticket:    TicketInfo{Length: 86, Prefix: "sM4A", FetchedAt: pubTime - 100, ExpiresAt: pubTime + 7000},
		Findings:  []Finding{{Code: FindTrailingSlash, Detail: "http://mp.weixin.qq.com/?params=value"}}}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("DebugInfo =\n%+v\nwant\n%+v", d, want)
	}
	if strings.Contains(string(d.AppendJSON(nil)), pubTicket) {
		t.Fatal("the answer holds the ticket")
	}

	d, _ = NewDebugInfo(app, "https://h.example.com/a?id=1&from=singlemessage&isappinstalled=0#/x", rec, pubNonce, pubTime)
	codes := []Finding{{Code: FindFragmentKept, Detail: "#/x", At: len("https://h.example.com/a?id=1&from=singlemessage&isappinstalled=0") + 1},
		{Code: FindShareParams, Detail: "from=singlemessage&isappinstalled=0"}}
	if d.URL != "https://h.example.com/a?id=1&from=singlemessage&isappinstalled=0" || !reflect.DeepEqual(d.Findings, codes) {
		t.Fatalf("notes: %q %+v", d.URL, d.Findings)
	}

	errs := []struct {
		name string
		app  *api.App
		page string
		rec  *cred.Record
		want *core.Error
	}{
		{"not configured", &api.App{}, pubURL, rec, core.ErrNotConfigured},
		{"bad URL", app, "ftp://h.example.com/", rec, core.ErrURLScheme},
		{"host not allowed", app, "https://evil.example.net/", rec, core.ErrHostForbidden},
		{"no ticket", app, pubURL, nil, core.ErrNoTicket},
		{"expired ticket", app, pubURL, &cred.Record{Value: "T", ExpiresAt: pubTime}, core.ErrNoTicket},
	}
	for _, tc := range errs {
		if _, err := NewDebugInfo(tc.app, tc.page, tc.rec, pubNonce, pubTime); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestCheckJSON holds the AppendJSON methods to encoding/json.
func TestCheckJSON(t *testing.T) {
	marshal := func(v any) string {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	results := []CheckResult{
		{Findings: []Finding{}},
		{OK: true, URL: "https://h.example.com/\"q\"", Signed: "https://h.example.com/", Findings: []Finding{{Code: FindSignatureOK, Detail: "h.example.com"}}},
		{URL: "https://h.example.com/", Signed: "x#<&>", Findings: []Finding{{Code: FindFragmentKept, Detail: "#<&>", At: 2}, {Code: FindSignatureMismatch}}},
	}
	for _, r := range results {
		if got, want := string(r.AppendJSON(nil)), marshal(r); got != want {
			t.Errorf("CheckResult.AppendJSON =\n%s\nwant\n%s", got, want)
		}
	}
	app := api.App{AppID: "wx0123456789abcdef"}
	d, _ := NewDebugInfo(&app, "https://h.example.com#x", &cred.Record{Value: pubTicket, ExpiresAt: 2e9}, "n\"once", pubTime)
	if got, want := string(d.AppendJSON(nil)), marshal(d); got != want {
		t.Errorf("DebugInfo.AppendJSON =\n%s\nwant\n%s", got, want)
	}
	// A detail made by decoding an escape may not be UTF-8: still valid JSON.
	r := CheckResult{Findings: []Finding{{Code: FindURLDiffers, Detail: "\xe4"}}}
	if !json.Valid(r.AppendJSON(nil)) {
		t.Errorf("invalid JSON: %q", r.AppendJSON(nil))
	}
}

// ExampleApp_Check diagnoses the published example: the page's code signed
// http://mp.weixin.qq.com?params=value, but the browser holds the page as
// http://mp.weixin.qq.com/?params=value.
func ExampleCheck() {
	app := api.App{AppID: "wx0123456789abcdef"}
	r := Check(&app, CheckInput{
		PageURL:   "http://mp.weixin.qq.com/?params=value",
		AppID:     "wx0123456789abcdef",
		NonceStr:  "Wm3WZYTPz0wzccnW",
		Timestamp: 1414587457,
		Signature: "0f9de62fce790f9a083d5c99e95740ceb90c27ed",
	}, "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", "", 1414587457)
	fmt.Println("ok:", r.OK)
	fmt.Println("should sign:", r.URL)
	fmt.Println("signed:", r.Signed)
	for _, f := range r.Findings {
		fmt.Println(f.Code, f.Detail)
	}
	// Output:
	// ok: false
	// should sign: http://mp.weixin.qq.com/?params=value
	// signed: http://mp.weixin.qq.com?params=value
	// trailing_slash signed (none), page /
	// signed_wrong_url http://mp.weixin.qq.com?params=value
}
