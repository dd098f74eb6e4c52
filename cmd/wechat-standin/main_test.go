package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// get calls the stand-in in-process from remote and decodes the answer.
func get(t *testing.T, h interface {
	Do(*http.Request) (*http.Response, error)
}, path, remote string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://wechat.test"+path, nil)
	req.RemoteAddr = remote
	res, err := h.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return m
}

func TestSetup(t *testing.T) {
	s, addr, _, err := setup([]string{"-addr", "127.0.0.1:9", "-appid", "wx1", "-secret", "s1",
		"-apps", "wx2:s2,wx3:s:3", "-corp", "wwc", "-agents", "1000002:sa,1000003:sb", "-whitelist", "127.0.0.2, 10.0.0.1"}, noEnv, io.Discard)
	if err != nil || addr != "127.0.0.1:9" || s.AppID != "wx1" {
		t.Fatalf("setup: %v, %q", err, addr)
	}
	d := s.Doer()
	tests := []struct {
		path, remote string
		code         float64
	}{
		{"/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s1", "127.0.0.2:1", 0},
		{"/cgi-bin/token?grant_type=client_credential&appid=wx2&secret=s2", "10.0.0.1:1", 0},
		{"/cgi-bin/token?grant_type=client_credential&appid=wx3&secret=s:3", "127.0.0.2:1", 0},
		{"/cgi-bin/token?grant_type=client_credential&appid=wx2&secret=s1", "127.0.0.2:1", 40125},
		{"/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s1", "127.0.0.1:1", 40164},
		{"/cgi-bin/gettoken?corpid=wwc&corpsecret=sb", "127.0.0.2:1", 0},
		{"/cgi-bin/gettoken?corpid=wwc&corpsecret=sb", "127.0.0.3:1", 60020},
	}
	for _, tt := range tests {
		m := get(t, d, tt.path, tt.remote)
		if code, _ := m["errcode"].(float64); code != tt.code {
			t.Errorf("%s from %s: %v, want errcode %v", tt.path, tt.remote, m, tt.code)
		}
	}
	if _, ok := s.Agent("wwc", "1000003"); !ok {
		t.Error("agent 1000003 unknown")
	}

	bad := [][]string{
		{"-apps", "wx2"},
		{"-apps", "wx2:"},
		{"-corp", "wwc"},
		{"-agents", "1:a"},
		{"-corp", "wwc", "-agents", "1:a,2:a"},
		{"-corp", "wwc", "-agents", "1:a,1:b"},
		{"-whitelist", "127.0.0.300"},
		{"-nope"},
		{"-component-secret", "x"},
		{"-component-pushes"},
		{"-authorizers", "wxa"},
		{"-component-appid", "wxc", "-component-secret", "s", "-component-token", "t", "-component-aes-key", "short"},
		{"-component-appid", "wxc", "-component-secret", "s", "-component-token", "t", "-component-aes-key", testKey, "-authorizers", "wxa:1|x"},
		{"-component-appid", "wxc", "-component-secret", "s", "-component-token", "t", "-component-aes-key", testKey, "-authorizers", ":1"},
		{"-component-appid", "wxc", "-component-secret", "s", "-component-token", "t", "-component-aes-key", testKey, "-component-event-url", "events"},
	}
	for _, args := range bad {
		if _, _, _, err := setup(args, noEnv, io.Discard); err == nil {
			t.Errorf("setup(%q) accepted", args)
		}
	}
}

const testKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

func noEnv(string) string { return "" }

// The platform's flags, each also read from the environment.
func TestSetupComponent(t *testing.T) {
	env := map[string]string{
		"WECHAT_STANDIN_COMPONENT_SECRET":    "from-env",
		"WECHAT_STANDIN_COMPONENT_AES_KEY":   testKey,
		"WECHAT_STANDIN_COMPONENT_EVENT_URL": "http://127.0.0.1:8787/wechat/events",
	}
	s, _, pushes, err := setup([]string{"-component-appid", "wxc", "-component-token", "t", "-component-pushes",
		"-authorizers", "wxa,wxb:1|2", "-component-domain", "127.0.0.1"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil || !pushes {
		t.Fatalf("setup: %v, pushes %v", err, pushes)
	}
	st, ok := s.ComponentState()
	if !ok || st.AppID != "wxc" || st.Consent != "wxa" || len(st.Authorizers) != 2 {
		t.Fatalf("state %+v", st)
	}
	m := get(t, s.Doer(), "/__standin/stats", "127.0.0.1:1")
	if _, ok := m["component_token"]; !ok {
		t.Fatalf("stats lack the component counters: %v", m)
	}
	// The secret came from the environment: a wrong one is refused with 40125.
	req, _ := http.NewRequest("POST", "http://wechat.test/cgi-bin/component/api_component_token",
		strings.NewReader(`{"component_appid":"wxc","component_appsecret":"nope","component_verify_ticket":"x"}`))
	res, err := s.Doer().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var ans map[string]any
	json.NewDecoder(res.Body).Decode(&ans)
	if ans["errcode"] != float64(40125) {
		t.Fatalf("wrong secret: %v", ans)
	}
	if envName("component-event-url") != "WECHAT_STANDIN_COMPONENT_EVENT_URL" {
		t.Fatal(envName("component-event-url"))
	}
}

// The harness and make dev read the URL from the first line.
func TestBanner(t *testing.T) {
	line := banner("127.0.0.1:4567", "wxdev0123456789ab")
	if line != "wechat-standin listening on http://127.0.0.1:4567 (appid wxdev0123456789ab)" ||
		regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line) != "http://127.0.0.1:4567" || strings.Contains(line, "\n") {
		t.Fatalf("banner %q", line)
	}
}
