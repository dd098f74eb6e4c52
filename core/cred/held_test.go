package cred

import (
	"testing"

	"github.com/wxsign/wxsign/core"
)

// TestHeld walks an isolate's copy of a record through what the host
// hands it: read once, trusted until it expires, then asked of the
// coordinator, whose refusal holds until its Retry-After.
func TestHeld(t *testing.T) {
	const now = 1_800_000_000
	live := `{"value":"t1","expires_at":1800007000,"fetched_at":1799999900}`
	older := `{"value":"t0","expires_at":1800006000,"fetched_at":1799998900}`
	dead := `{"value":"t0","expires_at":1799999990,"fetched_at":1799992800}`
	type step struct {
		outcome, value string
		retry          int64
	}
	tests := []struct {
		name   string
		steps  []step
		at     int64 // seconds after now
		maxAge int64
		want   Need
		value  string
	}{
		{name: "never read", want: NeedRead},
		{name: "read, live: trusted", steps: []step{{FromKV, live, 0}}, at: 3600, want: NeedNothing, value: "t1"},
		{name: "read, live: a back-end re-reads after maxAge", steps: []step{{FromKV, live, 0}}, at: 61, maxAge: 60, want: NeedRead, value: "t1"},
		{name: "read, dead: asked of the coordinator", steps: []step{{FromKV, dead, 0}}, want: NeedAsk, value: "t0"},
		{name: "absent: asked", steps: []step{{Absent, "", 0}}, want: NeedAsk},
		{name: "live then expired: asked, not read", steps: []step{{FromKV, live, 0}}, at: 7000, want: NeedAsk, value: "t1"},
		{name: "the coordinator refused: wait", steps: []step{{Absent, "", 0}, {CoordRefuse, `{"errcode":-1}`, 30}}, at: 29, want: NeedWait},
		{name: "the refusal lapsed: ask again", steps: []step{{Absent, "", 0}, {CoordRefuse, `{"errcode":-1}`, 30}}, at: 30, want: NeedAsk},
		{name: "handed by the coordinator: the refusal is over", steps: []step{{FromKV, dead, 0}, {CoordRefuse, `{"errcode":-1}`, 30}, {FromCoord, live, 0}}, want: NeedNothing, value: "t1"},
		{name: "an older record from KV does not replace a newer one", steps: []step{{FromCoord, live, 0}, {FromKV, older, 0}}, want: NeedNothing, value: "t1"},
		{name: "unreadable: what is held stays", steps: []step{{FromKV, live, 0}, {Unreadable, "", 0}}, want: NeedNothing, value: "t1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Held
			for _, s := range tt.steps {
				h.Hand(s.outcome, []byte(s.value), s.retry, now)
			}
			if got := h.Next(now+tt.at, tt.maxAge); got != tt.want {
				t.Errorf("Next = %d, want %d", got, tt.want)
			}
			if h.Rec.Value != tt.value {
				t.Errorf("holds %q, want %q", h.Rec.Value, tt.value)
			}
		})
	}
	var r Held
	r.Hand(FromKV, []byte(dead), 0, now)
	r.Hand(CoordRefuse, []byte(`{"errcode":40164,"errmsg":"WeChat: invalid ip"}`), 30, now+5)
	if k := r.Known(); k.LastErrCode != 40164 || k.LastError != "WeChat: invalid ip" || k.LastErrorAt != now+5 || k.Value != "t0" {
		t.Errorf("Known after a refusal: %+v", k)
	}
	r.Hand(CoordRefuse, nil, 5, now+6)
	if k := r.Known(); k.LastErrCode != core.ErrUpstream.Code {
		t.Errorf("Known after an unreachable coordinator: %+v", k)
	}

	var h Held
	h.Hand(Unreadable, nil, 0, now)
	if !h.ReadFailed() {
		t.Error("a failed read is not reported")
	}
	h.Hand(FromKV, []byte(live), 0, now)
	if h.ReadFailed() {
		t.Error("a good read still reports the failure")
	}
}
