package cred

import "github.com/wxsign/wxsign/core"

// Held is one credential as an isolate holds it: the record it last read
// from Workers KV or was handed by the coordinator, and the coordinator's
// last refusal while it holds. It is the isolate's half of the cache
// policy (the Vault is the coordinator's): records are read from KV once
// and then trusted until they expire; a record that is missing or dead
// is asked of the coordinator, never of WeChat.
type Held struct {
	Key *Key
	Rec Record

	raw        string
	readAt     int64 // when KV was last read for it; 0 = never
	readFailed bool  // the last KV read failed
	failure    []byte
	until      int64
	refused    Record // the coordinator's last refusal, as a record's error fields
}

// ReadFailed reports whether the last KV read of the record failed.
func (h *Held) ReadFailed() bool { return h.readFailed }

// Unread makes the record read from KV again before its next use: the
// isolate has seen something change it.
func (h *Held) Unread() { h.readAt = 0 }

// Need is what an isolate must do before it can use a held record.
type Need uint8

const (
	NeedNothing Need = iota // the record is usable
	NeedRead                // read it from Workers KV, then hand it over
	NeedAsk                 // ask the coordinator, then hand over its answer
	NeedWait                // answer the coordinator's refusal (Failure) until it lapses
)

// Stale reports whether the record must be read from KV before use: it
// never was, or maxAge > 0 seconds have passed since (the back-end
// endpoints hand tokens out, which WeChat can revoke early). Page
// signing passes 0: a ticket is valid until it expires, and its successor
// comes from the coordinator.
func (h *Held) Stale(now, maxAge int64) bool {
	return h.readAt == 0 || maxAge > 0 && now-h.readAt >= maxAge
}

// Next is what to do before the record can be used at now.
func (h *Held) Next(now, maxAge int64) Need {
	switch {
	case h.Stale(now, maxAge):
		return NeedRead
	case h.Rec.Usable(now):
		return NeedNothing
	case h.failure != nil && now < h.until:
		return NeedWait
	}
	return NeedAsk
}

// Failure is the coordinator's refusal while it holds, as the JSON body
// to answer with (empty when the coordinator could not be reached), and
// the seconds until it lapses.
func (h *Held) Failure(now int64) ([]byte, int64) { return h.failure, h.until - now }

// Outcomes of Hand: what the host did.
const (
	FromKV      = "kv"         // value is what KV holds
	Absent      = "absent"     // KV holds nothing
	Unreadable  = "unreadable" // the KV read failed: what is held stays while it is valid
	FromCoord   = "fetched"    // value is the record the coordinator handed
	CoordRefuse = "failed"     // value is the coordinator's JSON error, for retry seconds
)

// Hand takes what the host got for the record.
func (h *Held) Hand(outcome string, value []byte, retry, now int64) {
	h.readFailed = outcome == Unreadable
	switch outcome {
	case FromKV, FromCoord:
		h.readAt = now
		if string(value) != h.raw {
			rec := ParseRecord(string(value))
			// KV is eventually consistent: a record read from it that is
			// older than the one held (handed by the coordinator a moment
			// ago) does not replace it.
			if outcome == FromCoord || !h.Rec.Usable(now) || rec.FetchedAt >= h.Rec.FetchedAt {
				h.raw, h.Rec = string(value), rec
			}
		}
		if outcome == FromCoord {
			h.failure = nil
		}
	case Absent, Unreadable:
		h.readAt = now
	case CoordRefuse:
		// An empty refusal (the coordinator could not be reached) holds too.
		h.failure, h.until = append(make([]byte, 0, len(value)), value...), now+max(retry, 1)
		var code int64
		msg := core.ErrUpstream.Msg
		core.DecodeFields(string(value), core.JSONField{Key: "errcode", Int: &code}, core.JSONField{Key: "errmsg", Str: &msg})
		h.refused = Record{LastErrCode: int(code), LastError: msg, LastErrorAt: now}
		if code == 0 {
			h.refused.LastErrCode = core.ErrUpstream.Code
		}
	}
}

// Known is the record as this isolate knows it, for /healthz: what it
// read or was handed, with the coordinator's refusal since as its last
// error (KV learns of it too, but this isolate reads KV seldom).
func (h *Held) Known() Record {
	r := h.Rec
	if h.refused.LastErrorAt > r.LastErrorAt {
		r.LastErrCode, r.LastError, r.LastErrorAt = h.refused.LastErrCode, h.refused.LastError, h.refused.LastErrorAt
	}
	return r
}
