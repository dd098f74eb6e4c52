package msgcrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const (
	testKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testAppID = "wx0123456789abcdef"
	testToken = "platformtoken"
	secretMsg = "<xml><ComponentVerifyTicket>do-not-leak</ComponentVerifyTicket></xml>"
)

// rawEncrypt encrypts b as it is, with no padding of its own, under the test
// key, so that the tests can build plaintexts Encrypt would never make.
func rawEncrypt(t *testing.T, b []byte) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(testKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(b)
	cipher.NewCBCEncrypter(block, raw[:16]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out)
}

// plaintext lays out random, a length field of size, msg and appID, then
// pad bytes of value padByte.
func plaintext(size uint32, msg, appID string, pad int, padByte byte) []byte {
	b := make([]byte, randomLen, 64)
	b = binary.BigEndian.AppendUint32(b, size)
	b = append(b, msg...)
	b = append(b, appID...)
	return append(b, bytes.Repeat([]byte{padByte}, pad)...)
}

// padded lays out a well-formed plaintext with PKCS#7 to 32 bytes.
func padded(size uint32, msg, appID string) []byte {
	n := randomLen + 4 + len(msg) + len(appID)
	p := blockPad - n%blockPad
	return plaintext(size, msg, appID, p, byte(p))
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		name, key string
		ok        bool
		inErr     string
	}{
		{"wechat sample", testKey, true, ""},
		{"digits first", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", true, ""},
		{"empty", "", false, "0 characters"},
		{"42 characters", testKey[:42], false, "42 characters"},
		{"44 characters", testKey + "=", false, "44 characters"},
		{"full base64 of 32 bytes", base64.StdEncoding.EncodeToString(make([]byte, 32)), false, "44 characters"},
		{"not base64", testKey[:42] + "!", false, "not standard base64"},
		{"url-safe alphabet", testKey[:41] + "-_", false, "not standard base64"},
		{"newline inside", testKey[:20] + "\n" + testKey[21:], false, "not standard base64"},
		{"padding inside", testKey[:41] + "==", false, "not standard base64"},
		{"newlines the decoder skips", testKey[:10] + "\n\n" + testKey[10:20] + "\r\n" + testKey[20:39], false, "decodes to 29 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.key)
			if tt.ok {
				if err != nil || k == nil {
					t.Fatalf("ParseKey = %v, %v", k, err)
				}
				return
			}
			if !errors.Is(err, ErrKey) || k != nil {
				t.Fatalf("ParseKey = %v, %v; want ErrKey", k, err)
			}
			if !strings.Contains(err.Error(), tt.inErr) {
				t.Errorf("error %q does not say %q", err, tt.inErr)
			}
			if len(tt.key) > 8 && strings.Contains(err.Error(), tt.key[:8]) {
				t.Errorf("error %q repeats the key", err)
			}
		})
	}
}

func TestKeyIsRedacted(t *testing.T) {
	k := mustKey(t, testKey)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{k, *k} {
			if got := fmt.Sprintf(format, v); got != "msgcrypt.Key(redacted)" {
				t.Errorf("Sprintf(%q, %T) = %q", format, v, got)
			}
		}
	}
}

func TestVerify(t *testing.T) {
	const ts, nonce, enc = "1700000000", "1847361", "c2VjcmV0"
	good := Signature(testToken, ts, nonce, enc)
	tests := []struct {
		name                       string
		token, ts, nonce, enc, sig string
		want                       bool
	}{
		{"good", testToken, ts, nonce, enc, good, true},
		{"arguments in another order sign the same", nonce, enc, testToken, ts, good, true},
		{"wrong token", testToken + "x", ts, nonce, enc, good, false},
		{"wrong timestamp", testToken, "1700000001", nonce, enc, good, false},
		{"wrong nonce", testToken, ts, "1847362", enc, good, false},
		{"wrong encrypt", testToken, ts, nonce, enc + "=", good, false},
		{"upper-case hex", testToken, ts, nonce, enc, strings.ToUpper(good), false},
		{"truncated", testToken, ts, nonce, enc, good[:39], false},
		{"extended", testToken, ts, nonce, enc, good + "0", false},
		{"empty", testToken, ts, nonce, enc, "", false},
		{"the same bytes split differently", testToken[:5], testToken[5:] + ts, nonce, enc, good, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verify(tt.token, tt.ts, tt.nonce, tt.enc, tt.sig); got != tt.want {
				t.Fatalf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecryptRefusals(t *testing.T) {
	k := mustKey(t, testKey)
	good, err := k.Encrypt(bytes.NewReader(make([]byte, 16)), []byte(secretMsg), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	goodRaw, _ := base64.StdEncoding.DecodeString(good)
	tests := []struct {
		name    string
		encrypt string
		appID   string
		want    []error // any of these
	}{
		{"empty", "", testAppID, []error{ErrMalformed}},
		{"not base64", "!!!!" + good[4:], testAppID, []error{ErrMalformed}},
		{"url-safe base64", strings.NewReplacer("+", "-", "/", "_").Replace(good), testAppID, []error{ErrMalformed}},
		{"truncated text", good[:len(good)-3], testAppID, []error{ErrMalformed}},
		{"not whole blocks", base64.StdEncoding.EncodeToString(goodRaw[:len(goodRaw)-1]), testAppID, []error{ErrMalformed}},
		{"half a block", base64.StdEncoding.EncodeToString(goodRaw[:8]), testAppID, []error{ErrMalformed}},
		{"last block dropped", base64.StdEncoding.EncodeToString(goodRaw[:len(goodRaw)-16]), testAppID, []error{ErrPadding, ErrMalformed, ErrAppID}},
		{"first block dropped", base64.StdEncoding.EncodeToString(goodRaw[16:]), testAppID, []error{ErrMalformed, ErrAppID}},
		{"oversize", strings.Repeat("A", MaxBody+4), testAppID, []error{ErrTooLarge}},
		{"pad 0", rawEncrypt(t, plaintext(3, "abc", testAppID, 7, 0)), testAppID, []error{ErrPadding}},
		{"pad 33", rawEncrypt(t, plaintext(3, "abc", testAppID, 39, 33)), testAppID, []error{ErrPadding}},
		{"pad 255", rawEncrypt(t, plaintext(3, "abc", testAppID, 7, 255)), testAppID, []error{ErrPadding}},
		{"pad bytes differ", rawEncrypt(t, append(plaintext(3, "abc", testAppID, 6, 7), 6)), testAppID, []error{ErrPadding}},
		{"pad longer than the text", rawEncrypt(t, bytes.Repeat([]byte{32}, 16)), testAppID, []error{ErrPadding}},
		{"no header", rawEncrypt(t, append(make([]byte, 16), bytes.Repeat([]byte{16}, 16)...)), testAppID, []error{ErrMalformed}},
		{"length overruns", rawEncrypt(t, padded(uint32(len(secretMsg)+len(testAppID)+1), secretMsg, testAppID)), testAppID, []error{ErrMalformed}},
		{"length all ones", rawEncrypt(t, padded(0xffffffff, secretMsg, testAppID)), testAppID, []error{ErrMalformed}},
		{"wrong AppID", good, "wx0123456789abcdee", []error{ErrAppID}},
		{"AppID prefix", good, testAppID[:10], []error{ErrAppID}},
		{"AppID longer", good, testAppID + "0", []error{ErrAppID}},
		{"no AppID expected", good, "", []error{ErrAppID}},
		{"length short by one leaves a byte before the AppID", rawEncrypt(t, padded(uint32(len(secretMsg)-1), secretMsg, testAppID)), testAppID, []error{ErrAppID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, err := k.Decrypt(tt.encrypt, tt.appID)
			if err == nil {
				t.Fatalf("Decrypt = %q, want an error", plain)
			}
			matched := false
			for _, w := range tt.want {
				matched = matched || errors.Is(err, w)
			}
			if !matched {
				t.Fatalf("Decrypt error = %v, want one of %v", err, tt.want)
			}
			for _, secret := range []string{"do-not-leak", testAppID, testKey[:10]} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains %q", err, secret)
				}
			}
		})
	}
	// The same refusals' control: the well-formed case decrypts.
	if plain, err := k.Decrypt(good, testAppID); err != nil || string(plain) != secretMsg {
		t.Fatalf("Decrypt(good) = %q, %v", plain, err)
	}
	if plain, err := k.Decrypt(rawEncrypt(t, padded(3, "abc", testAppID)), testAppID); err != nil || string(plain) != "abc" {
		t.Fatalf("Decrypt(rawEncrypt) = %q, %v", plain, err)
	}
}

func TestEncryptRefusals(t *testing.T) {
	k := mustKey(t, testKey)
	if _, err := k.Encrypt(bytes.NewReader(make([]byte, 15)), []byte("m"), testAppID); err == nil {
		t.Error("Encrypt accepted 15 random bytes")
	}
	// MaxBody characters of base64 hold a whole number of 32-byte blocks,
	// so the longest message leaves room for one byte of padding.
	if MaxBody/4*3%blockPad != 0 {
		t.Fatal("MaxBody no longer holds whole blocks; rework this test")
	}
	longest := MaxBody/4*3 - 1 - randomLen - 4 - len(testAppID)
	for _, n := range []int{longest + 1, MaxBody, MaxBody + 1} {
		if _, err := k.Encrypt(bytes.NewReader(make([]byte, 16)), make([]byte, n), testAppID); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Encrypt of %d bytes: %v, want ErrTooLarge", n, err)
		}
	}
	enc, err := k.Encrypt(bytes.NewReader(make([]byte, 16)), make([]byte, longest), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := k.Decrypt(enc, testAppID); err != nil || len(plain) != longest {
		t.Fatalf("Decrypt of a %d-byte message: %d bytes, %v", longest, len(plain), err)
	}
	if _, err := k.Decrypt(enc+"AAAA", testAppID); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Decrypt of %d characters: %v, want ErrTooLarge", len(enc)+4, err)
	}
}

func TestOpen(t *testing.T) {
	k := mustKey(t, testKey)
	const ts, nonce = "1700000000", "1847361"
	enc, err := k.Encrypt(bytes.NewReader(make([]byte, 16)), []byte(secretMsg), testAppID)
	if err != nil {
		t.Fatal(err)
	}
	sig := Signature(testToken, ts, nonce, enc)
	body := "<xml><AppId><![CDATA[" + testAppID + "]]></AppId><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	otherAppID, err := k.Encrypt(bytes.NewReader(make([]byte, 16)), []byte(secretMsg), "wxaaaaaaaaaaaaaaaa")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, token, sig, body string
		want                   error
	}{
		{"good", testToken, sig, body, nil},
		{"wrong signature", testToken, Signature(testToken, ts, nonce, enc+"x"), body, ErrSignature},
		{"wrong token", "othertoken", sig, body, ErrSignature},
		{"no signature", testToken, "", body, ErrSignature},
		{"signed for another Encrypt", testToken, sig, strings.Replace(body, enc, otherAppID, 1), ErrSignature},
		{"signed, for another AppID", testToken, Signature(testToken, ts, nonce, otherAppID), strings.Replace(body, enc, otherAppID, 1), ErrAppID},
		{"malformed XML", testToken, sig, body[:len(body)-3], ErrMalformed},
		{"second Encrypt", testToken, sig, strings.Replace(body, "</xml>", "<Encrypt>x</Encrypt></xml>", 1), ErrMalformed},
		{"oversize body", testToken, sig, body + strings.Repeat(" ", MaxBody), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, err := k.Open(tt.token, ts, nonce, tt.sig, []byte(tt.body), testAppID)
			if tt.want == nil {
				if err != nil || string(plain) != secretMsg {
					t.Fatalf("Open = %q, %v", plain, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || plain != nil {
				t.Fatalf("Open = %q, %v; want %v", plain, err, tt.want)
			}
		})
	}
}
