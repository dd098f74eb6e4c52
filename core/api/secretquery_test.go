package api

import "testing"

func TestSecretQuery(t *testing.T) {
	for _, c := range []struct {
		q, appid, agentid string
		bad               bool
	}{
		{q: ""},
		{q: "appid=wxb", appid: "wxb"},
		{q: "agentid=1000003", agentid: "1000003"},
		{q: "appid=wxb&agentid=1000003&x=%zz", appid: "wxb", agentid: "1000003"}, // another key's value is not read
		{q: "%61ppid=wxb", appid: "wxb"},                                         // as a proxy in front decodes it
		{q: "appid=wxb;x=1", appid: "wxb;x=1"},                                   // one value: no account has it (404)
		{q: "appid=", bad: true},
		{q: "agentid=", bad: true},
		{q: "agentid=1000003%zz", bad: true},
		{q: "appid=wxb%", bad: true},
		{q: "appid=wxa&appid=wxb", bad: true},
		{q: "appid=wxa&%61ppid=wxb", bad: true},
		{q: "agentid=1&agentid=1", bad: true},
		{q: "x%zz=1&appid=wxb", bad: true},
	} {
		appid, agentid, err := SecretQuery(c.q)
		if (err != nil) != c.bad || appid != c.appid || agentid != c.agentid {
			t.Errorf("SecretQuery(%q) = %q, %q, %v", c.q, appid, agentid, err)
		}
		if err != nil && err.Status != 400 {
			t.Errorf("SecretQuery(%q): status %d", c.q, err.Status)
		}
	}
}
