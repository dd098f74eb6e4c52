package wire_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat/wire"
)

var ticketKey = cred.NewKey(cred.JSAPITicket, "wxwire0000000001", "wxwire0000000001", "", "wire-secret",
	cred.NewKey(cred.StableToken, "wxwire0000000001", "wxwire0000000001", "", "wire-secret", nil))

// TestBuild: a relay key goes to its own base, never to WeChat's hosts;
// a GET carries its parameters in the query, a POST in a JSON body.
func TestBuild(t *testing.T) {
	tests := []struct {
		name   string
		bases  wire.Bases
		key    *cred.Key
		url    string
		relay  string
		body   string
		header int
	}{
		{"ticket on a relay", wire.Bases{Official: "https://relay.example.com/wx/", RelayKey: "rk"}, ticketKey,
			"https://relay.example.com/wx/cgi-bin/ticket/getticket?access_token=T%2B1&type=jsapi", "rk", "", 1},
		{"never to WeChat's own host", wire.Bases{Official: "https://api.weixin.qq.com", RelayKey: "rk"}, ticketKey,
			"https://api.weixin.qq.com/cgi-bin/ticket/getticket?access_token=T%2B1&type=jsapi", "", "", 0},
		{"a stable token is a POST", wire.Bases{Official: "https://api.weixin.qq.com"}, ticketKey.Token,
			"https://api.weixin.qq.com/cgi-bin/stable_token", "", `{"grant_type":"client_credential","appid":"wxwire0000000001","secret":"wire-secret","force_refresh":false}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.bases.Credential(tt.key, cred.Inputs{Token: "T+1"})
			if r.URL != tt.url || r.RelayKey != tt.relay || string(r.Body) != tt.body || len(r.Header()) != tt.header || r.Key != tt.key {
				t.Errorf("got %s %s relay %q body %s headers %q", r.Method, r.URL, r.RelayKey, r.Body, r.Header())
			}
		})
	}
}

// TestRead: only HTTP 200 is an answer; a redirect names the base and
// never the query, where the secrets are.
func TestRead(t *testing.T) {
	r := (&wire.Bases{Official: "https://relay.example.com/wx"}).Credential(ticketKey, cred.Inputs{Token: "SECRET-TOKEN"})
	tests := []struct {
		answer wire.Answer
		err    string // "" for an answer
	}{
		{wire.Answer{Status: 200, Body: []byte(`{"ticket":"x","expires_in":7200}`)}, ""},
		{wire.Answer{Status: 302}, "answers with a redirect"},
		{wire.Answer{Status: 200, Redirected: true}, "answers with a redirect"},
		{wire.Answer{Status: 412}, "refuses chunked request bodies"},
		{wire.Answer{Status: 403, Body: []byte(`{"errcode":401}`)}, "check WECHAT_RELAY_KEY"},
		{wire.Answer{Status: 502}, "HTTP 502: unexpected HTTP status"},
	}
	for _, tt := range tests {
		raw, err := r.Read(tt.answer)
		switch {
		case tt.err == "" && (err != nil || raw != string(tt.answer.Body)):
			t.Errorf("%d: %q, %v", tt.answer.Status, raw, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "SECRET")):
			t.Errorf("%d: error %v, want one saying %q", tt.answer.Status, err, tt.err)
		}
	}
}

// TestRecord: WeChat's refusal is an APIError; an answer without the
// value is a TransportError; a value expires ExpirySafety early.
func TestRecord(t *testing.T) {
	rec, err := wire.Record(ticketKey, `{"errcode":0,"errmsg":"ok","ticket":"TK","expires_in":7200}`, 100)
	if err != nil || rec.Value != "TK" || rec.ExpiresAt != 100+7200-cred.ExpirySafety || rec.FetchedAt != 100 {
		t.Fatalf("%+v, %v", rec, err)
	}
	var api *cred.APIError
	if _, err := wire.Record(ticketKey, `{"errcode":40001,"errmsg":"invalid credential"}`, 100); !errors.As(err, &api) || !api.TokenInvalid() {
		t.Errorf("a refusal: %v", err)
	}
	var tr *wire.TransportError
	for _, raw := range []string{`{"errcode":0}`, `<html>`} {
		if _, err := wire.Record(ticketKey, raw, 100); !errors.As(err, &tr) {
			t.Errorf("%s: %v", raw, err)
		}
	}
}

// A call as the signer module hands it to the Worker's entry, and its
// answer as the entry hands it back.
func ExampleBases_Credential() {
	b := wire.Bases{Official: "https://api.weixin.qq.com"}
	r := b.Credential(ticketKey, cred.Inputs{Token: "ACCESS_TOKEN"})
	fmt.Println(r.Method, r.URL)
	raw, _ := r.Read(wire.Answer{Status: 200, Body: []byte(`{"errcode":0,"errmsg":"ok","ticket":"TICKET","expires_in":7200}`)})
	rec, _ := wire.Record(ticketKey, raw, 1_800_000_000)
	fmt.Println(rec.Value, rec.ExpiresAt-rec.FetchedAt)
	// Output:
	// GET https://api.weixin.qq.com/cgi-bin/ticket/getticket?access_token=ACCESS_TOKEN&type=jsapi
	// TICKET 7190
}
