package service

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxsign/wxsign/core"
)

func (f *fixture) post(target, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.svc.ServeHTTP(w, r)
	return w
}

func TestDebugInfo(t *testing.T) {
	f := newFixture(t, map[string]string{"ALLOWED_HOSTS": "h.example.com"})
	w := f.do("GET", "/debug/info?url="+url.QueryEscape("https://h.example.com/a?b=1#c"), nil)
	if w.Code != 200 || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	if strings.Contains(w.Body.String(), f.wc.Ticket()) {
		t.Fatalf("the answer holds the ticket: %s", w.Body)
	}
	var d core.DebugInfo
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if d.URL != "https://h.example.com/a?b=1" || d.Signature != core.Sign(f.wc.Ticket(), d.NonceStr, d.Timestamp, d.URL) ||
		d.Ticket.Length != len(f.wc.Ticket()) || !strings.HasPrefix(d.Canonical, "jsapi_ticket="+d.Ticket.Prefix+"…(") {
		t.Fatalf("info %+v", d)
	}
	for _, tc := range []struct {
		target string
		status int
		code   int
	}{
		{"/debug/info", 400, core.ErrURLMissing.Code},
		{"/debug/info?url=ftp%3A%2F%2Fh.example.com%2F", 400, core.ErrURLScheme.Code},
		{"/debug/info?url=https%3A%2F%2Fevil.example.net%2F", 403, core.ErrHostForbidden.Code},
		{"/debug/info?appid=wxother&url=https%3A%2F%2Fh.example.com%2F", 400, core.ErrBadRequest.Code},
	} {
		w := f.do("GET", tc.target, nil)
		if e := decodeErr(t, w); w.Code != tc.status || e.Code != tc.code {
			t.Errorf("%s: %d %s, want %d errcode %d", tc.target, w.Code, w.Body, tc.status, tc.code)
		}
	}
	if w := f.do("POST", "/debug/info?url=https%3A%2F%2Fh.example.com%2F", nil); w.Code != 405 {
		t.Errorf("POST /debug/info: %d", w.Code)
	}
}

// TestDebugCheckPreviousTicket: after the cron replaced the ticket, a
// signature made with the old one is named as such.
func TestDebugCheckPreviousTicket(t *testing.T) {
	f := newFixture(t, nil)
	f.wc.SetTicketExpiresIn(1000) // due as soon as fetched: the next cron replaces it
	ctx := context.Background()
	f.svc.Cron(ctx)
	old := f.wc.Ticket()
	page := "https://h.example.com/p?id=1"
	ts := f.now.Unix()
	body := func(ticket string) string {
		b, _ := json.Marshal(map[string]any{"url": page, "appId": appID, "timestamp": ts, "nonceStr": "abc",
			"signature": core.Sign(ticket, "abc", ts, page)})
		return string(b)
	}
	check := func(b string) core.CheckResult {
		t.Helper()
		w := f.post("/debug/check", b)
		var r core.CheckResult
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &r) != nil {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		return r
	}
	if r := check(body(old)); !r.OK {
		t.Fatalf("a signature with the current ticket: %+v", r)
	}
	f.now = f.now.Add(time.Minute)
	f.svc.Cron(ctx)
	if f.wc.Ticket() == old {
		t.Fatal("the cron did not replace the ticket")
	}
	r := check(body(old))
	if r.OK || len(r.Findings) != 1 || r.Findings[0].Code != core.FindPreviousTicket {
		t.Fatalf("a signature with the replaced ticket: %+v", r)
	}
	// A timestamp pasted as a string reads the same.
	s := strings.Replace(body(f.wc.Ticket()), `"timestamp":`+itoa(ts), `"timestamp":"`+itoa(ts)+`"`, 1)
	if r := check(s); !r.OK {
		t.Fatalf("timestamp as a string: %s: %+v", s, r)
	}
	if w := f.post("/debug/check", "not json"); w.Code != 400 {
		t.Fatalf("not JSON: %d %s", w.Code, w.Body)
	}
	if w := f.do("GET", "/debug/check", nil); w.Code != 405 {
		t.Fatalf("GET /debug/check: %d", w.Code)
	}
	// The previous ticket is in KV for this, never in an answer.
	if w := f.do("GET", "/healthz", nil); strings.Contains(w.Body.String(), old) {
		t.Fatalf("/healthz shows the previous ticket")
	}
}
