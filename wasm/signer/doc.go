//go:build wasip1

// Command signer is wxsign's core compiled to a WebAssembly reactor: the
// module that answers every request the Worker gets, in the JS entry's
// isolate, and that the tests run under wazero:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o build/signer.wasm ./wasm/signer
//
// Built with the wxsigntest tag (`make build-test`, for the end-to-end
// tests only), it also honours the tests' WXSIGN_TEST_* switches and
// their /__test/panic route (hooks_on.go); the module that ships has
// neither (hooks_off.go).
//
// It routes by core's table, answers every endpoint itself from the
// records the host hands it, and tells the host what it needs otherwise: a
// record read from Workers KV, a record asked of its owner's coordinator
// (which fetches from WeChat and writes KV), or a rate-limit check. The
// host (edge/entry.mjs, internal/testhost) only carries bytes; why the work is
// split so is in RATIONALE.md.
//
// The ABI between the module and its hosts (exports, regions, actions)
// is package wasm/abi's. A //go:wasmexport directive cannot name a
// constant, so the export names are written here again, and internal/testhost's
// TestExports holds the built module's exports to abi.Exports.
package main
