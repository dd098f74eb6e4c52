//go:build js && wasm

// Command worker is the coordinator's Go program on syumai/workers: it
// fetches credentials from WeChat and writes them to Workers KV, for the
// coordinators (Durable Objects, edge/entry.mjs), whose passes it runs
// one at a time. No Worker request or cron trigger reaches it: the signer
// module answers those, and asks a coordinator only for a record it holds
// dead or not at all, and the cron only pokes the coordinators.
//
// The entry starts it once per isolate and runs each pass as an event of
// syumai/workers' scheduler; the pass's memory (WXSIGN_MEM, its own
// coordinator's storage) and its answer (WXSIGN_PASS) go by the pass's id.
// This package only wires: the logic is edge/service's, which must not
// know syscall/js (RATIONALE.md).
package main
