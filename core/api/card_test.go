package api

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
)

// TestCardSignGolden holds CardSign to testdata/card-golden.json, whose
// signatures come from sort and sha1sum (testdata/gen-card-golden.sh),
// WeChat's published addCard example among them.
func TestCardSignGolden(t *testing.T) {
	b, err := os.ReadFile("../testdata/card-golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []struct {
		Name      string   `json:"name"`
		Values    []string `json:"values"`
		Signature string   `json:"signature"`
	}
	if err := json.Unmarshal(b, &vs); err != nil || len(vs) < 4 {
		t.Fatalf("card-golden.json: %v (%d vectors)", err, len(vs))
	}
	for _, v := range vs {
		if got := jssdk.CardSign(v.Values...); got != v.Signature {
			t.Errorf("%s: CardSign = %s, sha1sum says %s", v.Name, got, v.Signature)
		}
	}
}

func ExampleCardSign() {
	// WeChat's published wx.addCard example: api_ticket, timestamp, card_id,
	// code, openid (none) and nonce_str.
	fmt.Println(jssdk.CardSign("ojZ8YtyVyr30HheH3CM73y7h4jJE", "1404896688", "pjZ8Yt1XGILfi-FUsewpnnolGgZk", "1434008071", "", "123"))
	// Output: f137ab68b7f8112d20ee528ab6074564e2796250
}

func TestServeCardExt(t *testing.T) {
	const now = 1_700_000_000
	ticket := &cred.Record{Value: "CARDTICKET", ExpiresAt: now + 3600}
	tests := []struct {
		name   string
		body   string
		ticket *cred.Record
		status int
		code   int
	}{
		{"card only", `{"card_id":"pCARD"}`, ticket, 200, 0},
		{"code, openid, outer_str", `{"card_id":"pCARD","code":"1434008071","openid":"o1","outer_str":"src","appid":"wx1"}`, ticket, 200, 0},
		{"no card_id", `{"code":"1"}`, ticket, 400, core.ErrBadRequest.Code},
		{"empty card_id", `{"card_id":""}`, ticket, 400, core.ErrBadRequest.Code},
		{"not JSON", `card_id=p`, ticket, 400, core.ErrBadRequest.Code},
		{"a number for a string", `{"card_id":"p","code":1}`, ticket, 400, core.ErrBadRequest.Code},
		{"a key twice", `{"card_id":"p","card_id":"q"}`, ticket, 400, core.ErrBadRequest.Code},
		{"keys are exact", `{"Card_ID":"p"}`, ticket, 400, core.ErrBadRequest.Code},
		{"bad UTF-8", "{\"card_id\":\"p\xff\"}", ticket, 400, core.ErrBadRequest.Code},
		{"no ticket", `{"card_id":"p"}`, &cred.Record{}, 503, core.ErrNoTicket.Code},
		{"too large", `{"card_id":"` + strings.Repeat("p", MaxBodyLen) + `"}`, ticket, 413, core.ErrBodyTooLarge.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ServeCardExt(nil, []byte(tt.body), tt.ticket, now)
			var out struct {
				CardID  string `json:"cardId"`
				CardExt string `json:"cardExt"`
				ErrCode int    `json:"errcode"`
			}
			if err := json.Unmarshal(r.Body, &out); err != nil || r.Status != tt.status || out.ErrCode != tt.code {
				t.Fatalf("%d %s (%v), want %d errcode %d", r.Status, r.Body, err, tt.status, tt.code)
			}
			if r.Status != 200 {
				return
			}
			var in, ext map[string]string
			json.Unmarshal([]byte(tt.body), &in)
			if err := json.Unmarshal([]byte(out.CardExt), &ext); err != nil {
				t.Fatalf("cardExt %q is not a JSON object of strings: %v", out.CardExt, err)
			}
			want := jssdk.CardSign(ticket.Value, ext["timestamp"], in["card_id"], in["code"], in["openid"], ext["nonce_str"])
			if out.CardID != in["card_id"] || ext["signature"] != want || ext["timestamp"] != "1700000000" || len(ext["nonce_str"]) != jssdk.NonceLen ||
				ext["code"] != in["code"] || ext["openid"] != in["openid"] || ext["outer_str"] != in["outer_str"] {
				t.Fatalf("cardExt %s for %s", out.CardExt, tt.body)
			}
		})
	}
}

func TestServeCardChoose(t *testing.T) {
	const now = 1_700_000_000
	ticket := &cred.Record{Value: "CARDTICKET", ExpiresAt: now + 3600}
	r := ServeCardChoose(nil, "wxapp", []byte(`{"shop_id":"s1","card_type":"GROUPON","card_id":"pCARD"}`), ticket, now)
	var c struct {
		ShopID, CardType, CardID, NonceStr, SignType, CardSign string
		Timestamp                                              int64
	}
	if err := json.Unmarshal(r.Body, &c); err != nil || r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	want := jssdk.CardSign(ticket.Value, "wxapp", "s1", "1700000000", c.NonceStr, "pCARD", "GROUPON")
	if c.ShopID != "s1" || c.CardType != "GROUPON" || c.CardID != "pCARD" || c.Timestamp != now || c.SignType != "SHA1" || c.CardSign != want {
		t.Fatalf("chooseCard %s", r.Body)
	}
	// Every field may be left out; app_id is always signed.
	r = ServeCardChoose(nil, "wxapp", []byte(`{}`), ticket, now)
	json.Unmarshal(r.Body, &c)
	if r.Status != 200 || c.CardSign != jssdk.CardSign(ticket.Value, "wxapp", "1700000000", c.NonceStr) {
		t.Fatalf("empty chooseCard %d %s", r.Status, r.Body)
	}
	if r := ServeCardChoose(nil, "wxapp", []byte(`{"shop_id":7}`), ticket, now); r.Status != 400 {
		t.Fatalf("a number for shop_id: %d %s", r.Status, r.Body)
	}
}
