// Package service is the Worker's Go program's logic, independent of
// syscall/js: the cron refresh, /token, /ticket and /healthz, and the
// fetch of a credential that the signer module asks for when it has none
// (the cold path). It works over a core.Store and a core.Fetcher given to
// it: the program in edge/worker wires them to Workers KV and fetch
// through syumai/workers; the tests wire them to memory and the WeChat
// stand-in.
//
// It holds no signing and no cache policy of its own: core.Vault decides
// what to fetch and what to keep, and the signer module (wasm/signer)
// answers the pages. It must not know which kinds of credential exist:
// it iterates over core's table.
package service
