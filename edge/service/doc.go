// Package service is the coordinator's Go program: the one place that
// calls WeChat and writes Workers KV. A coordinator (a Durable Object, one
// per account or WeCom corp) runs it, one pass at a time, for two things:
// an isolate asking for a record it holds dead or not at all
// (cred.CredentialPath), and the cron or the coordinator's alarm asking it
// to refresh what is due (cred.RefreshPath). It works over the stores and
// the cred.Fetcher given to it: edge/worker wires them to Workers KV, the
// coordinator's memory and fetch through syumai/workers; the tests wire
// them to memory and the WeChat stand-in.
//
// When a pass changes a credential's state in a way the operator is to
// hear of (cred.Event, decided by cred.Vault), it builds the webhook's
// message (cred.Alerter) and hands it to the coordinator in
// cred.AlertHeader, which sends it after answering.
//
// It holds no signing and no cache policy of its own: cred.Vault decides
// what to fetch and what to keep, and the signer module (wasm/signer)
// answers every request the Worker gets. It must not know which kinds of
// credential exist: it iterates over core's table.
package service
