//go:build wasip1 && !wxsigntest

package main

import "github.com/wxsign/wxsign/core/api"

// The module that ships has no test switches: each hook is a constant the
// compiler folds away. hooks_on.go is the end-to-end tests' build.

func loadHooks(func(string) string) {}

// kvReadFails reports whether a KV read is to fail at now.
func kvReadFails(int64) bool { return false }

// kvWriteFails reports whether a KV write is to fail at now.
func kvWriteFails(int64) bool { return false }

// recordTTL is how long a token read from KV is handed out.
func recordTTL() int64 { return api.RecordTTL }

// healthTTL is how long /healthz answers from what was read.
func healthTTL() int64 { return api.HealthTTL }

// testRoute answers a request URL no route has, in the test build only.
func testRoute(string) {}
