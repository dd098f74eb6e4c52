package jssdk

import (
	"crypto/sha1"
	"testing"

	"github.com/wxsign/wxsign/core/pageurl"
	"github.com/wxsign/wxsign/internal/testkit"
)

func loadGolden(t testing.TB) []testkit.Golden {
	return testkit.LoadGolden(t, "../testdata/golden.json")
}

func TestGolden(t *testing.T) {
	for _, g := range loadGolden(t) {
		t.Run(g.Name, func(t *testing.T) {
			u, err := pageurl.PageURL(g.URL)
			if err != nil {
				t.Fatalf("PageURL(%q): %v", g.URL, err)
			}
			if u != g.SignedURL {
				t.Fatalf("PageURL = %q, want %q", u, g.SignedURL)
			}
			if got := Sign(g.Ticket, g.Nonce, g.Timestamp, u); got != g.Signature {
				t.Fatalf("Sign = %s, want %s", got, g.Signature)
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
	want := testkit.Signature(ticket, "n", 1, url)
	if got := Sign(ticket, "n", 1, url); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
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
		if got, want := Sign(ticket, nonce, ts, url), testkit.Signature(ticket, nonce, ts, url); got != want {
			t.Fatalf("Sign(%q, %q, %d, %q) = %s, want %s", ticket, nonce, ts, url, got, want)
		}
	})
}

// BenchmarkSign and BenchmarkSHA1Baseline hash the same bytes: the ratio
// of the two is the cost of building the canonical string and hex-encoding.
func BenchmarkSign(b *testing.B) {
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendSignature(dst[:0], testkit.BenchTicket, "Wm3WZYTPz0wzccnW", 1414587457, testkit.BenchURL)
	}
}

func BenchmarkSHA1Baseline(b *testing.B) {
	msg := AppendCanonical(nil, testkit.BenchTicket, "Wm3WZYTPz0wzccnW", 1414587457, testkit.BenchURL)
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
