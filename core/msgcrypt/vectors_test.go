package msgcrypt

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"strings"
	"testing"
)

// published is testdata/published.json: vectors from WeChat's own sample
// code, each with its source in the file's "sources".
type published struct {
	Sources map[string]string `json:"sources"`
	Signed  []struct {
		Name           string            `json:"name"`
		EncodingAESKey string            `json:"encoding_aes_key"`
		Token          string            `json:"token"`
		Timestamp      string            `json:"timestamp"`
		Nonce          string            `json:"nonce"`
		AppID          string            `json:"app_id"`
		MsgSignature   string            `json:"msg_signature"`
		Envelope       string            `json:"envelope"`
		Encrypt        string            `json:"encrypt"`
		Clear          map[string]string `json:"clear"`
	} `json:"signed"`
	FixedRandom []struct {
		Name           string `json:"name"`
		EncodingAESKey string `json:"encoding_aes_key"`
		AppID          string `json:"app_id"`
		Random         string `json:"random"`
		Message        string `json:"message"`
		Encrypt        string `json:"encrypt"`
	} `json:"fixed_random"`
}

func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func mustKey(t testing.TB, s string) *Key {
	t.Helper()
	k, err := ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestPublishedSigned checks WeChat's Python sample: its msg_signature over
// its Encrypt, and a plaintext holding the very fields its envelope shows in
// clear, sent by its AppID.
func TestPublishedSigned(t *testing.T) {
	var p published
	loadJSON(t, "published.json", &p)
	if len(p.Signed) == 0 {
		t.Fatal("published.json has no signed vector")
	}
	for _, v := range p.Signed {
		t.Run(v.Name, func(t *testing.T) {
			if p.Sources[v.Name] == "" {
				t.Fatal("vector has no source")
			}
			if got := Signature(v.Token, v.Timestamp, v.Nonce, v.Encrypt); got != v.MsgSignature {
				t.Fatalf("Signature = %s, want %s", got, v.MsgSignature)
			}
			if !Verify(v.Token, v.Timestamp, v.Nonce, v.Encrypt, v.MsgSignature) {
				t.Fatal("Verify refused the published signature")
			}
			env, err := ParseEnvelope([]byte(v.Envelope))
			if err != nil {
				t.Fatal(err)
			}
			if env.Encrypt != v.Encrypt || env.ToUserName != v.Clear["ToUserName"] {
				t.Fatalf("envelope = %+v", env)
			}
			k := mustKey(t, v.EncodingAESKey)
			plain, err := k.Open(v.Token, v.Timestamp, v.Nonce, v.MsgSignature, []byte(v.Envelope), v.AppID)
			if err != nil {
				t.Fatal(err)
			}
			fields, err := parseFlat(plain, "message")
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(fields, v.Clear) {
				t.Fatalf("decrypted fields = %q, want %q", fields, v.Clear)
			}
			if _, err := k.Decrypt(v.Encrypt, v.AppID+"x"); err == nil {
				t.Fatal("Decrypt accepted another AppID")
			}
		})
	}
}

// TestPublishedFixedRandom holds Encrypt to WeChat's Java sample, whose
// random prefix is fixed, byte for byte, and Decrypt to its plaintext.
func TestPublishedFixedRandom(t *testing.T) {
	var p published
	loadJSON(t, "published.json", &p)
	if len(p.FixedRandom) < 2 {
		t.Fatalf("published.json has %d fixed-random vectors, want 2", len(p.FixedRandom))
	}
	for _, v := range p.FixedRandom {
		t.Run(v.Name, func(t *testing.T) {
			if p.Sources[strings.TrimSuffix(strings.TrimSuffix(v.Name, "-text"), "-xml")] == "" {
				t.Fatal("vector has no source")
			}
			k := mustKey(t, v.EncodingAESKey)
			got, err := k.Encrypt(strings.NewReader(v.Random), []byte(v.Message), v.AppID)
			if err != nil {
				t.Fatal(err)
			}
			if got != v.Encrypt {
				t.Fatalf("Encrypt = %s\nwant      %s", got, v.Encrypt)
			}
			plain, err := k.Decrypt(v.Encrypt, v.AppID)
			if err != nil {
				t.Fatal(err)
			}
			if string(plain) != v.Message {
				t.Fatalf("Decrypt = %q, want %q", plain, v.Message)
			}
		})
	}
}

// vector is one entry of testdata/vectors.json, made by openssl, xxd and
// sha1sum in testdata/gen-vectors.sh, not by this package.
type vector struct {
	Name           string `json:"name"`
	EncodingAESKey string `json:"encoding_aes_key"`
	RandomHex      string `json:"random_hex"`
	AppID          string `json:"app_id"`
	Token          string `json:"token"`
	Timestamp      string `json:"timestamp"`
	Nonce          string `json:"nonce"`
	Pad            int    `json:"pad"`
	MessageBase64  string `json:"message_base64"`
	Encrypt        string `json:"encrypt"`
	MsgSignature   string `json:"msg_signature"`
}

func TestOpenSSLVectors(t *testing.T) {
	var vs []vector
	loadJSON(t, "vectors.json", &vs)
	if len(vs) < 7 {
		t.Fatalf("vectors.json has %d vectors, want at least 7", len(vs))
	}
	pads := map[int]bool{}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			random, err := hex.DecodeString(v.RandomHex)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := base64.StdEncoding.DecodeString(v.MessageBase64)
			if err != nil {
				t.Fatal(err)
			}
			k := mustKey(t, v.EncodingAESKey)
			got, err := k.Encrypt(bytes.NewReader(random), msg, v.AppID)
			if err != nil {
				t.Fatal(err)
			}
			if got != v.Encrypt {
				t.Fatalf("Encrypt = %s\nwant      %s", got, v.Encrypt)
			}
			plain, err := k.Decrypt(v.Encrypt, v.AppID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(plain, msg) {
				t.Fatalf("Decrypt = %q, want %q", plain, msg)
			}
			if s := Signature(v.Token, v.Timestamp, v.Nonce, v.Encrypt); s != v.MsgSignature {
				t.Fatalf("Signature = %s, want %s", s, v.MsgSignature)
			}
			if !Verify(v.Token, v.Timestamp, v.Nonce, v.Encrypt, v.MsgSignature) {
				t.Fatal("Verify refused sha1sum's signature")
			}
			pads[v.Pad] = true
		})
	}
	for _, p := range []int{1, 32} {
		if !pads[p] {
			t.Errorf("no vector pads with %d bytes", p)
		}
	}
}
