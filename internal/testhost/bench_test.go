package testhost_test

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/wxsign/wxsign/internal/testhost"
	wasmabi "github.com/wxsign/wxsign/wasm/abi"
)

// BenchmarkConfigHotPath is one /config request through the module, as the
// Worker makes it: one wxs_serve call, the record already held.
func BenchmarkConfigHotPath(b *testing.B) {
	s := newSigner(b)
	env, req := testhost.HotPath()
	rec := testhost.Records{"wxsign:wx0123456789abcdef:jsapi_ticket": string(record("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", now+3600))}
	ctx := context.Background()
	if r, err := s.Serve(ctx, env, req, now, rec); err != nil || r.Status != 200 {
		b.Fatalf("%v %s", err, r.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Serve(ctx, env, req, now, rec)
	}
}

// BenchmarkInstantiate is a fresh instance (what a new isolate pays once):
// instantiate and run _initialize, then one call.
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	s, err := testhost.New(ctx, wasmBytes, &testhost.Options{PoolSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	in := testhost.ConfigInput{Method: "GET", URL: "https://w/config?url=https%3A%2F%2Fh%2F", AppID: "a", Ticket: record("t", now+60)}
	for b.Loop() {
		// A pool of one that is full closes the extra instance: fill it with a
		// throwaway, so each Config below instantiates anew.
		b.StopTimer()
		s2, _ := testhost.New(ctx, wasmBytes, &testhost.Options{PoolSize: 1, Cache: sharedCache})
		b.StartTimer()
		s2.Config(ctx, in, now)
		b.StopTimer()
		s2.Close(ctx)
		b.StartTimer()
	}
}

var sharedCache = wazero.NewCompilationCache()

func BenchmarkCompile(b *testing.B) {
	ctx := context.Background()
	b.Run("no cache", func(b *testing.B) {
		for b.Loop() {
			s, err := testhost.New(ctx, wasmBytes, nil)
			if err != nil {
				b.Fatal(err)
			}
			s.Close(ctx)
		}
	})
	b.Run("compilation cache", func(b *testing.B) {
		cache := wazero.NewCompilationCache()
		s, _ := testhost.New(ctx, wasmBytes, &testhost.Options{Cache: cache})
		s.Close(ctx)
		for b.Loop() {
			s, err := testhost.New(ctx, wasmBytes, &testhost.Options{Cache: cache})
			if err != nil {
				b.Fatal(err)
			}
			s.Close(ctx)
		}
	})
}

// BenchmarkExportEntry is the floor under every call: entering the Go
// module through an export that does nothing (wxs_input_cap). What
// BenchmarkConfigHotPath costs above it is the signer's own work.
func BenchmarkExportEntry(b *testing.B) {
	a := newABI(b)
	ctx := context.Background()
	fn := a.m.ExportedFunction(wasmabi.ExportInputCap)
	var stack [1]uint64
	for b.Loop() {
		fn.CallWithStack(ctx, stack[:])
	}
}
