// Package core is what every part of wxsign speaks: the errors it answers
// with (WeChat's own shape, {"errcode":N,"errmsg":"..."}), the strict JSON
// it reads and writes, and the bounds on what it echoes. The roles sit in
// the packages below it, each knowing only those above it in this list:
//
//   - jssdk: the JS-SDK's signature, the nonce, the card signature, the
//     wx.config payload;
//   - pageurl: the page-URL rules, the host allowlist, the CORS origins;
//   - cred: the kinds of credential, their keys and records, the cache
//     policy (Vault) and an isolate's view (Held), the alerts, and the
//     coordinator's protocol;
//   - wechat: the WeChat client that fetches any kind of the table;
//   - aeskey and msgcrypt: WeChat's EncodingAESKey and the message
//     encryption of a third-party platform's pushes;
//   - api: the settings, the routes and the handling of every endpoint;
//   - diagnose: /debug/info and /debug/check.
//
// All of it uses the standard library only, knows nothing of Cloudflare
// Workers, Workers KV or wazero, and makes no network call: storage and
// WeChat are the Store and Fetcher its callers give it.
//
// # Error codes
//
// Every refusal is an *Error with a stable code, sent as WeChat's own error
// shape {"errcode":N,"errmsg":"..."}. Codes below 10000 are wxsign's; WeChat's
// codes (-1, 40001, 45009, ...) are passed through unchanged when WeChat
// itself refused. The table is rendered from errors.go, as is docs/api.md's.
//
//	errcode  HTTP  meaning
//	1001     400   url is missing
//	1002     400   url longer than 4096 bytes
//	1003     400   url has whitespace, a control character or invalid UTF-8
//	1004     400   url is not an absolute http or https URL
//	1005     400   url has no host
//	1006     400   url has userinfo (user@host)
//	1007     400   url has a malformed percent-escape
//	1008     400   url has an invalid host or port
//	1009     400   url is given more than once (also: in both the body and the query)
//	1010     403   url's host is not in ALLOWED_HOSTS
//	1011     403   request Origin is not in ALLOWED_ORIGINS
//	1013     400   url's host is not ASCII (send the punycode xn-- form)
//	1020     405   method not allowed
//	1021     400   malformed request (query or body)
//	1022     413   request body larger than 16 KiB
//	1023     415   unsupported Content-Type
//	1024     414   request URL too long for the signer
//	1025     431   request headers too large for the signer
//	1026     429   rate limit reached (CONFIG_RATE_LIMIT, AUTH_RATE_LIMIT)
//	1027     400   a field is too long for the answer (errmsg names it: url, signed_url, code, ...)
//	1030     404   no such endpoint
//	1031     404   the appid or agentid asked for is not configured, nor an authorizer of the platform
//	1040     401   missing or wrong API key
//	1041     403   wrong relay key (cmd/wxsign-relay)
//	1042     403   a push to /component/event whose msg_signature does not match
//	1043     400   a push to /component/event that does not decrypt, or names another AppID
//	1050     503   the service is not configured (a required setting is missing)
//	1051     503   no valid jsapi_ticket is available yet
//	1052     503   WeChat could not be reached or answered garbage
//	1053     503   Workers KV could not be read
//	1054     503   the hourly fetch budget of a credential is spent (WeCom's limits)
//	1055     503   WeChat still hands out the credential that is about to expire (seconds, once per lifetime)
//	1056     503   the third-party platform has no component_verify_ticket yet
//	1060     500   internal error
package core
