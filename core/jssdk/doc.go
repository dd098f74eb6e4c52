// Package jssdk computes what the WeChat JS-SDK checks: the signature of
// wx.config (the canonical string and its SHA-1), the nonce, the card
// signature, and the wx.config payload the page is handed. It knows
// nothing of URLs' rules, settings or credentials: callers hand it a
// ticket and a URL already checked (package pageurl).
package jssdk
