package wechattest

import (
	"encoding/json"
	"io"
	"net/http"
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
	if st := s.Stats(); st != (Stats{Token: 4, StableToken: 4, Ticket: 5}) {
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
