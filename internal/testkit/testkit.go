// Package testkit holds what the tests of several packages share: a log
// buffer safe for concurrent writers, and the golden signature vectors.
// It imports nothing of wxsign, so that core's own tests may use it; no
// program that ships imports it.
package testkit

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// Buffer collects a process's or a server's log, written by its
// goroutines while the test reads it. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Golden is one vector of core/testdata/golden.json, whose signatures
// were computed by sha1sum (core/testdata/gen-golden.sh), not by wxsign.
type Golden struct {
	Name      string `json:"name"`
	Ticket    string `json:"ticket"`
	Nonce     string `json:"noncestr"`
	Timestamp int64  `json:"timestamp"`
	URL       string `json:"url"`
	SignedURL string `json:"signed_url"`
	Signature string `json:"signature"`
}

// LoadGolden reads the golden vectors at path (core/testdata/golden.json
// from the test's folder); a file of fewer than 10 fails the test.
func LoadGolden(t testing.TB, path string) []Golden {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g []Golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g) < 10 {
		t.Fatalf("%s has %d vectors, want at least 10", path, len(g))
	}
	return g
}

// Health is the /healthz answer as docs/api.md describes it, for the
// tests to read.
type Health struct {
	OK     bool `json:"ok"`
	Config struct {
		APIBase      string `json:"wechat_api_base"`
		WeComAPIBase string `json:"wecom_api_base"`
		Relay        bool   `json:"relay_key_set"`
		TokenMode    string `json:"token_mode"`
		APIKeySet    bool   `json:"api_key_set"`
		Host         string `json:"request_host"`
	} `json:"config"`
	Credentials []CredHealth `json:"credentials"`
	Problems    []string     `json:"problems"`
	Warnings    []string     `json:"warnings"`
}

// CredHealth is one key's state at /healthz.
type CredHealth struct {
	Kind        string `json:"kind"`
	Owner       string `json:"owner"`
	Present     bool   `json:"present"`
	Usable      bool   `json:"usable"`
	Due         bool   `json:"due"`
	AgeS        int64  `json:"age_s"`
	ExpiresIn   int64  `json:"expires_in_s"`
	Fetches     int    `json:"fetches_this_hour"`
	Budget      int    `json:"budget_per_hour"`
	LastError   string `json:"last_error"`
	LastErrCode int    `json:"last_errcode"`
	LastErrorAt int64  `json:"last_error_at"`
	Failures    int    `json:"consecutive_failures"`
	NextAttempt int64  `json:"next_attempt"`
}

// Cred is the state of kind for owner, nil when /healthz does not list it.
func (h *Health) Cred(kind, owner string) *CredHealth {
	for i := range h.Credentials {
		if c := &h.Credentials[i]; c.Kind == kind && c.Owner == owner {
			return c
		}
	}
	return nil
}

// Env is a getenv over vars, for LoadSettings.
func Env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// HasProblems reports why problems are not exactly one per wanted
// substring, in any order; "" when they are.
func HasProblems(problems, want []string) string {
	if len(problems) != len(want) {
		return fmt.Sprintf("%d problems %q, want %d matching %q", len(problems), problems, len(want), want)
	}
	used := make([]bool, len(problems))
next:
	for _, w := range want {
		for i, p := range problems {
			if !used[i] && strings.Contains(p, w) {
				used[i] = true
				continue next
			}
		}
		return fmt.Sprintf("no problem says %q: %q", w, problems)
	}
	return ""
}

// BenchTicket is a jsapi_ticket of the usual shape.
const BenchTicket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"

// BenchURL is a page URL of the usual shape, for benchmarks and tests.
const BenchURL = "https://h.example.com/article/2024/11/24?id=123456&from=singlemessage&isappinstalled=0"

// Signature is the JS-SDK signature computed the plain way, independently
// of the code under test.
func Signature(ticket, nonce string, ts int64, url string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, nonce, ts, url)))
	return hex.EncodeToString(sum[:])
}
