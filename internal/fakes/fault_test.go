package fakes

import (
	"context"
	"errors"
	"testing"
)

func TestLoadSwitches(t *testing.T) {
	env := map[string]string{"WXSIGN_TEST_KV_FAULT": "read,write", "WXSIGN_TEST_KV_FAULT_AT": " 1800000000 ",
		"WXSIGN_TEST_RECORD_TTL": "5", "WXSIGN_TEST_PANIC": "1"}
	want := Switches{KVRead: true, KVWrite: true, KVFaultAt: 1800000000, RecordTTL: 5, Panic: true}
	if got := LoadSwitches(func(k string) string { return env[k] }); got != want {
		t.Errorf("LoadSwitches = %+v, want %+v", got, want)
	}
	if got := LoadSwitches(func(k string) string { return map[string]string{"WXSIGN_TEST_KV_FAULT": "write"}[k] }); got != (Switches{KVWrite: true}) {
		t.Errorf("write only: %+v", got)
	}
	if got := LoadSwitches(func(string) string { return "" }); got != (Switches{}) {
		t.Errorf("none set: %+v", got)
	}
}

func TestKVFault(t *testing.T) {
	tests := []struct {
		s                 Switches
		now               int64
		failRead, failPut bool
	}{
		{Switches{}, 100, false, false},
		{Switches{KVRead: true}, 100, true, false},
		{Switches{KVWrite: true}, 100, false, true},
		{Switches{KVRead: true, KVWrite: true, KVFaultAt: 200}, 199, false, false},
		{Switches{KVRead: true, KVWrite: true, KVFaultAt: 200}, 200, true, true},
	}
	for _, tt := range tests {
		if r, w := tt.s.KVFault(false, tt.now), tt.s.KVFault(true, tt.now); r != tt.failRead || w != tt.failPut {
			t.Errorf("%+v at %d: read %v write %v, want %v %v", tt.s, tt.now, r, w, tt.failRead, tt.failPut)
		}
	}
}

// WithFaults wraps a store only when a fault is on, and the wrapped store
// fails from KVFaultAt on while the one underneath keeps what it had.
func TestWithFaults(t *testing.T) {
	ctx := context.Background()
	mem := &MemStore{}
	if s := WithFaults(mem, &Switches{}, nil); s != mem {
		t.Fatalf("no fault on, yet %T", s)
	}
	now := int64(100)
	s := WithFaults(mem, &Switches{KVRead: true, KVWrite: true, KVFaultAt: 200}, func() int64 { return now })
	if err := s.Put(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	now = 200
	if err := s.Put(ctx, "k", "w"); !errors.Is(err, ErrInjected) {
		t.Fatalf("Put at 200: %v", err)
	}
	if _, _, err := s.Get(ctx, "k"); !errors.Is(err, ErrInjected) {
		t.Fatalf("Get at 200: %v", err)
	}
	if v, ok, _ := mem.Get(ctx, "k"); !ok || v != "v" || mem.Writes() != 1 {
		t.Fatalf("underneath: %q %v, %d writes", v, ok, mem.Writes())
	}
}
