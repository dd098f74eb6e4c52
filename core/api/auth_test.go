package api

import "testing"

func TestAuthorized(t *testing.T) {
	const key = "s3cret-Key_1"
	tests := []struct {
		header, key string
		want        bool
	}{
		{"Bearer " + key, key, true},
		{"bearer " + key, key, true},
		{"BEARER " + key, key, true},
		{"Bearer " + key + ", x", key, false},
		{"Bearer " + key + " ", key, false},
		{"Bearer  " + key, key, false},
		{" Bearer " + key, key, false},
		{"Bearer\t" + key, key, false},
		{"Bearer" + key, key, false},
		{"Basic " + key, key, false},
		{"Bearer " + key[:len(key)-1], key, false},
		{"Bearer " + key + "x", key, false},
		{"Bearer s3cret-key_1", key, false}, // the token is case-sensitive
		{key, key, false},
		{"", key, false},
		{"Bearer ", "", false}, // no key set: nothing is authorized
		{"Bearer", "", false},
		{"", "", false},
		{"B\u212aarer " + key, key, false},
		{"Bearer " + key, key + "\x00", false},
	}
	for _, tt := range tests {
		if got := Authorized(tt.header, tt.key); got != tt.want {
			t.Errorf("Authorized(%q, %q) = %v, want %v", tt.header, tt.key, got, tt.want)
		}
	}
}

func TestSecretEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"key", "key", true},
		{"", "", true},
		{"key", "ke", false},
		{"key", "key ", false},
		{"key", "KEY", false},
		{"", "key", false},
	} {
		if got := SecretEqual(c.a, c.b); got != c.want {
			t.Errorf("SecretEqual(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
