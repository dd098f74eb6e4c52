// Package aeskey reads WeChat's EncodingAESKey, the setting the Open
// Platform's message encryption is keyed with: 43 characters of standard
// base64, the encoding of a 32-byte AES key without its final "=". It is
// apart from package msgcrypt so that the settings can check the key
// without taking in the AES code.
package aeskey

import (
	"encoding/base64"
	"errors"
	"strconv"
)

// Len is the length of an EncodingAESKey as WeChat shows it.
const Len = 43

// ErrKey is every refusal of Decode: the message says which rule failed,
// and never repeats the key.
var ErrKey = errors.New("invalid EncodingAESKey")

// Decode returns the 32 bytes an EncodingAESKey encodes.
func Decode(encodingAESKey string) ([32]byte, error) {
	var key [32]byte
	if n := len(encodingAESKey); n != Len {
		return key, errors.Join(ErrKey, errors.New(strconv.Itoa(n)+" characters, want "+strconv.Itoa(Len)))
	}
	var raw [33]byte
	n, err := base64.StdEncoding.Decode(raw[:], []byte(encodingAESKey+"="))
	if err != nil {
		return key, errors.Join(ErrKey, errors.New("not standard base64"))
	}
	// The decoder skips newlines, so 43 characters can still be too few.
	if n != len(key) {
		return key, errors.Join(ErrKey, errors.New("decodes to "+strconv.Itoa(n)+" bytes, want 32"))
	}
	copy(key[:], raw[:])
	clear(raw[:])
	return key, nil
}
