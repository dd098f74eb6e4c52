//go:build wasip1 && wxsigntest

package main

import (
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/internal/fakes"
)

// The end-to-end tests' build (make build-test): the module honours the
// WXSIGN_TEST_* switches, as the Go program's test build does.

var switches fakes.Switches

func loadHooks(getenv func(string) string) { switches = fakes.LoadSwitches(getenv) }

// kvReadFails reports whether a KV read is to fail at now: the module
// takes it as failed without asking the host.
func kvReadFails(now int64) bool { return switches.KVFault(false, now) }

// kvWriteFails reports whether a KV write of a coordinator pass is to
// fail at now.
func kvWriteFails(now int64) bool { return switches.KVFault(true, now) }

// recordTTL is how long a token read from KV is handed out.
func recordTTL() int64 {
	if switches.RecordTTL > 0 {
		return switches.RecordTTL
	}
	return api.RecordTTL
}

// healthTTL is how long /healthz answers from what was read.
func healthTTL() int64 {
	if switches.RecordTTL > 0 {
		return switches.RecordTTL
	}
	return api.HealthTTL
}

// testRoute panics at /__test/panic with a secret in the message: the
// entry must answer a clean 500 without it and start anew.
func testRoute(url string) {
	if switches.Panic && path(url) == "/__test/panic" {
		panic("test panic with internals: " + settings.APIKey)
	}
}
