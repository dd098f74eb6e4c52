package fleet

import "context"

// kv is Workers KV as the fleet sees it: one log of writes per key, which
// a location sees at once when it made the write and after the lag when
// another location did. It counts reads and writes, and the most writes
// to one key within one second (the free plan allows one).
type kv struct {
	sim     *sim
	lag     int64 // milliseconds
	log     map[string][]write
	reads   int
	writes  int
	second  map[string]map[int64]int // key → second → writes
	maxRate int
}

// write is one KV write: when, from where, what.
type write struct {
	at    int64 // milliseconds
	loc   int
	value string
}

func newKV(s *sim, lagSeconds int64) *kv {
	return &kv{sim: s, lag: lagSeconds * 1000, log: map[string][]write{}, second: map[string]map[int64]int{}}
}

// get is what a read of key at location loc returns at now (ms): the
// latest write that location can see.
func (s *kv) get(key string, loc int, now int64) (string, bool) {
	log := s.log[key]
	for i := len(log) - 1; i >= 0; i-- {
		if w := log[i]; w.at <= now && (w.loc == loc || w.at+s.lag <= now) {
			return w.value, true
		}
	}
	return "", false
}

func (s *kv) put(key, value string, loc int, now int64) {
	s.log[key] = append(s.log[key], write{at: now, loc: loc, value: value})
	s.writes++
	m := s.second[key]
	if m == nil {
		m = map[int64]int{}
		s.second[key] = m
	}
	m[now/1000]++
	s.maxRate = max(s.maxRate, m[now/1000])
}

// view is KV as one location reads and writes it: a cred.Store. who
// counts its reads (isolates' or coordinators').
type view struct {
	kv  *kv
	loc int
	who *int
}

// Get reads key as the location sees it now, and counts the read.
func (v view) Get(_ context.Context, key string) (string, bool, error) {
	v.kv.reads++
	*v.who++
	value, ok := v.kv.get(key, v.loc, v.kv.sim.now)
	return value, ok, nil
}

// Put writes key from the location now.
func (v view) Put(_ context.Context, key, value string) error {
	v.kv.put(key, value, v.loc, v.kv.sim.now)
	return nil
}
