package fleet

import (
	"reflect"
	"testing"
)

// TestFleetGoals runs issue 25's day after and before the coordinators,
// and at one location, and holds the fleet to the goals.
func TestFleetGoals(t *testing.T) {
	after, single := Run(Goal()), Run(Single(Goal()))
	before, inMap := Run(Before(Goal())), Run(InMap(Goal()))
	for _, r := range []*Report{before, after, single, inMap} {
		t.Log("\n" + r.String())
	}
	for _, c := range Checks(after, single) {
		t.Logf("goal: %-70s %6d (limit %d)", c.Name, c.Value, c.Limit)
		if !c.OK() {
			t.Errorf("goal not met: %s: %d, limit %d", c.Name, c.Value, c.Limit)
		}
	}
	// The day must have exercised what the goals are about.
	sanity := []struct {
		name string
		ok   bool
	}{
		{"every page request served", after.Pages == 100_000 && after.Signed+after.Refused == after.Pages},
		{"the refusal hours refused pages", after.Refused > 1000},
		{"one location saw 1055s (the yardstick is not 0)", single.MaxLongest1055() > 0},
		{"the timeout fault hit a call", after.Timeouts == 1},
		{"12 rollovers a day per ticket, give or take the refusal", after.Rollovers >= 8*8},
		{"the old design shows issue 25's symptoms", before.KVWrites > 1000 && before.MaxTicketCalls > 2},
		{"the refusals were alerted, and the recoveries", after.Alerts >= 2*4},
	}
	for _, c := range sanity {
		if !c.ok {
			t.Errorf("the simulated day is not what the goals assume: %s", c.name)
		}
	}
}

// TestPlatformFleet runs issue 28's day: the issue 25 day with a platform
// whose 20 authorizers' pages are a third of the requests, held to the
// free plan's KV budgets.
func TestPlatformFleet(t *testing.T) {
	r := Run(Platform())
	t.Log("\n" + r.String())
	for _, c := range PlatformChecks(r) {
		t.Logf("goal: %-70s %6d (limit %d)", c.Name, c.Value, c.Limit)
		if !c.OK() {
			t.Errorf("goal not met: %s: %d, limit %d", c.Name, c.Value, c.Limit)
		}
	}
	if r.Pushes < 144 || r.WeChat.QueryAuth != 20 || r.WeChat.AuthorizerToken < 20*8 {
		t.Errorf("the day is not what the goals assume: %d pushes, %d api_query_auth, %d api_authorizer_token",
			r.Pushes, r.WeChat.QueryAuth, r.WeChat.AuthorizerToken)
	}
}

// TestRunDeterministic: a scenario gives the same report every run.
func TestRunDeterministic(t *testing.T) {
	sc := Goal()
	sc.Locations, sc.Requests = 5, 10_000
	a, b := Run(sc), Run(sc)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two runs differ:\n%s\n%s", a, b)
	}
}

// TestKVLag: a write is seen at once where it was made, elsewhere after
// the lag; a location sees the latest write it can see.
func TestKVLag(t *testing.T) {
	s := &sim{}
	kv := newKV(s, 60)
	kv.put("k", "a", 0, 1_000)
	kv.put("k", "b", 1, 30_000)
	tests := []struct {
		loc  int
		now  int64
		want string
	}{
		{0, 1_000, "a"},
		{1, 1_000, ""}, // not yet
		{2, 60_999, ""},
		{2, 61_000, "a"},
		{1, 30_000, "b"}, // its own write
		{0, 89_999, "a"},
		{0, 90_000, "b"},
	}
	for _, tc := range tests {
		if got, _ := kv.get("k", tc.loc, tc.now); got != tc.want {
			t.Errorf("location %d at %d ms reads %q, want %q", tc.loc, tc.now, got, tc.want)
		}
	}
	kv.put("k", "c", 1, 30_500)
	kv.put("j", "x", 1, 30_999)
	if kv.maxRate != 2 || kv.writes != 4 {
		t.Errorf("%d writes, at most %d per key-second; want 4 and 2", kv.writes, kv.maxRate)
	}
}

// TestWindows: 1055s whose Retry-After overlaps make one run; an outage
// runs from a 503 to the next signed page.
func TestWindows(t *testing.T) {
	w := windows{open: map[wkey]span{}}
	k := wkey{loc: 3}
	for _, r := range []span{{100, 111}, {105, 111}, {111, 120}, {200, 230}, {500, 501}} {
		w.add(k, r.from, r.to)
	}
	w.flush()
	if want := []outage{{k, span{100, 120}}, {k, span{200, 230}}, {k, span{500, 501}}}; !reflect.DeepEqual(w.done, want) {
		t.Errorf("runs %v, want %v", w.done, want)
	}
	o := outages{since: map[wkey]int64{}}
	o.signed(k, 50)
	o.refused(k, 100)
	o.refused(k, 130)
	o.signed(k, 170)
	o.signed(k, 180)
	o.refused(k, 200)
	o.signed(k, 210)
	if want := []outage{{k, span{100, 170}}, {k, span{200, 210}}}; !reflect.DeepEqual(o.done, want) {
		t.Errorf("outages %v, want %v", o.done, want)
	}
}
