package service

import (
	"context"
	"errors"
	"strings"
)

// ErrInjected is the failure FaultyStore injects.
var ErrInjected = errors.New("KV failure injected by WXSIGN_TEST_KV_FAULT")

// FaultyStore makes a Store fail, for the end-to-end tests of what the
// Worker does when Workers KV does (local KV never fails by itself). The
// Worker wraps its store in one only when WXSIGN_TEST_KV_FAULT is set.
type FaultyStore struct {
	Store
	Read, Write bool
	From        int64        // Unix seconds from which operations fail; 0 = always
	Now         func() int64 // the clock From is compared with
}

// NewFaultyStore reads the fault from the test variables: WXSIGN_TEST_KV_FAULT
// ("read", "write" or "read,write") and WXSIGN_TEST_KV_FAULT_AT (Unix
// seconds). It returns s itself when no fault is set.
func NewFaultyStore(s Store, getenv func(string) string, now func() int64) Store {
	kinds := getenv("WXSIGN_TEST_KV_FAULT")
	if kinds == "" {
		return s
	}
	f := &FaultyStore{Store: s, Read: strings.Contains(kinds, "read"), Write: strings.Contains(kinds, "write"), Now: now}
	f.From, _ = parseInt(getenv("WXSIGN_TEST_KV_FAULT_AT"))
	return f
}

func (f *FaultyStore) on() bool { return f.From == 0 || f.Now() >= f.From }

// Get fails when reads are faulty.
func (f *FaultyStore) Get(ctx context.Context, key string) (string, bool, error) {
	if f.Read && f.on() {
		return "", false, ErrInjected
	}
	return f.Store.Get(ctx, key)
}

// Put fails when writes are faulty.
func (f *FaultyStore) Put(ctx context.Context, key, value string) error {
	if f.Write && f.on() {
		return ErrInjected
	}
	return f.Store.Put(ctx, key, value)
}
