package wechattest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	compAppID  = "wxcomponent00000a"
	compSecret = "component-secret"
	compToken  = "platformtoken"
	compKey    = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// platformServer starts a stand-in with a platform whose event URL is a
// receiver, and whose launch page domain is the loopback address the
// tests call from; wxauth1 may authorize it with the default permission
// sets, wxauth2 without the web service set.
func platformServer(t *testing.T) (*Server, *receiver) {
	t.Helper()
	rc := newReceiver(compKey, compToken, compAppID)
	t.Cleanup(rc.Close)
	s := NewServer("wxapp", "sec")
	t.Cleanup(s.Close)
	if err := s.SetComponent(Component{AppID: compAppID, Secret: compSecret, Token: compToken, EncodingAESKey: compKey,
		EventURL: rc.URL + "/events?from=wechat", Domain: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	s.AddAuthorizer("wxauth1")
	s.AddAuthorizer("wxauth2", 1, 2)
	return s, rc
}

// post calls a component endpoint over the socket and decodes the answer.
func post(t *testing.T, s *Server, path, token string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	if token != "" {
		path += "?component_access_token=" + url.QueryEscape(token)
	}
	_, m := call(t, "POST", s.URL+path, string(b))
	return m
}

func errcode(m map[string]any) float64 {
	c, _ := m["errcode"].(float64)
	return c
}

// noRedirect is a browser that shows where a page redirects to.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// consentPage opens the consent page at path?query from referer and
// returns the status, the Location and the body.
func consentPage(t *testing.T, s *Server, path string, q url.Values, referer string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path+"?"+q.Encode(), nil)
	if referer != "" {
		req.Header.Set("Referer", referer)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// componentToken gets a verify ticket pushed and buys a component token.
func componentToken(t *testing.T, s *Server) string {
	t.Helper()
	p, err := s.PushVerifyTicket()
	if err != nil {
		t.Fatal(err)
	}
	m := post(t, s, "/cgi-bin/component/api_component_token", "", map[string]string{
		"component_appid": compAppID, "component_appsecret": compSecret, "component_verify_ticket": p.Ticket})
	tok, _ := m["component_access_token"].(string)
	if tok == "" || m["expires_in"].(float64) != 7200 {
		t.Fatalf("api_component_token: %v", m)
	}
	return tok
}

func preAuthCode(t *testing.T, s *Server, token string) string {
	t.Helper()
	m := post(t, s, "/cgi-bin/component/api_create_preauthcode", token, map[string]string{"component_appid": compAppID})
	code, _ := m["pre_auth_code"].(string)
	if code == "" || m["expires_in"].(float64) != 1800 {
		t.Fatalf("api_create_preauthcode: %v", m)
	}
	return code
}

func pageQuery(pre string) url.Values {
	return url.Values{"component_appid": {compAppID}, "pre_auth_code": {pre},
		"redirect_uri": {"http://127.0.0.1:9/wechat/authorized?site=1"}, "auth_type": {"1"}}
}

// The whole authorization of an account, its tokens, its own ticket, the
// rotation of its refresh token and its revocation.
func TestComponentRoundTrip(t *testing.T) {
	s, rc := platformServer(t)
	ctok := componentToken(t, s)
	pre := preAuthCode(t, s, ctok)

	status, loc, body := consentPage(t, s, "/cgi-bin/componentloginpage", pageQuery(pre), "http://127.0.0.1/platform/")
	if status != http.StatusFound {
		t.Fatalf("consent page: %d %s", status, body)
	}
	back, _ := url.Parse(loc)
	code := back.Query().Get("auth_code")
	if back.Host != "127.0.0.1:9" || back.Path != "/wechat/authorized" || back.Query().Get("site") != "1" ||
		back.Query().Get("expires_in") != "600" || !strings.HasPrefix(code, "queryauthcode@@@") {
		t.Fatalf("redirected to %s", loc)
	}
	g := rc.last(t)
	if g.err != "" || field(g.plain, "InfoType") != "authorized" || field(g.plain, "AuthorizerAppid") != "wxauth1" ||
		field(g.plain, "AuthorizationCode") != code || field(g.plain, "PreAuthCode") != pre {
		t.Fatalf("authorized push: %+v", g)
	}

	m := post(t, s, "/cgi-bin/component/api_query_auth", ctok, map[string]string{"component_appid": compAppID, "authorization_code": code})
	info, _ := m["authorization_info"].(map[string]any)
	if info == nil || info["authorizer_appid"] != "wxauth1" || info["expires_in"].(float64) != 7200 || len(info["func_info"].([]any)) != len(DefaultFuncInfo) {
		t.Fatalf("api_query_auth: %v", m)
	}
	atok, refresh := info["authorizer_access_token"].(string), info["authorizer_refresh_token"].(string)
	if m := post(t, s, "/cgi-bin/component/api_query_auth", ctok, map[string]string{"component_appid": compAppID, "authorization_code": code}); errcode(m) != 61009 {
		t.Fatalf("auth code used twice: %v", m)
	}

	_, tk := call(t, "GET", s.URL+ticketPath(atok, "jsapi"), "")
	ticket, _ := tk["ticket"].(string)
	if a, _ := s.App("wxauth1"); ticket == "" || a.Ticket != ticket || !strings.Contains(ticket, "_wxauth1_") {
		t.Fatalf("getticket with the authorizer's token: %v", tk)
	}
	if v := s.Verify(Signed{Kind: "jsapi", AppID: "wxauth1", URL: "https://a.example/", Timestamp: json.Number(strconv.FormatInt(time.Now().Unix(), 10)),
		NonceStr: "n", Signature: JSAPISignature(ticket, "n", strconv.FormatInt(time.Now().Unix(), 10), "https://a.example/")}); !v.OK {
		t.Fatalf("a page signed with the authorizer's ticket: %+v", v)
	}

	refreshBody := func(rt string) map[string]string {
		return map[string]string{"component_appid": compAppID, "authorizer_appid": "wxauth1", "authorizer_refresh_token": rt}
	}
	m = post(t, s, "/cgi-bin/component/api_authorizer_token", ctok, refreshBody(refresh))
	atok2, _ := m["authorizer_access_token"].(string)
	if atok2 == "" || atok2 == atok || m["authorizer_refresh_token"] != refresh || m["expires_in"].(float64) != 7200 {
		t.Fatalf("api_authorizer_token: %v", m)
	}
	// The same ticket through either token: it is the account's.
	if _, tk := call(t, "GET", s.URL+ticketPath(atok2, "jsapi"), ""); tk["ticket"] != ticket {
		t.Fatalf("ticket through the new token: %v", tk)
	}

	// Rotation: the next answer hands out a new refresh token, and the old
	// one is refused from then on.
	call(t, "POST", s.URL+"/__standin/component/rotate", `{"appid":"wxauth1"}`)
	m = post(t, s, "/cgi-bin/component/api_authorizer_token", ctok, refreshBody(refresh))
	refresh2, _ := m["authorizer_refresh_token"].(string)
	if refresh2 == "" || refresh2 == refresh {
		t.Fatalf("after rotate: %v", m)
	}
	steps := []struct {
		refresh string
		code    float64
	}{{refresh, 61023}, {refresh2, 0}, {refresh2, 0}, {"", 61023}}
	for i, st := range steps {
		if m := post(t, s, "/cgi-bin/component/api_authorizer_token", ctok, refreshBody(st.refresh)); errcode(m) != st.code {
			t.Errorf("step %d: refresh with %q: %v, want errcode %v", i, st.refresh, m, st.code)
		}
	}

	// Revocation: tokens issued through the platform and the refresh token die.
	_, un := call(t, "POST", s.URL+"/__standin/component/unauthorize", `{"appid":"wxauth1"}`)
	if un["ok"] != true || field(rc.last(t).plain, "InfoType") != "unauthorized" || field(rc.last(t).plain, "AuthorizerAppid") != "wxauth1" {
		t.Fatalf("unauthorize: %v, push %+v", un, rc.last(t))
	}
	if _, tk := call(t, "GET", s.URL+ticketPath(atok2, "jsapi"), ""); errcode(tk) != 40001 {
		t.Fatalf("revoked authorizer's token: %v", tk)
	}
	if m := post(t, s, "/cgi-bin/component/api_authorizer_token", ctok, refreshBody(refresh2)); errcode(m) != 61003 {
		t.Fatalf("refresh after revocation: %v", m)
	}
	if status, _ := call(t, "POST", s.URL+"/__standin/component/unauthorize", `{"appid":"wxauth1"}`); status != 400 {
		t.Fatalf("unauthorize twice: %d", status)
	}

	want := Stats{ComponentToken: 1, PreAuthCode: 1, QueryAuth: 2, AuthorizerToken: 7, Ticket: 3, AuthPage: 1, Pushes: 3,
		Posts: 11}
	if st := s.Stats(); st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	if st := s.Stats(); st.ComponentCalls() != 11 || st.Calls() != 14 {
		t.Fatalf("ComponentCalls %d, Calls %d", st.ComponentCalls(), st.Calls())
	}
}

func TestComponentRefusals(t *testing.T) {
	s, _ := platformServer(t)
	start := time.Now()
	now := start
	s.SetClock(func() time.Time { return now })
	old, _ := s.PushVerifyTicket()
	ctok := componentToken(t, s)
	latest, _ := s.ComponentState()
	official := inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "")["access_token"].(string)
	pre := preAuthCode(t, s, ctok)
	s.SetConsent("wxauth2")
	_, loc, _ := consentPage(t, s, "/cgi-bin/componentloginpage", pageQuery(pre), "http://127.0.0.1/")
	back, _ := url.Parse(loc)
	m := post(t, s, "/cgi-bin/component/api_query_auth", ctok, map[string]string{"component_appid": compAppID, "authorization_code": back.Query().Get("auth_code")})
	atok2 := m["authorization_info"].(map[string]any)["authorizer_access_token"].(string)

	tokenBody := func(appID, secret, ticket string) string {
		b, _ := json.Marshal(map[string]string{"component_appid": appID, "component_appsecret": secret, "component_verify_ticket": ticket})
		return string(b)
	}
	withToken := func(path, tok string) string { return path + "?component_access_token=" + url.QueryEscape(tok) }
	const (
		tokenPath   = "/cgi-bin/component/api_component_token"
		prePath     = "/cgi-bin/component/api_create_preauthcode"
		queryPath   = "/cgi-bin/component/api_query_auth"
		refreshPath = "/cgi-bin/component/api_authorizer_token"
	)
	tests := []struct {
		name, path, body string
		code             float64
	}{
		{"token, not JSON", tokenPath, "component_appid=" + compAppID, 47001},
		{"token, no appid", tokenPath, tokenBody("", compSecret, latest.VerifyTicket), 41002},
		{"token, other appid", tokenPath, tokenBody("wxother", compSecret, latest.VerifyTicket), 40013},
		{"token, no secret", tokenPath, tokenBody(compAppID, "", latest.VerifyTicket), 41004},
		{"token, wrong secret", tokenPath, tokenBody(compAppID, "nope", latest.VerifyTicket), 40125},
		{"token, no ticket", tokenPath, tokenBody(compAppID, compSecret, ""), 61006},
		{"token, an older ticket", tokenPath, tokenBody(compAppID, compSecret, old.Ticket), 61006},
		{"token, a made-up ticket", tokenPath, tokenBody(compAppID, compSecret, "ticket@@@forged-1"), 61006},
		{"token, the latest ticket", tokenPath, tokenBody(compAppID, compSecret, latest.VerifyTicket), 0},
		{"pre-auth, no token", prePath, `{"component_appid":"` + compAppID + `"}`, 41001},
		{"pre-auth, unknown token", withToken(prePath, "nope"), `{"component_appid":"` + compAppID + `"}`, 40001},
		{"pre-auth, an official token", withToken(prePath, official), `{"component_appid":"` + compAppID + `"}`, 61014},
		{"pre-auth, an authorizer token", withToken(prePath, atok2), `{"component_appid":"` + compAppID + `"}`, 61014},
		{"pre-auth, other appid", withToken(prePath, ctok), `{"component_appid":"wxother"}`, 61011},
		{"pre-auth, access_token names it too", prePath + "?access_token=" + url.QueryEscape(ctok), `{"component_appid":"` + compAppID + `"}`, 0},
		{"query, unknown code", withToken(queryPath, ctok), `{"component_appid":"` + compAppID + `","authorization_code":"queryauthcode@@@x"}`, 61009},
		{"refresh, unknown account", withToken(refreshPath, ctok), `{"component_appid":"` + compAppID + `","authorizer_appid":"wxnope","authorizer_refresh_token":"r"}`, 40013},
		{"refresh, not authorized", withToken(refreshPath, ctok), `{"component_appid":"` + compAppID + `","authorizer_appid":"wxauth1","authorizer_refresh_token":"r"}`, 61003},
		{"refresh, wrong refresh token", withToken(refreshPath, ctok), `{"component_appid":"` + compAppID + `","authorizer_appid":"wxauth2","authorizer_refresh_token":"r"}`, 61023},
	}
	for _, tt := range tests {
		m := inproc(t, s, "POST", tt.path, tt.body, "")
		if errcode(m) != tt.code {
			t.Errorf("%s: %v, want errcode %v", tt.name, m, tt.code)
		}
		if tt.code != 0 && !strings.Contains(m["errmsg"].(string), " rid: ") {
			t.Errorf("%s: errmsg %q lacks WeChat's rid", tt.name, m["errmsg"])
		}
	}

	// The row that bought a token cut ctok's life to 5 minutes.
	fresh, _ := s.ComponentState()
	ctok = fresh.AccessToken

	// An account that did not grant the web service set gets no jsapi_ticket.
	if m := inproc(t, s, "GET", ticketPath(atok2, "jsapi"), "", ""); errcode(m) != 61007 {
		t.Errorf("jsapi_ticket without permission set 4: %v", m)
	}
	// A component token buys no ticket.
	if m := inproc(t, s, "GET", ticketPath(ctok, "jsapi"), "", ""); errcode(m) != 40001 {
		t.Errorf("getticket with a component token: %v", m)
	}

	// Codes and tickets expire.
	pre2 := preAuthCode(t, s, ctok)
	_, loc, _ = consentPage(t, s, "/cgi-bin/componentloginpage", pageQuery(pre2), "http://127.0.0.1/")
	back, _ = url.Parse(loc)
	now = now.Add(601 * time.Second)
	if m := post(t, s, queryPath, ctok, map[string]string{"component_appid": compAppID, "authorization_code": back.Query().Get("auth_code")}); errcode(m) != 61010 {
		t.Errorf("auth code after 601 s: %v", m)
	}
	now = start.Add(12 * time.Hour)
	if m := inproc(t, s, "POST", tokenPath, tokenBody(compAppID, compSecret, latest.VerifyTicket), ""); errcode(m) != 61005 {
		t.Errorf("ticket after 12 h: %v", m)
	}
	if m := inproc(t, s, "POST", withToken(prePath, ctok), `{"component_appid":"`+compAppID+`"}`, ""); errcode(m) != 42001 {
		t.Errorf("component token after 12 h: %v", m)
	}

	// The platform's IP whitelist holds every component call.
	s.SetWhitelist([]string{"127.0.0.2"})
	now = start
	for _, path := range []string{tokenPath, withToken(prePath, ctok)} {
		m := inproc(t, s, "POST", path, tokenBody(compAppID, compSecret, latest.VerifyTicket), "198.51.100.7:1")
		if errcode(m) != 61004 || !strings.Contains(m["errmsg"].(string), "198.51.100.7") {
			t.Errorf("%s from outside the whitelist: %v", path, m)
		}
	}
}

// A token fetched again leaves the previous ones 5 minutes, component and
// authorizer tokens alike.
func TestComponentTokenOverlap(t *testing.T) {
	s, _ := platformServer(t)
	now := time.Now()
	s.SetClock(func() time.Time { return now })
	first := componentToken(t, s)
	second := componentToken(t, s)
	body := `{"component_appid":"` + compAppID + `"}`
	now = now.Add(299 * time.Second)
	if m := inproc(t, s, "POST", "/cgi-bin/component/api_create_preauthcode?component_access_token="+first, body, ""); m["pre_auth_code"] == nil {
		t.Fatalf("previous token within 5 minutes: %v", m)
	}
	now = now.Add(2 * time.Second)
	if m := inproc(t, s, "POST", "/cgi-bin/component/api_create_preauthcode?component_access_token="+first, body, ""); errcode(m) != 42001 {
		t.Fatalf("previous token after 5 minutes: %v", m)
	}
	if m := inproc(t, s, "POST", "/cgi-bin/component/api_create_preauthcode?component_access_token="+second, body, ""); m["pre_auth_code"] == nil {
		t.Fatalf("latest token: %v", m)
	}
}

func TestConsentPage(t *testing.T) {
	s, rc := platformServer(t)
	start := time.Now()
	now := start
	s.SetClock(func() time.Time { return now })
	ctok := componentToken(t, s)
	used := preAuthCode(t, s, ctok)
	if status, _, body := consentPage(t, s, "/cgi-bin/componentloginpage", pageQuery(used), "http://127.0.0.1/"); status != 302 {
		t.Fatalf("first consent: %d %s", status, body)
	}
	stale := preAuthCode(t, s, ctok)
	now = start.Add(1801 * time.Second)
	ctok = componentToken(t, s)
	pre := preAuthCode(t, s, ctok)
	with := func(k, v string) url.Values {
		q := pageQuery(pre)
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	tests := []struct {
		name, path string
		q          url.Values
		referer    string
		consent    string
		refusal    string // "" for a redirect
	}{
		{"other component", "/cgi-bin/componentloginpage", with("component_appid", "wxother"), "http://127.0.0.1/", "wxauth1", "invalid component_appid"},
		{"unknown pre_auth_code", "/cgi-bin/componentloginpage", with("pre_auth_code", "preauthcode@@@x"), "http://127.0.0.1/", "wxauth1", "invalid pre_auth_code"},
		{"used pre_auth_code", "/cgi-bin/componentloginpage", with("pre_auth_code", used), "http://127.0.0.1/", "wxauth1", "has been used"},
		{"expired pre_auth_code", "/cgi-bin/componentloginpage", with("pre_auth_code", stale), "http://127.0.0.1/", "wxauth1", "has expired"},
		{"no redirect_uri", "/cgi-bin/componentloginpage", with("redirect_uri", ""), "http://127.0.0.1/", "wxauth1", "redirect_uri"},
		{"relative redirect_uri", "/cgi-bin/componentloginpage", with("redirect_uri", "/back"), "http://127.0.0.1/", "wxauth1", "redirect_uri"},
		{"redirect_uri elsewhere", "/cgi-bin/componentloginpage", with("redirect_uri", "https://evil.example/back"), "http://127.0.0.1/", "wxauth1", "the callback domain (evil.example)"},
		{"no Referer", "/cgi-bin/componentloginpage", pageQuery(pre), "", "wxauth1", "entry page domain (empty)"},
		{"Referer elsewhere", "/cgi-bin/componentloginpage", pageQuery(pre), "https://evil.example/", "wxauth1", "entry page domain (evil.example)"},
		{"no auth_type", "/cgi-bin/componentloginpage", with("auth_type", ""), "http://127.0.0.1/", "wxauth1", "auth_type must be"},
		{"mini programs only", "/cgi-bin/componentloginpage", with("auth_type", "2"), "http://127.0.0.1/", "wxauth1", "lists no official accounts"},
		{"another biz_appid", "/cgi-bin/componentloginpage", with("biz_appid", "wxauth2"), "http://127.0.0.1/", "wxauth1", "only the admin of wxauth2"},
		{"nobody consents", "/cgi-bin/componentloginpage", pageQuery(pre), "http://127.0.0.1/", "", "waiting for the admin"},
		{"mobile, no action", "/safe/bindcomponent", pageQuery(pre), "http://127.0.0.1/", "wxauth1", "action must be bindcomponent"},
		{"mobile", "/safe/bindcomponent", with("action", "bindcomponent"), "http://127.0.0.1/", "wxauth1", ""},
	}
	for _, tt := range tests {
		s.SetConsent(tt.consent)
		pushes := len(s.Pushes())
		status, loc, body := consentPage(t, s, tt.path, tt.q, tt.referer)
		switch {
		case tt.refusal == "" && (status != 302 || !strings.Contains(loc, "auth_code=")):
			t.Errorf("%s: %d %q %s, want a redirect", tt.name, status, loc, body)
		case tt.refusal != "" && (status != 200 || loc != "" || !strings.Contains(body, tt.refusal)):
			t.Errorf("%s: %d %q %s, want a page saying %q", tt.name, status, loc, body, tt.refusal)
		case tt.refusal != "" && len(s.Pushes()) != pushes:
			t.Errorf("%s: a refused consent pushed", tt.name)
		}
	}

	// Authorizing again renews: updateauthorized, and the old refresh token dies.
	st, _ := s.ComponentState()
	oldRefresh := st.Authorizers["wxauth1"].RefreshToken
	pre = preAuthCode(t, s, ctok)
	s.SetConsent("wxauth1")
	if status, _, _ := consentPage(t, s, "/wxaopen/safe/bindcomponent", with("action", "bindcomponent"), "http://127.0.0.1/x"); status != 302 {
		t.Fatalf("new mobile path: %d", status)
	}
	if g := rc.last(t); field(g.plain, "InfoType") != "updateauthorized" {
		t.Fatalf("re-authorization pushed %s", field(g.plain, "InfoType"))
	}
	if m := post(t, s, "/cgi-bin/component/api_authorizer_token", ctok, map[string]string{"component_appid": compAppID,
		"authorizer_appid": "wxauth1", "authorizer_refresh_token": oldRefresh}); errcode(m) != 61023 {
		t.Fatalf("refresh token of the previous authorization: %v", m)
	}
	// category_id_list narrows what is granted.
	pre = preAuthCode(t, s, ctok)
	consentPage(t, s, "/cgi-bin/componentloginpage", with("category_id_list", "4|99"), "http://127.0.0.1/")
	if st, _ := s.ComponentState(); len(st.Authorizers["wxauth1"].FuncInfo) != 1 || st.Authorizers["wxauth1"].FuncInfo[0] != 4 {
		t.Fatalf("category_id_list=4|99 granted %v", st.Authorizers["wxauth1"].FuncInfo)
	}
}

// The gateway holds the component API as it holds the rest: a chunked
// body gets 412 before the endpoint sees it.
func TestComponentGateway(t *testing.T) {
	s, _ := platformServer(t)
	req, _ := http.NewRequest("POST", s.URL+"/cgi-bin/component/api_component_token", onlyReader{strings.NewReader(`{"component_appid":"x"}`)})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if st := s.Stats(); res.StatusCode != 412 || st.RejectedChunked != 1 || st.ComponentToken != 0 {
		t.Fatalf("chunked: %d, %+v", res.StatusCode, st)
	}
	s.SetFault(Fault{Endpoint: "component", Kind: Busy, Count: 1})
	if m := post(t, s, "/cgi-bin/component/api_component_token", "", map[string]string{}); errcode(m) != -1 {
		t.Fatalf("component fault: %v", m)
	}
}

func TestComponentControl(t *testing.T) {
	s, rc := platformServer(t)
	decode := func(method, path, body string, v any) int {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if v != nil {
			json.NewDecoder(res.Body).Decode(v)
		}
		return res.StatusCode
	}
	var p Push
	if status := decode("POST", "/__standin/component/push", `{"info_type":"component_verify_ticket"}`, &p); status != 200 || !p.OK || p.Ticket == "" {
		t.Fatalf("push: %d %+v", status, p)
	}
	var auth Push
	if status := decode("POST", "/__standin/component/push", `{"info_type":"authorized","appid":"wxauth1"}`, &auth); status != 200 ||
		!strings.HasPrefix(auth.AuthCode, "queryauthcode@@@") || field(rc.last(t).plain, "AuthorizationCode") != auth.AuthCode {
		t.Fatalf("authorized on demand: %d %+v", status, auth)
	}
	var forged Push
	if status := decode("POST", "/__standin/component/push", `{"info_type":"component_verify_ticket","forge":"truncate"}`, &forged); status != 200 || forged.Forge != "truncate" || rc.last(t).err == "" {
		t.Fatalf("forged: %d %+v", status, forged)
	}
	var st ComponentState
	if status := decode("GET", "/__standin/component/state", "", &st); status != 200 || st.VerifyTicket != p.Ticket || !st.Authorizers["wxauth1"].Authorized || st.Authorizers["wxauth2"].Authorized {
		t.Fatalf("state: %d %+v", status, st)
	}
	var log []Push
	if status := decode("GET", "/__standin/component/pushes", "", &log); status != 200 || len(log) != 3 || log[1].InfoType != "authorized" {
		t.Fatalf("pushes: %d %+v", status, log)
	}
	bad := []struct{ path, body string }{
		{"/__standin/component/push", `{"info_type":"nope"}`},
		{"/__standin/component/push", `{"info_type":"authorized","appid":"wxauth1"}`}, // WeChat would push updateauthorized
		{"/__standin/component/push", `{"info_type":"updateauthorized","appid":"wxauth2"}`},
		{"/__standin/component/push", `{"info_type":"authorized","appid":"wxnope"}`},
		{"/__standin/component/push", `{"info_type":"unauthorized","appid":"wxauth2"}`},
		{"/__standin/component/push", `{"info_type":"component_verify_ticket","forge":"nope"}`},
		{"/__standin/component/consent", `{"appid":"wxnope"}`},
		{"/__standin/component/consent", `not json`},
	}
	for _, b := range bad {
		if status := decode("POST", b.path, b.body, nil); status != 400 {
			t.Errorf("%s %s: %d, want 400", b.path, b.body, status)
		}
	}
	if status := decode("POST", "/__standin/component/consent", `{"appid":""}`, nil); status != 200 {
		t.Fatalf("consent nobody: %d", status)
	}
	call(t, "POST", s.URL+"/__standin/reset", "")
	if st, _ := s.ComponentState(); st.VerifyTicket != "" || st.Authorizers["wxauth1"].Authorized || len(s.Pushes()) != 0 || st.Consent != "" {
		t.Fatalf("after reset: %+v", st)
	}
	if _, ok := New("wxapp", "sec").ComponentState(); ok {
		t.Fatal("a stand-in without a platform has one")
	}
}

func TestSetComponent(t *testing.T) {
	s := New("wxapp", "sec")
	good := Component{AppID: compAppID, Secret: compSecret, Token: compToken, EncodingAESKey: compKey}
	tests := []struct {
		name string
		edit func(*Component)
		ok   bool
	}{
		{"good", func(*Component) {}, true},
		{"no appid", func(c *Component) { c.AppID = "" }, false},
		{"no token", func(c *Component) { c.Token = "" }, false},
		{"short key", func(c *Component) { c.EncodingAESKey = compKey[:42] }, false},
		{"key not base64", func(c *Component) { c.EncodingAESKey = "!" + compKey[1:] }, false},
		{"relative event URL", func(c *Component) { c.EventURL = "/events" }, false},
		{"event URL", func(c *Component) { c.EventURL = "http://127.0.0.1:8787/wechat/events" }, true},
	}
	for _, tt := range tests {
		c := good
		tt.edit(&c)
		if err := s.SetComponent(c); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if err := s.SetConsent("wxnope"); err == nil {
		t.Error("consent of an unknown account accepted")
	}
}
