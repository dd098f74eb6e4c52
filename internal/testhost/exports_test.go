package testhost_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tetratelabs/wazero"

	wasmabi "github.com/wxsign/wxsign/wasm/abi"
)

// TestExports: the module exports exactly the functions package abi
// names, so that the //go:wasmexport directives, which cannot name a
// constant, stay the ABI's.
func TestExports(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(testCache))
	defer rt.Close(ctx)
	m, err := rt.CompileModule(ctx, wasmBytes)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for name := range m.ExportedFunctions() {
		got = append(got, name)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(wasmabi.Exports))
	if !slices.Equal(got, want) {
		t.Errorf("the module exports %q, package abi names %q", got, want)
	}
}
