package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wxsign/wxsign/wechattest"
)

var compatDate = regexp.MustCompile(`(?m)^compatibility_date\s*=\s*"([^"]+)"`)

// kvService answers the KV binding's reads with the one record: the
// Worker under test reads one key.
const kvService = `export default {
  async fetch(request, env) {
    return request.method === "GET" ? new Response(env.RECORD) : new Response(null, { status: 204 });
  },
};
`

// coldWorkerd times the first /config of a fresh isolate under workerd
// alone: the bundles wrangler would upload, one workerd process per sample
// with the record in a KV service of its own, found ready when its socket
// accepts a connection, nothing sent before the timed request. No
// wrangler proxy, asset router or inspector stands in front, as none does
// in production.
func coldWorkerd(r *report) {
	bins, _ := filepath.Glob(abs("node_modules/@cloudflare/workerd-*/bin/workerd"))
	if len(bins) == 0 {
		fatal("workerd is missing from node_modules: make bench runs npm ci")
	}
	wc := wechattest.NewServer(appID, secret)
	defer wc.Close()
	tmp, err := os.MkdirTemp("", "wxsign-workerd")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "kv.js"), []byte(kvService), 0o644); err != nil {
		fatal(err)
	}
	vars := benchVars(wc)
	vars["WECHAT_APPSECRET"] = secret // a secret under wrangler, a binding like the others here
	rec := benchRecord()
	wx, ref := &side{name: "wxsign", dir: "."}, &side{name: "reference", dir: "bench/reference"}
	// The third: wxsign with V8 told to keep the baseline (Liftoff) code it
	// compiled in global scope, which it otherwise drops before the first
	// request (RATIONALE.md, "Start-up in global scope").
	keep := &side{name: "keep", dir: "."}
	bundles := map[string]string{} // the dry-run's output directory (in tmp) per Worker directory
	configs := map[*side]string{}
	for _, s := range []*side{wx, ref, keep} {
		if bundles[s.dir] == "" {
			bundles[s.dir] = s.name
			if out, err := wranglerCmd(s.dir, "deploy", "--dry-run", "--outdir", filepath.Join(tmp, s.name)).CombinedOutput(); err != nil {
				fatalf("wrangler deploy --dry-run in %s: %v\n%s", s.dir, err, out)
			}
		}
		toml, _ := os.ReadFile(filepath.Join(s.dir, "wrangler.toml"))
		date := compatDate.FindSubmatch(toml)
		if date == nil {
			fatalf("no compatibility_date in %s/wrangler.toml", s.dir)
		}
		var flags []string
		if s == keep {
			flags = []string{"--no-flush-liftoff-code"}
		}
		configs[s] = workerdConfig(tmp, bundles[s.dir], string(date[1]), vars, string(rec.AppendJSON(nil)), flags)
	}
	before := wc.Stats()
	alternate([]*side{wx, ref, keep}, func(s *side, i int) {
		addr := "127.0.0.1:" + strconv.Itoa(freePort())
		conf := filepath.Join(tmp, fmt.Sprintf("%s-%d.capnp", s.name, i))
		if err := os.WriteFile(conf, []byte(strings.ReplaceAll(configs[s], "@ADDRESS@", addr)), 0o644); err != nil {
			fatal(err)
		}
		cmd := exec.Command(bins[0], "serve", conf)
		cmd.Dir = tmp
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			fatalf("workerd: %v", err)
		}
		stop := onFatal(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
		defer stop()
		for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				break
			}
			if time.Since(start) > 30*time.Second {
				fatalf("workerd did not listen:\n%s", logs)
			}
		}
		s.timeFresh("http://" + addr)
	})
	noCalls(wc, before)
	reportFresh(r, "workerd alone", wx, ref, fmt.Sprintf("median of %d alternating rounds, workerd started for each", *coldRounds))
	r.add("workerd alone: wxsign first /config, V8 keeping global scope's code", medianOf(keep.first), "ms", "--no-flush-liftoff-code: a diagnosis, not a setting a Worker has")
}

// workerdConfig is a workerd configuration, to be written in root, serving
// the bundle in root/dir (as `wrangler deploy --dry-run --outdir` writes it)
// with vars as text bindings, KV reads answered with record, and V8 given
// flags; @ADDRESS@ is its socket. workerd embeds files by paths relative to
// the config.
func workerdConfig(root, dir, date string, vars map[string]string, record string, flags []string) string {
	files, _ := os.ReadDir(filepath.Join(root, dir))
	var modules []string
	for _, f := range files {
		name := f.Name()
		switch {
		case strings.HasSuffix(name, ".js"):
			modules = append([]string{fmt.Sprintf("(name = %q, esModule = embed %q)", name, dir+"/"+name)}, modules...)
		case strings.HasSuffix(name, ".wasm"):
			modules = append(modules, fmt.Sprintf("(name = %q, wasm = embed %q)", name, dir+"/"+name))
		}
	}
	bindings := []string{`(name = "WXSIGN_KV", kvNamespace = "kv")`}
	for k, v := range vars {
		bindings = append(bindings, fmt.Sprintf("(name = %q, text = %q)", k, v))
	}
	v8 := make([]string, len(flags))
	for i, f := range flags {
		v8[i] = strconv.Quote(f)
	}
	return fmt.Sprintf(`using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  v8Flags = [ %s ],
  services = [ (name = "main", worker = .main), (name = "kv", worker = .kv) ],
  sockets = [ (name = "http", address = "@ADDRESS@", http = (), service = "main") ],
);
const main :Workerd.Worker = (
  modules = [ %s ],
  compatibilityDate = %q,
  bindings = [ %s ],
);
const kv :Workerd.Worker = (
  modules = [ (name = "kv.js", esModule = embed "kv.js") ],
  compatibilityDate = %q,
  bindings = [ (name = "RECORD", text = %q) ],
);
`, strings.Join(v8, ", "), strings.Join(modules, ", "), date, strings.Join(bindings, ", "), date, record)
}
