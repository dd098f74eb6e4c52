// Package testhost runs the signer module (build/signer.wasm, see
// wasm/signer) with wazero, over the ABI of wasm/abi, so that the tests and
// `make bench` run the very module that ships, as the Worker's JS does.
//
// A Signer compiles the module once and keeps a pool of instances: a wazero
// function call is not safe for concurrent use, an instance is cheap to
// keep, and instantiating costs milliseconds. Instances get the real clock
// and crypto/rand, not wazero's deterministic defaults.
//
// Like the Worker's JS entry, it carries bytes: it must not know what the
// module decides (routes, settings, KV key names, signing). What the
// module asks of its host, KV reads, cold-path fetches and rate-limit
// verdicts, goes to the caller's Backend.
package testhost
