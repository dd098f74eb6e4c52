package core

import (
	"crypto/sha1"
	"net/url"
	"testing"
)

// BenchmarkServeConfigParts times the parts of one /config request with
// an Origin, for finding where the hot path's time goes. Natively they are
// all fast; compiled to wasip1 and run under wazero (see the Makefile's
// test-wasip1 for the -exec line) SHA-1 blocks are most of it, and any
// loop costs per iteration, since Go's WebAssembly code dispatches every
// branch back through a table.
func BenchmarkServeConfigParts(b *testing.B) {
	q := "url=" + url.QueryEscape(benchURL)
	app := &App{AppID: "wx0123456789abcdef", Hosts: ParseAllowlist("h.example.com,*.example.org"), Origins: ParseOriginList("https://h.example.com")}
	canon := AppendCanonical(nil, benchTicket, "Wm3WZYTPz0wzccnW", 1414587457, benchURL)
	var scratch [512]byte
	dst := make([]byte, 0, 1024)
	b.Run("ServeConfig", func(b *testing.B) {
		req := &Request{Method: "GET", Query: q, Origin: "https://h.example.com"}
		for b.Loop() {
			app.ServeConfig(dst[:0], req, testTicket, testNow)
		}
	})
	b.Run("SHA1", func(b *testing.B) {
		for b.Loop() {
			sha1.Sum(canon)
		}
	})
	b.Run("Sign", func(b *testing.B) {
		for b.Loop() {
			AppendSignature(dst[:0], benchTicket, "Wm3WZYTPz0wzccnW", 1414587457, benchURL)
		}
	})
	b.Run("queryURL", func(b *testing.B) {
		for b.Loop() {
			queryURL(q, scratch[:0])
		}
	})
	b.Run("splitPageURL", func(b *testing.B) {
		for b.Loop() {
			splitPageURL(benchURL)
		}
	})
	b.Run("CORS", func(b *testing.B) {
		for b.Loop() {
			app.CORS("https://h.example.com")
		}
	})
	b.Run("Allows", func(b *testing.B) {
		for b.Loop() {
			app.Hosts.Allows("h.example.com")
		}
	})
	b.Run("payload", func(b *testing.B) {
		for b.Loop() {
			d := appendConfigHead(dst[:0], app.AppID, 1414587457, "Wm3WZYTPz0wzccnW")
			appendConfigTail(d, benchURL)
		}
	})
	b.Run("nonce", func(b *testing.B) {
		var n [16]byte
		for b.Loop() {
			AppendNonce(n[:0])
		}
	})
}
