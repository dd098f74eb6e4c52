//go:build js && wasm

// Command worker is the coordinator's Go program on syumai/workers: it
// fetches credentials from WeChat and writes them to Workers KV, for the
// coordinator (a Durable Object, edge/entry.mjs) that runs it one request
// at a time. No Worker request or cron trigger starts it: the signer
// module answers those, and asks a coordinator only for a record it holds
// dead or not at all, and the cron only pokes the coordinators.
//
// syumai/workers starts a fresh Go instance for every event, so nothing
// here outlives a request: the coordinator hands it its memory
// (WXSIGN_MEM) for the back-off, and KV for the values. This package only
// wires: the logic is edge/service's, which must not know syscall/js
// (RATIONALE.md).
package main
