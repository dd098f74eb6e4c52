package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wxsign/wxsign/internal/testkit"
	"github.com/wxsign/wxsign/wechattest"
)

// wrangler is one `wrangler dev`.
type wrangler struct {
	url   string
	cmd   *exec.Cmd
	logs  *testkit.Buffer
	ready time.Duration // from the start of the process to its first answer
	stop  func()        // halts it, once; fatal does too
}

// live holds how to stop each wrangler dev and workerd running: fatal
// and fatalf stop them all, since an exit must not leave one behind.
var live struct {
	sync.Mutex
	next  int
	stops map[int]func()
}

// onFatal registers stop to be run if the bench exits on an error. The
// function it returns runs stop now, once, and unregisters it.
func onFatal(stop func()) func() {
	live.Lock()
	defer live.Unlock()
	if live.stops == nil {
		live.stops = map[int]func(){}
	}
	id := live.next
	live.next++
	live.stops[id] = stop
	return func() {
		live.Lock()
		f, ok := live.stops[id]
		delete(live.stops, id)
		live.Unlock()
		if ok {
			f()
		}
	}
}

func fatalf(format string, a ...any) { fatal(fmt.Sprintf(format, a...)) }

func fatal(a ...any) {
	live.Lock()
	stops := live.stops
	live.stops = nil
	live.Unlock()
	for _, stop := range stops {
		stop()
	}
	log.Fatal(a...)
}

// wranglerCmd is the project's wrangler, run in dir without metrics or
// colours.
func wranglerCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(abs("node_modules/.bin/wrangler"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false", "NO_COLOR=1")
	return cmd
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startWrangler runs `wrangler dev` in dir on state, with vars and the
// secret in an env file, and extra arguments, and waits until probe answers
// 200. A static file as the probe leaves the Worker itself untouched.
func startWrangler(dir, state string, vars map[string]string, probe string, extra ...string) *wrangler {
	envFile := filepath.Join(state+"-env", "secrets.env")
	os.MkdirAll(filepath.Dir(envFile), 0o700)
	os.WriteFile(envFile, []byte("WECHAT_APPSECRET="+secret+"\nAPI_KEY="+vars["API_KEY"]+"\n"), 0o600)
	port := freePort()
	args := []string{"dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--inspector-port", strconv.Itoa(freePort()),
		"--persist-to", state, "--env-file", envFile, "--show-interactive-dev-session=false"}
	args = append(args, extra...)
	for k, v := range vars {
		if k != "API_KEY" {
			args = append(args, "--var", k+":"+v)
		}
	}
	w := &wrangler{url: fmt.Sprintf("http://127.0.0.1:%d", port), logs: &testkit.Buffer{}}
	w.cmd = wranglerCmd(dir, args...)
	w.cmd.Stdout, w.cmd.Stderr = w.logs, w.logs
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := w.cmd.Start(); err != nil {
		fatalf("wrangler dev: %v", err)
	}
	w.stop = onFatal(w.halt)
	for time.Since(start) < 90*time.Second {
		if res, err := http.Get(w.url + probe); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				w.ready = time.Since(start)
				return w
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.stop()
	fatalf("wrangler dev did not answer:\n%s", w.logs)
	return nil
}

// halt stops the wrangler dev and its workerd, by its process group.
func (w *wrangler) halt() {
	syscall.Kill(-w.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// timeGet is the latency of one request, which must answer 200.
func timeGet(u string) time.Duration {
	start := time.Now()
	res, err := http.Get(u)
	if err != nil {
		fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return time.Since(start)
}

// load is one wrk run.
type load struct {
	rps, p50, p99 float64 // req/s, ms, ms
	requests      int
	errors        bool
	workerd, all  time.Duration // CPU used by the Worker's workerd, and by its whole wrangler dev
}

// load runs wrk against w and measures the CPU its processes used meanwhile.
func (w *wrangler) load(path string, conns int) load {
	wd0, all0 := cpuTime(w.cmd.Process.Pid)
	l := runWrk(w.url+path, conns)
	wd1, all1 := cpuTime(w.cmd.Process.Pid)
	l.workerd, l.all = wd1-wd0, all1-all0
	return l
}

// cpuPerRequest is the CPU per request over runs, in µs.
func cpuPerRequest(ls []load) (workerd, all float64) {
	var wd, a time.Duration
	n := 0
	for _, l := range ls {
		wd, a, n = wd+l.workerd, a+l.all, n+l.requests
	}
	return float64(wd.Microseconds()) / float64(n), float64(a.Microseconds()) / float64(n)
}

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkTotal    = regexp.MustCompile(`(\d+) requests in`)
	wrkLatency  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	unitSeconds = map[string]float64{"us": 1e-3, "ms": 1, "s": 1e3}
)

func runWrk(u string, conns int) load {
	threads := min(conns, 2)
	out, err := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", duration.String(), "--latency", u).CombinedOutput()
	if err != nil {
		fatalf("wrk: %v\n%s", err, out)
	}
	var l load
	s := string(out)
	if m := wrkRPS.FindStringSubmatch(s); m != nil {
		l.rps, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := wrkTotal.FindStringSubmatch(s); m != nil {
		l.requests, _ = strconv.Atoi(m[1])
	}
	for _, m := range wrkLatency.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		v *= unitSeconds[m[3]]
		if m[1] == "50" {
			l.p50 = v
		} else {
			l.p99 = v
		}
	}
	l.errors = wrkNon2xx.MatchString(s)
	if l.errors || l.rps == 0 {
		fatalf("wrk against %s failed:\n%s", u, s)
	}
	return l
}

func (r *report) loads(name string, l1, l32 load) {
	r.add(name+": req/s at 1 connection", l1.rps, "req/s", "")
	r.add(name+": p50 at 1 connection", l1.p50, "ms", "")
	r.add(name+": p99 at 1 connection", l1.p99, "ms", "")
	r.add(name+": req/s at 32 connections", l32.rps, "req/s", "")
	r.add(name+": p50 at 32 connections", l32.p50, "ms", "")
	r.add(name+": p99 at 32 connections", l32.p99, "ms", "")
}

func workers(r *report) {
	if _, err := exec.LookPath("wrk"); err != nil {
		fatal("wrk is missing: make bench installs it (apt-get install wrk)")
	}
	wc := wechattest.NewServer(appID, secret)
	defer wc.Close()
	tmp, err := os.MkdirTemp("", "wxsign-bench")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	vars := benchVars(wc)

	// wxsign's hot path. Its first /config fetches the token and ticket.
	hot := startWrangler(".", filepath.Join(tmp, "hot"), vars, "/healthz")
	defer hot.stop()
	r.add("wrangler dev start to first answer", hot.ready.Seconds(), "s", "includes wrangler's own start-up")
	timeGet(hot.url + page) // fetches the token and the ticket
	record := getBody(hot.url+"/ticket", "bench")

	// The hand-written JavaScript reference, signing with the same ticket.
	ref := startWrangler("bench/reference", filepath.Join(tmp, "ref"), vars, refProbe)
	defer ref.stop()
	seed(ref.url, record)

	// Interleaved rounds, the median of each: the machine's speed drifts
	// over minutes, and a ratio is only fair if both sides see the same.
	// The two sides take turns going first (ABBA).
	before := wc.Stats()
	hotLog := len(hot.logs.String())
	// Loads by connection count, per side.
	hotRuns, refRuns := map[int][]load{}, map[int][]load{}
	type side struct {
		w    *wrangler
		runs map[int][]load
	}
	for i := 0; i < *rounds; i++ {
		for _, c := range []int{1, 32} {
			sides := []side{{hot, hotRuns}, {ref, refRuns}}
			if i%2 == 1 {
				sides[0], sides[1] = sides[1], sides[0]
			}
			for _, s := range sides {
				s.runs[c] = append(s.runs[c], s.w.load(page, c))
			}
		}
	}
	after := wc.Stats()
	h1, h32, r1, r32 := median(hotRuns[1]), median(hotRuns[32]), median(refRuns[1]), median(refRuns[32])
	r.loads("wxsign /config hot path", h1, h32)
	r.loads("JS reference /config", r1, r32)
	note := fmt.Sprintf("same run, medians of %d; ≥ 1 is as fast", *rounds)
	r.add("hot path / JS reference, req/s at 1 connection", h1.rps/r1.rps, "×", note)
	r.add("hot path / JS reference, req/s at 32 connections", h32.rps/r32.rps, "×", note)
	// CPU per request is the sharper measure of the Worker's own work: wrk,
	// wrangler's proxy and the other Workers share the two cores, which
	// blurs req/s, but not what workerd itself spends on each request.
	hw, ha := cpuPerRequest(append(hotRuns[1], hotRuns[32]...))
	rw, ra := cpuPerRequest(append(refRuns[1], refRuns[32]...))
	r.add("wxsign hot path: workerd CPU per request", hw, "µs", fmt.Sprintf("wrangler dev in all: %.0f µs", ha))
	r.add("JS reference: workerd CPU per request", rw, "µs", fmt.Sprintf("wrangler dev in all: %.0f µs", ra))
	r.add("hot path / JS reference, workerd CPU per request", hw/rw, "×", "same run; ≤ 1 is as cheap")

	requests := 0
	for _, l := range append(hotRuns[1], hotRuns[32]...) {
		requests += l.requests
	}
	n := after.Calls() - before.Calls()
	writes := strings.Count(hot.logs.String()[hotLog:], "wxsign: refreshed")
	r.add("WeChat calls per 10,000 warm requests", float64(n)*10000/float64(requests), "calls", fmt.Sprintf("%d requests to the hot path", requests))
	r.add("KV writes per 10,000 warm requests", float64(writes)*10000/float64(requests), "writes", "")
}

// page is the /config request of every Worker figure: an article URL as
// WeChat opens it.
var page = "/config?url=" + url.QueryEscape("https://h.example.com/article/2024/11/24?id=123456&from=singlemessage&isappinstalled=0")

// benchVars are both Workers' settings against the stand-in. RATE_LIMITS
// off: wrk sends thousands of requests a second from one address.
func benchVars(wc *wechattest.Server) map[string]string {
	return map[string]string{"WECHAT_APPID": appID, "WECHAT_API_BASE": wc.URL, "API_KEY": "bench", "RATE_LIMITS": "off"}
}

// median is the run with the median req/s (of an even number, the lower
// of the middle two: no run is made up).
func median(ls []load) load {
	s := append([]load(nil), ls...)
	sort.Slice(s, func(i, j int) bool { return s[i].rps < s[j].rps })
	return s[(len(s)-1)/2]
}

func getBody(u, key string) []byte {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return b
}

// seed stores wxsign's ticket ({"ticket","expires_at"}) as a KV record in
// the reference Worker.
func seed(base string, ticket []byte) {
	var t struct {
		Ticket    string `json:"ticket"`
		ExpiresAt int64  `json:"expires_at"`
	}
	json.Unmarshal(ticket, &t)
	rec, _ := json.Marshal(map[string]any{"value": t.Ticket, "expires_at": t.ExpiresAt, "fetched_at": time.Now().Unix()})
	req, _ := http.NewRequest("PUT", base+"/__seed", bytes.NewReader(rec))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 204 {
		fatalf("seeding the reference: %v %v", err, res)
	}
	res.Body.Close()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

var bundleSize = regexp.MustCompile(`Total Upload:\s*([\d.]+)\s*KiB\s*/\s*gzip:\s*([\d.]+)\s*KiB`)

func bundle(r *report) {
	dir, _ := os.MkdirTemp("", "wxsign-dist")
	defer os.RemoveAll(dir)
	out, err := wranglerCmd(".", "deploy", "--dry-run", "--outdir", dir).CombinedOutput()
	if err != nil {
		fatalf("wrangler deploy --dry-run: %v\n%s", err, out)
	}
	m := bundleSize.FindSubmatch(out)
	if m == nil {
		fatalf("no size in the output of wrangler deploy --dry-run:\n%s", out)
	}
	raw, _ := strconv.ParseFloat(string(m[1]), 64)
	gz, _ := strconv.ParseFloat(string(m[2]), 64)
	r.add("bundle: total upload", raw, "KiB", "")
	r.add("bundle: gzip", gz, "KiB", "the goal is ≤ 2,457.6 (2.4 MiB); the free plan's limit is 3,072")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(name, ".map") || name == "README.md" {
			continue
		}
		if _, module, ok := strings.Cut(name, "-"); ok && strings.HasSuffix(name, ".wasm") {
			name = module // wrangler names a module by its hash and file name
		}
		sizes(r, f, "bundle: "+name)
	}
}
