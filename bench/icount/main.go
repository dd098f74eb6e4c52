// Command icount makes n /config calls through the signer module, the
// request BenchmarkConfigHotPath makes (testhost.HotPath), as the Worker's
// entry makes them: one wxs_serve call each, the record already held, for bench to run under
// valgrind --tool=cachegrind: the difference between two counts of
// machine instructions, over the difference in calls, is the instructions
// per call. Unlike a time it does not move with the machine's load.
//
//	icount [-cache dir] module.wasm n
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strconv"

	"github.com/tetratelabs/wazero"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/internal/testhost"
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
	opts := &testhost.Options{PoolSize: 1}
	if *cacheDir != "" {
		if opts.Cache, err = wazero.NewCompilationCacheWithDir(*cacheDir); err != nil {
			log.Fatal(err)
		}
	}
	s, err := testhost.New(ctx, wasm, opts)
	if err != nil {
		log.Fatal(err)
	}
	const now = 1_700_000_000
	rec := cred.Record{Value: "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", ExpiresAt: now + 3600, FetchedAt: now - 60}
	env, req := testhost.HotPath()
	b := testhost.Records{"wxsign:wx0123456789abcdef:jsapi_ticket": string(rec.AppendJSON(nil))}
	// One call outside the count: it instantiates, parses the settings and
	// reads the record, which is then held, as in a Worker's isolate.
	if r, err := s.Serve(ctx, env, req, now, b); err != nil || r.Status != 200 {
		log.Fatalf("%v %d %s", err, r.Status, r.Body)
	}
	for range n {
		s.Serve(ctx, env, req, now, b)
	}
}
