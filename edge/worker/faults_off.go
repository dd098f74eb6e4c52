//go:build js && wasm && !wxsigntest

package main

import "github.com/wxsign/wxsign/core/cred"

// withFaults is Workers KV as it is: the program that ships injects no
// fault (faults_on.go is the end-to-end tests' build).
func withFaults(s cred.Store, _ func() int64) cred.Store { return s }
