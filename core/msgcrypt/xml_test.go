package msgcrypt

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestParseEnvelope(t *testing.T) {
	const enc = "c2VjcmV0"
	tests := []struct {
		name, body string
		want       Envelope
		err        error
	}{
		{"CDATA", "<xml><AppId><![CDATA[wx1]]></AppId><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>", Envelope{AppID: "wx1", Encrypt: enc}, nil},
		{"plain text", "<xml><AppId>wx1</AppId><Encrypt>" + enc + "</Encrypt></xml>", Envelope{AppID: "wx1", Encrypt: enc}, nil},
		{"declaration, whitespace and comments", "<?xml version=\"1.0\"?>\n<xml>\n  <!-- push -->\n  <Encrypt>" + enc + "</Encrypt>\n</xml>\n", Envelope{Encrypt: enc}, nil},
		{"safe-mode envelope", "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt>" + enc + "</Encrypt><MsgType>text</MsgType></xml>", Envelope{ToUserName: "gh_1", Encrypt: enc}, nil},
		{"CDATA split in two", "<xml><Encrypt><![CDATA[c2Vj]]><![CDATA[cmV0]]></Encrypt></xml>", Envelope{Encrypt: enc}, nil},
		{"missing Encrypt", "<xml><AppId>wx1</AppId></xml>", Envelope{}, ErrMalformed},
		{"empty Encrypt", "<xml><AppId>wx1</AppId><Encrypt></Encrypt></xml>", Envelope{}, ErrMalformed},
		{"Encrypt twice", "<xml><Encrypt>" + enc + "</Encrypt><Encrypt>b3RoZXI=</Encrypt></xml>", Envelope{}, ErrMalformed},
		{"nested element", "<xml><Encrypt><b>" + enc + "</b></Encrypt></xml>", Envelope{}, ErrMalformed},
		{"wrong root", "<root><Encrypt>" + enc + "</Encrypt></root>", Envelope{}, ErrMalformed},
		{"namespaced root", "<x:xml xmlns:x=\"urn:x\"><Encrypt>" + enc + "</Encrypt></x:xml>", Envelope{}, ErrMalformed},
		{"two roots", "<xml><Encrypt>" + enc + "</Encrypt></xml><xml></xml>", Envelope{}, ErrMalformed},
		{"text beside the fields", "<xml>hi<Encrypt>" + enc + "</Encrypt></xml>", Envelope{}, ErrMalformed},
		{"unclosed", "<xml><Encrypt>" + enc + "</Encrypt>", Envelope{}, ErrMalformed},
		{"mismatched tags", "<xml><Encrypt>" + enc + "</AppId></xml>", Envelope{}, ErrMalformed},
		{"undefined entity", "<xml><Encrypt>&x;</Encrypt></xml>", Envelope{}, ErrMalformed},
		{"DOCTYPE", "<!DOCTYPE xml [<!ENTITY x \"y\">]><xml><Encrypt>" + enc + "</Encrypt></xml>", Envelope{}, ErrMalformed},
		{"JSON", `{"Encrypt":"` + enc + `"}`, Envelope{}, ErrMalformed},
		{"empty", "", Envelope{}, ErrMalformed},
		{"oversize", "<xml><Encrypt>" + strings.Repeat("A", MaxBody) + "</Encrypt></xml>", Envelope{}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnvelope([]byte(tt.body))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseEnvelope = %+v, %v; want %v", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseEnvelope = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	const head = "<xml><AppId><![CDATA[wx0123456789abcdef]]></AppId><CreateTime>1700000000</CreateTime>"
	tests := []struct {
		name, body string
		want       Message
		err        error
	}{
		{"verify ticket", head + "<InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@x]]></ComponentVerifyTicket></xml>",
			Message{AppID: testAppID, CreateTime: 1700000000, InfoType: InfoVerifyTicket, ComponentVerifyTicket: "ticket@@@x"}, nil},
		{"authorized", head + "<InfoType>authorized</InfoType><AuthorizerAppid>wx1</AuthorizerAppid><AuthorizationCode>code@@@y</AuthorizationCode><AuthorizationCodeExpiredTime>1700003600</AuthorizationCodeExpiredTime><PreAuthCode>pre@@@z</PreAuthCode></xml>",
			Message{AppID: testAppID, CreateTime: 1700000000, InfoType: InfoAuthorized, AuthorizerAppID: "wx1", AuthorizationCode: "code@@@y", AuthorizationCodeExpiredTime: 1700003600, PreAuthCode: "pre@@@z"}, nil},
		{"updateauthorized", head + "<InfoType>updateauthorized</InfoType><AuthorizerAppid>wx1</AuthorizerAppid><AuthorizationCode>code</AuthorizationCode><AuthorizationCodeExpiredTime>1700003600</AuthorizationCodeExpiredTime></xml>",
			Message{AppID: testAppID, CreateTime: 1700000000, InfoType: InfoUpdateAuthorized, AuthorizerAppID: "wx1", AuthorizationCode: "code", AuthorizationCodeExpiredTime: 1700003600}, nil},
		{"unauthorized", head + "<InfoType>unauthorized</InfoType><AuthorizerAppid>wx1</AuthorizerAppid></xml>",
			Message{AppID: testAppID, CreateTime: 1700000000, InfoType: InfoUnauthorized, AuthorizerAppID: "wx1"}, nil},
		{"another InfoType passes through", head + "<InfoType>notify_third_fasteregister</InfoType><status>0</status></xml>",
			Message{AppID: testAppID, CreateTime: 1700000000, InfoType: "notify_third_fasteregister"}, nil},
		{"no AppId", "<xml><CreateTime>1</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wx1</AuthorizerAppid></xml>", Message{}, ErrMalformed},
		{"no InfoType", head + "</xml>", Message{}, ErrMalformed},
		{"no CreateTime", "<xml><AppId>wx1</AppId><InfoType>unauthorized</InfoType><AuthorizerAppid>wx1</AuthorizerAppid></xml>", Message{}, ErrMalformed},
		{"CreateTime not a number", "<xml><AppId>wx1</AppId><CreateTime>soon</CreateTime><InfoType>x</InfoType></xml>", Message{}, ErrMalformed},
		{"CreateTime negative", "<xml><AppId>wx1</AppId><CreateTime>-1</CreateTime><InfoType>x</InfoType></xml>", Message{}, ErrMalformed},
		{"expiry not a number", head + "<InfoType>authorized</InfoType><AuthorizerAppid>wx1</AuthorizerAppid><AuthorizationCode>c</AuthorizationCode><AuthorizationCodeExpiredTime>1e9</AuthorizationCodeExpiredTime></xml>", Message{}, ErrMalformed},
		{"verify ticket without ticket", head + "<InfoType>component_verify_ticket</InfoType></xml>", Message{}, ErrMalformed},
		{"verify ticket empty", head + "<InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket><![CDATA[]]></ComponentVerifyTicket></xml>", Message{}, ErrMalformed},
		{"authorized without code", head + "<InfoType>authorized</InfoType><AuthorizerAppid>wx1</AuthorizerAppid></xml>", Message{}, ErrMalformed},
		{"updateauthorized without authorizer", head + "<InfoType>updateauthorized</InfoType><AuthorizationCode>c</AuthorizationCode></xml>", Message{}, ErrMalformed},
		{"unauthorized without authorizer", head + "<InfoType>unauthorized</InfoType></xml>", Message{}, ErrMalformed},
		{"ticket twice", head + "<InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>a</ComponentVerifyTicket><ComponentVerifyTicket>b</ComponentVerifyTicket></xml>", Message{}, ErrMalformed},
		{"malformed XML", head + "<InfoType>unauthorized", Message{}, ErrMalformed},
		{"oversize", head + "<InfoType>x</InfoType><Pad>" + strings.Repeat("p", MaxBody) + "</Pad></xml>", Message{}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMessage([]byte(tt.body))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseMessage = %+v, %v; want %v", got, err, tt.err)
				}
				for _, value := range []string{"@@@", "wx", "soon", "1e9", "<"} {
					if strings.Contains(err.Error(), value) {
						t.Errorf("error %q quotes the message", err)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseMessage = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseFlatBoundsFields(t *testing.T) {
	var b strings.Builder
	b.WriteString("<xml>")
	for i := range maxFields + 1 {
		b.WriteString("<F" + strings.Repeat("x", i) + ">1</F" + strings.Repeat("x", i) + ">")
	}
	b.WriteString("</xml>")
	if _, err := parseFlat([]byte(b.String()), "message"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("%d fields: %v, want ErrMalformed", maxFields+1, err)
	}
}

// TestVectorMessages parses the platform messages that gen-vectors.sh
// encrypted, after decrypting them.
func TestVectorMessages(t *testing.T) {
	var vs []vector
	loadJSON(t, "vectors.json", &vs)
	want := map[string]Message{
		"verify-ticket": {AppID: "wx0123456789abcdef", CreateTime: 1700000000, InfoType: InfoVerifyTicket, ComponentVerifyTicket: "ticket@@@abc-DEF_123"},
		"authorized": {AppID: "wxfedcba9876543210", CreateTime: 1413192760, InfoType: InfoAuthorized, AuthorizerAppID: "wx1111111111111111",
			AuthorizationCode: "queryauthcode@@@xyz", AuthorizationCodeExpiredTime: 1413196360, PreAuthCode: "preauthcode@@@xyz"},
		"unauthorized": {AppID: "wx0123456789abcdef", CreateTime: 1700000600, InfoType: InfoUnauthorized, AuthorizerAppID: "wx1111111111111111"},
	}
	seen := 0
	for _, v := range vs {
		w, ok := want[v.Name]
		if !ok {
			continue
		}
		seen++
		body := "<xml><AppId><![CDATA[" + v.AppID + "]]></AppId><Encrypt><![CDATA[" + v.Encrypt + "]]></Encrypt></xml>"
		plain, err := mustKey(t, v.EncodingAESKey).Open(v.Token, v.Timestamp, v.Nonce, v.MsgSignature, []byte(body), v.AppID)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if raw, _ := base64.StdEncoding.DecodeString(v.MessageBase64); string(raw) != string(plain) {
			t.Fatalf("%s: Open = %q", v.Name, plain)
		}
		got, err := ParseMessage(plain)
		if err != nil || got != w {
			t.Fatalf("%s: ParseMessage = %+v, %v\nwant %+v", v.Name, got, err, w)
		}
	}
	if seen != len(want) {
		t.Fatalf("found %d of the %d platform messages in vectors.json", seen, len(want))
	}
}
