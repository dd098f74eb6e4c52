package testhost_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	wasmabi "github.com/wxsign/wxsign/wasm/abi"
)

// gatedRand is a randomness source that refuses until opened, as the
// Worker's global scope does, and counts what is asked of it.
type gatedRand struct {
	open          atomic.Bool
	closed, given atomic.Int32
}

func (g *gatedRand) Read(p []byte) (int, error) {
	if !g.open.Load() {
		g.closed.Add(1)
		return 0, errors.New("no randomness in global scope")
	}
	g.given.Add(1)
	return rand.Read(p)
}

// TestStartupWithoutRandomness is what the Worker does in global scope:
// _initialize and wxs_warm while random_get fails, then requests once it
// works. The instance must start, warm up without asking for randomness,
// keep none of the warm-up's settings, and draw every nonce from
// random_get afterwards.
func TestStartupWithoutRandomness(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(testCache))
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	g := &gatedRand{}
	m, err := rt.InstantiateWithConfig(ctx, wasmBytes, wazero.NewModuleConfig().WithStartFunctions(wasmabi.ExportInitialize).
		WithSysWalltime().WithSysNanotime().WithRandSource(g))
	if err != nil {
		t.Fatalf("_initialize without randomness: %v", err)
	}
	atInit := g.closed.Load()
	if _, err := m.ExportedFunction(wasmabi.ExportWarm).Call(ctx); err != nil {
		t.Fatalf("wxs_warm: %v", err)
	}
	if n := g.closed.Load() - atInit; n != 0 {
		t.Fatalf("wxs_warm asked for randomness %d times, want 0", n)
	}

	g.open.Store(true)
	a := abiOf(m)
	a.setup(t, "wxreal", "h.example.org")

	const ticket = "TICKET-after-startup"
	page := "https://h.example.org/p?x=1"
	seen := map[string]bool{}
	for i := range 3 {
		a.hand(t, "wxreal", record(ticket, now+3600))
		raw := request("GET", "https://w.example/config?url=https%3A%2F%2Fh.example.org%2Fp%3Fx%3D1", "", "", "")
		before := g.given.Load()
		status, _, body := a.call(t, a.config, raw, uint32(len(raw)))
		if status != 200 {
			t.Fatalf("request %d: status %d %s", i, status, body)
		}
		var c payload
		if err := json.Unmarshal(body, &c); err != nil {
			t.Fatal(err)
		}
		if c.AppID != "wxreal" || c.URL != page || !verifies(ticket, c) {
			t.Fatalf("request %d: %s does not verify for wxreal and %s", i, body, page)
		}
		if i == 0 && g.given.Load() == before {
			t.Fatal("the first nonce was not drawn from random_get")
		}
		if seen[c.NonceStr] {
			t.Fatalf("nonce %s repeated", c.NonceStr)
		}
		seen[c.NonceStr] = true
	}
}
