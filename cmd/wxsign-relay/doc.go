// Command wxsign-relay forwards wxsign's token and ticket calls to WeChat
// from a machine with a fixed IP address, the one on the account's IP
// whitelist: a Cloudflare Worker has no fixed egress address, and WeChat
// refuses token calls from elsewhere (40164, or 60020 for WeCom).
//
// It forwards only GET /cgi-bin/token, POST /cgi-bin/stable_token and
// GET /cgi-bin/ticket/getticket (official accounts) and GET
// /cgi-bin/gettoken, GET /cgi-bin/get_jsapi_ticket and GET
// /cgi-bin/ticket/get (WeCom), and only for callers that send the key of
// the environment variable WXSIGN_RELAY_KEY in the X-Wxsign-Relay-Key
// header. GET /healthz needs no key. See docs/relay.md.
//
// The list is made from core's credential table (cred.Kinds), so that the
// relay forwards what the Worker calls and nothing else: it must not
// become an open proxy to WeChat. It keeps nothing, and logs no query,
// body or key.
//
// Usage:
//
//	WXSIGN_RELAY_KEY=... wxsign-relay [-listen :8080] [-upstream https://api.weixin.qq.com] [-prefix /wx] [-source IP]
package main
