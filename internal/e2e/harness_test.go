//go:build e2e

// Package e2e runs the real Worker — edge/entry.mjs, the signer module and
// the Go program, in their test build (make build-test, under build/test) —
// under `wrangler dev` (workerd, local KV) against the project's WeChat
// stand-in. TestMain makes the build first.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wxsign/wxsign/internal/testkit"
)

const (
	testAppID  = "wxe2e0123456789ab"
	testSecret = "e2e-app-secret-0123456789abcdef"
	testAPIKey = "e2e-api-key-fedcba9876543210"
)

var repoRoot = func() string {
	dir, _ := filepath.Abs("../..")
	return dir
}()

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// binDir holds the commands the tests build, once per run (see command).
var binDir string

// testConfig is the wrangler config of the Worker's test build (make
// build-test): both programs built with the wxsigntest tag, which honour
// the WXSIGN_TEST_* switches; the build that ships does not.
var testConfig = filepath.Join(repoRoot, "build", "test", "wrangler.toml")

func TestMain(m *testing.M) {
	// make, as wrangler.toml's [build] step does for `wrangler dev`: a test
	// never runs a stale build.
	build := exec.Command("make", "-s", "build-test")
	build.Dir, build.Stdout, build.Stderr = repoRoot, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "make build-test: %v\n", err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "wxsign-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var built = struct {
	sync.Mutex
	bins map[string]string
}{bins: map[string]string{}}

// command builds one of the project's commands (./cmd/NAME) the first time
// a test needs it and returns the binary's path.
func command(t testing.TB, name string) string {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if bin, ok := built.bins[name]; ok {
		return bin
	}
	bin := filepath.Join(binDir, name)
	build := exec.Command("go", "build", "-o", bin, "./cmd/"+name)
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", name, err, out)
	}
	built.bins[name] = bin
	return bin
}

// standin is the WeChat stand-in, run as its own process as `make dev` does.
type standin struct {
	URL string
	cmd *exec.Cmd
}

// startStandin runs the stand-in for the first app (testAppID); extra flags
// of cmd/wechat-standin (-apps, -corp, -agents, -whitelist) add to it.
func startStandin(t testing.TB, extra ...string) *standin {
	t.Helper()
	bin := command(t, "wechat-standin")
	args := append([]string{"-addr", "127.0.0.1:0", "-appid", testAppID, "-secret", testSecret}, extra...)
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the stand-in's address: %v", err)
	}
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if url == "" {
		t.Fatalf("the stand-in printed %q, no URL", line)
	}
	go io.Copy(io.Discard, stdout)
	return &standin{URL: url, cmd: cmd}
}

func (s *standin) control(t testing.TB, method, path string, body any) []byte {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("stand-in %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("stand-in %s %s: %d %s", method, path, res.StatusCode, out)
	}
	return out
}

// Stats is the stand-in's call counters (wechattest.Stats).
type Stats struct {
	Token       int `json:"token"`
	StableToken int `json:"stable_token"`
	Ticket      int `json:"ticket"`
	CardTicket  int `json:"card_ticket"`
	WeComToken  int `json:"wecom_token"`
	CorpTicket  int `json:"corp_ticket"`
	AgentTicket int `json:"agent_ticket"`

	Posts              int `json:"posts"`
	PostsWithoutLength int `json:"posts_without_length"`
	RejectedChunked    int `json:"rejected_chunked"`
	RefusedIP          int `json:"refused_ip"`
	LeakedRelayKey     int `json:"leaked_relay_key"`
}

func (s *standin) stats(t testing.TB) Stats {
	var st Stats
	if err := json.Unmarshal(s.control(t, "GET", "/__standin/stats", nil), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *standin) ticket(t testing.TB) string {
	var st struct {
		Ticket string `json:"ticket"`
	}
	if err := json.Unmarshal(s.control(t, "GET", "/__standin/state", nil), &st); err != nil {
		t.Fatal(err)
	}
	if st.Ticket == "" {
		t.Fatal("the stand-in has issued no ticket")
	}
	return st.Ticket
}

// state is /__standin/state?query: what an app or agent was last issued.
func (s *standin) state(t testing.TB, query string) map[string]string {
	t.Helper()
	var st map[string]string
	if err := json.Unmarshal(s.control(t, "GET", "/__standin/state?"+query, nil), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// issued is one entry of /__standin/tickets.
type issued struct {
	Ticket  string `json:"ticket"`
	AppID   string `json:"appid"`
	AgentID string `json:"agentid"`
	Type    string `json:"type"`
	Valid   bool   `json:"valid"`
}

func (s *standin) tickets(t testing.TB) []issued {
	t.Helper()
	var out []issued
	if err := json.Unmarshal(s.control(t, "GET", "/__standin/tickets", nil), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// verdict asks the stand-in whether WeChat would accept a signature
// (wechattest.Signed): it reports ok and, when not, why.
func (s *standin) verdict(t testing.TB, signed map[string]any) (bool, string) {
	t.Helper()
	var v struct {
		OK     bool   `json:"ok"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(s.control(t, "POST", "/__standin/verify", signed), &v); err != nil {
		t.Fatal(err)
	}
	return v.OK, v.Reason
}

func (s *standin) fault(t testing.TB, f map[string]any) { s.control(t, "POST", "/__standin/fault", f) }
func (s *standin) clearFaults(t testing.TB)             { s.control(t, "DELETE", "/__standin/fault", nil) }

// worker is one `wrangler dev` with its own local KV.
type worker struct {
	URL    string
	state  string // the --persist-to folder: its local KV
	logs   *testkit.Buffer
	cmd    *exec.Cmd
	exited chan struct{} // closed once wrangler has exited
}

// isSecret names the settings that are secrets in production: they go to
// the Worker through the env file, as `wrangler secret put` would set them.
func isSecret(name string) bool {
	return name == "API_KEY" || name == "WECHAT_APPSECRET" || name == "WECHAT_RELAY_KEY" || name == "ALERT_WEBHOOK" ||
		strings.HasPrefix(name, "WECHAT_APPSECRET_") || strings.HasPrefix(name, "WECOM_SECRET_")
}

// startWorker runs the Worker against the stand-in. vars override the
// Worker's variables; secrets (isSecret: API_KEY, WECHAT_APPSECRET_<APPID>,
// WECOM_SECRET_<AGENTID>, WECHAT_RELAY_KEY, ...) go through an env file so
// that wrangler shows them as hidden. WECHAT_APPSECRET and API_KEY default
// to the test's; an empty value sets a secret to "".
func startWorker(t testing.TB, wc *standin, vars map[string]string) *worker {
	t.Helper()
	return startWorkerAt(t, wc, filepath.Join(t.TempDir(), "state"), vars)
}

// startWorkerAt runs the Worker on an existing local KV state.
func startWorkerAt(t testing.TB, wc *standin, state string, vars map[string]string) *worker {
	t.Helper()
	dir := t.TempDir()
	secrets := map[string]string{"WECHAT_APPSECRET": testSecret, "API_KEY": testAPIKey}
	// /healthz answers from what the isolate read within the record TTL:
	// the tests read it right after the coordinator changed KV.
	all := map[string]string{"WECHAT_APPID": testAppID, "WECHAT_API_BASE": wc.URL, "WXSIGN_TEST_RECORD_TTL": "1"}
	for k, v := range vars {
		if isSecret(k) {
			secrets[k] = v
		} else {
			all[k] = v
		}
	}
	var env strings.Builder
	for k, v := range secrets {
		if strings.ContainsAny(v, "\n\"'") {
			t.Fatalf("secret %s: the env file cannot hold %q", k, v)
		}
		fmt.Fprintf(&env, "%s=%s\n", k, v)
	}
	envFile := filepath.Join(dir, "secrets.env")
	if err := os.WriteFile(envFile, []byte(env.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// Every port is found free and then let go, so another process starting
	// meanwhile can take it, workerd's own included: a start that fails so
	// is tried again on other ports.
	for attempt := 1; ; attempt++ {
		w, err := launchWrangler(t, state, envFile, all)
		if err == nil {
			return w
		}
		if attempt == 3 || !strings.Contains(w.logs.String(), "Address already in use") {
			t.Fatalf("%v\n%s", err, w.logs)
		}
		t.Logf("wrangler dev lost a port to another process; starting it again (%v)", err)
	}
}

// launchWrangler starts wrangler dev on free ports and waits until the
// Worker answers; it fails when wrangler exits first or takes 90 s.
func launchWrangler(t testing.TB, state, envFile string, vars map[string]string) (*worker, error) {
	port := freePort(t)
	args := []string{"dev", "--config", testConfig, "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--inspector-port", strconv.Itoa(freePort(t)), "--test-scheduled",
		"--persist-to", state, "--env-file", envFile,
		"--show-interactive-dev-session=false"}
	for k, v := range vars {
		args = append(args, "--var", k+":"+v)
	}
	cmd := exec.Command(filepath.Join(repoRoot, "node_modules", ".bin", "wrangler"), args...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false", "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	w := &worker{URL: fmt.Sprintf("http://127.0.0.1:%d", port), state: state, logs: &testkit.Buffer{}, cmd: cmd, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = w.logs, w.logs
	if err := cmd.Start(); err != nil {
		return w, fmt.Errorf("starting wrangler dev: %w", err)
	}
	go func() { cmd.Wait(); close(w.exited) }()
	t.Cleanup(w.stop)
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := http.Get(w.URL + "/healthz")
		if err == nil {
			res.Body.Close()
			return w, nil
		}
		select {
		case <-w.exited:
			return w, fmt.Errorf("wrangler dev exited before it answered on %s", w.URL)
		default:
		}
		if time.Now().After(deadline) {
			w.stop()
			return w, fmt.Errorf("wrangler dev did not answer on %s: %v", w.URL, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends wrangler and its workerd by process group.
func (w *worker) stop() {
	select {
	case <-w.exited:
		return
	default:
	}
	syscall.Kill(-w.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		<-w.exited
	}
}

// relay is cmd/wxsign-relay, run as its own process.
type relay struct {
	URL  string
	logs *testkit.Buffer
}

// startRelay runs the relay on a free loopback port with WXSIGN_RELAY_KEY
// set to key; args are its other flags (-upstream, -prefix, -source).
func startRelay(t testing.TB, key string, args ...string) *relay {
	t.Helper()
	bin := command(t, "wxsign-relay")
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(bin, append([]string{"-listen", addr}, args...)...)
	cmd.Env = append(os.Environ(), "WXSIGN_RELAY_KEY="+key)
	rl := &relay{URL: "http://" + addr, logs: &testkit.Buffer{}}
	cmd.Stdout, cmd.Stderr = rl.logs, rl.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the relay: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(rl.URL + "/healthz")
		if err == nil {
			res.Body.Close()
			return rl
		}
		select {
		case <-exited:
			t.Fatalf("the relay exited:\n%s", rl.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay did not answer on %s: %v\n%s", rl.URL, err, rl.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reply is an answer of the Worker.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r reply) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// payload decodes a /config answer or an error.
type payload struct {
	AppID     string `json:"appId"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
	URL       string `json:"url"`
	ErrCode   *int   `json:"errcode"`
	ErrMsg    string `json:"errmsg"`
}

func (w *worker) do(t testing.TB, method, path string, body io.Reader, header map[string]string) reply {
	t.Helper()
	r, err := w.try(method, path, body, header)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// try is do for goroutines other than the test's: it returns the error.
func (w *worker) try(method, path string, body io.Reader, header map[string]string) (reply, error) {
	return w.send(http.DefaultClient, 30*time.Second, method, path, body, header)
}

// send makes a request with client, bounded by timeout. A path that
// net/url refuses to parse (a malformed escape such as "/%zz") is sent as
// it is, byte for byte, in the request line.
func (w *worker) send(client *http.Client, timeout time.Duration, method, path string, body io.Reader, header map[string]string) (reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, w.URL+path, body)
	if err != nil {
		if req, err = http.NewRequestWithContext(ctx, method, w.URL+"/", body); err == nil {
			p, q, hasQuery := strings.Cut(path, "?")
			req.URL.Path, req.URL.Opaque, req.URL.RawQuery, req.URL.ForceQuery = "", p, q, hasQuery && q == ""
		}
	}
	if err != nil {
		return reply{}, fmt.Errorf("%s %.80q: %v", method, path, err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %.80q: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %.80q: reading the answer: %v", method, path, err)
	}
	return reply{res.StatusCode, res.Header, b}, nil
}

func (w *worker) get(t testing.TB, path string) reply { return w.do(t, "GET", path, nil, nil) }

func decodePayload(t testing.TB, r reply) payload {
	t.Helper()
	var p payload
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("answer %s is not JSON: %v", r, err)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	return p
}

// sign computes a signature with fmt and crypto/sha1, independently of core.
func sign(ticket, nonce string, ts int64, url string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, nonce, ts, url)))
	return hex.EncodeToString(sum[:])
}

// verify checks a /config answer as WeChat would: the signature over the
// canonical string with the stand-in's ticket, computed here with fmt and
// crypto/sha1, independently of core.
func verify(t testing.TB, r reply, ticket, wantURL string) payload {
	t.Helper()
	return verifyApp(t, r, testAppID, ticket, wantURL)
}

// verifyApp is verify for the app appID.
func verifyApp(t testing.TB, r reply, appID, ticket, wantURL string) payload {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %s, want 200", r)
	}
	p := decodePayload(t, r)
	if p.AppID != appID || p.URL != wantURL || len(p.NonceStr) != 16 {
		t.Fatalf("payload %+v, want appId %s url %q", p, appID, wantURL)
	}
	if d := time.Now().Unix() - p.Timestamp; d < -5 || d > 60 {
		t.Fatalf("timestamp %d is %d s off", p.Timestamp, d)
	}
	if want := sign(ticket, p.NonceStr, p.Timestamp, wantURL); p.Signature != want {
		t.Fatalf("signature %s does not verify with the stand-in's ticket (want %s)", p.Signature, want)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q, want no-store", cc)
	}
	return p
}
