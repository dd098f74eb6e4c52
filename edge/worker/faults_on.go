//go:build js && wasm && wxsigntest

package main

import (
	"github.com/syumai/workers/cloudflare"

	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/internal/fakes"
)

// withFaults makes Workers KV fail as the end-to-end tests' WXSIGN_TEST_KV_FAULT
// switches say, in the test build (make build-test) only.
func withFaults(s cred.Store, now func() int64) cred.Store {
	sw := fakes.LoadSwitches(cloudflare.Getenv)
	return fakes.WithFaults(s, &sw, now)
}
