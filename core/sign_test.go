package core

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wxsign/wxsign/internal/testkit"
)

func loadGolden(t testing.TB) []testkit.Golden { return testkit.LoadGolden(t, "testdata/golden.json") }

func TestGolden(t *testing.T) {
	for _, g := range loadGolden(t) {
		t.Run(g.Name, func(t *testing.T) {
			u, err := PageURL(g.URL)
			if err != nil {
				t.Fatalf("PageURL(%q): %v", g.URL, err)
			}
			if u != g.SignedURL {
				t.Fatalf("PageURL = %q, want %q", u, g.SignedURL)
			}
			if got := Sign(g.Ticket, g.Nonce, g.Timestamp, u); got != g.Signature {
				t.Fatalf("Sign = %s, want %s", got, g.Signature)
			}
			if got := string(NewTicketSigner(g.Ticket).AppendSignature(nil, g.Nonce, g.Timestamp, u)); got != g.Signature {
				t.Fatalf("TicketSigner = %s, want %s", got, g.Signature)
			}
			app := App{AppID: "wx0123456789abcdef"}
			r := app.SignPage(nil, g.URL, g.Ticket, g.Nonce, g.Timestamp)
			var c Config
			if err := json.Unmarshal(r.Body, &c); err != nil || r.Status != 200 {
				t.Fatalf("SignPage: status %d body %s err %v", r.Status, r.Body, err)
			}
			want := Config{AppID: app.AppID, Timestamp: g.Timestamp, NonceStr: g.Nonce, Signature: g.Signature, URL: g.SignedURL}
			if c != want {
				t.Fatalf("SignPage payload = %+v, want %+v", c, want)
			}
		})
	}
}

func TestPublishedExample(t *testing.T) {
	// WeChat's JS-SDK documentation, appendix 1.
	const want = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
	got := Sign("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestAppendCanonical(t *testing.T) {
	tests := []struct {
		ticket, nonce string
		ts            int64
		url, want     string
	}{
		{"T", "N", 1, "http://a/", "jsapi_ticket=T&noncestr=N&timestamp=1&url=http://a/"},
		{"", "", 0, "", "jsapi_ticket=&noncestr=&timestamp=0&url="},
		{"a&b=c", "n=1", -5, "https://h/?x=%20&y=+", "jsapi_ticket=a&b=c&noncestr=n=1&timestamp=-5&url=https://h/?x=%20&y=+"},
	}
	for _, tt := range tests {
		if got := string(AppendCanonical([]byte("prefix:"), tt.ticket, tt.nonce, tt.ts, tt.url)); got != "prefix:"+tt.want {
			t.Errorf("AppendCanonical = %q, want %q", got, "prefix:"+tt.want)
		}
	}
}

func TestSignLongCanonical(t *testing.T) {
	// A canonical string longer than the stack buffer still signs right.
	ticket := string(make([]byte, canonicalStack))
	url := "https://h.example.com/"
	want := reference(ticket, "n", 1, url)
	if got := Sign(ticket, "n", 1, url); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func reference(ticket, nonce string, ts int64, url string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, nonce, ts, url)))
	return hex.EncodeToString(sum[:])
}

func TestSignAllocs(t *testing.T) {
	dst := make([]byte, 0, 64)
	n := testing.AllocsPerRun(100, func() {
		dst = AppendSignature(dst[:0], "ticket", "nonce", 1414587457, "https://h.example.com/a?b=c")
	})
	if n != 0 {
		t.Fatalf("AppendSignature allocates %.1f times per call, want 0", n)
	}
}

func FuzzSign(f *testing.F) {
	f.Add("sM4AOVdWfPE4", "Wm3WZYTPz0wzccnW", int64(1414587457), "http://mp.weixin.qq.com?params=value")
	f.Add("", "", int64(-1), "")
	f.Add("t&=", "中文", int64(1<<62), "https://h/%zz#x")
	f.Fuzz(func(t *testing.T, ticket, nonce string, ts int64, url string) {
		if got, want := Sign(ticket, nonce, ts, url), reference(ticket, nonce, ts, url); got != want {
			t.Fatalf("Sign(%q, %q, %d, %q) = %s, want %s", ticket, nonce, ts, url, got, want)
		}
	})
}

// A TicketSigner signs as AppendSignature does, for tickets short and long
// (a first block that holds the nonce or the URL is not pre-hashed).
func FuzzTicketSigner(f *testing.F) {
	f.Add(benchTicket, "Wm3WZYTPz0wzccnW", int64(1414587457), "http://mp.weixin.qq.com?params=value")
	f.Add("", "", int64(-1), "")
	f.Add(strings.Repeat("t", 50), "n", int64(1), "https://h/")
	f.Add(strings.Repeat("t", 51), "n", int64(1), "https://h/")
	f.Add(strings.Repeat("t", 600), "n", int64(1), strings.Repeat("u", 600))
	f.Fuzz(func(t *testing.T, ticket, nonce string, ts int64, url string) {
		s := NewTicketSigner(ticket)
		// The state and the kept part of the string are restored for each
		// signature, whatever the one before signed.
		for _, u := range []string{url, url + "/longer", url, url[:len(url)/2]} {
			if got, want := string(s.AppendSignature(nil, nonce, ts, u)), reference(ticket, nonce, ts, u); got != want {
				t.Fatalf("TicketSigner(%q).AppendSignature(%q, %d, %q) = %s, want %s", ticket, nonce, ts, u, got, want)
			}
		}
	})
}

func FuzzAppendHexSum(f *testing.F) {
	f.Add([]byte("\x00\x09\x0a\x0f\x10\x90\xa0\xf0\xff\x99\xaa\x9a\xa9\x01\x23\x45\x67\x89\xab\xcd"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var sum [sha1.Size]byte
		copy(sum[:], b)
		got := appendHexSum([]byte("x"), &sum)
		if want := "x" + hex.EncodeToString(sum[:]); string(got) != want {
			t.Fatalf("appendHexSum(%x) = %q, want %q", sum, got, want)
		}
	})
}

func FuzzAppendTimestamp(f *testing.F) {
	for _, ts := range []int64{0, -1, 1414587457, 999999999, 1e9, 9999999999, 1e10, 1e9 + 1, 1700000000, -1 << 63, 1<<63 - 1} {
		f.Add(ts)
	}
	f.Fuzz(func(t *testing.T, ts int64) {
		// ts, and ts moved into the ten-digit range the fast path takes.
		for _, v := range []int64{ts, 1e9 + (ts&math.MaxInt64)%9e9} {
			if got, want := appendTimestamp([]byte("x"), v), strconv.AppendInt([]byte("x"), v, 10); string(got) != string(want) {
				t.Fatalf("appendTimestamp(%d) = %q, want %q", v, got, want)
			}
		}
	})
}

func TestTicketSignerConcurrent(t *testing.T) {
	s := NewTicketSigner(benchTicket)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				url := fmt.Sprintf("https://h.example.com/%d/%d", g, i)
				if got, want := string(s.AppendSignature(nil, "Wm3WZYTPz0wzccnW", int64(i), url)), reference(benchTicket, "Wm3WZYTPz0wzccnW", int64(i), url); got != want {
					t.Errorf("%s: %s, want %s", url, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestTicketSignerAllocs(t *testing.T) {
	s := NewTicketSigner(benchTicket)
	dst := make([]byte, 0, 64)
	n := testing.AllocsPerRun(100, func() {
		dst = s.AppendSignature(dst[:0], "Wm3WZYTPz0wzccnW", 1414587457, benchURL)
	})
	if n != 0 {
		t.Fatalf("TicketSigner.AppendSignature allocates %.1f times per call, want 0", n)
	}
}

var benchURL = "https://h.example.com/article/2024/11/24?id=123456&from=singlemessage&isappinstalled=0"

const benchTicket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"

// BenchmarkSign and BenchmarkSHA1Baseline hash the same bytes: the ratio
// of the two is the cost of building the canonical string and hex-encoding.
func BenchmarkSign(b *testing.B) {
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendSignature(dst[:0], benchTicket, "Wm3WZYTPz0wzccnW", 1414587457, benchURL)
	}
}

func BenchmarkSHA1Baseline(b *testing.B) {
	msg := AppendCanonical(nil, benchTicket, "Wm3WZYTPz0wzccnW", 1414587457, benchURL)
	b.ReportAllocs()
	for b.Loop() {
		_ = sha1.Sum(msg)
	}
}

func BenchmarkNonce(b *testing.B) {
	var buf [NonceLen]byte
	b.ReportAllocs()
	for b.Loop() {
		_ = AppendNonce(buf[:0])
	}
}
