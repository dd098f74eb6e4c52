package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wxsign/wxsign/internal/testkit"
	"github.com/wxsign/wxsign/wechattest"
)

// cronDriver is a Worker beside the one under test that runs its scheduled
// handler when asked over HTTP, as `wrangler dev --test-scheduled` does on
// /__scheduled: workerd itself has no such route. A service binding's
// scheduled() is what miniflare uses for it.
const cronDriver = `export default {
  async fetch(request, env) {
    const cron = new URL(request.url).searchParams.get("cron") ?? "*/10 * * * *";
    const r = await env.MAIN.scheduled({ cron, scheduledTime: Date.now() });
    return new Response(r.outcome, { status: r.outcome === "ok" ? 200 : 500 });
  },
};
`

// coordDriver asks a Worker's Durable Object alone, as wxsign's entry asks
// its coordinator: the object named name, a GET of path.
const coordDriver = `export default {
  async fetch(request, env) {
    const q = new URL(request.url).searchParams;
    const stub = env.COORD.get(env.COORD.idFromName(q.get("name")));
    const res = await stub.fetch(new Request(new URL(q.get("path"), "https://coordinator.wxsign")));
    return new Response(await res.text(), { status: res.status });
  },
};
`

// coordStub stands in for wxsign's coordinator, to measure the Worker's
// own share of an invocation that asks it: a usable record for every
// credential asked for, nothing to do for a refresh.
const coordStub = `import { DurableObject } from "cloudflare:workers";
export class Coordinator extends DurableObject {
  fetch(request) {
    const key = new URL(request.url).searchParams.get("key");
    const now = Math.floor(Date.now() / 1000);
    const body = key === null ? { errcode: 0, errmsg: "ok" } : { value: "stub-" + key, expires_at: now + 7200, fetched_at: now };
    return Response.json(body);
  }
}
export default { fetch: () => new Response(null, { status: 404 }) };
`

// laterWorker is a Worker whose isolate a site can start after the one
// under test. workerd's isolate constructor tells V8 of memory pressure,
// and V8 then drops the baseline (Liftoff) wasm code of every isolate in
// the process: the code the Worker's start-up compiled for its first
// request. On the platform, any Worker starting in the same process
// between a Worker's start-up and its first request does the same.
const laterWorker = `export default { fetch: () => new Response(null, { status: 404 }) };
`

// kvServer is Workers KV for a Worker under workerd alone, outside its
// process: workerd's KV binding sends GET and PUT /<key> to it. It counts
// what the Worker read and wrote.
type kvServer struct {
	mu            sync.Mutex
	recs          map[string]string
	reads, writes int
	srv           *httptest.Server
}

func newKVServer(recs map[string]string) *kvServer {
	k := &kvServer{recs: map[string]string{}}
	for key, v := range recs {
		k.recs[key] = v
	}
	k.srv = httptest.NewServer(k)
	return k
}

func (k *kvServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/"))
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	switch r.Method {
	case "GET":
		k.reads++
		v, ok := k.recs[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, v)
	case "PUT":
		b, _ := io.ReadAll(r.Body)
		k.writes++
		k.recs[key] = string(b)
	case "DELETE":
		delete(k.recs, key)
	default:
		http.Error(w, "method", 405)
	}
}

// counts is how many reads and writes the Worker made.
func (k *kvServer) counts() (reads, writes int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reads, k.writes
}

func (k *kvServer) addr() string { return strings.TrimPrefix(k.srv.URL, "http://") }

// workerdBin is the workerd binary wrangler itself runs.
func workerdBin() string {
	bins, _ := filepath.Glob(abs("node_modules/@cloudflare/workerd-*/bin/workerd"))
	if len(bins) == 0 {
		fatal("workerd is missing from node_modules: make bench runs npm ci")
	}
	return bins[0]
}

// workerdSite is one Worker's dry-run bundle with a workerd configuration
// for it, written in root: the bindings its wrangler.toml declares (vars,
// KV namespaces, its own Durable Object classes, in memory), vars, and V8
// given flags. Its configuration has @ADDRESS@ (the Worker), @CRON@ (the
// cron driver), @KV@ (the KV service) and @LATER@ (an isolate started
// after the Worker's, or none) to fill in.
type workerdSite struct {
	root, conf string
	coord      bool // it has a Durable Object class, and a driver asking it alone
}

var bundled = map[string]string{} // dry-run output directory (under the root) by Worker directory

// newWorkerdSite bundles the Worker in dir with `wrangler deploy --dry-run`
// (once per directory) and writes its configuration's template.
func newWorkerdSite(root, dir string, vars map[string]string, flags []string) *workerdSite {
	out := bundled[root+"\x00"+dir]
	if out == "" {
		out = fmt.Sprintf("bundle%d", len(bundled))
		if b, err := wranglerCmd(dir, "deploy", "--dry-run", "--outdir", filepath.Join(root, out)).CombinedOutput(); err != nil {
			fatalf("wrangler deploy --dry-run in %s: %v\n%s", dir, err, b)
		}
		bundled[root+"\x00"+dir] = out
		for name, src := range map[string]string{"cron.js": cronDriver, "coord.js": coordDriver, "later.js": laterWorker} {
			if err := os.WriteFile(filepath.Join(root, name), []byte(src), 0o644); err != nil {
				fatal(err)
			}
		}
	}
	wc := readWranglerConfig(filepath.Join(dir, "wrangler.toml"))
	files, _ := os.ReadDir(filepath.Join(root, out))
	var modules []string
	for _, f := range files {
		name := f.Name()
		switch {
		case strings.HasSuffix(name, ".js"):
			modules = append([]string{fmt.Sprintf("(name = %q, esModule = embed %q)", name, out+"/"+name)}, modules...)
		case strings.HasSuffix(name, ".wasm"):
			modules = append(modules, fmt.Sprintf("(name = %q, wasm = embed %q)", name, out+"/"+name))
		}
	}
	all := map[string]string{}
	for k, v := range wc.Vars {
		all[k] = v
	}
	for k, v := range vars {
		all[k] = v
	}
	var bindings []string
	for _, k := range slices.Sorted(mapKeys(all)) {
		bindings = append(bindings, fmt.Sprintf("(name = %q, text = %q)", k, all[k]))
	}
	for _, b := range wc.KV {
		bindings = append(bindings, fmt.Sprintf(`(name = %q, kvNamespace = "kv")`, b))
	}
	var namespaces []string
	for i, d := range wc.DO {
		// The first class's binding goes to the Worker's own class, or with
		// @COORDSVC@ = "stub" to a stand-in answering at once.
		svc := "main"
		if i == 0 {
			svc = "@COORDSVC@"
		}
		bindings = append(bindings, fmt.Sprintf("(name = %q, durableObjectNamespace = (className = %q, serviceName = %q))", d.Name, d.Class, svc))
		namespaces = append(namespaces, fmt.Sprintf("(className = %q, uniqueKey = %q, enableSql = %v)", d.Class, "bench-"+d.Class, wc.SQLClasses[d.Class]))
	}
	objects, coord := "", ""
	// The drivers first: workerd starts the services in this order, and an
	// isolate started after the Worker's would drop the code its start-up
	// compiled (laterWorker), which only @LATER@ is to do.
	services, sockets := []string{`(name = "cron", worker = .cron)`}, []string{
		`(name = "http", address = "@ADDRESS@", http = (), service = "main")`,
		`(name = "cron", address = "@CRON@", http = (), service = "cron")`}
	if len(namespaces) > 0 {
		objects = fmt.Sprintf("\n  durableObjectNamespaces = [ %s ],\n  durableObjectStorage = (inMemory = void),", strings.Join(namespaces, ", "))
		// The driver asks the first class's objects alone, as the entry does.
		coord = fmt.Sprintf(`
const coord :Workerd.Worker = (
  modules = [ (name = "coord.js", esModule = embed "coord.js") ],
  compatibilityDate = %q,
  bindings = [ (name = "COORD", durableObjectNamespace = (className = %q, serviceName = "main")) ],
);
const stub :Workerd.Worker = (
  modules = [ (name = "stub.js", esModule = embed "stub.js") ],
  compatibilityDate = %q,
  durableObjectNamespaces = [ (className = %q, uniqueKey = "bench-stub", enableSql = true) ],
  durableObjectStorage = (inMemory = void),
);
`, wc.CompatDate, wc.DO[0].Class, wc.CompatDate, wc.DO[0].Class)
		if err := os.WriteFile(filepath.Join(root, "stub.js"), []byte(strings.ReplaceAll(coordStub, "Coordinator", wc.DO[0].Class)), 0o644); err != nil {
			fatal(err)
		}
		services = append(services, `(name = "coord", worker = .coord)`, `(name = "stub", worker = .stub)`)
		sockets = append(sockets, `(name = "coord", address = "@COORD@", http = (), service = "coord")`)
	}
	services = append(services, `(name = "main", worker = .main)@LATER@`, `(name = "kv", external = (address = "@KV@", http = ()))`,
		`(name = "internet", network = (allow = ["public", "private", "local"]))`)
	return &workerdSite{root: root, coord: coord != "", conf: fmt.Sprintf(`using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  v8Flags = [ %s ],
  services = [
    %s,
  ],
  sockets = [
    %s,
  ],
);
const main :Workerd.Worker = (
  modules = [ %s ],
  compatibilityDate = %q,
  compatibilityFlags = [ %s ],
  bindings = [ %s ],%s
);
const cron :Workerd.Worker = (
  modules = [ (name = "cron.js", esModule = embed "cron.js") ],
  compatibilityDate = %q,
  compatibilityFlags = [ "service_binding_extra_handlers" ],
  bindings = [ (name = "MAIN", service = "main") ],
);
const later :Workerd.Worker = (
  modules = [ (name = "later.js", esModule = embed "later.js") ],
  compatibilityDate = %q,
);
%s`, quoteAll(flags), strings.Join(services, ",\n    "), strings.Join(sockets, ",\n    "), strings.Join(modules, ", "), wc.CompatDate,
		quoteAll(wc.CompatFlags), strings.Join(bindings, ", "), objects, wc.CompatDate, wc.CompatDate, coord)}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func quoteAll(a []string) string {
	q := make([]string, len(a))
	for i, s := range a {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// workerdProc is one workerd serving a site.
type workerdProc struct {
	cmd        *exec.Cmd
	url, cron  string // the Worker; GET runs its scheduled handler
	coord      string // GET ?name=&path= asks the Worker's Durable Object alone; "" without one
	kv         *kvServer
	logs       *testkit.Buffer
	stop       func() // halts it, once; fatal does too
	configPath string
}

// start runs workerd on the site, with KV holding recs, and waits until
// both its sockets accept connections; nothing is sent to the Worker. With
// later, an isolate starts after the Worker's (laterWorker).
func (s *workerdSite) start(tag string, recs map[string]string, stub, later bool) *workerdProc {
	kv := newKVServer(recs)
	addr, cron, coord := "127.0.0.1:"+strconv.Itoa(freePort()), "127.0.0.1:"+strconv.Itoa(freePort()), "127.0.0.1:"+strconv.Itoa(freePort())
	conf := filepath.Join(s.root, tag+".capnp")
	svc := "main"
	if stub {
		svc = "stub"
	}
	after := ""
	if later {
		after = `,
    (name = "later", worker = .later)`
	}
	text := strings.NewReplacer("@LATER@", after, "@ADDRESS@", addr, "@CRON@", cron, "@COORD@", coord, "@COORDSVC@", svc, "@KV@", kv.addr()).Replace(s.conf)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		fatal(err)
	}
	// --experimental as wrangler runs it: the cron driver's scheduled() needs it.
	cmd := exec.Command(workerdBin(), "serve", "--experimental", conf)
	cmd.Dir = s.root
	p := &workerdProc{cmd: cmd, url: "http://" + addr, cron: "http://" + cron + "/?cron=" + url.QueryEscape("*/10 * * * *"), kv: kv, logs: &testkit.Buffer{}, configPath: conf}
	if s.coord {
		p.coord = "http://" + coord + "/"
	}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fatalf("workerd: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	p.stop = onFatal(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		kv.srv.Close()
	})
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if accepts(addr) && accepts(cron) {
			return p
		}
		select {
		case <-exited:
			p.stop()
			fatalf("workerd exited:\n%s", p.logs)
		default:
		}
		if time.Since(start) > 60*time.Second {
			p.stop()
			fatalf("workerd did not listen:\n%s", p.logs)
		}
	}
}

func accepts(addr string) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// coldWorkerd times the first /config of a fresh isolate under workerd
// alone: the bundles wrangler would upload, one workerd process per sample
// with the record in KV, found ready when its socket accepts a connection,
// nothing sent before the timed request. No wrangler proxy, asset router
// or inspector stands in front, as none does in production.
func coldWorkerd(r *report) {
	wc := wechattest.NewServer(appID, secret)
	defer wc.Close()
	tmp, err := os.MkdirTemp("", "wxsign-workerd")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	vars := benchVars(wc)
	vars["WECHAT_APPSECRET"] = secret // a secret under wrangler, a binding like the others here
	recs := seedRecords(seedTicket, time.Now().Unix(), vars)
	wx, ref := &side{name: "wxsign", dir: "."}, &side{name: "reference", dir: "bench/reference"}
	// The third: wxsign with an isolate started after its own, which makes
	// V8 drop the code its start-up compiled (laterWorker).
	later := &side{name: "later", dir: "."}
	sites := map[*side]*workerdSite{wx: newWorkerdSite(tmp, wx.dir, vars, nil), ref: newWorkerdSite(tmp, ref.dir, vars, nil)}
	sites[later] = sites[wx]
	before := wc.Stats()
	alternate([]*side{wx, ref, later}, func(s *side, i int) {
		p := sites[s].start(fmt.Sprintf("%s-%d", s.name, i), recs, false, s == later)
		defer p.stop()
		s.timeFresh(p.url)
	})
	noCalls(wc, before)
	reportFresh(r, "workerd alone", wx, ref, fmt.Sprintf("median of %d alternating rounds, workerd started for each", *coldRounds))
	r.add("workerd alone: wxsign first /config, an isolate started after its own", medianOf(later.first), "ms", "V8 dropped the code its start-up compiled, as any Worker starting in the process in between makes it")
}
