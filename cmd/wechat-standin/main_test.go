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
	s, addr, err := setup([]string{"-addr", "127.0.0.1:9", "-appid", "wx1", "-secret", "s1",
		"-apps", "wx2:s2,wx3:s:3", "-corp", "wwc", "-agents", "1000002:sa,1000003:sb", "-whitelist", "127.0.0.2, 10.0.0.1"}, io.Discard)
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
	}
	for _, args := range bad {
		if _, _, err := setup(args, io.Discard); err == nil {
			t.Errorf("setup(%q) accepted", args)
		}
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
