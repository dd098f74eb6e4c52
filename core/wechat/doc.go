// Package wechat is a small client for the WeChat API calls wxsign needs:
// it fetches any credential kind of core's table (access tokens, JS-SDK
// tickets, WeCom tokens and tickets) and makes a third-party platform's
// other calls. Each call is built and its answer read by package wire,
// without net/http, as the signer module does it; this package only
// sends them.
//
// It talks through Doer, so that a Cloudflare Worker can send requests with
// the Workers fetch API and tests with net/http; it never uses
// http.DefaultClient. It keeps nothing: cred.Vault caches around it, and
// the client must not know the cache, Workers KV or which kinds exist
// (it reads the call from the Kind it is given).
// Errors never contain a secret or an access_token: both travel in request
// URLs and bodies, which are never put into an error.
package wechat
