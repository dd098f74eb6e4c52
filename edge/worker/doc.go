//go:build js && wasm

// Command worker is a third-party platform's Go program on syumai/workers:
// it takes WeChat's pushes (the verify ticket, authorizations and their
// withdrawal, each signed and AES-encrypted) and runs an account's
// authorization of the platform, for the platform's coordinator (a
// Durable Object, edge/entry.mjs). The credential passes of every
// coordinator run in the signer module instead, which every isolate has
// compiled already (RATIONALE.md, "No Worker invocation starts a Go
// runtime"); the module hands the entry the platform's requests to run
// here.
//
// The entry starts it once per isolate, on the first such request, and
// runs each as an event of syumai/workers' scheduler; the request's memory
// (WXSIGN_MEM, the platform coordinator's storage) and its answer
// (WXSIGN_PASS) go by the request's id. This package only wires: the logic
// is edge/service's, which must not know syscall/js.
package main
