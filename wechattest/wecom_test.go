package wechattest

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func wecomTokenPath(corpID, secret string) string {
	return "/cgi-bin/gettoken?corpid=" + corpID + "&corpsecret=" + secret
}

func TestWeCom(t *testing.T) {
	s := New("wxapp", "sec")
	s.AddCorp("wwcorp", map[string]string{"1000002": "secret-a", "1000003": "secret-b"})
	start := time.Unix(1_700_000_000, 0)
	now := start
	s.SetClock(func() time.Time { return now })

	a := inproc(t, s, "GET", wecomTokenPath("wwcorp", "secret-a"), "", "")
	if a["errcode"].(float64) != 0 || a["errmsg"] != "ok" || a["expires_in"].(float64) != 7200 {
		t.Fatalf("gettoken: %v", a)
	}
	tokA := a["access_token"].(string)
	tokB := inproc(t, s, "GET", wecomTokenPath("wwcorp", "secret-b"), "", "")["access_token"].(string)
	official := inproc(t, s, "GET", classicPath("wxapp", "sec"), "", "")["access_token"].(string)
	if tokA == tokB || !strings.Contains(tokA, "wwcorp_1000002") {
		t.Fatalf("agent tokens %q, %q: want one per agent, naming it", tokA, tokB)
	}

	corpA := inproc(t, s, "GET", "/cgi-bin/get_jsapi_ticket?access_token="+url.QueryEscape(tokA), "", "")
	agentA := inproc(t, s, "GET", "/cgi-bin/ticket/get?type=agent_config&access_token="+url.QueryEscape(tokA), "", "")
	agentB := inproc(t, s, "GET", "/cgi-bin/ticket/get?type=agent_config&access_token="+url.QueryEscape(tokB), "", "")
	for _, m := range []map[string]any{corpA, agentA, agentB} {
		if m["errcode"].(float64) != 0 || m["errmsg"] != "ok" || m["expires_in"].(float64) != 7200 || len(m["ticket"].(string)) != ticketLength {
			t.Fatalf("WeCom ticket: %v", m)
		}
	}
	if corpA["ticket"] == agentA["ticket"] || agentA["ticket"] == agentB["ticket"] {
		t.Fatalf("tickets are not per agent and type: %v %v %v", corpA, agentA, agentB)
	}
	if st, _ := s.Agent("wwcorp", "1000002"); st != (AgentState{AccessToken: tokA, CorpTicket: corpA["ticket"].(string), AgentTicket: agentA["ticket"].(string)}) {
		t.Fatalf("Agent = %+v", st)
	}

	errors := []struct {
		name, path string
		code       float64
		msg        string
	}{
		{"wrong corpid", wecomTokenPath("wwother", "secret-a"), 40013, "invalid corpid"},
		{"no corpid", wecomTokenPath("", "secret-a"), 41002, "corpid missing"},
		{"wrong secret", wecomTokenPath("wwcorp", "secret-x"), 40001, "invalid credential"},
		{"official secret", wecomTokenPath("wwcorp", "sec"), 40001, "invalid credential"},
		{"no secret", wecomTokenPath("wwcorp", ""), 41004, "corpsecret missing"},
		{"unknown token", "/cgi-bin/get_jsapi_ticket?access_token=nope", 40014, "invalid access_token"},
		{"no token", "/cgi-bin/get_jsapi_ticket", 41001, "access_token missing"},
		{"official token at WeCom", "/cgi-bin/ticket/get?type=agent_config&access_token=" + url.QueryEscape(official), 40014, "invalid access_token"},
		{"WeCom token at getticket", ticketPath(tokA, "jsapi"), 40001, "rid: "},
		{"other type", "/cgi-bin/ticket/get?type=jsapi&access_token=" + url.QueryEscape(tokA), 40058, "invalid type"},
		{"no type", "/cgi-bin/ticket/get?access_token=" + url.QueryEscape(tokA), 40058, "invalid type"},
	}
	for _, tt := range errors {
		m := inproc(t, s, "GET", tt.path, "", "")
		msg, _ := m["errmsg"].(string)
		if m["errcode"].(float64) != tt.code || !strings.Contains(msg, tt.msg) {
			t.Errorf("%s: %v, want errcode %v with %q", tt.name, m, tt.code, tt.msg)
		}
		if isWeCom(strings.Split(tt.path, "?")[0]) && !strings.Contains(msg, "more info at https://open.work.weixin.qq.com/devtool/query?e=") {
			t.Errorf("%s: errmsg %q lacks WeCom's hint", tt.name, msg)
		}
	}

	// Fetched again while valid: the same token and tickets, expires_in 7200
	// again, though they die at their first expiry.
	now = start.Add(time.Hour)
	if m := inproc(t, s, "GET", wecomTokenPath("wwcorp", "secret-a"), "", ""); m["access_token"] != tokA || m["expires_in"].(float64) != 7200 {
		t.Fatalf("gettoken again: %v, want %q with 7200", m, tokA)
	}
	if m := inproc(t, s, "GET", "/cgi-bin/get_jsapi_ticket?access_token="+url.QueryEscape(tokA), "", ""); m["ticket"] != corpA["ticket"] || m["expires_in"].(float64) != 7200 {
		t.Fatalf("corp ticket again: %v", m)
	}
	now = start.Add(2 * time.Hour)
	if m := inproc(t, s, "GET", "/cgi-bin/get_jsapi_ticket?access_token="+url.QueryEscape(tokA), "", ""); m["errcode"].(float64) != 42001 {
		t.Fatalf("token past its first expiry: %v", m)
	}
	if s.TicketValid(corpA["ticket"].(string)) {
		t.Fatal("the corp ticket outlived its first expiry")
	}
	tokA2 := inproc(t, s, "GET", wecomTokenPath("wwcorp", "secret-a"), "", "")["access_token"].(string)
	if m := inproc(t, s, "GET", "/cgi-bin/get_jsapi_ticket?access_token="+url.QueryEscape(tokA2), "", ""); tokA2 == tokA || m["ticket"] == corpA["ticket"] {
		t.Fatalf("after expiry: token %q, ticket %v; want new ones", tokA2, m)
	}
	if st := s.Stats(); st.WeComToken != 9 || st.CorpTicket != 6 || st.AgentTicket != 5 || st.Ticket != 1 {
		t.Fatalf("stats %+v", st)
	}

	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	if _, m := call(t, "GET", hs.URL+"/__standin/state?corpid=wwcorp&agentid=1000003", ""); m["access_token"] != tokB || m["agent_ticket"] != agentB["ticket"] || m["corp_ticket"] != "" {
		t.Fatalf("state of agent 1000003: %v", m)
	}
	if status, _ := call(t, "GET", hs.URL+"/__standin/state?corpid=wwcorp&agentid=9", ""); status != 404 {
		t.Fatalf("state of an unknown agent: %d", status)
	}
}

func TestWeComBudgets(t *testing.T) {
	s := New("wxapp", "sec")
	agents := map[string]string{}
	for i := range 5 {
		agents[fmt.Sprint(1000002+i)] = fmt.Sprint("secret-", i)
	}
	s.AddCorp("wwcorp", agents)
	start := time.Unix(1_700_000_000, 0)
	now := start
	s.SetClock(func() time.Time { return now })
	tokens := make([]string, 5)
	for i := range tokens {
		tokens[i] = inproc(t, s, "GET", wecomTokenPath("wwcorp", fmt.Sprint("secret-", i)), "", "")["access_token"].(string)
	}
	corpTicket := func(i int) float64 {
		return inproc(t, s, "GET", "/cgi-bin/get_jsapi_ticket?access_token="+url.QueryEscape(tokens[i]), "", "")["errcode"].(float64)
	}
	agentTicket := func(i int) float64 {
		return inproc(t, s, "GET", "/cgi-bin/ticket/get?type=agent_config&access_token="+url.QueryEscape(tokens[i]), "", "")["errcode"].(float64)
	}
	steps := []struct {
		name  string
		at    time.Duration
		fetch func(int) float64
		agent int
		n     int     // calls
		code  float64 // the errcode of the last
	}{
		{"agent 0: 60 corp tickets", 0, corpTicket, 0, 60, 0},
		{"agent 0: 40 agent tickets, 100 in all", time.Minute, agentTicket, 0, 40, 0},
		{"agent 0: the 101st", 2 * time.Minute, agentTicket, 0, 1, 45009},
		{"agent 0: refused calls count too", 3 * time.Minute, corpTicket, 0, 1, 45009},
		{"agent 1 has its own budget", 3 * time.Minute, agentTicket, 1, 1, 0},
		{"agents 1-3: 297 more corp tickets, 358 for the corp (the refused one counts)", 4 * time.Minute, func(int) float64 {
			code := 0.0
			for i := 1; i <= 3 && code == 0; i++ {
				for j := 0; j < 99 && code == 0; j++ {
					code = corpTicket(i)
				}
			}
			return code
		}, 0, 1, 0},
		{"agent 4: 42 corp tickets, 400 for the corp", 5 * time.Minute, corpTicket, 4, 42, 0},
		{"agent 4: the corp's 401st", 5 * time.Minute, corpTicket, 4, 1, 45009},
		{"agent 4: agent tickets are not the corp's", 5 * time.Minute, agentTicket, 4, 1, 0},
		{"an hour on, agent 0's first 60 have left the window", time.Hour, corpTicket, 0, 58, 0},
		{"and its budget is full again", time.Hour, corpTicket, 0, 1, 45009},
	}
	for _, st := range steps {
		now = start.Add(st.at)
		var code float64
		for range st.n {
			if code = st.fetch(st.agent); code != 0 {
				break
			}
		}
		if code != st.code {
			t.Fatalf("%s: errcode %v, want %v", st.name, code, st.code)
		}
	}
}
