package api

import (
	"encoding/binary"
	"strings"
	"testing"
)

func frameEnv(kv ...string) []byte {
	var b []byte
	for _, s := range kv {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

func TestParseEnvFields(t *testing.T) {
	full := frameEnv("WECHAT_APPID", "wxa", "ALLOWED_HOSTS", "h.example.com", "@WXSIGN_KV", "")
	tooBig := append(frameEnv("WECHAT_APPID", "wxa"), binary.LittleEndian.AppendUint32(nil, 0xffffffff)...) // as signer.mjs writes a field that does not fit
	for _, c := range []struct {
		name  string
		in    []byte
		n     int
		whole bool
		want  map[string]string
	}{
		{"whole", full, len(full), true, map[string]string{"WECHAT_APPID": "wxa", "ALLOWED_HOSTS": "h.example.com", "@WXSIGN_KV": ""}},
		{"empty", nil, 0, true, map[string]string{}},
		{"cut inside a field", full[:30], len(full), false, map[string]string{"WECHAT_APPID": "wxa"}},
		{"fewer bytes than the host said", full, len(full) + 1, false, nil},
		{"a field too large for the region", tooBig, len(tooBig), false, map[string]string{"WECHAT_APPID": "wxa"}},
		{"a name without its value", frameEnv("A", "1", "B"), len(frameEnv("A", "1", "B")), false, map[string]string{"A": "1"}},
		{"a length split", full[:len(full)-2], len(full) - 2, false, nil},
	} {
		env, whole := ParseEnvFields(c.in, c.n)
		if whole != c.whole {
			t.Errorf("%s: whole %v", c.name, whole)
		}
		for k, v := range c.want {
			if env[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.name, k, env[k], v)
			}
		}
	}
	if p := EnvCut(700000); !strings.Contains(p, "700000") || !strings.Contains(p, "environment") {
		t.Error(p)
	}
}
