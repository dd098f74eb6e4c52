package api

import (
	"crypto/sha1"
	"net/url"
	"testing"

	"github.com/wxsign/wxsign/core/jssdk"
	"github.com/wxsign/wxsign/core/pageurl"
	"github.com/wxsign/wxsign/internal/testkit"
)

// BenchmarkServeConfigParts times the parts of one /config request with
// an Origin, for finding where the hot path's time goes. Natively they are
// all fast; compiled to wasip1 and run under wazero (see the Makefile's
// test-wasip1 for the -exec line) SHA-1 blocks are most of it, and any
// loop costs per iteration, since Go's WebAssembly code dispatches every
// branch back through a table.
func BenchmarkServeConfigParts(b *testing.B) {
	q := "url=" + url.QueryEscape(testkit.BenchURL)
	app := &App{AppID: "wx0123456789abcdef", Hosts: pageurl.ParseAllowlist("h.example.com,*.example.org"), Origins: pageurl.ParseOriginList("https://h.example.com")}
	canon := jssdk.AppendCanonical(nil, testkit.BenchTicket, "Wm3WZYTPz0wzccnW", 1414587457, testkit.BenchURL)
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
			jssdk.AppendSignature(dst[:0], testkit.BenchTicket, "Wm3WZYTPz0wzccnW", 1414587457, testkit.BenchURL)
		}
	})
	b.Run("queryURL", func(b *testing.B) {
		for b.Loop() {
			queryURL(q, scratch[:0])
		}
	})
	b.Run("splitPageURL", func(b *testing.B) {
		for b.Loop() {
			pageurl.SplitPageURL(testkit.BenchURL)
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
			d := jssdk.AppendConfigHead(dst[:0], app.AppID, 1414587457, "Wm3WZYTPz0wzccnW")
			jssdk.AppendConfigTail(d, testkit.BenchURL)
		}
	})
	b.Run("nonce", func(b *testing.B) {
		var n [16]byte
		for b.Loop() {
			jssdk.AppendNonce(n[:0])
		}
	})
}
