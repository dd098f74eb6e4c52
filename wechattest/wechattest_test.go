package wechattest

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// call sends a request to a listening stand-in and decodes WeChat's answer.
func call(t *testing.T, method, u, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return res.StatusCode, m
}

func stable(s *Server, force bool) string {
	f := "false"
	if force {
		f = "true"
	}
	return `{"grant_type":"client_credential","appid":"` + s.AppID + `","secret":"` + s.Secret + `","force_refresh":` + f + `}`
}

func TestEndpoints(t *testing.T) {
	s := NewServer("wxapp", "sec")
	defer s.Close()
	now := time.Unix(1_700_000_000, 0)
	s.SetClock(func() time.Time { return now })

	_, a := call(t, "POST", s.URL+"/cgi-bin/stable_token", stable(s, false))
	now = now.Add(100 * time.Second)
	_, b := call(t, "POST", s.URL+"/cgi-bin/stable_token", stable(s, false))
	if a["access_token"] != b["access_token"] || a["expires_in"].(float64) != 7200 || b["expires_in"].(float64) != 7100 {
		t.Fatalf("stable token without force: %v then %v; want the same token counting down", a, b)
	}
	_, f := call(t, "POST", s.URL+"/cgi-bin/stable_token", stable(s, true))
	if f["access_token"] == a["access_token"] {
		t.Fatalf("force_refresh kept the token")
	}
	tok := f["access_token"].(string)
	_, tk := call(t, "GET", s.URL+"/cgi-bin/ticket/getticket?type=jsapi&access_token="+url.QueryEscape(tok), "")
	if tk["errcode"].(float64) != 0 || tk["errmsg"] != "ok" || tk["ticket"] != s.Ticket() || tk["expires_in"].(float64) != 7200 {
		t.Fatalf("getticket: %v", tk)
	}

	tests := []struct {
		name, method, path, body string
		code                     float64
	}{
		{"classic ok", "GET", "/cgi-bin/token?grant_type=client_credential&appid=wxapp&secret=sec", "", 0},
		{"classic bad appid", "GET", "/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=sec", "", 40013},
		{"classic bad secret", "GET", "/cgi-bin/token?grant_type=client_credential&appid=wxapp&secret=x", "", 40125},
		{"classic bad grant", "GET", "/cgi-bin/token?grant_type=x&appid=wxapp&secret=sec", "", 40002},
		{"stable bad json", "POST", "/cgi-bin/stable_token", "{", 47001},
		{"ticket no token", "GET", "/cgi-bin/ticket/getticket?type=jsapi", "", 41001},
		{"ticket unknown token", "GET", "/cgi-bin/ticket/getticket?type=jsapi&access_token=nope", "", 40001},
		{"ticket bad type", "GET", "/cgi-bin/ticket/getticket?type=x&access_token=" + url.QueryEscape(tok), "", 40097},
	}
	for _, tt := range tests {
		status, m := call(t, tt.method, s.URL+tt.path, tt.body)
		code, _ := m["errcode"].(float64)
		if status != 200 || code != tt.code {
			t.Errorf("%s: HTTP %d %v, want 200 errcode %v", tt.name, status, m, tt.code)
		}
		if tt.code != 0 && !strings.Contains(m["errmsg"].(string), "rid:") {
			t.Errorf("%s: errmsg %q lacks WeChat's rid", tt.name, m["errmsg"])
		}
	}
	now = now.Add(7201 * time.Second)
	if _, m := call(t, "GET", s.URL+"/cgi-bin/ticket/getticket?type=jsapi&access_token="+url.QueryEscape(tok), ""); m["errcode"].(float64) != 42001 {
		t.Fatalf("expired token: %v", m)
	}
	if st := s.Stats(); st != (Stats{Token: 4, StableToken: 4, Ticket: 5, Posts: 4}) {
		t.Fatalf("stats %+v", st)
	}
}

func TestClassicOverlap(t *testing.T) {
	s := New("wxapp", "sec")
	now := time.Unix(1_700_000_000, 0)
	s.SetClock(func() time.Time { return now })
	c := s.Doer()
	get := func(path string) map[string]any {
		req, _ := http.NewRequest("GET", "http://x"+path, nil)
		res, _ := c.Do(req)
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return m
	}
	first := get("/cgi-bin/token?grant_type=client_credential&appid=wxapp&secret=sec")["access_token"].(string)
	get("/cgi-bin/token?grant_type=client_credential&appid=wxapp&secret=sec")
	now = now.Add(299 * time.Second)
	if m := get("/cgi-bin/ticket/getticket?type=jsapi&access_token=" + first); m["errcode"].(float64) != 0 {
		t.Fatalf("old classic token within 5 minutes: %v", m)
	}
	now = now.Add(2 * time.Second)
	if m := get("/cgi-bin/ticket/getticket?type=jsapi&access_token=" + first); m["errcode"].(float64) != 42001 {
		t.Fatalf("old classic token after 5 minutes: %v", m)
	}
}

func TestFaultsOverHTTP(t *testing.T) {
	s := NewServer("wxapp", "sec")
	defer s.Close()
	token := s.URL + "/cgi-bin/token?grant_type=client_credential&appid=wxapp&secret=sec"
	if status, _ := call(t, "POST", s.URL+"/__standin/fault", `{"endpoint":"token","kind":"busy","count":2}`); status != 200 {
		t.Fatal(status)
	}
	for i := 0; i < 2; i++ {
		if _, m := call(t, "GET", token, ""); m["errcode"].(float64) != -1 {
			t.Fatalf("call %d under busy: %v", i, m)
		}
	}
	if _, m := call(t, "GET", token, ""); m["access_token"] == nil {
		t.Fatalf("after count ran out: %v", m)
	}
	call(t, "POST", s.URL+"/__standin/fault", `{"endpoint":"all","kind":"http500"}`)
	for i := 0; i < 3; i++ {
		if status, _ := call(t, "GET", token, ""); status != 500 {
			t.Fatalf("http500 fault: %d", status)
		}
	}
	call(t, "DELETE", s.URL+"/__standin/fault", "")
	if status, m := call(t, "GET", token, ""); status != 200 || m["access_token"] == nil {
		t.Fatalf("after clearing: %d %v", status, m)
	}
	if status, _ := call(t, "POST", s.URL+"/__standin/fault", `{"endpoint":"x","kind":"busy"}`); status != 400 {
		t.Fatalf("bad endpoint accepted: %d", status)
	}
	if status, _ := call(t, "POST", s.URL+"/__standin/fault", `{"endpoint":"all","kind":"nope"}`); status != 400 {
		t.Fatalf("bad kind accepted: %d", status)
	}
	var st Stats
	_, m := call(t, "GET", s.URL+"/__standin/stats", "")
	b, _ := json.Marshal(m)
	json.Unmarshal(b, &st)
	if st.Token != 7 {
		t.Fatalf("stats over HTTP %+v", st)
	}
	_, state := call(t, "GET", s.URL+"/__standin/state", "")
	if state["access_token"] != s.AccessToken() {
		t.Fatalf("state %v", state)
	}
	call(t, "POST", s.URL+"/__standin/config", `{"expires_in":100}`)
	_, m = call(t, "GET", token, "")
	if m["expires_in"].(float64) != 100 {
		t.Fatalf("expires_in after config: %v", m)
	}
	call(t, "POST", s.URL+"/__standin/config", `{"ticket_expires_in":50}`)
	_, tk := call(t, "GET", s.URL+"/cgi-bin/ticket/getticket?type=jsapi&access_token="+url.QueryEscape(m["access_token"].(string)), "")
	if tk["expires_in"].(float64) != 50 {
		t.Fatalf("ticket expires_in after config: %v", tk)
	}
	if status, _ := call(t, "POST", s.URL+"/__standin/config", `{}`); status != 400 {
		t.Fatalf("empty config accepted: %d", status)
	}
	call(t, "POST", s.URL+"/__standin/reset", "")
	if s.Stats() != (Stats{}) || s.AccessToken() != "" {
		t.Fatal("reset kept state")
	}
}

// inproc calls a stand-in through its Doer from the address remote
// ("" for the default) and decodes the answer.
func inproc(t *testing.T, s *Server, method, path, body, remote string) map[string]any {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, "http://wechat.test"+path, r)
	req.RemoteAddr = remote
	res, err := s.Doer().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatalf("%s %s: HTTP %d, not JSON: %v", method, path, res.StatusCode, err)
	}
	return m
}

func classicPath(appID, secret string) string {
	return "/cgi-bin/token?grant_type=client_credential&appid=" + appID + "&secret=" + secret
}

func ticketPath(token, typ string) string {
	return "/cgi-bin/ticket/getticket?type=" + typ + "&access_token=" + url.QueryEscape(token)
}

// onlyReader hides a reader's length, as a stream has none.
type onlyReader struct{ io.Reader }

func TestGateway(t *testing.T) {
	s := NewServer("wxapp", "sec")
	defer s.Close()
	body := stable(s, false)
	tests := []struct {
		name   string
		body   func() io.Reader
		header string // a header to send, "Name: value"
		status int
		empty  bool
	}{
		{"chunked body", func() io.Reader { return onlyReader{strings.NewReader(body)} }, "", 412, true},
		{"body with a length", func() io.Reader { return bytes.NewReader([]byte(body)) }, "", 200, false},
		{"relay key leaked", func() io.Reader { return strings.NewReader(body) }, RelayKeyHeader + ": k", 400, false},
	}
	for _, tt := range tests {
		for _, via := range []string{"socket", "Doer"} {
			req, _ := http.NewRequest("POST", s.URL+"/cgi-bin/stable_token", tt.body())
			if k, v, ok := strings.Cut(tt.header, ": "); ok {
				req.Header.Set(k, v)
			}
			var res *http.Response
			var err error
			if via == "socket" {
				res, err = http.DefaultClient.Do(req)
			} else {
				res, err = s.Doer().Do(req)
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status || (len(b) == 0) != tt.empty {
				t.Errorf("%s via %s: HTTP %d %q, want %d (empty body: %v)", tt.name, via, res.StatusCode, b, tt.status, tt.empty)
			}
			if tt.status == 400 && !strings.Contains(string(b), `"errcode":-1`) {
				t.Errorf("%s via %s: %s, want errcode -1", tt.name, via, b)
			}
		}
	}
	want := Stats{StableToken: 2, Posts: 6, PostsWithoutLength: 2, RejectedChunked: 2, LeakedRelayKey: 2}
	if st := s.Stats(); st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	// The control API is not WeChat: no gateway checks, no counting.
	call(t, "POST", s.URL+"/__standin/config", `{"expires_in":7200}`)
	if st := s.Stats(); st != want {
		t.Fatalf("a control call was counted: %+v", st)
	}
}

func TestTicketRefetchLies(t *testing.T) {
	s := New("wxapp", "sec")
	start := time.Unix(1_700_000_000, 0)
	now := start
	s.SetClock(func() time.Time { return now })
	tok := inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "")["access_token"].(string)
	steps := []struct {
		at      time.Duration // since start
		typ     string
		life    int64 // ticket_expires_in set before the call, 0 to leave it
		serial  int   // which ticket of this test comes back, from 1
		expires int64 // expires_in announced
	}{
		{0, "jsapi", 0, 1, 7200},
		{time.Second, "wx_card", 0, 2, 7200},
		{time.Hour, "jsapi", 0, 1, 7200}, // the same ticket, the full lifetime again
		{2*time.Hour - time.Second, "jsapi", 1000, 1, 1000},
		{2 * time.Hour, "jsapi", 0, 3, 1000}, // the first one died at its first expiry
		{2*time.Hour + time.Second, "wx_card", 0, 4, 1000},
		{2*time.Hour + 999*time.Second, "jsapi", 0, 3, 1000},
		{2*time.Hour + 1000*time.Second, "jsapi", 0, 5, 1000},
	}
	var seen []string
	for i, st := range steps {
		now = start.Add(st.at)
		if st.life > 0 {
			s.SetTicketExpiresIn(st.life)
		}
		// A new token changes nothing: tickets belong to the app.
		tok = inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "")["access_token"].(string)
		m := inproc(t, s, "GET", ticketPath(tok, st.typ), "", "")
		got, _ := m["ticket"].(string)
		if st.serial > len(seen) {
			seen = append(seen, got)
		}
		if got != seen[st.serial-1] || m["expires_in"].(float64) != float64(st.expires) {
			t.Fatalf("step %d (%v, %s): %v, want ticket #%d with expires_in %d", i, st.at, st.typ, m, st.serial, st.expires)
		}
	}
	if distinct := map[string]bool{seen[0]: true, seen[1]: true, seen[2]: true, seen[3]: true, seen[4]: true}; len(distinct) != 5 {
		t.Fatalf("tickets %q are not 5 different ones", seen)
	}
	tickets := s.Tickets()
	wantExp := []time.Duration{2 * time.Hour, 2*time.Hour + time.Second, 2*time.Hour + 1000*time.Second, 2*time.Hour + 1001*time.Second, 2*time.Hour + 2000*time.Second}
	for i, tk := range tickets {
		if tk.Ticket != seen[i] || tk.AppID != "wxapp" || tk.ExpiresAt != start.Add(wantExp[i]).Unix() || tk.Valid != (i >= 3) {
			t.Errorf("ticket %d: %+v, want %q expiring at +%v", i, tk, seen[i], wantExp[i])
		}
		if len(tk.Ticket) != ticketLength || !strings.HasPrefix(tk.Ticket, "TICKET_") || !strings.Contains(tk.Ticket, "wxapp") {
			t.Errorf("ticket %q: want WeChat's length %d, naming the app", tk.Ticket, ticketLength)
		}
	}
	if len(tickets) != 5 || tickets[0].Type != "jsapi" || tickets[1].Type != "wx_card" {
		t.Fatalf("tickets %+v", tickets)
	}
	for i, v := range seen {
		if s.TicketValid(v) != (i >= 3) {
			t.Errorf("TicketValid(#%d) = %v", i+1, !(i >= 3))
		}
	}
	if s.TicketValid("TICKET_nope") {
		t.Error("an unknown ticket is valid")
	}
	if st := s.Stats(); st.Ticket != 6 || st.CardTicket != 2 {
		t.Fatalf("stats %+v: want 6 jsapi and 2 wx_card calls", st)
	}
}

func TestTicketsOverHTTP(t *testing.T) {
	s := NewServer("wxapp", "sec")
	defer s.Close()
	_, tok := call(t, "GET", s.URL+classicPath("wxapp", "sec"), "")
	_, tk := call(t, "GET", s.URL+ticketPath(tok["access_token"].(string), "jsapi"), "")
	res, err := http.Get(s.URL + "/__standin/tickets")
	if err != nil {
		t.Fatal(err)
	}
	var list []TicketInfo
	json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if len(list) != 1 || list[0].Ticket != tk["ticket"] || !list[0].Valid || list[0].ExpiresAt-list[0].IssuedAt != 7200 {
		t.Fatalf("/__standin/tickets: %+v", list)
	}
	for _, c := range []struct {
		ticket string
		valid  bool
	}{{tk["ticket"].(string), true}, {"TICKET_1_jsapi_x", false}, {"", false}} {
		if _, m := call(t, "GET", s.URL+"/__standin/check?ticket="+url.QueryEscape(c.ticket), ""); m["valid"] != c.valid {
			t.Errorf("check %q: %v, want %v", c.ticket, m, c.valid)
		}
	}
	call(t, "POST", s.URL+"/__standin/reset", "")
	if len(s.Tickets()) != 0 || s.TicketValid(tk["ticket"].(string)) {
		t.Fatal("reset kept the tickets")
	}
}

func TestStableForceRefreshEndsThePrevious(t *testing.T) {
	s := New("wxapp", "sec")
	old := inproc(t, s, "POST", "/cgi-bin/stable_token", stable(s, false), "")["access_token"].(string)
	classic := inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "")["access_token"].(string)
	forced := inproc(t, s, "POST", "/cgi-bin/stable_token", stable(s, true), "")["access_token"].(string)
	for _, c := range []struct {
		token string
		code  float64
	}{{old, 40001}, {forced, 0}, {classic, 0}} {
		if m := inproc(t, s, "GET", ticketPath(c.token, "jsapi"), "", ""); m["errcode"].(float64) != c.code {
			t.Errorf("getticket with %s: %v, want errcode %v", c.token, m, c.code)
		}
	}
	// A classic fetch cuts the app's classic tokens to 5 minutes, not the stable one.
	now := time.Now().Add(10 * time.Minute)
	inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "")
	s.SetClock(func() time.Time { return now })
	if m := inproc(t, s, "GET", ticketPath(forced, "jsapi"), "", ""); m["errcode"].(float64) != 0 {
		t.Errorf("stable token after a classic fetch: %v", m)
	}
	if m := inproc(t, s, "GET", ticketPath(classic, "jsapi"), "", ""); m["errcode"].(float64) != 42001 {
		t.Errorf("old classic token 10 minutes after a new one: %v", m)
	}
}

func TestWhitelist(t *testing.T) {
	s := New("wxapp", "sec")
	s.AddCorp("wwcorp", map[string]string{"1000002": "agent-secret"})
	if err := s.SetWhitelist([]string{"127.0.0.2", "2001:db8::1"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, body, remote string
		code                             float64
		msg                              string
	}{
		{"classic, outside", "GET", classicPath("wxapp", "sec"), "", "127.0.0.1:5", 40164, "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist rid: "},
		{"stable, outside", "POST", "/cgi-bin/stable_token", stable(s, false), "198.51.100.7:5", 40164, "invalid ip 198.51.100.7 ipv6 ::ffff:198.51.100.7, not in whitelist"},
		{"classic, IPv6 outside", "GET", classicPath("wxapp", "sec"), "", "[2001:db8::2]:5", 40164, "invalid ip 2001:db8::2 ipv6 2001:db8::2"},
		{"WeCom, outside", "GET", "/cgi-bin/gettoken?corpid=wwcorp&corpsecret=agent-secret", "", "127.0.0.1:5", 60020, "not allow to access from your ip, hint: [1700000000_wxsign_standin], from ip: 127.0.0.1, more info"},
		{"bad secret first", "GET", classicPath("wxapp", "x"), "", "127.0.0.1:5", 40125, "invalid appsecret"},
		{"classic, inside", "GET", classicPath("wxapp", "sec"), "", "127.0.0.2:5", 0, ""},
		{"classic, IPv4-mapped inside", "GET", classicPath("wxapp", "sec"), "", "[::ffff:127.0.0.2]:5", 0, ""},
		{"classic, IPv6 inside", "GET", classicPath("wxapp", "sec"), "", "[2001:db8::1]:5", 0, ""},
		{"WeCom, inside", "GET", "/cgi-bin/gettoken?corpid=wwcorp&corpsecret=agent-secret", "", "127.0.0.2:5", 0, ""},
	}
	for _, tt := range tests {
		m := inproc(t, s, tt.method, tt.path, tt.body, tt.remote)
		code, _ := m["errcode"].(float64)
		msg, _ := m["errmsg"].(string)
		if code != tt.code || !strings.Contains(msg, tt.msg) {
			t.Errorf("%s: %v, want errcode %v with %q", tt.name, m, tt.code, tt.msg)
		}
	}
	// Ticket calls are not checked: only token calls are.
	tok := inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "127.0.0.2:5")["access_token"].(string)
	if m := inproc(t, s, "GET", ticketPath(tok, "jsapi"), "", "203.0.113.9:5"); m["errcode"].(float64) != 0 {
		t.Errorf("getticket from outside the whitelist: %v", m)
	}
	if st := s.Stats(); st.RefusedIP != 4 {
		t.Errorf("refused_ip %d, want 4", st.RefusedIP)
	}
	if err := s.SetWhitelist([]string{"nope"}); err == nil {
		t.Error("a bad IP was accepted")
	}
	s.SetWhitelist(nil)
	if m := inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "198.51.100.7:5"); m["access_token"] == nil {
		t.Errorf("empty whitelist: %v", m)
	}
	// The confirm fault names the caller's IP.
	s.SetFault(Fault{Endpoint: "token", Kind: Confirm, Count: 1})
	if m := inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "198.51.100.7:5"); m["errcode"].(float64) != 89503 || !strings.Contains(m["errmsg"].(string), "198.51.100.7") {
		t.Errorf("confirm fault: %v", m)
	}
}

func TestWhitelistOverSockets(t *testing.T) {
	s := NewServer("wxapp", "sec")
	defer s.Close()
	if status, _ := call(t, "POST", s.URL+"/__standin/whitelist", `{"ips":["127.0.0.2"]}`); status != 200 {
		t.Fatal(status)
	}
	if status, _ := call(t, "POST", s.URL+"/__standin/whitelist", `{"ips":["300.1.1.1"]}`); status != 400 {
		t.Fatalf("bad IP over HTTP: %d", status)
	}
	if _, m := call(t, "GET", s.URL+classicPath("wxapp", "sec"), ""); m["errcode"].(float64) != 40164 || !strings.Contains(m["errmsg"].(string), "127.0.0.1") {
		t.Fatalf("from 127.0.0.1: %v", m)
	}
	// Linux routes all of 127/8 to loopback: a client can call from 127.0.0.2.
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	c := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	res, err := c.Get(s.URL + classicPath("wxapp", "sec"))
	if err != nil {
		t.Skipf("cannot call from 127.0.0.2 here: %v", err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	if m["access_token"] == nil {
		t.Fatalf("from 127.0.0.2: %v", m)
	}
}

func TestApps(t *testing.T) {
	s := New("wxone", "s1")
	s.AddApp("wxtwo", "s2")
	one := inproc(t, s, "GET", classicPath("wxone", "s1"), "", "")["access_token"].(string)
	two := inproc(t, s, "POST", "/cgi-bin/stable_token", `{"grant_type":"client_credential","appid":"wxtwo","secret":"s2"}`, "")["access_token"].(string)
	if !strings.Contains(one, "wxone") || !strings.Contains(two, "wxtwo") {
		t.Fatalf("tokens %q, %q do not name their apps", one, two)
	}
	if m := inproc(t, s, "GET", classicPath("wxtwo", "s1"), "", ""); m["errcode"].(float64) != 40125 {
		t.Fatalf("app two with app one's secret: %v", m)
	}
	t1 := inproc(t, s, "GET", ticketPath(one, "jsapi"), "", "")["ticket"].(string)
	t2 := inproc(t, s, "GET", ticketPath(two, "jsapi"), "", "")["ticket"].(string)
	c2 := inproc(t, s, "GET", ticketPath(two, "wx_card"), "", "")["ticket"].(string)
	if t1 == t2 || !strings.Contains(t1, "_wxone_") || !strings.Contains(t2, "_wxtwo_") {
		t.Fatalf("tickets %q, %q: want one per app", t1, t2)
	}
	if a, _ := s.App("wxone"); a != (AppState{AccessToken: one, Ticket: t1}) {
		t.Fatalf("App(wxone) = %+v", a)
	}
	if b, _ := s.App("wxtwo"); b != (AppState{AccessToken: two, Ticket: t2, CardTicket: c2}) {
		t.Fatalf("App(wxtwo) = %+v", b)
	}
	if _, ok := s.App("wxthree"); ok {
		t.Fatal("an unknown app is known")
	}
	// The same calls give the same values: runs are reproducible.
	r := New("wxone", "s1")
	r.AddApp("wxtwo", "s2")
	inproc(t, r, "GET", classicPath("wxone", "s1"), "", "")
	inproc(t, r, "POST", "/cgi-bin/stable_token", `{"grant_type":"client_credential","appid":"wxtwo","secret":"s2"}`, "")
	if got := inproc(t, r, "GET", ticketPath(one, "jsapi"), "", "")["ticket"]; got != t1 {
		t.Fatalf("second run: ticket %q, first run %q", got, t1)
	}

	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	for _, c := range []struct {
		query, ticket string
		status        int
	}{{"", t1, 200}, {"?appid=wxone", t1, 200}, {"?appid=wxtwo", t2, 200}, {"?appid=wxnope", "", 404}} {
		status, m := call(t, "GET", hs.URL+"/__standin/state"+c.query, "")
		if status != c.status || (status == 200 && m["ticket"] != c.ticket) {
			t.Errorf("state%s: %d %v", c.query, status, m)
		}
	}
	_, m := call(t, "GET", hs.URL+"/__standin/state?appid=wxtwo", "")
	if m["card_ticket"] != c2 || m["access_token"] != two {
		t.Errorf("state of wxtwo: %v", m)
	}
}
