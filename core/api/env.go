package api

import (
	"encoding/binary"
	"strconv"
)

// MaxEnvLen is the largest environment, framed, that the signer module
// takes: well over what Cloudflare allows (128 variables of 5 KB, their
// names and the bindings' names), so that only a broken host reaches it.
const MaxEnvLen = 4 << 20

// ParseEnvFields reads an environment as the signer module's host frames
// it (wasm/signer's ABI): fields of a little-endian uint32 length and
// that many bytes, a name then its value, over n bytes of which in holds
// what arrived. whole is false when anything is missing: in is shorter
// than n, a field runs past the end (the host writes a field too large
// for the region as its length alone), or a name has no value. The
// fields read are returned all the same, for the settings to list what
// is wrong; whole false must keep the module from signing, since a
// setting past the cut (ALLOWED_HOSTS, a secret) would be lost silently.
func ParseEnvFields(in []byte, n int) (env map[string]string, whole bool) {
	env = map[string]string{}
	var f []string
	at := 0
	for at < len(in) {
		if len(in)-at < 4 {
			break
		}
		l := uint64(binary.LittleEndian.Uint32(in[at:]))
		if l > uint64(len(in)-at-4) {
			break
		}
		f = append(f, string(in[at+4:at+4+int(l)]))
		at += 4 + int(l)
	}
	for i := 0; i+1 < len(f); i += 2 {
		env[f[i]] = f[i+1]
	}
	return env, at == len(in) && len(in) == n && len(f)%2 == 0
}

// EnvCut is the settings problem of an environment of n bytes that the
// signer module did not get whole.
func EnvCut(n int) string {
	return "the environment (" + strconv.Itoa(n) + " bytes framed) did not reach the signer module whole (it takes up to " +
		strconv.Itoa(MaxEnvLen) + "): nothing is signed rather than without the settings that were cut"
}
