// Package wechattest is a stand-in for the WeChat API, in the manner of
// net/http/httptest: it serves the calls wxsign makes with WeChat's exact
// JSON shapes and error codes, counts them, and fails on request.
//
// It models WeChat, not wxsign: where WeChat's behaviour is documented or
// reported it is reproduced as strictly as it is known, and where it is
// uncertain the harsher case is modelled. It imports nothing of wxsign, so
// that it judges wxsign's code rather than repeat it. It is the only
// stand-in the project's tests use.
//
// It serves, for official accounts (api.weixin.qq.com):
//
//	GET  /cgi-bin/token?grant_type=client_credential&appid=A&secret=S
//	POST /cgi-bin/stable_token  {"grant_type","appid","secret","force_refresh"}
//	GET  /cgi-bin/ticket/getticket?access_token=T&type=jsapi|wx_card
//
// and for WeCom (qyapi.weixin.qq.com), on the same server:
//
//	GET  /cgi-bin/gettoken?corpid=C&corpsecret=S
//	GET  /cgi-bin/get_jsapi_ticket?access_token=T           (corp ticket)
//	GET  /cgi-bin/ticket/get?access_token=T&type=agent_config (agent ticket)
//
// What it enforces, as WeChat does:
//
//   - A request whose body comes chunked (no Content-Length) gets HTTP 412
//     with an empty body; one carrying X-Wxsign-Relay-Key gets HTTP 400.
//   - Classic tokens: each fetch issues a new token and leaves the previous
//     ones of that app valid for 5 more minutes.
//   - Stable tokens: the same token while valid, expires_in counting down,
//     renewed in its last 5 minutes; force_refresh rotates it and ends the
//     previous one at once.
//   - WeCom tokens and every ticket: fetched again while valid, the same
//     value comes back with the full lifetime as expires_in again, but it
//     still dies at its first expiry; only then is a new one issued.
//   - Token calls from an IP outside the whitelist (SetWhitelist) get 40164,
//     or 60020 from WeCom.
//   - WeCom ticket fetches: at most 400 corp tickets an hour per corp and
//     100 tickets an hour per agent, else 45009.
//
// Webhook (NewWebhook) is a receiver for wxsign's alerts, as a WeCom group
// robot or a Feishu bot takes them: it records every call for the tests to
// count and read, and can be told to answer HTTP 500 or not in time.
//
// For tests in other processes, a control API (not behind the gateway
// checks above):
//
//	GET    /__standin/stats      call counters, see Stats
//	GET    /__standin/state      the first app's latest {"access_token","ticket","card_ticket"}
//	GET    /__standin/state?appid=A               the same for app A
//	GET    /__standin/state?corpid=C&agentid=N    {"access_token","corp_ticket","agent_ticket"}
//	GET    /__standin/tickets    every ticket issued, see TicketInfo
//	GET    /__standin/check?ticket=T              {"valid":bool}, see TicketValid
//	POST   /__standin/verify     a Signed, answered with a Verdict {"ok","reason"}
//	POST   /__standin/whitelist  {"ips":["127.0.0.2",...]}; [] lets every IP in
//	POST   /__standin/reset      forget every token, ticket, counter and fault
//	                             (apps, corps and the whitelist stay)
//	POST   /__standin/config     {"expires_in":N,"ticket_expires_in":M} lifetimes of
//	                             what is issued next (tickets take N when M is 0)
//	POST   /__standin/fault      {"endpoint","kind","count","delay_ms"}, see Fault
//	DELETE /__standin/fault      clear every fault
package wechattest
