package fakes

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core/cred"
)

// Switches are the end-to-end tests' switches, read from WXSIGN_TEST_*
// (docs/settings.md) by the test builds of both programs, so that the
// signer module and the Go program honour the same names.
type Switches struct {
	KVRead    bool  // WXSIGN_TEST_KV_FAULT contains "read": Workers KV reads fail
	KVWrite   bool  // WXSIGN_TEST_KV_FAULT contains "write": writes fail
	KVFaultAt int64 // WXSIGN_TEST_KV_FAULT_AT: Unix seconds from which they fail; 0 = always
	RecordTTL int64 // WXSIGN_TEST_RECORD_TTL: seconds between KV reads of a record in an isolate; 0 = core's
	Panic     bool  // WXSIGN_TEST_PANIC: GET /__test/panic panics in the signer module
}

// LoadSwitches reads the switches through getenv, as api.LoadSettings
// reads the settings.
func LoadSwitches(getenv func(string) string) Switches {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var s Switches
	fault := env("WXSIGN_TEST_KV_FAULT")
	s.KVRead, s.KVWrite = strings.Contains(fault, "read"), strings.Contains(fault, "write")
	s.KVFaultAt, _ = strconv.ParseInt(env("WXSIGN_TEST_KV_FAULT_AT"), 10, 64)
	s.RecordTTL, _ = strconv.ParseInt(env("WXSIGN_TEST_RECORD_TTL"), 10, 64)
	s.Panic = env("WXSIGN_TEST_PANIC") != ""
	return s
}

// KVFault reports whether a KV read (or write) fails at now.
func (s *Switches) KVFault(write bool, now int64) bool {
	on := s.KVRead
	if write {
		on = s.KVWrite
	}
	return on && now >= s.KVFaultAt
}

// ErrInjected is the failure FaultyStore injects.
var ErrInjected = errors.New("KV failure injected by WXSIGN_TEST_KV_FAULT")

// FaultyStore makes a Store fail as the switches say, for the tests of
// what the Worker does when Workers KV does (local KV never fails by
// itself).
type FaultyStore struct {
	cred.Store
	Switches *Switches
	Now      func() int64
}

// WithFaults returns s wrapped in a FaultyStore when the switches turn a
// KV fault on, else s itself.
func WithFaults(s cred.Store, sw *Switches, now func() int64) cred.Store {
	if !sw.KVRead && !sw.KVWrite {
		return s
	}
	return &FaultyStore{Store: s, Switches: sw, Now: now}
}

// Get fails when reads are faulty.
func (f *FaultyStore) Get(ctx context.Context, key string) (string, bool, error) {
	if f.Switches.KVFault(false, f.Now()) {
		return "", false, ErrInjected
	}
	return f.Store.Get(ctx, key)
}

// Put fails when writes are faulty.
func (f *FaultyStore) Put(ctx context.Context, key, value string) error {
	if f.Switches.KVFault(true, f.Now()) {
		return ErrInjected
	}
	return f.Store.Put(ctx, key, value)
}
