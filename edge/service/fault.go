package service

import (
	"context"
	"errors"

	"github.com/wxsign/wxsign/core"
)

// ErrInjected is the failure FaultyStore injects.
var ErrInjected = errors.New("KV failure injected by WXSIGN_TEST_KV_FAULT")

// FaultyStore makes a Store fail as the settings' test switches say, for
// the end-to-end tests of what the Worker does when Workers KV does (local
// KV never fails by itself).
type FaultyStore struct {
	core.Store
	Test *core.TestSettings
	Now  func() int64
}

// WithFaults returns s wrapped in a FaultyStore when the settings switch a
// KV fault on, else s itself.
func WithFaults(s core.Store, t *core.TestSettings, now func() int64) core.Store {
	if !t.KVRead && !t.KVWrite {
		return s
	}
	return &FaultyStore{Store: s, Test: t, Now: now}
}

// Get fails when reads are faulty.
func (f *FaultyStore) Get(ctx context.Context, key string) (string, bool, error) {
	if f.Test.KVFault(false, f.Now()) {
		return "", false, ErrInjected
	}
	return f.Store.Get(ctx, key)
}

// Put fails when writes are faulty.
func (f *FaultyStore) Put(ctx context.Context, key, value string) error {
	if f.Test.KVFault(true, f.Now()) {
		return ErrInjected
	}
	return f.Store.Put(ctx, key, value)
}
