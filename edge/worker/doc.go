//go:build js && wasm

// Command worker is the Worker's Go program on syumai/workers: the cron
// trigger, /token, /ticket, /healthz and the cold path (fetching a record
// the signer module needs). The JS entry (edge/entry.mjs) sends it what
// the signer module forwards.
//
// syumai/workers starts a fresh Go instance for every event, so nothing here
// outlives a request: state lives in Workers KV. This package only wires:
// the logic is edge/service's, which must not know syscall/js, and the
// signing is the module's (RATIONALE.md).
package main
