package abi_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/wasm/abi"
)

// jsActions are the constants edge/signer.mjs exports, by their names
// there: the actions, and the turns a request may take.
var jsActions = map[string]int{"READ": abi.ActRead, "FORWARD": abi.ActForward, "FETCH": abi.ActFetch, "LIMIT": abi.ActLimit, "TURNS": abi.MaxTurns,
	"PASS_KV_GET": abi.PassKVGet, "PASS_KV_PUT": abi.PassKVPut, "PASS_MEM_GET": abi.PassMemGet, "PASS_MEM_PUT": abi.PassMemPut,
	"PASS_CALL": abi.PassCall, "PASS_LOG": abi.PassLog, "PASS_PROGRAM": abi.PassProgram}

// jsStrings are the texts it exports: a pass's result fields.
var jsStrings = map[string]string{"PASS_TIMEOUT": abi.PassTimeout, "PASS_FOUND": abi.PassFound}

// TestSignerMJS: edge/signer.mjs, the Worker's side of the ABI, exports
// the actions (a request's and a pass's) with package abi's values, and the entry and it call the
// module only by the names abi gives its exports.
func TestSignerMJS(t *testing.T) {
	js := read(t, "../../edge/signer.mjs")
	seen := map[string]bool{}
	for _, line := range strings.Split(js, "\n") {
		decl, ok := strings.CutPrefix(line, "export const ")
		if !ok {
			continue
		}
		name, value, _ := strings.Cut(strings.TrimSuffix(decl, ";"), " = ")
		if want, known := jsStrings[name]; known {
			if value != strconv.Quote(want) {
				t.Errorf("edge/signer.mjs: %s = %s, package abi says %q", name, value, want)
			}
			seen[name] = true
			continue
		}
		want, known := jsActions[name]
		if !known {
			t.Errorf("edge/signer.mjs exports %s, which package abi does not know", name)
			continue
		}
		if n, err := strconv.Atoi(value); err != nil || n != want {
			t.Errorf("edge/signer.mjs: %s = %s, package abi says %d", name, value, want)
		}
		seen[name] = true
	}
	for name := range jsActions {
		if !seen[name] {
			t.Errorf("edge/signer.mjs does not export %s", name)
		}
	}
	for name := range jsStrings {
		if !seen[name] {
			t.Errorf("edge/signer.mjs does not export %s", name)
		}
	}
	called := 0
	for _, file := range []string{"../../edge/signer.mjs", "../../edge/entry.mjs"} {
		text := read(t, file)
		for rest := text; ; {
			i := strings.Index(rest, "wxs_")
			if i < 0 {
				break
			}
			rest = rest[i:]
			end := strings.IndexFunc(rest, func(r rune) bool { return r != '_' && (r < 'a' || r > 'z') })
			if end < 0 {
				end = len(rest)
			}
			if name := rest[:end]; !slices.Contains(abi.Exports, name) {
				t.Errorf("%s names %s, which the module does not export", strings.TrimPrefix(file, "../../"), name)
			}
			called++
			rest = rest[end:]
		}
	}
	if called == 0 {
		t.Error("edge/signer.mjs calls no export of the module: the scan is off")
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
