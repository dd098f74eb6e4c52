package jssdk_test

import (
	"net/url"
	"testing"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
	"github.com/wxsign/wxsign/core/pageurl"
	"github.com/wxsign/wxsign/internal/testkit"
)

const now = 1700000000

var ticket = &cred.Record{Value: "TICKET-1", ExpiresAt: now + 3600, FetchedAt: now - 100}

// A refused request, or one without a usable ticket, draws no randomness:
// the signer's warm-up relies on it, since it runs where randomness is
// forbidden (the Worker's global scope).
func TestServeConfigRefusedDrawsNoRandomness(t *testing.T) {
	app := &api.App{AppID: "wxapp", Hosts: pageurl.ParseAllowlist("h.example.com"), Origins: pageurl.ParseOriginList("https://h.example.com")}
	expired := &cred.Record{Value: "T", ExpiresAt: now - 1}
	page := "url=" + url.QueryEscape(testkit.BenchURL)
	tests := []struct {
		name   string
		req    api.Request
		ticket *cred.Record
	}{
		{"no ticket", api.Request{Method: "GET", Query: page}, nil},
		{"expired ticket", api.Request{Method: "GET", Query: page}, expired},
		{"bad url", api.Request{Method: "GET", Query: "url=ftp%3A%2F%2Fh%2F"}, ticket},
		{"host not allowed", api.Request{Method: "GET", Query: "url=https%3A%2F%2Fevil.example.net%2F"}, ticket},
		{"method", api.Request{Method: "PUT", Query: page}, ticket},
		{"preflight", api.Request{Method: "OPTIONS", Origin: "https://h.example.com"}, ticket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := jssdk.NoncePos()
			r := app.ServeConfig(nil, &tt.req, tt.ticket, now)
			if r.Status == 200 {
				t.Fatalf("status 200, want a refusal: %s", r.Body)
			}
			if jssdk.NoncePos() != before {
				t.Fatal("a nonce was drawn for a refused request")
			}
		})
	}
	// The control: a signable request does draw.
	before := jssdk.NoncePos()
	if r := app.ServeConfig(nil, &api.Request{Method: "GET", Query: page}, ticket, now); r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if jssdk.NoncePos() == before {
		t.Fatal("a signed request drew no nonce")
	}
}
