// Command wechat-standin serves the project's WeChat stand-in (package
// wechattest) for local runs and end-to-end tests. Its first line on
// stdout is "wechat-standin listening on http://HOST:PORT (appid A)". It
// only parses flags and serves: what WeChat does is wechattest's.
//
//	wechat-standin [-addr 127.0.0.1:0] [-appid A -secret S] [-apps wx1:s1,wx2:s2]
//	               [-corp ww... -agents 1000002:sA,1000003:sB]
//	               [-whitelist 127.0.0.2,...] [-expires-in 7200]
//	               [-component-appid C -component-secret S -component-token T
//	                -component-aes-key K -component-event-url U [-component-domain D]
//	                [-authorizers wxA,wxB:1|2|4] [-component-pushes]]
//
// The -component flags (and -authorizers) configure a third-party
// platform and the accounts that may authorize it; each defaults to the
// environment variable WECHAT_STANDIN_ and its name in capitals with
// underscores (WECHAT_STANDIN_COMPONENT_EVENT_URL). -component-pushes
// pushes a component_verify_ticket at start and every 10 minutes, as
// under make dev; tests push on demand through the control API.
package main
