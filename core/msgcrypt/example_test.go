package msgcrypt_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/wxsign/wxsign/core/msgcrypt"
)

// A third-party platform receives a push of a new component_verify_ticket:
// it checks msg_signature, decrypts for its own component_appid and reads
// the ticket. Here the push is built with Encrypt, as the stand-in does.
func ExampleKey_Open() {
	const (
		encodingAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
		token          = "platformtoken"
		componentAppID = "wx0123456789abcdef"
	)
	key, err := msgcrypt.ParseKey(encodingAESKey)
	if err != nil {
		panic(err)
	}

	// WeChat's side: encrypt, sign, wrap.
	msg := "<xml><AppId>wx0123456789abcdef</AppId><CreateTime>1700000000</CreateTime>" +
		"<InfoType>component_verify_ticket</InfoType>" +
		"<ComponentVerifyTicket>ticket@@@abc</ComponentVerifyTicket></xml>"
	random := bytes.NewReader([]byte("0123456789abcdef")) // crypto/rand.Reader in earnest
	enc, err := key.Encrypt(random, []byte(msg), componentAppID)
	if err != nil {
		panic(err)
	}
	timestamp, nonce := "1700000000", "1847361"
	sig := msgcrypt.Signature(token, timestamp, nonce, enc)
	body := []byte("<xml><AppId><![CDATA[" + componentAppID + "]]></AppId><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")

	// The platform's side.
	plain, err := key.Open(token, timestamp, nonce, sig, body, componentAppID)
	if err != nil {
		panic(err)
	}
	m, err := msgcrypt.ParseMessage(plain)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.InfoType, m.ComponentVerifyTicket, m.CreateTime)

	// A forged signature is refused before anything is decrypted.
	_, err = key.Open(token, timestamp, nonce, "0000000000000000000000000000000000000000", body, componentAppID)
	fmt.Println(errors.Is(err, msgcrypt.ErrSignature))
	// Output:
	// component_verify_ticket ticket@@@abc 1700000000
	// true
}
