//go:build e2e

package e2e

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bearer is the Authorization header of an API_KEY holder.
func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

// jsonHeader is the header of a JSON POST, with the API key when key is set.
func jsonHeader(key string) map[string]string {
	h := map[string]string{"Content-Type": "application/json"}
	if key != "" {
		h["Authorization"] = "Bearer " + key
	}
	return h
}

// wantError checks a refusal: the status, JSON with errcode (when code is
// not 0) and errmsg, nosniff and no-store.
func wantError(t testing.TB, what string, r reply, status, code int) payload {
	t.Helper()
	var p payload
	if err := json.Unmarshal(r.Body, &p); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%s: %s (Content-Type %q): want a JSON error", what, r, r.Header.Get("Content-Type"))
	}
	if r.Status != status || p.ErrCode == nil || (code != 0 && *p.ErrCode != code) || p.ErrMsg == "" {
		t.Fatalf("%s: %s, want %d errcode %d", what, r, status, code)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%s: headers %v, want nosniff and no-store", what, r.Header)
	}
	return p
}

// exactKeys decodes a JSON object and checks that it has exactly these members.
func exactKeys(t testing.TB, what string, raw []byte, keys ...string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %s is not a JSON object: %v", what, raw, err)
	}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	want := slices.Clone(keys)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: members %v, want %v (%s)", what, got, want, raw)
	}
	return m
}

// TestRelay: with the account's IP whitelist holding only the relay's
// address, the Worker gets its token and ticket through cmd/wxsign-relay
// (which strips the relay key), and without the relay it gets WeChat's
// 40164 with the IP and what to do about it.
func TestRelay(t *testing.T) {
	const relayKey = "e2e-relay-key-0123456789abcdef"
	wc := startStandin(t, "-whitelist", "127.0.0.2")
	rl := startRelay(t, relayKey, "-upstream", wc.URL, "-prefix", "/wx", "-source", "127.0.0.2")
	page := "https://h.example.com/relay?x=1"

	t.Run("through the relay", func(t *testing.T) {
		w := startWorker(t, wc, map[string]string{"WECHAT_API_BASE": rl.URL + "/wx", "WECHAT_RELAY_KEY": relayKey})
		verify(t, w.get(t, configPath(page)), wc.ticket(t), page)
		st := wc.stats(t)
		if st.StableToken != 1 || st.Ticket != 1 || st.RefusedIP != 0 || st.LeakedRelayKey != 0 {
			t.Fatalf("stand-in stats %+v: want one token and one ticket call from the relay's IP, no relay key", st)
		}
		if st.Posts < 1 || st.PostsWithoutLength != 0 || st.RejectedChunked != 0 {
			t.Fatalf("stand-in stats %+v: the relay must forward stable_token with a Content-Length", st)
		}
		if !strings.Contains(rl.logs.String(), `path="/wx/cgi-bin/stable_token" status=200`) {
			t.Fatalf("the relay did not forward the token call:\n%s", rl.logs)
		}
		var h struct {
			Config struct {
				APIBase string `json:"wechat_api_base"`
				Relay   bool   `json:"relay_key_set"`
			} `json:"config"`
		}
		r := w.get(t, "/healthz")
		if json.Unmarshal(r.Body, &h); h.Config.APIBase != rl.URL+"/wx" || !h.Config.Relay || strings.Contains(string(r.Body), relayKey) {
			t.Fatalf("/healthz: %s", r)
		}
		for _, s := range []string{relayKey, testSecret} {
			if strings.Contains(rl.logs.String(), s) || strings.Contains(w.logs.String(), s) {
				t.Fatalf("a secret is in the logs")
			}
		}
	})

	t.Run("direct, not whitelisted", func(t *testing.T) {
		w := startWorker(t, wc, nil)
		p := wantError(t, "/config without the relay", w.get(t, configPath(page)), 503, 40164)
		for _, want := range []string{"invalid ip 127.0.0.1", "127.0.0.1", "whitelist", "relay"} {
			if !strings.Contains(p.ErrMsg, want) {
				t.Fatalf("errmsg %q does not say %q", p.ErrMsg, want)
			}
		}
		h := w.health(t)
		for _, kind := range []string{"access_token", "jsapi_ticket"} {
			if c := h.cred(kind, testAppID); c.LastError != p.ErrMsg || c.LastErrCode != 40164 || c.Usable {
				t.Fatalf("/healthz %s: %+v, want last_error %q", kind, c, p.ErrMsg)
			}
		}
		if st := wc.stats(t); st.RefusedIP == 0 {
			t.Fatalf("the stand-in refused nothing: %+v", st)
		}
	})

	t.Run("the relay's refusals", func(t *testing.T) {
		tokenPath := "/wx/cgi-bin/token?grant_type=client_credential&appid=" + testAppID + "&secret=" + testSecret
		for _, c := range []struct {
			name, method, path, key string
			status, code            int
		}{
			{"no key", "GET", tokenPath, "", 401, 1040},
			{"wrong key", "GET", tokenPath, "not-the-relay-key-0123456789", 403, 1041},
			{"path outside its list", "POST", "/wx/cgi-bin/menu/create?access_token=x", relayKey, 404, 1030},
			{"outside the prefix", "GET", "/cgi-bin/token", relayKey, 404, 1030},
		} {
			req, _ := http.NewRequest(c.method, rl.URL+c.path, strings.NewReader(`{"button":[]}`))
			if c.key != "" {
				req.Header.Set("X-Wxsign-Relay-Key", c.key)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				ErrCode int    `json:"errcode"`
				ErrMsg  string `json:"errmsg"`
			}
			err = json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			if err != nil || res.StatusCode != c.status || body.ErrCode != c.code || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: %d %+v (%v), want %d JSON errcode %d", c.name, res.StatusCode, body, err, c.status, c.code)
			}
		}
	})

	t.Run("wrong relay key", func(t *testing.T) {
		before := wc.stats(t)
		w := startWorker(t, wc, map[string]string{"WECHAT_API_BASE": rl.URL + "/wx", "WECHAT_RELAY_KEY": "a-wrong-relay-key-0123456789"})
		p := wantError(t, "/config with a wrong relay key", w.get(t, configPath(page)), 503, 1052)
		if !strings.Contains(p.ErrMsg, "the relay refused the call: check WECHAT_RELAY_KEY") {
			t.Fatalf("errmsg %q does not say the relay refused", p.ErrMsg)
		}
		if after := wc.stats(t); after.StableToken != before.StableToken || after.LeakedRelayKey != 0 {
			t.Fatalf("a refused call reached WeChat: %+v, then %+v", before, after)
		}
	})
}

// TestMultiApp: two official accounts in one Worker, each signing with its
// own ticket and its own ALLOWED_HOSTS. A single app (WECHAT_APPID with one
// AppID and WECHAT_APPSECRET) is what every other test runs, so those
// settings are covered there.
func TestMultiApp(t *testing.T) {
	const (
		appA, secretA = "wxAe2e00000000001", "secret-of-app-A-0123"
		appB, secretB = "wxBe2e00000000002", "secret-of-app-B-4567"
	)
	wc := startStandin(t, "-apps", appA+":"+secretA+","+appB+":"+secretB)
	// Tickets of 1000 s are due at once (REFRESH_MARGIN 1800): for the cron below.
	wc.control(t, "POST", "/__standin/config", map[string]any{"ticket_expires_in": 1000})
	w := startWorker(t, wc, map[string]string{
		"WECHAT_APPID":             appA + ", " + appB, // the space on purpose
		"WECHAT_APPSECRET_" + appA: secretA,
		"WECHAT_APPSECRET_" + appB: secretB,
		"ALLOWED_HOSTS":            "a.example.com,b.example.com",
		"ALLOWED_HOSTS_" + appB:    "b.example.com",
	})
	pageA, pageB := "https://a.example.com/a?x=1", "https://b.example.com/b?y=2"
	rA := w.get(t, configPath(pageA)+"&appid="+appA)
	rB := w.get(t, configPath(pageB)+"&appid="+appB)
	tA, tB := wc.state(t, "appid="+appA)["ticket"], wc.state(t, "appid="+appB)["ticket"]
	if tA == "" || tB == "" || tA == tB {
		t.Fatalf("tickets %q and %q: want one per app", tA, tB)
	}

	t.Run("each app its own ticket", func(t *testing.T) {
		for _, c := range []struct {
			r                reply
			app, page        string
			own, other, oapp string
		}{{rA, appA, pageA, tA, tB, appB}, {rB, appB, pageB, tB, tA, appA}} {
			p := verifyApp(t, c.r, c.app, c.own, c.page)
			if p.Signature == sign(c.other, p.NonceStr, p.Timestamp, c.page) {
				t.Fatalf("%s's answer verifies with %s's ticket", c.app, c.oapp)
			}
			signed := map[string]any{"kind": "jsapi", "appid": c.app, "url": c.page, "timestamp": p.Timestamp, "nonceStr": p.NonceStr, "signature": p.Signature}
			if ok, why := wc.verdict(t, signed); !ok {
				t.Fatalf("the stand-in refuses %s's signature: %s", c.app, why)
			}
			signed["appid"] = c.oapp
			if ok, _ := wc.verdict(t, signed); ok {
				t.Fatalf("%s's signature passes as %s's", c.app, c.oapp)
			}
		}
	})

	t.Run("no appid is the first app", func(t *testing.T) {
		verifyApp(t, w.get(t, configPath(pageA)), appA, tA, pageA)
		// A's pages are B's too, as ALLOWED_HOSTS has it, but the first app signs them.
		verifyApp(t, w.get(t, configPath(pageB)), appA, tA, pageB)
	})

	t.Run("refusals", func(t *testing.T) {
		wantError(t, "unknown appid", w.get(t, configPath(pageA)+"&appid=wxnope0000000000"), 404, 1031)
		wantError(t, "the default app's id, not configured", w.get(t, configPath(pageA)+"&appid="+testAppID), 404, 1031)
		wantError(t, "B's page on A's host", w.get(t, configPath(pageA)+"&appid="+appB), 403, 1010)
		wantError(t, "appid twice", w.get(t, configPath(pageB)+"&appid="+appA+"&appid="+appB), 400, 1021)
		wantError(t, "appid twice, once encoded", w.get(t, configPath(pageB)+"&appid="+appB+"&%61ppid="+appA), 400, 1021)
		wantError(t, "POST, unknown appid", w.do(t, "POST", "/config?appid=wxnope0000000000", strings.NewReader(`{"url":"`+pageA+`"}`), jsonHeader("")), 404, 1031)
	})

	t.Run("/token and /ticket per app", func(t *testing.T) {
		for _, app := range []string{appA, appB} {
			st := wc.state(t, "appid="+app)
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			r := w.do(t, "GET", "/token?appid="+app, nil, bearer(testAPIKey))
			if json.Unmarshal(r.Body, &tok); r.Status != 200 || tok.AccessToken != st["access_token"] || !strings.HasSuffix(tok.AccessToken, app) {
				t.Fatalf("/token?appid=%s: %s, want %s", app, r, st["access_token"])
			}
			var tk struct {
				Ticket string `json:"ticket"`
			}
			r = w.do(t, "GET", "/ticket?appid="+app, nil, bearer(testAPIKey))
			if json.Unmarshal(r.Body, &tk); r.Status != 200 || tk.Ticket != st["ticket"] {
				t.Fatalf("/ticket?appid=%s: %s", app, r)
			}
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		r := w.do(t, "GET", "/token", nil, bearer(testAPIKey))
		if json.Unmarshal(r.Body, &tok); tok.AccessToken != wc.state(t, "appid="+appA)["access_token"] {
			t.Fatalf("/token without appid: %s, want the first app's", r)
		}
		wantError(t, "/token of an unknown app", w.do(t, "GET", "/token?appid=wxnope0000000000", nil, bearer(testAPIKey)), 404, 1031)
	})

	t.Run("the cron leaves both apps' live tickets alone", func(t *testing.T) {
		before := wc.stats(t)
		if before.Ticket != 2 || before.StableToken != 2 {
			t.Fatalf("before the cron: %+v, want one token and one ticket per app", before)
		}
		// WeChat would hand the same tickets back while they live: each
		// app's coordinator asks for none before they die.
		w.cron(t)
		if st := wc.stats(t); st != before {
			t.Fatalf("the cron called WeChat for live tickets: %+v, then %+v", before, st)
		}
		for _, app := range []string{appA, appB} {
			if h := w.health(t).cred("jsapi_ticket", app); !h.Usable || h.Due {
				t.Fatalf("/healthz %s after the cron: %+v", app, h)
			}
		}
		if st := wc.stats(t); st.CardTicket != 0 {
			t.Fatalf("card tickets nobody asked for were fetched: %+v", st)
		}
	})
}

// TestCoordinatorAlarm: with no request and no cron, each app's
// coordinator wakes the second after its tickets die at WeChat and fetches
// their successors, a jsapi ticket and a card ticket once used, once each;
// the pages that come afterwards find them without a fetch of their own.
func TestCoordinatorAlarm(t *testing.T) {
	const (
		appA, secretA = "wxAe2e00000000001", "secret-of-app-A-0123"
		appB, secretB = "wxBe2e00000000002", "secret-of-app-B-4567"
		life          = 15
	)
	wc := startStandin(t, "-apps", appA+":"+secretA+","+appB+":"+secretB)
	wc.control(t, "POST", "/__standin/config", map[string]any{"ticket_expires_in": life})
	w := startWorker(t, wc, map[string]string{
		"WECHAT_APPID": appA + "," + appB, "WECHAT_APPSECRET_" + appA: secretA, "WECHAT_APPSECRET_" + appB: secretB,
		"ALLOWED_HOSTS": "h.example.com",
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("wrangler dev:\n%s", w.logs)
		}
	})
	page := "https://h.example.com/alarm"
	for _, app := range []string{appA, appB} {
		if r := w.get(t, configPath(page)+"&appid="+app); r.Status != 200 {
			t.Fatalf("%s: %s", app, r)
		}
	}
	card := w.do(t, "POST", "/card/ext", strings.NewReader(`{"appid":"`+appA+`","card_id":"pjZ8Yt1XGILfi-FUsewpnnolGgZk","code":"1"}`),
		map[string]string{"Authorization": "Bearer " + testAPIKey, "Content-Type": "application/json"})
	if card.Status != 200 {
		t.Fatalf("/card/ext: %s", card)
	}
	first := wc.stats(t)
	if first.Ticket != 2 || first.CardTicket != 1 {
		t.Fatalf("first fetches: %+v", first)
	}
	deadline := time.Now().Add((life + 15) * time.Second)
	for wc.stats(t).Ticket < 4 || wc.stats(t).CardTicket < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no coordinator woke at its tickets' death: %+v\n%s", wc.stats(t), w.logs)
		}
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a second pass would show by now
	st := wc.stats(t)
	if st.Ticket != 4 || st.CardTicket != 2 {
		t.Fatalf("after the tickets' death: %+v, want one jsapi_ticket per app and one card ticket", st)
	}
	for _, app := range []string{appA, appB} {
		verifyApp(t, w.get(t, configPath(page)+"&appid="+app), app, wc.state(t, "appid="+app)["ticket"], page)
	}
	if again := wc.stats(t); again.Ticket != st.Ticket {
		t.Fatalf("pages after the alarm fetched again: %+v", again)
	}
}

// wecomAnswer is /wecom/config's answer.
type wecomAnswer struct {
	Config struct {
		AppID     string `json:"appId"`
		Timestamp int64  `json:"timestamp"`
		NonceStr  string `json:"nonceStr"`
		Signature string `json:"signature"`
	} `json:"config"`
	AgentConfig struct {
		CorpID    string `json:"corpid"`
		AgentID   string `json:"agentid"`
		Timestamp int64  `json:"timestamp"`
		NonceStr  string `json:"nonceStr"`
		Signature string `json:"signature"`
	} `json:"agentConfig"`
	URL string `json:"url"`
}

// TestWeCom: /wecom/config signs wx.config with the corp ticket and
// wx.agentConfig with the agent's own ticket, keyed per corp and agent, and
// the cron keeps every WeCom key within WeCom's hourly budgets.
func TestWeCom(t *testing.T) {
	const corpID = "wwe2e0123456789ab"
	agents := []string{"1000002", "1000003"}
	wc := startStandin(t, "-corp", corpID, "-agents", "1000002:agent-secret-2,1000003:agent-secret-3")
	// Tokens and tickets of 1000 s are due at once (REFRESH_MARGIN 1800): for the cron below.
	wc.control(t, "POST", "/__standin/config", map[string]any{"expires_in": 1000})
	w := startWorker(t, wc, map[string]string{
		"WECOM_CORPID": corpID, "WECOM_AGENTS": "1000002,1000003",
		"WECOM_SECRET_1000002": "agent-secret-2", "WECOM_SECRET_1000003": "agent-secret-3",
		"WECOM_API_BASE": wc.URL, "ALLOWED_HOSTS": "h.example.com",
	})
	page := "https://h.example.com/wecom?a=1&b=%E4%B8%AD"
	get := func(t *testing.T, agent string) wecomAnswer {
		t.Helper()
		path := "/wecom/config?url=" + url.QueryEscape(page)
		if agent != "" {
			path += "&agentid=" + agent
		}
		r := w.get(t, path)
		if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("/wecom/config agent %q: %s", agent, r)
		}
		m := exactKeys(t, "answer", r.Body, "config", "agentConfig", "url")
		exactKeys(t, "config", m["config"], "appId", "timestamp", "nonceStr", "signature")
		exactKeys(t, "agentConfig", m["agentConfig"], "corpid", "agentid", "timestamp", "nonceStr", "signature")
		var a wecomAnswer
		json.Unmarshal(r.Body, &a)
		c, ac := a.Config, a.AgentConfig
		if a.URL != page || c.AppID != corpID || ac.CorpID != corpID || len(c.NonceStr) != 16 {
			t.Fatalf("answer %s", r.Body)
		}
		if c.NonceStr != ac.NonceStr || c.Timestamp != ac.Timestamp {
			t.Fatalf("config and agentConfig have different nonces or timestamps: %s", r.Body)
		}
		return a
	}
	signed := func(kind, agent string, ts int64, nonce, sig string) map[string]any {
		return map[string]any{"kind": kind, "corpid": corpID, "agentid": agent, "url": page,
			"timestamp": ts, "nonceStr": nonce, "signature": sig}
	}

	answers := map[string]wecomAnswer{}
	t.Run("both signatures verify", func(t *testing.T) {
		for _, agent := range agents {
			a := get(t, agent)
			answers[agent] = a
			if a.AgentConfig.AgentID != agent {
				t.Fatalf("agentConfig.agentid %q, want %s", a.AgentConfig.AgentID, agent)
			}
			if ok, why := wc.verdict(t, signed("corp", agent, a.Config.Timestamp, a.Config.NonceStr, a.Config.Signature)); !ok {
				t.Fatalf("agent %s: config does not verify: %s", agent, why)
			}
			ac := a.AgentConfig
			if ok, why := wc.verdict(t, signed("agent", agent, ac.Timestamp, ac.NonceStr, ac.Signature)); !ok {
				t.Fatalf("agent %s: agentConfig does not verify: %s", agent, why)
			}
			st := wc.state(t, "corpid="+corpID+"&agentid="+agent)
			if want := sign(st["agent_ticket"], ac.NonceStr, ac.Timestamp, page); ac.Signature != want {
				t.Fatalf("agent %s: agentConfig is not signed with its agent ticket", agent)
			}
		}
		// Agent 1000003's agentConfig is not agent 1000002's.
		ac := answers["1000003"].AgentConfig
		if ok, _ := wc.verdict(t, signed("agent", "1000002", ac.Timestamp, ac.NonceStr, ac.Signature)); ok {
			t.Fatal("agent 1000003's agentConfig verifies as agent 1000002's")
		}
		if st := wc.stats(t); st.WeComToken != 2 || st.CorpTicket != 2 || st.AgentTicket != 2 {
			t.Fatalf("stand-in stats %+v: want one token, one corp and one agent ticket per agent", st)
		}
	})

	t.Run("no agentid is the first agent", func(t *testing.T) {
		if a := get(t, ""); a.AgentConfig.AgentID != agents[0] {
			t.Fatalf("agentid %q, want %s", a.AgentConfig.AgentID, agents[0])
		}
	})

	t.Run("refusals", func(t *testing.T) {
		wantError(t, "unknown agentid", w.get(t, "/wecom/config?url="+url.QueryEscape(page)+"&agentid=1000009"), 404, 1031)
		wantError(t, "agentid twice", w.get(t, "/wecom/config?url="+url.QueryEscape(page)+"&agentid=1000002&agentid=1000003"), 400, 1021)
		wantError(t, "host not allowed", w.get(t, "/wecom/config?url="+url.QueryEscape("https://evil.net/")+"&agentid=1000002"), 403, 1010)
		wantError(t, "no url", w.get(t, "/wecom/config?agentid=1000002"), 400, 1001)
	})

	checkHealth := func(t *testing.T, minTicketFetches int) {
		t.Helper()
		h := w.health(t)
		for _, agent := range agents {
			owner := corpID + "/" + agent
			for _, kind := range []string{"wecom_token", "wecom_corp_ticket", "wecom_agent_ticket"} {
				c := h.cred(kind, owner)
				if !c.Present || !c.Usable || c.LastError != "" {
					t.Fatalf("/healthz %s %s: %+v", kind, owner, c)
				}
				if kind == "wecom_token" {
					continue
				}
				if c.Budget <= 0 || c.Budget+6 > 50 || c.Fetches < minTicketFetches || c.Fetches > c.Budget {
					t.Fatalf("/healthz %s %s: %d fetches this hour, budget %d; want %d ≤ fetches ≤ budget ≤ 50",
						kind, owner, c.Fetches, c.Budget, minTicketFetches)
				}
			}
		}
	}
	t.Run("/healthz", func(t *testing.T) { checkHealth(t, 1) })

	t.Run("the cron leaves live WeCom tickets alone", func(t *testing.T) {
		before := wc.stats(t)
		w.cron(t)
		st := wc.stats(t)
		// The tokens are due (1000 s within REFRESH_MARGIN) and may be asked
		// for once each; the sticky tickets are not asked for before they die.
		if st.CorpTicket != before.CorpTicket || st.AgentTicket != before.AgentTicket || st.WeComToken > before.WeComToken+2 {
			t.Fatalf("cron on live WeCom tickets: %+v, then %+v", before, st)
		}
		checkHealth(t, 1)
		a := get(t, "1000003")
		if ok, why := wc.verdict(t, signed("agent", "1000003", a.AgentConfig.Timestamp, a.AgentConfig.NonceStr, a.AgentConfig.Signature)); !ok {
			t.Fatalf("after the cron: %s", why)
		}
	})
}

// cardSignature is WeChat's card signature, computed here independently of
// core: SHA1 of the sorted values, concatenated.
func cardSignature(values ...string) string {
	v := slices.Clone(values)
	sort.Strings(v)
	sum := sha1.Sum([]byte(strings.Join(v, "")))
	return hex.EncodeToString(sum[:])
}

// TestCards: /card/ext and /card/choose sign with the wx_card ticket, which
// is fetched only once a card endpoint needs it and is kept by the cron
// from then on; both endpoints need the API key and refuse bad bodies.
func TestCards(t *testing.T) {
	const cardID = "pjZ8Yt1XGILfi-FUsewpnnolGgZk"
	wc := startStandin(t)
	wc.control(t, "POST", "/__standin/config", map[string]any{"ticket_expires_in": 1000}) // due at once
	w := startWorker(t, wc, nil)
	verify(t, w.get(t, configPath("https://h.example.com/")), wc.ticket(t), "https://h.example.com/")
	w.cron(t)
	noCardYet := func(t *testing.T, when string) {
		t.Helper()
		if st := wc.stats(t); st.CardTicket != 0 {
			t.Fatalf("%s: %d wx_card ticket calls, want none", when, st.CardTicket)
		}
		if c := w.health(t).cred("wx_card_ticket", testAppID); c.Present || c.LastError != "" {
			t.Fatalf("%s: /healthz lists a wx_card ticket: %+v", when, c)
		}
	}
	noCardYet(t, "after /config and a cron")

	extBody := `{"card_id":"` + cardID + `","code":"1434008071","openid":"o1"}`
	chooseBody := `{"shop_id":"1234","card_type":"GROUPON","card_id":"` + cardID + `"}`
	t.Run("refusals", func(t *testing.T) {
		for _, path := range []string{"/card/ext", "/card/choose"} {
			for name, h := range map[string]map[string]string{
				"no key":    jsonHeader(""),
				"wrong key": jsonHeader("wrong-" + testAPIKey),
				"basic":     {"Content-Type": "application/json", "Authorization": "Basic " + testAPIKey},
			} {
				r := w.do(t, "POST", path, strings.NewReader(extBody), h)
				wantError(t, path+" "+name, r, 401, 1040)
				if r.Header.Get("WWW-Authenticate") == "" {
					t.Fatalf("%s %s: no WWW-Authenticate", path, name)
				}
			}
			wantError(t, "GET "+path, w.do(t, "GET", path, nil, bearer(testAPIKey)), 405, 1020)
		}
		bad := []struct{ path, body string }{
			{"/card/ext", "card_id=" + cardID},
			{"/card/ext", `{"code":"1434008071","openid":"o1"}`},
			{"/card/ext", `{"card_id":` + "12345" + `,"code":"1"}`},
			{"/card/ext", `{"card_id":"` + cardID + `","code":1434008071}`},
			{"/card/ext", `{"card_id":"a","card_id":"` + cardID + `"}`},
			{"/card/ext", `{"card_id":"` + cardID + `"`},
			{"/card/ext", ""},
			{"/card/choose", "shop_id=1"},
			{"/card/choose", `{"shop_id":1234}`},
			{"/card/choose", `{"card_id":"a","card_id":"b"}`},
			{"/card/choose", `[]`},
		}
		for _, b := range bad {
			wantError(t, b.path+" "+b.body, w.do(t, "POST", b.path, strings.NewReader(b.body), jsonHeader(testAPIKey)), 400, 1021)
		}
		noCardYet(t, "after refused card requests")
	})

	var cardTicket string
	t.Run("/card/ext", func(t *testing.T) {
		for _, outer := range []string{"", "campaign-7"} {
			body := extBody
			if outer != "" {
				body = strings.TrimSuffix(body, "}") + `,"outer_str":"` + outer + `"}`
			}
			r := w.do(t, "POST", "/card/ext", strings.NewReader(body), jsonHeader(testAPIKey))
			if r.Status != 200 {
				t.Fatalf("/card/ext: %s", r)
			}
			m := exactKeys(t, "answer", r.Body, "cardId", "cardExt")
			var id, extText string
			json.Unmarshal(m["cardId"], &id)
			if err := json.Unmarshal(m["cardExt"], &extText); err != nil || id != cardID {
				t.Fatalf("cardExt must be a JSON string, cardId %s: %s", cardID, r.Body)
			}
			keys := []string{"code", "openid", "timestamp", "nonce_str", "signature"}
			if outer != "" {
				keys = append(keys, "outer_str")
			}
			exactKeys(t, "cardExt", []byte(extText), keys...)
			var ext map[string]string // every member a string, timestamp included
			if err := json.Unmarshal([]byte(extText), &ext); err != nil {
				t.Fatalf("cardExt %s: %v", extText, err)
			}
			if ext["code"] != "1434008071" || ext["openid"] != "o1" || ext["outer_str"] != outer || len(ext["nonce_str"]) == 0 {
				t.Fatalf("cardExt %s", extText)
			}
			ts, err := strconv.ParseInt(ext["timestamp"], 10, 64)
			if err != nil {
				t.Fatalf("cardExt timestamp %q", ext["timestamp"])
			}
			ok, why := wc.verdict(t, map[string]any{"kind": "card_ext", "appid": testAppID, "card_id": cardID, "code": ext["code"],
				"openid": ext["openid"], "timestamp": ext["timestamp"], "nonce_str": ext["nonce_str"], "signature": ext["signature"]})
			if !ok {
				t.Fatalf("cardExt does not verify at the stand-in: %s", why)
			}
			cardTicket = wc.state(t, "")["card_ticket"]
			if want := cardSignature(cardTicket, strconv.FormatInt(ts, 10), cardID, "1434008071", "o1", ext["nonce_str"]); ext["signature"] != want {
				t.Fatalf("cardExt signature %s, want %s", ext["signature"], want)
			}
		}
		if st := wc.stats(t); st.CardTicket != 1 {
			t.Fatalf("%d wx_card ticket calls, want 1", st.CardTicket)
		}
	})

	t.Run("/card/choose", func(t *testing.T) {
		r := w.do(t, "POST", "/card/choose", strings.NewReader(chooseBody), jsonHeader(testAPIKey))
		if r.Status != 200 {
			t.Fatalf("/card/choose: %s", r)
		}
		exactKeys(t, "answer", r.Body, "shopId", "cardType", "cardId", "timestamp", "nonceStr", "signType", "cardSign")
		var c struct {
			ShopID    string `json:"shopId"`
			CardType  string `json:"cardType"`
			CardID    string `json:"cardId"`
			Timestamp int64  `json:"timestamp"`
			NonceStr  string `json:"nonceStr"`
			SignType  string `json:"signType"`
			CardSign  string `json:"cardSign"`
		}
		if err := json.Unmarshal(r.Body, &c); err != nil || c.ShopID != "1234" || c.CardType != "GROUPON" || c.CardID != cardID || c.SignType != "SHA1" {
			t.Fatalf("/card/choose: %s (%v)", r.Body, err)
		}
		ok, why := wc.verdict(t, map[string]any{"kind": "card_choose", "appid": testAppID, "shop_id": c.ShopID, "card_type": c.CardType,
			"card_id": c.CardID, "timestamp": c.Timestamp, "nonce_str": c.NonceStr, "card_sign": c.CardSign})
		if !ok {
			t.Fatalf("cardSign does not verify at the stand-in: %s", why)
		}
		if want := cardSignature(cardTicket, testAppID, "1234", strconv.FormatInt(c.Timestamp, 10), c.NonceStr, cardID, "GROUPON"); c.CardSign != want {
			t.Fatalf("cardSign %s, want %s", c.CardSign, want)
		}
		if st := wc.stats(t); st.CardTicket != 1 {
			t.Fatalf("%d wx_card ticket calls, want still 1", st.CardTicket)
		}
	})

	t.Run("the cron leaves it until it dies", func(t *testing.T) {
		w.cron(t) // TestCoordinatorAlarm sees it replaced when it dies
		if st := wc.stats(t); st.CardTicket != 1 {
			t.Fatalf("%d wx_card ticket calls after the cron, want still 1", st.CardTicket)
		}
		if c := w.health(t).cred("wx_card_ticket", testAppID); !c.Present || !c.Usable {
			t.Fatalf("/healthz wx_card_ticket: %+v", c)
		}
	})
}

// programStarted is what the entry logs when it starts the Go program.
const programStarted = "wxsign: the coordinators' Go program started"

// TestCoordinatorPassesInTheModule: 24 concurrent cold asks to two
// coordinators, whose passes interleave in the isolate's one signer
// module, each get their own app's credentials, with one WeChat call per
// credential; neither they nor the cron start the Go program, which only a
// platform's requests need (TestPlatform).
func TestCoordinatorPassesInTheModule(t *testing.T) {
	const (
		appA, secretA = "wxAe2e00000000003", "secret-of-app-A-89ab"
		appB, secretB = "wxBe2e00000000004", "secret-of-app-B-cdef"
	)
	wc := startStandin(t, "-apps", appA+":"+secretA+","+appB+":"+secretB)
	w := startWorker(t, wc, map[string]string{
		"WECHAT_APPID":             appA + "," + appB,
		"WECHAT_APPSECRET_" + appA: secretA,
		"WECHAT_APPSECRET_" + appB: secretB,
		"ALLOWED_HOSTS":            "a.example.com",
	})
	page := "https://a.example.com/p?q=1"
	type result struct {
		app, what string
		r         reply
		err       error
	}
	const each = 6
	results := make(chan result, 4*each)
	for i := 0; i < each; i++ {
		for _, app := range []string{appA, appB} {
			go func() {
				r, err := w.try("GET", configPath(page)+"&appid="+app, nil, nil)
				results <- result{app, "config", r, err}
			}()
			go func() {
				r, err := w.try("GET", "/token?appid="+app, nil, bearer(testAPIKey))
				results <- result{app, "token", r, err}
			}()
		}
	}
	for i := 0; i < 4*each; i++ {
		x := <-results
		if x.err != nil {
			t.Fatalf("%s of %s: %v", x.what, x.app, x.err)
		}
		st := wc.state(t, "appid="+x.app)
		if x.what == "config" {
			verifyApp(t, x.r, x.app, st["ticket"], page)
			continue
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(x.r.Body, &tok); x.r.Status != 200 || tok.AccessToken != st["access_token"] {
			t.Fatalf("/token?appid=%s: %s, want %s", x.app, x.r, st["access_token"])
		}
	}
	if st := wc.stats(t); st.StableToken != 2 || st.Ticket != 2 {
		t.Fatalf("WeChat calls %+v: want one token and one ticket per app", st)
	}
	w.cron(t)
	if n := strings.Count(w.logs.String(), programStarted); n != 0 {
		t.Fatalf("the Go program started %d times, want never:\n%s", n, w.logs)
	}
}
