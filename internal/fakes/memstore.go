package fakes

import (
	"context"
	"maps"
	"slices"
	"sync"
)

// MemStore is a cred.Store in memory, for the tests, the fleet simulation
// and `make bench`. It counts writes, which is what Workers KV's
// free plan limits (1,000 a day). The zero value is ready to use.
type MemStore struct {
	mu     sync.Mutex
	m      map[string]string
	writes int
}

// Get returns the value stored at key.
func (s *MemStore) Get(_ context.Context, key string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok, nil
}

// Put stores value at key and counts the write.
func (s *MemStore) Put(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = value
	s.writes++
	return nil
}

// Writes is the number of Puts so far.
func (s *MemStore) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Keys are the keys stored, in order.
func (s *MemStore) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.m))
}
