//go:build js && wasm && wxsigntest

package main

import (
	"github.com/syumai/workers/cloudflare"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/internal/fakes"
)

// withFaults makes Workers KV fail as the end-to-end tests' WXSIGN_TEST_KV_FAULT
// switches say, in the test build (make build-test) only.
func withFaults(s core.Store, now func() int64) core.Store {
	sw := fakes.LoadSwitches(cloudflare.Getenv)
	return fakes.WithFaults(s, &sw, now)
}
