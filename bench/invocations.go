package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/internal/testkit"
	"github.com/wxsign/wxsign/wechattest"
)

var (
	cpuRounds   = flag.Int("cpu-rounds", 3, "rounds of the CPU-per-invocation figures (a fresh process per fresh sample)")
	cpuParallel = flag.Int("cpu-parallel", 2, "fresh processes of the cpu section alive at once (one measured, the others starting)")
	cpuOnly     = flag.String("cpu-runtimes", "wrangler,workerd,later", "runtimes of the cpu section: wrangler (wrangler dev), workerd (workerd alone), later (workerd alone, an isolate started after the Worker's: its fresh kinds)")
	cpuKinds    = flag.String("cpu-kinds", "", "a regexp: the cpu section measures only the invocations it matches, with the shares of them")
	cpuV8Flags  = flag.String("cpu-v8-flags", "", "V8 flags for workerd alone, space-separated: a diagnosis (--trace-wasm-compilation-times), not a setting a Worker has")
	cpuLogs     = flag.String("cpu-logs", "", "a directory: each fresh workerd process's output is written there, by tag and invocation")
)

// selected is the invocations -cpu-kinds names: those it matches, the
// ones they are a share of, and the shares of all of them.
func selected() []invocation {
	re, err := regexp.Compile(*cpuKinds)
	if err != nil {
		fatalf("-cpu-kinds: %v", err)
	}
	whole := map[string]bool{}
	for _, k := range invocations {
		if re.MatchString(k.name) {
			whole[cmp.Or(k.of, k.name)] = true
		}
	}
	var ks []invocation
	for _, k := range invocations {
		if whole[cmp.Or(k.of, k.name)] {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 {
		fatalf("-cpu-kinds %q matches no invocation", *cpuKinds)
	}
	return ks
}

// The KV states a Worker under test starts on.
const (
	seedEmpty  = "empty"  // nothing
	seedTicket = "ticket" // the jsapi_ticket, usable
	seedFull   = "full"   // the stable token and the ticket, usable
	seedDead   = "dead"   // both expired a minute ago, past WeChat's death too: the cron fetches both
)

// The CPU-per-invocation goals of issue 23, against the JS reference.
const (
	goalWarm  = 1.2
	goalFresh = 2.0
)

// invocation is one kind of Worker invocation the cpu section measures.
type invocation struct {
	name  string
	fresh bool   // the first invocation of a new process's isolate
	seed  string // the KV state the process starts on
	path  string // GET this; "" runs the scheduled handler
	auth  bool   // with Authorization: Bearer <API_KEY>
	calls int    // WeChat calls it makes, both Workers alike
	batch int    // requests per sample; the figure is the mean
	coord string // the path asked of wxsign's coordinator alone (no Worker invocation); wxsign only
	stub  bool   // wxsign with a stand-in coordinator that answers at once: the Worker's own share
	of    string // the invocation whose share this is (coord or stub)
	want  int    // the HTTP status it answers; 0 for 200
}

// The coordinator's paths (cred.CredentialPath and cred.RefreshPath where
// the credential path runs in a Durable Object); its name is the AppID.
var (
	coordCredential = "/__wxsign/credential?key=" + url.QueryEscape("wxsign:"+appID+":jsapi_ticket")
	coordRefresh    = "/__wxsign/refresh?owner=" + appID
	// A key no settings name: the pass ends at its first step, so the
	// figure is the Durable Object's own cost, its request and the
	// module's one call.
	coordNothing = "/__wxsign/credential?key=" + url.QueryEscape("wxsign:wxnobody:jsapi_ticket")
)

var invocations = []invocation{
	{name: "fresh: first /config, KV empty", fresh: true, seed: seedEmpty, path: page, calls: 2, batch: 1},
	{name: "fresh: first /config, ticket in KV", fresh: true, seed: seedFull, path: page, batch: 1},
	{name: "fresh: cron as first invocation, renewing both", fresh: true, seed: seedDead, calls: 2, batch: 1},
	{name: "fresh: /token", fresh: true, seed: seedFull, path: "/token", auth: true, batch: 1},
	{name: "fresh: /ticket", fresh: true, seed: seedFull, path: "/ticket", auth: true, batch: 1},
	{name: "fresh: /healthz", fresh: true, seed: seedFull, path: "/healthz", batch: 1},
	{name: "fresh: coordinator alone, credential, KV empty", fresh: true, seed: seedEmpty, calls: 2, batch: 1, coord: coordCredential, of: "fresh: first /config, KV empty"},
	{name: "fresh: Worker alone, first /config, KV empty", fresh: true, seed: seedEmpty, path: page, batch: 1, stub: true, of: "fresh: first /config, KV empty"},
	{name: "fresh: coordinator alone, refresh, renewing both", fresh: true, seed: seedDead, calls: 2, batch: 1, coord: coordRefresh, of: "fresh: cron as first invocation, renewing both"},
	{name: "fresh: Worker alone, cron", fresh: true, seed: seedDead, batch: 1, stub: true, of: "fresh: cron as first invocation, renewing both"},
	{name: "fresh: coordinator alone, nothing to do", fresh: true, seed: seedFull, batch: 1, coord: coordNothing, of: "fresh: first /config, KV empty", want: 404},
	{name: "warm: cron, nothing due (mean of 10)", seed: seedFull, batch: 10},
	{name: "warm: coordinator alone, refresh, nothing due (mean of 10)", seed: seedFull, batch: 10, coord: coordRefresh, of: "warm: cron, nothing due (mean of 10)"},
	{name: "warm: Worker alone, cron (mean of 10)", seed: seedFull, batch: 10, stub: true, of: "warm: cron, nothing due (mean of 10)"},
	{name: "warm: coordinator alone, nothing to do (mean of 10)", seed: seedFull, batch: 10, coord: coordNothing, of: "warm: cron, nothing due (mean of 10)", want: 404},
	{name: "warm: /token (mean of 10)", seed: seedFull, path: "/token", auth: true, batch: 10},
	{name: "warm: /ticket (mean of 10)", seed: seedFull, path: "/ticket", auth: true, batch: 10},
	{name: "warm: /healthz (mean of 10)", seed: seedFull, path: "/healthz", batch: 10},
	{name: "warm: /config (mean of 200)", seed: seedFull, path: page, batch: 200},
}

// seedRecords is a KV state, as wxsign keeps its records (the reference
// keeps them alike).
func seedRecords(seed string, now int64, vars map[string]string) map[string]string {
	settings := api.LoadSettings(func(k string) string { return vars[k] })
	key := func(kind string) string { return settings.Key(kind, appID).String() }
	rec := func(value string, life int64) string {
		r := cred.Record{Value: value + "-" + appID, ExpiresAt: now + life, FetchedAt: now}
		return string(r.AppendJSON(nil))
	}
	switch seed {
	case seedTicket:
		return map[string]string{key(cred.JSAPITicket.Name): rec("bench-ticket", 7200)}
	case seedFull:
		return map[string]string{key(cred.StableToken.Name): rec("bench-token", 7200), key(cred.JSAPITicket.Name): rec("bench-ticket", 7200)}
	case seedDead:
		return map[string]string{key(cred.StableToken.Name): rec("dead-token", -60), key(cred.JSAPITicket.Name): rec("dead-ticket", -60)}
	}
	return map[string]string{}
}

// worker is one of the two Workers compared.
type worker struct {
	name, dir, probe string
}

// instance is one process serving a Worker, ready, not yet invoked.
type instance struct {
	url, cron string    // GET cron runs the scheduled handler
	pids      []int     // the workerd processes whose CPU is measured
	coord     string    // GET ?name=&path= asks wxsign's coordinator (Durable Object) alone; "" without one
	kv        *kvServer // KV, where the bench keeps it (workerd alone)
	stop      func()
	logs      *testkit.Buffer // its processes' output, where the bench keeps it (workerd alone)
	readyAt   time.Time
}

// host starts Workers under one runtime.
type host interface {
	name() string
	start(w *worker, seed, tag string, stub bool) *instance
	coordinator() bool // whether wxsign's coordinator can be invoked alone, and stubbed
}

// wranglerHost runs `wrangler dev --test-scheduled`, each process on a
// copy of a KV state made before (`wrangler kv bulk put --local`).
type wranglerHost struct {
	tmp    string
	vars   map[string]string
	states map[string]string // KV state directory by Worker directory and seed
}

func (h *wranglerHost) name() string      { return "wrangler dev" }
func (h *wranglerHost) coordinator() bool { return false }

func newWranglerHost(tmp string, vars map[string]string, workers []*worker, now int64) *wranglerHost {
	h := &wranglerHost{tmp: tmp, vars: vars, states: map[string]string{}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, w := range workers {
		for _, seed := range []string{seedFull, seedDead} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				type entry struct {
					Key   string `json:"key"`
					Value string `json:"value"`
				}
				var entries []entry
				for k, v := range seedRecords(seed, now, vars) {
					entries = append(entries, entry{k, v})
				}
				b, _ := json.Marshal(entries)
				file := filepath.Join(tmp, w.name+"-"+seed+".json")
				if err := os.WriteFile(file, b, 0o600); err != nil {
					fatal(err)
				}
				state := filepath.Join(tmp, w.name+"-"+seed)
				cmd := wranglerCmd(w.dir, "kv", "bulk", "put", file, "--binding", "WXSIGN_KV", "--local", "--persist-to", state)
				if out, err := cmd.CombinedOutput(); err != nil {
					fatalf("wrangler kv bulk put in %s: %v\n%s", w.dir, err, out)
				}
				mu.Lock()
				h.states[w.dir+"\x00"+seed] = state
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return h
}

func (h *wranglerHost) start(w *worker, seed, tag string, _ bool) *instance {
	state := filepath.Join(h.tmp, tag)
	if seed != seedEmpty {
		if err := os.CopyFS(state, os.DirFS(h.states[w.dir+"\x00"+seed])); err != nil {
			fatal(err)
		}
	}
	wr := startWrangler(w.dir, state, h.vars, w.probe, "--test-scheduled")
	return &instance{url: wr.url, cron: wr.url + "/__scheduled?cron=*/10+*+*+*+*", pids: workerdPIDs(wr.cmd.Process.Pid), stop: wr.stop}
}

// workerdHost runs the dry-run bundles under workerd alone, KV in the bench.
type workerdHost struct {
	vars  map[string]string
	sites map[*worker]*workerdSite
	now   int64
	later bool // an isolate starts after the Worker's (laterWorker); only fresh kinds are measured
}

// startsLater reports whether h starts an isolate after the Worker's.
func startsLater(h host) bool {
	wh, ok := h.(*workerdHost)
	return ok && wh.later
}

func (h *workerdHost) name() string {
	if h.later {
		return "workerd, later"
	}
	return "workerd alone"
}

// coordinator: a Durable Object class in wxsign's wrangler.toml.
func (h *workerdHost) coordinator() bool {
	for w, s := range h.sites {
		if w.name == "wxsign" {
			return s.coord
		}
	}
	return false
}

func (h *workerdHost) start(w *worker, seed, tag string, stub bool) *instance {
	p := h.sites[w].start(tag, seedRecords(seed, h.now, h.vars), stub, h.later)
	return &instance{url: p.url, cron: p.cron, coord: p.coord, pids: []int{p.cmd.Process.Pid}, kv: p.kv, stop: p.stop, logs: p.logs}
}

// sample is one measured invocation.
type sample struct {
	cpu                  time.Duration // workerd's, less its idle rate; per request
	calls, reads, writes int           // WeChat calls, KV reads and writes, over the batch (-1: not counted)
	n                    int           // requests in the batch
}

const (
	idleWindow = 250 * time.Millisecond // workerd's idle rate is measured over this, just before
	settle     = 100 * time.Millisecond // after the answer, for work the Worker does after it
)

// measure invokes k on in and returns workerd's CPU for it: the CPU of all
// its threads (schedstat) from before the request to a moment after the
// answer, less what workerd used idle over as long, at the rate measured
// just before.
func measure(in *instance, wc *wechattest.Server, k invocation, apiKey string) sample {
	if k.calls > 0 {
		// WeChat issues new values: they are written.
		wc.Reset()
	}
	i0, t0 := schedTime(in.pids), time.Now()
	time.Sleep(idleWindow)
	i1, t1 := schedTime(in.pids), time.Now()
	rate := float64(i1-i0) / float64(t1.Sub(t0))

	before := wc.Stats()
	var r0, w0 int
	if in.kv != nil {
		r0, w0 = in.kv.counts()
	}
	c0, start := schedTime(in.pids), time.Now()
	for range k.batch {
		u := in.url + k.path
		switch {
		case k.coord != "":
			u = in.coord + "?name=" + appID + "&path=" + url.QueryEscape(k.coord)
		case k.path == "":
			u = in.cron
		}
		req, _ := http.NewRequest("GET", u, nil)
		if k.auth {
			req.Header.Set("Authorization", "Bearer "+apiKey)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fatalf("%s: %v", k.name, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := cmp.Or(k.want, 200); res.StatusCode != want {
			fatalf("%s: GET %s: %d %s", k.name, u, res.StatusCode, b)
		}
	}
	time.Sleep(settle)
	c1, el := schedTime(in.pids), time.Since(start)
	s := sample{cpu: time.Duration((float64(c1-c0) - rate*float64(el)) / float64(k.batch)), calls: wc.Stats().Calls() - before.Calls(), reads: -1, writes: -1, n: k.batch}
	if in.kv != nil {
		r1, w1 := in.kv.counts()
		s.reads, s.writes = r1-r0, w1-w0
	}
	return s
}

// cpuResults holds the samples by host, invocation and Worker.
type cpuResults map[string]map[string]map[string][]sample

func (c cpuResults) add(h, k, w string, s sample) {
	if c[h] == nil {
		c[h] = map[string]map[string][]sample{}
	}
	if c[h][k] == nil {
		c[h][k] = map[string][]sample{}
	}
	c[h][k][w] = append(c[h][k][w], s)
}

// cpuPerInvocation is the cpu section: workerd's CPU per invocation, fresh
// and warm, for wxsign and the JS reference doing the same job, under
// `wrangler dev` and under workerd alone.
func cpuPerInvocation(r *report) {
	wc := wechattest.NewServer(appID, secret)
	defer wc.Close()
	tmp, err := os.MkdirTemp("", "wxsign-cpu")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	vars := benchVars(wc)
	wx := &worker{name: "wxsign", dir: ".", probe: "/wxsign.js"}
	ref := &worker{name: "reference", dir: "bench/reference", probe: refProbe}
	workers := []*worker{wx, ref}
	now := time.Now().Unix()
	kinds := selected()

	var hosts []host
	for _, name := range strings.Split(*cpuOnly, ",") {
		switch name {
		case "wrangler":
			hosts = append(hosts, newWranglerHost(tmp, vars, workers, now))
		case "workerd", "later":
			wv := map[string]string{"WECHAT_APPSECRET": secret} // secrets under wrangler, bindings like the others here
			for k, v := range vars {
				wv[k] = v
			}
			h := &workerdHost{vars: wv, sites: map[*worker]*workerdSite{}, now: now, later: name == "later"}
			for _, w := range workers {
				h.sites[w] = newWorkerdSite(tmp, w.dir, wv, strings.Fields(*cpuV8Flags))
			}
			hosts = append(hosts, h)
		default:
			fatalf("-cpu-runtimes: unknown %q", name)
		}
	}
	res := cpuResults{}
	tag := 0
	for _, h := range hosts {
		start := time.Now()
		// Fresh: a new process for every sample, the Workers taking turns
		// going first. While one is measured, the next few start (at most
		// -cpu-parallel alive at once); each is measured once it has been
		// ready for a second.
		type job struct {
			k     invocation
			w     *worker
			tag   string
			in    *instance
			ready chan struct{}
		}
		var jobs []*job
		for round := range *cpuRounds {
			for i, k := range kinds {
				if !k.fresh || (k.of != "" && !h.coordinator()) {
					continue
				}
				order := []*worker{wx, ref}
				if k.of != "" {
					order = []*worker{wx}
				} else if (round+i)%2 == 1 {
					order = []*worker{ref, wx}
				}
				for _, w := range order {
					tag++
					jobs = append(jobs, &job{k: k, w: w, tag: fmt.Sprintf("%s-%d", w.name, tag), ready: make(chan struct{})})
				}
			}
		}
		slots := make(chan struct{}, max(*cpuParallel, 1))
		go func() {
			for _, j := range jobs {
				slots <- struct{}{}
				go func() {
					j.in = h.start(j.w, j.k.seed, j.tag, j.k.stub)
					j.in.readyAt = time.Now()
					close(j.ready)
				}()
			}
		}()
		for _, j := range jobs {
			<-j.ready
			time.Sleep(time.Until(j.in.readyAt.Add(time.Second)))
			res.add(h.name(), j.k.name, j.w.name, measure(j.in, wc, j.k, vars["API_KEY"]))
			j.in.stop()
			if *cpuLogs != "" && j.in.logs != nil {
				name := j.tag + " " + strings.ReplaceAll(j.k.name, "/", "_") + ".log"
				if err := os.WriteFile(filepath.Join(*cpuLogs, name), []byte(j.in.logs.String()), 0o644); err != nil {
					fatal(err)
				}
			}
			<-slots
		}
		fmt.Printf("  (%s, fresh: %d processes, %.0f s)\n", h.name(), len(jobs), time.Since(start).Seconds())
		if startsLater(h) {
			continue // warm, the isolate started later is long past: as workerd alone
		}
		// Warm: one process per Worker, every kind of invocation made
		// first, then the rounds, the Workers taking turns going first.
		ins := map[*worker]*instance{}
		for _, w := range workers {
			tag++
			ins[w] = h.start(w, seedFull, fmt.Sprintf("%s-%d", w.name, tag), false)
		}
		stubbed := wx // wxsign with its coordinator stubbed: a worker of its own here
		if h.coordinator() {
			tag++
			stubbed = &worker{name: "wxsign", dir: wx.dir, probe: wx.probe}
			ins[stubbed] = h.start(wx, seedFull, fmt.Sprintf("stub-%d", tag), true)
		}
		var warm []invocation
		for _, k := range kinds {
			if !k.fresh && (k.of == "" || h.coordinator()) {
				warm = append(warm, k)
			}
		}
		sides := func(k invocation, round int) []*worker {
			switch {
			case k.stub:
				return []*worker{stubbed}
			case k.coord != "":
				return []*worker{wx}
			case round%2 == 1:
				return []*worker{ref, wx}
			}
			return []*worker{wx, ref}
		}
		for _, k := range warm {
			for _, w := range sides(k, 0) {
				measure(ins[w], wc, invocation{name: "warm-up " + k.name, path: k.path, auth: k.auth, coord: k.coord, batch: min(k.batch, 20), want: k.want}, vars["API_KEY"])
			}
		}
		for round := range *cpuRounds {
			for i, k := range warm {
				for _, w := range sides(k, round+i) {
					res.add(h.name(), k.name, w.name, measure(ins[w], wc, k, vars["API_KEY"]))
				}
			}
		}
		for _, in := range ins {
			in.stop()
		}
		fmt.Printf("  (%s: %.0f s)\n", h.name(), time.Since(start).Seconds())
	}
	reportCPU(r, res, hosts, kinds)
}

// reportCPU adds each figure and prints the table: medians, the ratio
// wxsign / reference against the goal; for the coordinator alone, its share
// of the invocation it serves.
func reportCPU(r *report, res cpuResults, hosts []host, kinds []invocation) {
	flags := ""
	if *cpuV8Flags != "" {
		flags = "; workerd alone with V8 flags " + *cpuV8Flags + ", not the platform's"
	}
	table := []string{fmt.Sprintf("\n  workerd CPU per invocation, ms (median of %d rounds; fresh: a new process each%s)", *cpuRounds, flags),
		fmt.Sprintf("  %-14s %-62s %9s %9s %7s %6s", "runtime", "invocation", "wxsign", "reference", "ratio", "goal")}
	defer func() {
		for _, h := range hosts {
			if startsLater(h) {
				table = append(table, "  workerd, later: workerd alone with an isolate started after the Worker's, which makes V8 drop the code\n"+
					"  the Worker's start-up compiled for its first request (laterWorker in bench/workerd.go)")
			}
		}
		fmt.Println(strings.Join(table, "\n"))
	}()
	for _, h := range hosts {
		for _, k := range kinds {
			ws, rs := res[h.name()][k.name]["wxsign"], res[h.name()][k.name]["reference"]
			if len(ws) == 0 {
				continue
			}
			name := "cpu: " + h.name() + ", " + k.name
			wx := medianCPU(ws)
			if k.coord != "" {
				of := medianCPU(res[h.name()][k.of]["wxsign"])
				r.add(name+": wxsign", wx, "ms", fmt.Sprintf("median of %d; %s; its share of %q (%.2f ms): %.0f%%",
					len(ws), counts(ws, k.calls), k.of, of, 100*wx/of))
				table = append(table, fmt.Sprintf("  %-14s %-62s %9.2f %9s %7s %6s  %.0f%% of %q", h.name(), k.name, wx, "—", "", "", 100*wx/of, k.of))
				continue
			}
			refCalls := k.calls
			if k.stub {
				// The Worker's own invocation, beside the reference doing the
				// whole job in its one.
				rs = res[h.name()][k.of]["reference"]
				for _, o := range invocations {
					if o.name == k.of {
						refCalls = o.calls
					}
				}
			}
			ref := medianCPU(rs)
			goal := goalWarm
			if k.fresh {
				goal = goalFresh
			}
			ratio := wx / ref
			note := fmt.Sprintf("median of %d; wxsign %s; reference %s", len(ws), counts(ws, k.calls), counts(rs, refCalls))
			r.add(name+": wxsign", wx, "ms", note)
			r.add(name+": reference", ref, "ms", note)
			met, mark := "met", ""
			if ratio > goal {
				met, mark = "NOT met", "  ✗"
			}
			r.add(name+": wxsign / reference", ratio, "×", fmt.Sprintf("goal ≤ %.1f×: %s", goal, met))
			table = append(table, fmt.Sprintf("  %-14s %-62s %9.2f %9.2f %6.2f× ≤%.1f×%s", h.name(), k.name, wx, ref, ratio, goal, mark))
		}
	}
}

func medianCPU(s []sample) float64 {
	v := make([]float64, len(s))
	for i, x := range s {
		v[i] = float64(x.cpu.Microseconds()) / 1000
	}
	return medianOf(v)
}

// counts says what the samples called and touched per invocation: WeChat
// calls, and KV reads and writes where the bench keeps KV; a count that
// differs from what the invocation must make is flagged.
func counts(s []sample, want int) string {
	var parts []string
	seen := map[string]bool{}
	per := func(v, n int) string { return strconv.FormatFloat(float64(v)/float64(n), 'g', 3, 64) }
	for _, x := range s {
		p := per(x.calls, x.n) + " WeChat calls"
		if x.reads >= 0 {
			p += ", " + per(x.reads, x.n) + " KV reads, " + per(x.writes, x.n) + " writes"
		}
		if x.calls != want*x.n {
			p += fmt.Sprintf(" (expected %d calls)", want)
		}
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " / ")
}
