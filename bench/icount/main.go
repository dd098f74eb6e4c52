// Command icount makes n /config calls through the signer module, the
// request BenchmarkConfigHotPath makes, for bench to run under
// valgrind --tool=cachegrind: the difference between two counts of
// machine instructions, over the difference in calls, is the instructions
// per call. Unlike a time it does not move with the machine's load.
//
//	icount [-cache dir] module.wasm n
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"net/url"
	"os"
	"strconv"

	"github.com/tetratelabs/wazero"
	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/wasm/host"
)

func main() {
	cacheDir := flag.String("cache", "", "wazero compilation cache directory (compile once, not under valgrind)")
	flag.Parse()
	n, err := strconv.Atoi(flag.Arg(1))
	if err != nil {
		log.Fatal("usage: icount [-cache dir] module.wasm n")
	}
	wasm, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	opts := &host.Options{PoolSize: 1}
	if *cacheDir != "" {
		if opts.Cache, err = wazero.NewCompilationCacheWithDir(*cacheDir); err != nil {
			log.Fatal(err)
		}
	}
	s, err := host.New(ctx, wasm, opts)
	if err != nil {
		log.Fatal(err)
	}
	const now = 1_700_000_000
	rec, _ := json.Marshal(core.Record{Value: "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", ExpiresAt: now + 3600, FetchedAt: now - 60})
	in := host.ConfigInput{
		Method: "GET",
		URL:    "https://wxsign.example.workers.dev/config?url=" + url.QueryEscape("https://h.example.com/article/2024/11/24?id=123456&from=singlemessage&isappinstalled=0"),
		Origin: "https://h.example.com", Ticket: rec,
		AppID: "wx0123456789abcdef", AllowedHosts: "h.example.com,*.example.org", AllowedOrigins: "https://h.example.com",
	}
	// One call outside the count: it instantiates and parses the settings.
	if r, err := s.Config(ctx, in, now); err != nil || r.Status != 200 {
		log.Fatalf("%v %d %s", err, r.Status, r.Body)
	}
	for range n {
		s.Config(ctx, in, now)
	}
}
