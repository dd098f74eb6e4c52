package coord

import (
	"cmp"
	"context"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat/wire"
)

// OpKind is what a pass asks of its host.
type OpKind uint8

// The I/O a pass asks for. The host answers each with a Result: a read's
// value (OK false for a missing key), a write's error, a call's answer.
const (
	OpDone   OpKind = iota // the pass is over: Op.Answer is its answer
	OpKVGet                // read Op.Key from Workers KV
	OpKVPut                // write Op.Value at Op.Key in Workers KV
	OpMemGet               // read Op.Key from the coordinator's storage
	OpMemPut               // write Op.Value at Op.Key in the coordinator's storage
	OpCall                 // send Op.Call and hand over its answer, within wire.TimeoutMillis and what is left of Op.Budget
	OpLog                  // log Op.Value, a line free of secrets; the result is ignored
)

// Op is one thing a pass needs done.
type Op struct {
	Kind   OpKind
	Key    string
	Value  string
	Call   *wire.Request
	Budget int64 // OpCall: the whole pass's time, milliseconds from its start
	Answer *Answer
}

// Result is the host's answer to an Op. Err is a failed KV or storage
// call, or a call that got no answer (context.DeadlineExceeded when it
// timed out).
type Result struct {
	Value  string
	OK     bool
	Err    error
	Answer wire.Answer
	// At is when a call's answer came, Unix seconds (0: the pass's start).
	// A value's life counts from it: a pass that buys a token first calls
	// for the ticket a second or more after it started.
	At int64
}

// Pass is one coordinator pass as a step function: Start returns its
// first Op, and each Step hands over the result of the last one and
// returns the next, until OpDone. It runs the vault in a coroutine
// (iter.Pull), parked between steps, so that the policy is written as the
// plain calls of cred.Vault; a pass that is never stepped to its end stays
// parked. One pass is not for concurrent use; passes are independent.
type Pass struct {
	r      *runner
	yield  func(Op) bool
	result Result // the host's answer to the Op last yielded
	budget time.Duration

	settings *api.Settings
	now      int64
	target   string
	mem      bool
}

// runner is a coroutine that runs passes one after another, parked
// between them. A coroutine hands over to the pass and back directly,
// where a goroutine and channels go through the scheduler each time; and
// one kept for the next pass spares it starting a goroutine and growing
// its stack, which in a fresh isolate is code compiled for that alone.
type runner struct {
	next func() (Op, bool)
	stop func()
	pass *Pass // the pass it runs when next resumes it from idle
}

// spares are the runners parked between passes, at most maxSpares.
var spares struct {
	sync.Mutex
	idle []*runner
}

const maxSpares = 4

func newRunner() *runner {
	r := &runner{}
	r.next, r.stop = iter.Pull(func(yield func(Op) bool) {
		growStack()
		if !yield(Op{}) { // idle until Start hands over a pass
			return
		}
		for {
			p := r.pass
			p.yield = yield
			if !yield(Op{Kind: OpDone, Answer: p.run()}) {
				return
			}
		}
	})
	r.next() // to its first yield: idle, the stack grown
	return r
}

// Prepare parks a runner for the next pass to take, so that it starts no
// goroutine and grows no stack. A host calls it where that costs no
// request anything: the signer module at start-up.
func Prepare() { release(newRunner()) }

func take() *runner {
	spares.Lock()
	defer spares.Unlock()
	if n := len(spares.idle); n > 0 {
		r := spares.idle[n-1]
		spares.idle = spares.idle[:n-1]
		return r
	}
	return nil
}

func release(r *runner) {
	r.pass = nil
	spares.Lock()
	keep := len(spares.idle) < maxSpares
	if keep {
		spares.idle = append(spares.idle, r)
	}
	spares.Unlock()
	if !keep {
		r.stop()
	}
}

// Start starts a pass of the coordinator at target (its path and query)
// for settings at now (Unix seconds). With mem false, the pass has no
// storage of its own and keeps everything in KV.
func Start(s *api.Settings, now int64, target string, mem bool) (*Pass, Op) {
	p := &Pass{budget: passBudget(target), settings: s, now: now, target: target, mem: mem}
	p.r = take()
	if p.r == nil {
		p.r = newRunner()
	}
	p.r.pass = p
	return p, p.resume()
}

// Step hands over the result of the last Op and returns the next.
func (p *Pass) Step(r Result) Op {
	p.result = r
	return p.resume()
}

func (p *Pass) resume() Op {
	if p.r == nil {
		return Op{Kind: OpDone} // stepped past its end
	}
	op, _ := p.r.next()
	if op.Kind == OpDone {
		release(p.r)
		p.r = nil
	}
	return op
}

// run is the pass itself, in its runner; a panic in it is the pass's
// internal error.
func (p *Pass) run() (a *Answer) {
	defer func() {
		if recover() != nil {
			a = &Answer{}
			p.log("wxsign: panic in the pass at " + pathOf(p.target))
			fail(a, core.ErrInternal, 0)
		}
	}()
	x := &pass{settings: p.settings, log: p.log}
	var memory cred.Store
	if p.mem {
		memory = store{p, OpMemGet, OpMemPut}
	}
	x.vault = Vault(p.settings, p.now, store{p, OpKVGet, OpKVPut}, memory, fetcher{p, weChatBases(p.settings), p.now}, p.log, &x.events)
	return x.serve(context.Background(), p.target)
}

// growStack grows a runner's stack to what a pass needs while it holds
// two frames: grown later, under the vault's, the runtime copies each
// frame (runtime.pcvalue per frame), which alone made V8 compile that
// function with TurboFan in a fresh isolate's first pass.
//
//go:noinline
func growStack() byte {
	var frame [12 << 10]byte
	return frame[stackAt] // keeps the frame: an index the compiler cannot know
}

var stackAt = 1

func (p *Pass) ask(op Op) Result {
	p.yield(op)
	return p.result
}

func (p *Pass) log(line string) { p.ask(Op{Kind: OpLog, Value: line}) }

// store is KV or the coordinator's storage, through the host.
type store struct {
	p        *Pass
	get, put OpKind
}

func (s store) Get(_ context.Context, key string) (string, bool, error) {
	r := s.p.ask(Op{Kind: s.get, Key: key})
	return r.Value, r.OK && r.Err == nil, r.Err
}

func (s store) Put(_ context.Context, key, value string) error {
	return s.p.ask(Op{Kind: s.put, Key: key, Value: value}).Err
}

// fetcher makes WeChat calls through the host.
type fetcher struct {
	p     *Pass
	bases wire.Bases
	now   int64
}

func (f fetcher) Fetch(_ context.Context, k *cred.Key, in cred.Inputs) (cred.Record, error) {
	req := f.bases.Credential(k, in)
	r := f.p.ask(Op{Kind: OpCall, Call: &req, Budget: f.p.budget.Milliseconds()})
	if r.Err != nil {
		return cred.Record{}, &wire.TransportError{Call: req.Call, Err: r.Err}
	}
	raw, err := req.Read(r.Answer)
	if err != nil {
		return cred.Record{}, err
	}
	return wire.Record(k, raw, cmp.Or(r.At, f.now))
}

// ColdPathTimeout bounds an ask that has to fetch from WeChat: the page
// behind it gets a 503 within it, never a hang.
const ColdPathTimeout = 8 * time.Second

// CronTimeout bounds one refresh pass.
const CronTimeout = 20 * time.Second

// passBudget is the time a pass at target may take.
func passBudget(target string) time.Duration {
	if pathOf(target) == cred.RefreshPath {
		return CronTimeout
	}
	return ColdPathTimeout
}

func pathOf(target string) string {
	path, _, _ := strings.Cut(target, "?")
	return path
}

// Host does a pass's I/O directly.
type Host struct {
	Store cred.Store // Workers KV
	Mem   cred.Store // the coordinator's storage; nil keeps everything in KV
	Send  func(ctx context.Context, r *wire.Request) (wire.Answer, error)
	Clock func() int64      // Unix seconds, when a call's answer comes; nil: the pass's start
	Log   func(line string) // nil logs nothing
}

// Run runs a pass at target to its end with h doing its I/O, and returns
// its answer.
func Run(ctx context.Context, s *api.Settings, now int64, target string, h *Host) *Answer {
	ctx, cancel := context.WithTimeout(ctx, passBudget(target))
	defer cancel()
	p, op := Start(s, now, target, h.Mem != nil)
	for op.Kind != OpDone {
		op = p.Step(h.Do(ctx, op))
	}
	return op.Answer
}

// Do does op's I/O and returns its result, as a host hands it to Step.
func (h *Host) Do(ctx context.Context, op Op) Result {
	var r Result
	switch op.Kind {
	case OpKVGet:
		r.Value, r.OK, r.Err = h.Store.Get(ctx, op.Key)
	case OpKVPut:
		r.Err = h.Store.Put(ctx, op.Key, op.Value)
	case OpMemGet:
		r.Value, r.OK, r.Err = h.Mem.Get(ctx, op.Key)
	case OpMemPut:
		r.Err = h.Mem.Put(ctx, op.Key, op.Value)
	case OpCall:
		r.Answer, r.Err = h.Send(ctx, op.Call)
		if h.Clock != nil {
			r.At = h.Clock()
		}
	case OpLog:
		if h.Log != nil {
			h.Log(op.Value)
		}
	}
	return r
}
