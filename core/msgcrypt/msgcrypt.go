package msgcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/wxsign/wxsign/core/aeskey"
)

// EncodingAESKeyLen is the length of an EncodingAESKey as WeChat shows it:
// 43 base64 characters, the encoding of 32 bytes without its final "=".
const EncodingAESKeyLen = aeskey.Len

// MaxBody is the largest push body, and the longest Encrypt value, that the
// package makes or accepts; WeChat's platform messages are a few hundred
// bytes.
const MaxBody = 64 << 10

// blockPad is the PKCS#7 block size WeChat pads to: twice AES's block.
const blockPad = 32

// randomLen is the length of the random prefix of every plaintext.
const randomLen = 16

// Errors that every refusal wraps, so that callers can tell a bad
// configuration (ErrKey) from a bad request (the others).
var (
	// ErrKey: the EncodingAESKey is not 43 characters of base64 for 32 bytes.
	ErrKey = errors.New("msgcrypt: invalid EncodingAESKey")
	// ErrSignature: msg_signature does not match the token and the message.
	ErrSignature = errors.New("msgcrypt: msg_signature mismatch")
	// ErrMalformed: the body, the ciphertext or the plaintext is not in
	// WeChat's format.
	ErrMalformed = errors.New("msgcrypt: malformed message")
	// ErrPadding: the decrypted text does not end in valid PKCS#7 padding.
	ErrPadding = errors.New("msgcrypt: invalid padding")
	// ErrAppID: the message was encrypted for another AppID.
	ErrAppID = errors.New("msgcrypt: AppID mismatch")
	// ErrTooLarge: the body or the message is larger than MaxBody.
	ErrTooLarge = errors.New("msgcrypt: message too large")
)

// Key is a parsed EncodingAESKey: the AES-256 key and the IV derived from it.
// Its String and GoString methods never show the key.
type Key struct {
	block cipher.Block
	iv    [aes.BlockSize]byte
}

// ParseKey decodes an EncodingAESKey. It refuses anything but 43 characters
// of standard base64 that decode to 32 bytes; the error says which rule
// failed and never repeats the key.
func ParseKey(encodingAESKey string) (*Key, error) {
	raw, err := aeskey.Decode(encodingAESKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	block, err := aes.NewCipher(raw[:])
	if err != nil {
		return nil, fmt.Errorf("%w: AES refused the key", ErrKey)
	}
	k := &Key{block: block}
	copy(k.iv[:], raw[:aes.BlockSize])
	clear(raw[:])
	return k, nil
}

// String hides the key so that logging a Key cannot leak it.
func (Key) String() string { return "msgcrypt.Key(redacted)" }

// GoString hides the key from %#v as String does from %v.
func (k Key) GoString() string { return k.String() }

// Signature returns msg_signature: the lower-case hex SHA-1 of token,
// timestamp, nonce and encrypt, sorted as byte strings and concatenated.
func Signature(token, timestamp, nonce, encrypt string) string {
	parts := []string{token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	h := sha1.New()
	for _, p := range parts {
		io.WriteString(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Verify reports whether sig is the msg_signature of the other four values,
// comparing in constant time so that a forger learns nothing from timing.
func Verify(token, timestamp, nonce, encrypt, sig string) bool {
	want := Signature(token, timestamp, nonce, encrypt)
	return subtle.ConstantTimeCompare([]byte(want), []byte(sig)) == 1
}

// Encrypt returns the Encrypt value for msg sent as appID: base64 of the
// AES-256-CBC encryption of 16 bytes read from rand, msg's length (4 bytes,
// big-endian), msg and appID, padded with PKCS#7 to a multiple of 32 bytes.
// rand is crypto/rand.Reader in production and fixed bytes in tests.
func (k *Key) Encrypt(rand io.Reader, msg []byte, appID string) (string, error) {
	// Checked before adding, so that the sum cannot overflow; the bound also
	// keeps the length within its 4-byte field.
	if len(msg) > MaxBody || len(appID) > MaxBody {
		return "", fmt.Errorf("%w: message of %d bytes", ErrTooLarge, len(msg))
	}
	n := randomLen + 4 + len(msg) + len(appID)
	pad := blockPad - n%blockPad
	if base64.StdEncoding.EncodedLen(n+pad) > MaxBody {
		return "", fmt.Errorf("%w: message of %d bytes", ErrTooLarge, len(msg))
	}
	buf := make([]byte, n+pad)
	if _, err := io.ReadFull(rand, buf[:randomLen]); err != nil {
		return "", fmt.Errorf("msgcrypt: reading the random prefix: %w", err)
	}
	binary.BigEndian.PutUint32(buf[randomLen:], uint32(len(msg)))
	copy(buf[randomLen+4:], msg)
	copy(buf[randomLen+4+len(msg):], appID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(k.block, k.iv[:]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Decrypt returns the message inside an Encrypt value and checks that it was
// sent as appID. Check the signature first (Verify, or use Open), so that
// nobody without the token can tell one refusal from another.
func (k *Key) Decrypt(encrypt, appID string) ([]byte, error) {
	if encrypt == "" {
		return nil, fmt.Errorf("%w: empty ciphertext", ErrMalformed)
	}
	if len(encrypt) > MaxBody {
		return nil, fmt.Errorf("%w: ciphertext of %d characters", ErrTooLarge, len(encrypt))
	}
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(encrypt)))
	n, err := base64.StdEncoding.Decode(buf, []byte(encrypt))
	if err != nil {
		return nil, fmt.Errorf("%w: ciphertext is not standard base64", ErrMalformed)
	}
	buf = buf[:n]
	if n == 0 || n%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes is not a whole number of AES blocks", ErrMalformed, n)
	}
	cipher.NewCBCDecrypter(k.block, k.iv[:]).CryptBlocks(buf, buf)
	plain, ok := unpad(buf)
	if !ok {
		return nil, ErrPadding
	}
	if len(plain) < randomLen+4 {
		return nil, fmt.Errorf("%w: plaintext shorter than its header", ErrMalformed)
	}
	size := binary.BigEndian.Uint32(plain[randomLen:])
	rest := plain[randomLen+4:]
	if uint64(size) > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: message length overruns the plaintext", ErrMalformed)
	}
	if string(rest[size:]) != appID {
		return nil, fmt.Errorf("%w: the message is not for the expected AppID", ErrAppID)
	}
	return rest[:size:size], nil
}

// unpad strips PKCS#7 padding of 1 to 32 bytes, looking at every candidate
// byte whatever the pad so that its time does not depend on where it fails.
func unpad(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	pad := int(b[len(b)-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, blockPad) &
		subtle.ConstantTimeLessOrEq(pad, len(b))
	window := min(blockPad, len(b))
	for i := 1; i <= window; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, pad)
		same := subtle.ConstantTimeByteEq(b[len(b)-i], byte(pad))
		// A byte inside the pad must equal it; one outside is not looked at.
		good &= same | (inPad ^ 1)
	}
	if good != 1 {
		return nil, false
	}
	return b[:len(b)-pad], true
}

// Open checks a push's msg_signature against the Encrypt value of its body
// and then decrypts it for appID: the order a receiver must follow. token,
// timestamp, nonce and msgSignature come from the push's query string.
func (k *Key) Open(token, timestamp, nonce, msgSignature string, body []byte, appID string) ([]byte, error) {
	env, err := ParseEnvelope(body)
	if err != nil {
		return nil, err
	}
	if !Verify(token, timestamp, nonce, env.Encrypt, msgSignature) {
		return nil, ErrSignature
	}
	return k.Decrypt(env.Encrypt, appID)
}
