// Command wechat-standin serves the project's WeChat stand-in (package
// wechattest) for local runs and end-to-end tests. Its first line on
// stdout is "wechat-standin listening on http://HOST:PORT (appid A)". It
// only parses flags and serves: what WeChat does is wechattest's.
//
//	wechat-standin [-addr 127.0.0.1:0] [-appid A -secret S] [-apps wx1:s1,wx2:s2]
//	               [-corp ww... -agents 1000002:sA,1000003:sB]
//	               [-whitelist 127.0.0.2,...] [-expires-in 7200]
package main
