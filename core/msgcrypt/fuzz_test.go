package msgcrypt

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), []byte("<xml><InfoType>unauthorized</InfoType></xml>"), testAppID)
	f.Add([]byte{}, []byte{}, "")
	f.Add(bytes.Repeat([]byte{0xff}, 16), []byte("我是中文abcd123"), "wxb11529c136998cb6")
	f.Add(make([]byte, 16), make([]byte, 26), testAppID) // a whole block of padding
	k := mustKey(f, testKey)
	f.Fuzz(func(t *testing.T, random, msg []byte, appID string) {
		random = append(random, make([]byte, 16)...)
		enc, err := k.Encrypt(bytes.NewReader(random), msg, appID)
		if err != nil {
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Encrypt: %v", err)
			}
			return
		}
		plain, err := k.Decrypt(enc, appID)
		if err != nil {
			t.Fatalf("Decrypt: %v", err)
		}
		if !bytes.Equal(plain, msg) {
			t.Fatalf("Decrypt = %q, want %q", plain, msg)
		}
		if _, err := k.Decrypt(enc, appID+"x"); !errors.Is(err, ErrAppID) {
			t.Fatalf("Decrypt for another AppID: %v, want ErrAppID", err)
		}
		// The random prefix is not part of the message: other bytes give
		// another ciphertext of the same message.
		random[0] ^= 1
		other, err := k.Encrypt(bytes.NewReader(random), msg, appID)
		if err != nil || other == enc {
			t.Fatalf("Encrypt with other random bytes = %q, %v", other, err)
		}
	})
}

// FuzzDecrypt holds Decrypt to returning one of the package's errors, or a
// message no longer than its input, whatever it is given.
func FuzzDecrypt(f *testing.F) {
	k := mustKey(f, testKey)
	good, err := k.Encrypt(bytes.NewReader(make([]byte, 16)), []byte(secretMsg), testAppID)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, testAppID)
	f.Add("", "")
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==", "")
	f.Add("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==", "wxb11529c136998cb6")
	f.Fuzz(func(t *testing.T, encrypt, appID string) {
		plain, err := k.Decrypt(encrypt, appID)
		if err != nil {
			for _, e := range []error{ErrMalformed, ErrPadding, ErrAppID, ErrTooLarge} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("Decrypt error %v wraps no sentinel", err)
		}
		if len(plain) > len(encrypt) {
			t.Fatalf("Decrypt returned %d bytes from %d characters", len(plain), len(encrypt))
		}
	})
}

// FuzzParse holds both XML readers to refusing with ErrMalformed or
// ErrTooLarge, never panicking.
func FuzzParse(f *testing.F) {
	f.Add([]byte("<xml><AppId>wx1</AppId><Encrypt><![CDATA[c2VjcmV0]]></Encrypt></xml>"))
	f.Add([]byte("<xml><AppId>wx1</AppId><CreateTime>1</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wx2</AuthorizerAppid></xml>"))
	f.Add([]byte("<xml><a><b/></a></xml>"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		_, err1 := ParseEnvelope(doc)
		_, err2 := ParseMessage(doc)
		for _, err := range []error{err1, err2} {
			if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrTooLarge", err)
			}
		}
	})
}
