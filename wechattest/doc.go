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
// and for a third-party platform of the Open Platform (SetComponent,
// AddAuthorizer), with component_access_token (or access_token) in the
// query of all but the first:
//
//	POST /cgi-bin/component/api_component_token    {"component_appid","component_appsecret","component_verify_ticket"}
//	POST /cgi-bin/component/api_create_preauthcode {"component_appid"}
//	POST /cgi-bin/component/api_query_auth         {"component_appid","authorization_code"}
//	POST /cgi-bin/component/api_authorizer_token   {"component_appid","authorizer_appid","authorizer_refresh_token"}
//	POST /cgi-bin/component/api_start_push_ticket  {"component_appid","component_secret"}
//	GET  /cgi-bin/componentloginpage?component_appid=&pre_auth_code=&redirect_uri=&auth_type=[&biz_appid=&category_id_list=]
//	GET  /safe/bindcomponent?action=bindcomponent&…  and /wxaopen/safe/bindcomponent (the mobile page)
//
// The consent page stands in for the admin of the account SetConsent
// chose: it pushes authorized (updateauthorized when the account had
// authorized already) to the event URL, then redirects (302) to
// redirect_uri with auth_code and expires_in=600. Pushes go to the event
// URL as WeChat sends them (see Seal and Signature), with a
// Content-Length; WeChat wants the answer "success" within 5 s, and every
// answer is recorded (Pushes).
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
//   - The platform: a wrong secret gets 40125; a verify ticket other than
//     the latest pushed gets 61006, the latest once 12 h old 61005; calls
//     from outside the whitelist get 61004; an official or authorizer
//     token on a component call gets 61014. A new component token leaves
//     the previous ones 5 minutes, as do authorizer tokens.
//   - Pre-auth codes live 1800 s and serve one consent; the page refuses
//     an unknown, used or expired one, a redirect_uri or Referer off the
//     launch page domain, an auth_type without official accounts and a
//     biz_appid of another account, on a page of its own (HTTP 200).
//   - Authorization codes live 600 s and are taken once (61009, 61010).
//     Authorizing again, or RotateRefreshToken, hands out a new refresh
//     token and the old one gets 61023; a revoked account's refresh token
//     gets 61003 and its authorizer tokens 40001.
//   - getticket with an authorizer token answers that account's own
//     tickets, and 61007 without the web service (4) or card (8)
//     permission set.
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
//	POST   /__standin/component/event_url    {"url"}: where pushes go from now on
//	POST   /__standin/component/consent      {"appid":"wx…"}: whose admin consents on the page next; "" nobody
//	POST   /__standin/component/push         {"info_type","appid","forge"}, answered with the Push: a new
//	                                         component_verify_ticket; authorized, updateauthorized (an
//	                                         authorization without the page) or unauthorized of appid; with
//	                                         forge (signature, appid, truncate or padding), a forged message
//	                                         that changes nothing
//	POST   /__standin/component/unauthorize  {"appid"}: the admin revokes; answered with the Push
//	POST   /__standin/component/rotate       {"appid"}: the next refresh ("" of any account) rotates the refresh token
//	GET    /__standin/component/pushes       every Push, with the answer it got
//	GET    /__standin/component/state        a ComponentState
package wechattest
