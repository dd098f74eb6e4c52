package cred

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
)

// Store is Workers KV as the vault uses it. Get reports a missing key as
// ok == false, never as an error or as a special string.
type Store interface {
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	Put(ctx context.Context, key, value string) error
}

// Fetcher fetches one credential from WeChat: the record for k, bought
// with the inputs the vault holds for it, or with k's secret. It never
// reads or writes the cache: the vault wraps it, as an oauth2
// ReuseTokenSource wraps the source it reuses.
type Fetcher interface {
	Fetch(ctx context.Context, k *Key, in Inputs) (Record, error)
}

// Inputs are what a call needs besides its key's own settings.
type Inputs struct {
	Token   string // the value of k.Token
	Refresh string // the value of k.Refresh
	Force   bool   // ask WeChat to rotate the value (a stable token's force_refresh)
}

// APIError is WeChat refusing a call: errcode and errmsg as WeChat sent them.
type APIError struct {
	Call string
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return "wechat " + e.Call + ": errcode " + itoa(int64(e.Code)) + ": " + e.Msg
}

// TokenInvalid reports whether WeChat refused the access_token: invalid,
// not the latest, or expired (40001, 40014, 42001). The vault then buys a
// new token once and retries once.
func (e *APIError) TokenInvalid() bool { return e.Code == 40001 || e.Code == 40014 || e.Code == 42001 }

// RefreshError is a credential that could not be had: the error as the
// Worker's caller sees it, and when trying again makes sense.
type RefreshError struct {
	*core.Error
	RetryAt int64
}

// Vault is the cache policy over every key: one pass of it (a request, or
// a cron run) reads each record it needs once, fetches what is missing or
// due through the Fetcher, and keeps what changed. It is not safe for
// concurrent use; make one per pass, and run one pass at a time per owner
// (the coordinator does).
//
// Records live in two places. Mem, the coordinator's memory, holds each
// record whole, back-off and budget counters included, and is written on
// every attempt. Store, Workers KV, holds what every isolate reads (the
// value, its expiry, the last error) and is written only when that
// changes: a failed attempt that fails as the one before costs no write.
// Without Mem, Store holds everything.
type Vault struct {
	Store         Store
	Mem           Store
	Fetcher       Fetcher
	Now           int64 // the pass's clock, Unix seconds
	RefreshMargin int64
	Log           func(line string) // one line per refresh; never given a secret

	// Notify is told each change the operator is to hear of (Event), once
	// per change of a key's state: it is decided where the change is
	// written, by the one writer of the key. nil tells nobody; the state
	// is kept all the same, so that a webhook set later starts quiet.
	Notify func(Event)
	// State is where the alerts keep what no KV record carries: the KV
	// state, a ticket warned about, a budget hour warned about, the
	// webhook's receipts. Written only when that changes; nil uses Mem,
	// which in the Worker is the coordinator's durable storage too.
	State Store

	recs  map[*Key]*Record
	Wrote int // KV writes in this pass

	kv kvPass // how the pass's KV calls went

	passState *passStore // state() without State or Mem
}

// Record returns k's record as stored, the zero Record when there is none
// or it is unreadable (a damaged record must lead to a refresh, not to an
// outage).
func (v *Vault) Record(ctx context.Context, k *Key) (Record, error) {
	r, err := v.load(ctx, k)
	if err != nil {
		return Record{}, err
	}
	return *r, nil
}

func (v *Vault) load(ctx context.Context, k *Key) (*Record, error) {
	if r, ok := v.recs[k]; ok {
		return r, nil
	}
	raw, ok, err := "", false, error(nil)
	if v.Mem != nil {
		raw, ok, _ = v.Mem.Get(ctx, k.String())
	}
	if !ok {
		raw, ok, err = v.Store.Get(ctx, k.String())
		v.kvSeen(false, err)
		if err != nil {
			return nil, err
		}
		if v.Mem != nil {
			// Remembered as read, nothing ("") for a missing key: the
			// next pass reads memory, not KV, for a record it never changed.
			v.Mem.Put(ctx, k.String(), raw)
		}
	}
	r := &Record{}
	if ok {
		*r = ParseRecord(raw)
	}
	if v.recs == nil {
		v.recs = map[*Key]*Record{}
	}
	v.recs[k] = r
	v.receipt(ctx, k, r)
	return r, nil
}

// Values are the values the pass holds (and the ones they replaced), to
// keep out of anything said outside.
func (v *Vault) Values() []string {
	var out []string
	for _, r := range v.recs {
		out = append(out, r.Value, r.Prev)
	}
	return out
}

// kvPass is how a pass's KV calls went, for Settle.
type kvPass struct {
	readErr, writeErr error
	readOK, writeOK   bool
}

// kvSeen notes how a KV call of the pass went.
func (v *Vault) kvSeen(write bool, err error) {
	switch {
	case write && err != nil:
		v.kv.writeErr = err
	case write:
		v.kv.writeOK = true
	case err != nil:
		v.kv.readErr = err
	default:
		v.kv.readOK = true
	}
}

// ReceiptKey is where the coordinator puts the webhook's answer to the
// alert about k (nil: about the coordinator owner) sent at at, for the
// Vault to read: "<at> <HTTP status> <the answer's start>", status 0 when
// none came.
func ReceiptKey(k *Key, owner string) string {
	if k == nil {
		return "wxsign:" + owner + "#alert"
	}
	return k.String() + "#alert"
}

// receipt folds the webhook's answer to the last alert about k into its
// record, once it is known; it rides in KV with the next write.
func (v *Vault) receipt(ctx context.Context, k *Key, r *Record) {
	if r.AlertAt == 0 || r.AlertAt == r.AlertOK || r.AlertAt == r.AlertLost {
		return
	}
	raw, ok, _ := v.state().Get(ctx, ReceiptKey(k, ""))
	at, rest, _ := strings.Cut(raw, " ")
	if !ok || at != itoa(r.AlertAt) {
		return
	}
	status, body, _ := strings.Cut(rest, " ")
	code, _ := strconv.Atoi(status)
	if AlertDelivered(code, body) {
		r.AlertOK = r.AlertAt
	} else {
		r.AlertLost = r.AlertAt
	}
	v.remember(ctx, k, r)
}

// state is where the alerts' own state is kept: State, else Mem; with
// neither (tests of the policy alone), the pass's own memory, never KV.
func (v *Vault) state() Store {
	switch {
	case v.State != nil:
		return v.State
	case v.Mem != nil:
		return v.Mem
	}
	if v.passState == nil {
		v.passState = &passStore{}
	}
	return v.passState
}

// passStore is a Store in a map.
type passStore struct{ m map[string]string }

func (s *passStore) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := s.m[key]
	return v, ok, nil
}

func (s *passStore) Put(_ context.Context, key, value string) error {
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = value
	return nil
}

func (v *Vault) notify(e Event) {
	if v.Notify != nil {
		v.Notify(e)
	}
}

// Settle ends a pass of the coordinator owner: when its KV reads or
// writes failed and the last pass's had not, or the ones that failed work
// again, it tells the operator once. A pass that called KV not at all, or
// only in the way that was not failing, changes nothing.
func (v *Vault) Settle(ctx context.Context, owner string) {
	if v.kv == (kvPass{}) {
		return
	}
	key := "wxsign:" + owner + "#kv"
	was, _, _ := v.state().Get(ctx, key)
	failing := ""
	if v.kv.readErr != nil {
		failing = "read"
	}
	if v.kv.writeErr != nil {
		failing = strings.TrimSpace(failing + " write")
	}
	switch {
	case failing != "" && was == "":
		v.state().Put(ctx, key, failing)
		err := v.kv.writeErr
		if err == nil {
			err = v.kv.readErr
		}
		v.notify(Event{Kind: EventKVFailing, Owner: owner, At: v.Now, Msg: "Workers KV " + failing + ": " + err.Error()})
	case failing == "" && was != "" && (v.kv.readOK || !strings.Contains(was, "read")) && (v.kv.writeOK || !strings.Contains(was, "write")):
		v.state().Put(ctx, key, "")
		v.notify(Event{Kind: EventKVRecovered, Owner: owner, At: v.Now})
	}
}

// Get returns a usable record for k, fetching one (and the token it needs)
// when the stored one is missing or expired, unless failed fetches are
// backing off or the budget is spent. This is the request path: a record
// that is due but usable is used as it is, and the cron refreshes it.
func (v *Vault) Get(ctx context.Context, k *Key) (Record, *RefreshError) {
	r, err := v.load(ctx, k)
	if err != nil {
		return Record{}, &RefreshError{Error: core.ErrStorage}
	}
	if r.Usable(v.Now) {
		return *r, nil
	}
	if k.Kind.Pushed {
		return Record{}, &RefreshError{Error: k.Kind.Absent}
	}
	if v.Now < r.NextAttempt {
		if v.stillOld(k, r) { // waiting for its death, which is no failure
			return Record{}, &RefreshError{Error: core.ErrStillOld, RetryAt: r.NextAttempt}
		}
		return Record{}, &RefreshError{Error: lastError(r), RetryAt: r.NextAttempt}
	}
	if v.stillOld(k, r) {
		return Record{}, v.waitForDeath(ctx, k)
	}
	if err := v.refresh(ctx, k, false); err != nil {
		return Record{}, err
	}
	return *v.recs[k], nil
}

// Refresh is the cron (and the coordinator's alarm): every key that is
// due (within its margin of expiry, a sticky kind once it has died) is
// fetched, tokens before the tickets that need them; a lazy kind only once
// a page has used it. It keeps the back-off, as requests do: one try per
// step. It goes on with the other keys when one fails, and returns the
// first failure.
func (v *Vault) Refresh(ctx context.Context, keys []*Key) *RefreshError {
	var first *RefreshError
	for _, k := range keys {
		r, err := v.load(ctx, k)
		if err != nil {
			return &RefreshError{Error: core.ErrStorage}
		}
		v.expiring(ctx, k, r)
		if k.Kind.Pushed || k.Idle(r) || !r.Due(v.Now, k.Margin(v.RefreshMargin)) || v.Now < r.NextAttempt || v.stillOld(k, r) {
			continue
		}
		if err := v.refresh(ctx, k, false); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// expiring warns, once per value, when a ticket is in its last
// ExpiringWarning seconds and its successor cannot be had: the ticket is
// backing off, or the token it needs is failing and will not outlive it.
// The cron and the alarm run a pass at least every 10 minutes, so the
// warning comes in time.
func (v *Vault) expiring(ctx context.Context, k *Key, r *Record) {
	if k.Token == nil || !r.Usable(v.Now) || r.ExpiresAt-v.Now > ExpiringWarning {
		return
	}
	cause := r
	if r.Failures == 0 {
		t, err := v.load(ctx, k.Token)
		if err != nil || t.Failures == 0 || t.Usable(r.Dies()+1) {
			return
		}
		cause = t
	}
	key, at := k.String()+"#expiring", itoa(r.ExpiresAt)
	if was, _, _ := v.state().Get(ctx, key); was == at {
		return
	}
	v.state().Put(ctx, key, at)
	v.alerted(ctx, k, r)
	v.notify(Event{Kind: EventExpiring, Key: k, At: v.Now, ExpiresAt: r.ExpiresAt, Code: cause.LastErrCode, Msg: cause.LastError})
}

// alerted notes in k's record, in memory, that an alert about it is
// going out; KV gets it with the record's next write.
func (v *Vault) alerted(ctx context.Context, k *Key, r *Record) {
	r.AlertAt = v.Now
	v.remember(ctx, k, r)
}

// stillOld reports whether k is a sticky kind whose value has expired here
// but not yet at WeChat, which hands it back until then: no call can get
// its successor yet.
func (v *Vault) stillOld(k *Key, r *Record) bool {
	return k.Kind.Sticky && r.Value != "" && !r.Usable(v.Now) && v.Now <= r.Dies()
}

// waitForDeath answers for a sticky value between its expiry here and its
// death at WeChat: errcode 1055 until the second after, when the successor
// is issued. It is no failure, so it is kept in memory alone.
func (v *Vault) waitForDeath(ctx context.Context, k *Key) *RefreshError {
	r := v.recs[k]
	r.NextAttempt = r.Dies() + 1
	v.remember(ctx, k, r)
	return &RefreshError{Error: core.ErrStillOld, RetryAt: r.NextAttempt}
}

// Wake is when the keys next need a pass: the earliest of a due time, the
// second after a sticky value dies, and the end of a back-off; 0 when
// nothing is held. The coordinator sets its alarm to it.
func (v *Vault) Wake(ctx context.Context, keys []*Key) int64 {
	wake := int64(0)
	for _, k := range keys {
		r, err := v.load(ctx, k)
		if err != nil || k.Kind.Pushed || k.Idle(r) {
			continue
		}
		t := r.ExpiresAt - k.Margin(v.RefreshMargin)
		switch {
		case v.Now < r.NextAttempt:
			t = r.NextAttempt
		case r.Value == "":
			continue
		case k.Kind.Sticky:
			t = r.Dies() + 1
		case t < v.Now && r.Usable(v.Now):
			// Due and still held: WeChat handed the value back unchanged
			// (a WeCom token comes back until it dies). Asked again the
			// next second, it would come back again. The cron asks every
			// 10 minutes; the alarm waits until the value is no longer
			// usable.
			t = r.ExpiresAt
		}
		t = max(t, v.Now+1)
		if wake == 0 || t < wake {
			wake = t
		}
	}
	return wake
}

// refresh fetches k, with a usable token for it; when WeChat says that
// token is invalid, it buys a new token once and retries once.
func (v *Vault) refresh(ctx context.Context, k *Key, force bool) *RefreshError {
	r, _ := v.load(ctx, k) // loaded by every caller
	if spent := v.spent(k, r); spent != nil {
		return spent
	}
	in := Inputs{Force: force}
	for _, need := range [...]struct {
		key   *Key
		value *string
	}{{k.Token, &in.Token}, {k.Refresh, &in.Refresh}} {
		if need.key == nil {
			continue
		}
		t, err := v.Get(ctx, need.key)
		if err != nil {
			v.failUntil(ctx, k, err.Error, 0, false, false) // the input's failure, told as the input's
			return err
		}
		*need.value = t.Value
	}
	rec, err := v.fetch(ctx, k, in)
	var api interface{ TokenInvalid() bool }
	if k.Token != nil && errors.As(err, &api) && api.TokenInvalid() {
		v.log("wxsign: " + k.String() + ": WeChat refused the access_token; buying a new one")
		if terr := v.refresh(ctx, k.Token, true); terr != nil {
			v.failUntil(ctx, k, terr.Error, 0, false, false)
			return terr
		}
		if spent := v.spent(k, r); spent != nil {
			v.fail(ctx, k, spent.Error) // keeps the hour's count
			return spent
		}
		in.Token = v.recs[k.Token].Value
		rec, err = v.fetch(ctx, k, in)
	}
	if err != nil {
		e := Describe(err)
		var refused *APIError
		v.failUntil(ctx, k, e, 0, !errors.As(err, &refused), true)
		return &RefreshError{Error: e, RetryAt: r.NextAttempt}
	}
	if rec.Value == r.Value && !r.Usable(v.Now) {
		// WeChat hands back a value until it dies, with a fresh expires_in:
		// past its first expiry here it is no value, and the next one comes
		// when it dies, which is when to try again. Past its death, WeChat
		// is not doing what it should: that backs off as a failure.
		if v.Now <= r.Dies() {
			return v.waitForDeath(ctx, k)
		}
		v.fail(ctx, k, core.ErrStillOld)
		return &RefreshError{Error: core.ErrStillOld, RetryAt: r.NextAttempt}
	}
	if rec.Rotated != "" && k.Refresh != nil && rec.Rotated != in.Refresh {
		// WeChat handed out a new refresh token with the value, and the
		// old one no longer works: kept before anything else can fail.
		v.Keep(ctx, k.Refresh, rec.Rotated, Forever)
	}
	rec.Rotated = ""
	v.store(ctx, k, rec)
	return nil
}

// MirrorEvery is how old KV's copy of a private kind may grow.
const MirrorEvery = 3600

// Mirror copies a private kind's record to KV when KV's copy is
// MirrorEvery old or missing, for /healthz to show: at most one write an
// hour, and one KV read per call.
func (v *Vault) Mirror(ctx context.Context, k *Key) {
	r, err := v.load(ctx, k)
	if err != nil || v.Mem == nil || !k.Kind.Private {
		return
	}
	raw, ok, err := v.Store.Get(ctx, k.String())
	v.kvSeen(false, err)
	if err != nil {
		return
	}
	if kv := ParseRecord(raw); ok && r.FetchedAt-kv.FetchedAt < MirrorEvery && (r.Value == "") == (kv.Value == "") {
		return
	}
	err = v.Store.Put(ctx, k.String(), string(r.AppendJSON(nil)))
	v.kvSeen(true, err)
	if err == nil {
		v.Wrote++
	}
}

// Forever is the expiry of a value that does not expire: a refresh token
// lives until the account withdraws its authorization.
const Forever = 1 << 62

// Keep stores a value handed over rather than fetched: a pushed kind's
// (a platform's verify ticket, an authorizer's refresh token). An empty
// value removes what the key held. It writes KV only when the value or
// its expiry changes.
func (v *Vault) Keep(ctx context.Context, k *Key, value string, expiresAt int64) error {
	r, err := v.load(ctx, k)
	if err != nil {
		return err
	}
	next := Record{Value: value, ExpiresAt: expiresAt, FetchedAt: v.Now}
	if value == "" {
		// Dated, so that an isolate holding the value takes this as newer.
		next = Record{FetchedAt: v.Now}
	} else if value == r.Value {
		next.FetchedAt = r.FetchedAt
	}
	if next == *r || value == "" && r.Value == "" {
		return nil
	}
	if !v.keep(ctx, k, r, next) {
		return core.ErrStorage
	}
	return nil
}

// spent refuses a fetch of k when its share of the hour's budget is
// spent, until the next hour.
func (v *Vault) spent(k *Key, r *Record) *RefreshError {
	if k.PerHour == 0 || r.FetchesThisHour(v.Now) < k.PerHour {
		return nil
	}
	e := &core.Error{Code: core.ErrBudget.Code, Status: 503, Msg: core.ErrBudget.Msg + " (" + itoa(int64(k.PerHour)) + " an hour for " + k.String() + ")"}
	return &RefreshError{Error: e, RetryAt: (v.Now/3600 + 1) * 3600}
}

// fetch calls the Fetcher and counts the call against k's budget.
func (v *Vault) fetch(ctx context.Context, k *Key, in Inputs) (Record, error) {
	if k.PerHour > 0 {
		r := v.recs[k]
		if h := v.Now / 3600; r.Hour != h {
			r.Hour, r.Fetches = h, 0
		}
		r.Fetches++
		v.budget(ctx, k, r)
	}
	return v.Fetcher.Fetch(ctx, k, in)
}

// budget warns, once an hour, when 80% of k's share of the hour's budget
// is spent.
func (v *Vault) budget(ctx context.Context, k *Key, r *Record) {
	if r.Fetches*5 < k.PerHour*4 {
		return
	}
	key, hour := k.String()+"#budget", itoa(r.Hour)
	if was, _, _ := v.state().Get(ctx, key); was == hour {
		return
	}
	v.state().Put(ctx, key, hour)
	v.alerted(ctx, k, r)
	v.notify(Event{Kind: EventBudget, Key: k, At: v.Now, Fetches: r.Fetches, Budget: k.PerHour})
}

// store keeps a fetched record. A value already held keeps the expiry it
// was first seen with: WeChat may hand back a ticket that is still valid
// with a fresh expires_in, yet it dies when it was due to. The record is
// written only when something changed: a fetch that brought back the value
// held is not written, even for a budgeted key (a write per cron run would
// spend the free plan's KV writes), and Settings.Keys leaves such fetches
// room in each key's budget.
func (v *Vault) store(ctx context.Context, k *Key, rec Record) {
	old := v.recs[k]
	next := *old
	changed := rec.Value != old.Value
	if changed {
		next.Prev = old.Value
		next.Value, next.ExpiresAt, next.FetchedAt = rec.Value, rec.ExpiresAt, rec.FetchedAt
		if old.AskedAt != 0 {
			// A call since the last value went unanswered: WeChat may have
			// issued this one then, and its life counts from that call.
			next.ExpiresAt = min(rec.ExpiresAt, old.AskedAt+rec.ExpiresAt-rec.FetchedAt)
		}
	} else {
		next.ExpiresAt = min(old.ExpiresAt, rec.ExpiresAt)
	}
	next.Failures, next.NextAttempt, next.AskedAt = 0, 0, 0 // the last error stays, for /healthz
	if old.Alerted != 0 {
		// The operator was told it failed: tell it works.
		next.Alerted, next.AlertAt = 0, v.Now
		v.notify(Event{Kind: EventRecovered, Key: k, At: v.Now, Code: old.Alerted})
	}
	if next == *old {
		v.remember(ctx, k, old) // the budget's count
		return
	}
	if v.keep(ctx, k, old, next) && changed {
		v.log("wxsign: refreshed " + k.String() + ", valid for " + itoa(next.ExpiresAt-v.Now) + " s")
	}
}

// fail remembers a failed fetch in k's record and backs off.
func (v *Vault) fail(ctx context.Context, k *Key, e *core.Error) {
	v.failUntil(ctx, k, e, 0, false, true)
}

// failUntil is fail with the next attempt at next; 0 backs off.
// unanswered is a call WeChat may have handled without its answer
// arriving (a timeout, an HTTP error): when no usable value was held, the
// time is kept (AskedAt) for the value the next fetch brings. own is
// false for a failure that is its token's: the operator hears of it once,
// as the token's.
func (v *Vault) failUntil(ctx context.Context, k *Key, e *core.Error, next int64, unanswered, own bool) {
	r := v.recs[k]
	n := *r
	if unanswered && n.AskedAt == 0 && !r.Usable(v.Now) {
		n.AskedAt = v.Now
	}
	n.Failures++
	n.LastError, n.LastErrCode, n.LastErrorAt = e.Msg, e.Code, v.Now
	n.NextAttempt = v.Now + Backoff(n.Failures)
	if next != 0 {
		n.NextAttempt = next
	}
	if own && n.Alerted != e.Code {
		v.notify(Event{Kind: EventFailing, Key: k, At: v.Now, Code: e.Code, Msg: e.Msg, Changed: n.Alerted != 0})
		n.Alerted, n.AlertAt = e.Code, v.Now
	}
	v.log("wxsign: " + k.String() + ": refresh failed (" + itoa(int64(n.Failures)) + " in a row), next attempt in " +
		itoa(n.NextAttempt-v.Now) + " s: errcode " + itoa(int64(e.Code)) + ": " + e.Msg)
	v.keep(ctx, k, r, n)
}

// keep replaces the record *r with next: in memory always, in KV when
// what other isolates read of it changed (or there is no memory). A failed
// KV write is logged, and the record is still used in memory: nothing
// valid is lost.
func (v *Vault) keep(ctx context.Context, k *Key, r *Record, next Record) bool {
	persist := v.Mem == nil || next.persisted(r) && !k.Kind.Private
	*r = next
	v.remember(ctx, k, r)
	if !persist {
		return true
	}
	err := v.Store.Put(ctx, k.String(), string(r.AppendJSON(nil)))
	v.kvSeen(true, err)
	if err != nil {
		v.log("wxsign: storing " + k.String() + " in KV failed: " + err.Error())
		return false
	}
	v.Wrote++
	return true
}

// remember writes the whole record to the coordinator's memory.
func (v *Vault) remember(ctx context.Context, k *Key, r *Record) {
	if v.Mem != nil {
		v.Mem.Put(ctx, k.String(), string(r.AppendJSON(nil)))
	}
}

func (v *Vault) log(line string) {
	if v.Log != nil {
		v.Log(line)
	}
}

func lastError(r *Record) *core.Error {
	if r.LastErrCode == 0 {
		return core.ErrUpstream
	}
	return &core.Error{Code: r.LastErrCode, Status: 503, Msg: r.LastError}
}

// Describe turns a failed fetch into what the Worker's callers see:
// WeChat's own code and message when WeChat refused, with what to do
// about an IP whitelist; else wxsign's 1052.
func Describe(err error) *core.Error {
	var api *APIError
	if errors.As(err, &api) {
		return &core.Error{Code: api.Code, Status: 503, Msg: "WeChat: " + api.Msg + Hint(api.Code, api.Msg)}
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &core.Error{Code: core.ErrUpstream.Code, Status: 503, Msg: "WeChat did not answer in time"}
	}
	return &core.Error{Code: core.ErrUpstream.Code, Status: 503, Msg: core.ErrUpstream.Msg + ": " + err.Error()}
}

// Hint says what to do about a WeChat refusal that configuration can fix:
// for the IP whitelists, the IP WeChat saw (it is in the errmsg) and the
// two ways out.
func Hint(code int, msg string) string {
	const relay = "add it to the whitelist, or send WeChat calls through a relay with a fixed IP (WECHAT_API_BASE, docs/relay.md)"
	switch code {
	case 40164:
		return " — WeChat saw the IP " + ipIn(msg) + ": " + relay
	case 60020:
		return " — WeCom saw the IP " + ipIn(msg) + ": add it to the app's trusted IPs, or use a relay (WECOM_API_BASE, docs/relay.md)"
	case 89503:
		return " — the account's admin must confirm calls from IP " + ipIn(msg) + " (a relay with a fixed IP needs this only once): " + relay
	}
	return ""
}

// ipIn finds the first IPv4 address in WeChat's errmsg ("invalid ip
// 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist").
func ipIn(msg string) string {
	for _, f := range strings.FieldsFunc(msg, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }) {
		if strings.Count(f, ".") == 3 && !strings.HasPrefix(f, ".") && !strings.HasSuffix(f, ".") && !strings.Contains(f, "..") {
			return f
		}
	}
	return "(not given)"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
