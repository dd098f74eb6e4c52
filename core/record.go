package core

// Record is a cached credential (an access_token or a jsapi_ticket) as it is
// kept in Workers KV: its value, when it stops being usable and when it was
// fetched, in Unix seconds.
type Record struct {
	Value     string `json:"value"`
	ExpiresAt int64  `json:"expires_at"`
	FetchedAt int64  `json:"fetched_at"`
	// Prev is the value this one replaced (jsapi_tickets only), so that
	// /debug/check can tell a signature made with it; never served.
	Prev string `json:"prev,omitempty"`
}

// Usable reports whether the record may be used at now: it has a value and
// has not reached ExpiresAt. A record past ExpiresAt is never used.
func (r Record) Usable(now int64) bool { return r.Value != "" && now < r.ExpiresAt }

// Due reports whether the record should be refreshed at now: it is not
// usable, or fewer than margin seconds of it remain.
func (r Record) Due(now, margin int64) bool { return !r.Usable(now) || r.ExpiresAt-now < margin }
