package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wxsign/wxsign/core"
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
	tmp, err := os.MkdirTemp("", "wxsign-workerd")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	now := time.Now().Unix()
	rec := core.Record{Value: "bench-ticket-" + appID, ExpiresAt: now + 7200, FetchedAt: now}
	if err := os.WriteFile(filepath.Join(tmp, "kv.js"), []byte(kvService), 0o644); err != nil {
		fatal(err)
	}
	// The third: wxsign with V8 told to keep the baseline (Liftoff) code it
	// compiled in global scope, which it otherwise drops before the first
	// request (RATIONALE.md, "Start-up in global scope").
	sides := []*side{{name: "wxsign", dir: "."}, {name: "reference", dir: "bench/reference"}, {name: "keep", dir: "."}}
	configs := map[*side]string{}
	for _, s := range sides {
		out := filepath.Join(tmp, s.name)
		cmd := exec.Command(abs("node_modules/.bin/wrangler"), "deploy", "--dry-run", "--outdir", out)
		cmd.Dir = s.dir
		cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false", "NO_COLOR=1")
		if b, err := cmd.CombinedOutput(); err != nil {
			fatalf("wrangler deploy --dry-run in %s: %v\n%s", s.dir, err, b)
		}
		toml, _ := os.ReadFile(filepath.Join(s.dir, "wrangler.toml"))
		date := compatDate.FindSubmatch(toml)
		if date == nil {
			fatalf("no compatibility_date in %s/wrangler.toml", s.dir)
		}
		configs[s] = workerdConfig(tmp, s.name, string(date[1]), string(rec.AppendJSON(nil)))
		if s.name == "keep" {
			configs[s] = strings.Replace(configs[s], "const config :Workerd.Config = (", "const config :Workerd.Config = (\n  v8Flags = [\"--no-flush-liftoff-code\"],", 1)
		}
	}
	for i := 0; i < *coldRounds; i++ {
		order := slices.Clone(sides)
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for _, s := range order {
			port := freePort()
			conf := filepath.Join(tmp, fmt.Sprintf("%s-%d.capnp", s.name, i))
			text := strings.ReplaceAll(configs[s], "@ADDRESS@", "127.0.0.1:"+strconv.Itoa(port))
			if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
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
			addr := "127.0.0.1:" + strconv.Itoa(port)
			for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
				if c, err := net.Dial("tcp", addr); err == nil {
					c.Close()
					break
				}
				if time.Since(start) > 30*time.Second {
					syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
					fatalf("workerd did not listen:\n%s", logs)
				}
			}
			s.first = append(s.first, ms(timeGet("http://"+addr+page)))
			s.second = append(s.second, ms(timeGet("http://"+addr+page)))
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
		}
	}
	wx, ref := sides[0], sides[1]
	note := fmt.Sprintf("median of %d alternating rounds, workerd started for each", *coldRounds)
	r.add("workerd alone: wxsign first /config, ticket in KV", medianOf(wx.first), "ms", note)
	r.add("workerd alone: reference first /config, ticket in KV", medianOf(ref.first), "ms", note)
	r.add("workerd alone, fresh isolate: wxsign / reference", medianOf(wx.first)/medianOf(ref.first), "×", "same run; the goal is ≤ 1.1")
	r.add("workerd alone: wxsign second /config", medianOf(wx.second), "ms", "")
	r.add("workerd alone: reference second /config", medianOf(ref.second), "ms", "")
	r.add("workerd alone: wxsign first /config, V8 keeping global scope's code", medianOf(sides[2].first), "ms", "--no-flush-liftoff-code: a diagnosis, not a setting a Worker has")
}

// workerdConfig is a workerd configuration, to be written in root, serving
// the bundle in root/dir (as `wrangler deploy --dry-run --outdir` writes it)
// with the bench's settings, and KV reads answered with record; @ADDRESS@
// is its socket. workerd embeds files by paths relative to the config.
func workerdConfig(root, dir, date, record string) string {
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
	for k, v := range map[string]string{"WECHAT_APPID": appID, "WECHAT_APPSECRET": secret, "RATE_LIMITS": "off"} {
		bindings = append(bindings, fmt.Sprintf("(name = %q, text = %q)", k, v))
	}
	return fmt.Sprintf(`using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
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
`, strings.Join(modules, ", "), date, strings.Join(bindings, ", "), date, record)
}
