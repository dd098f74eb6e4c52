// Package fakes holds the doubles the tests put around wxsign's code, in
// the manner of net/http/httptest: Workers KV in memory (MemStore), and
// the end-to-end tests' switches (WXSIGN_TEST_*: Switches) with a Store
// that fails as they say (FaultyStore).
//
// Nothing that ships imports it: the tests, the fleet simulation and
// `make bench` do, and so do the signer module and the coordinator's Go
// program when built with the wxsigntest tag (`make build-test`), which
// only the end-to-end tests run.
package fakes
