package testhost

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/wechat/wire"
	"github.com/wxsign/wxsign/wasm/abi"
)

// errProgram is a request the module hands to the Go program.
var errProgram = errors.New("the module hands this request to the Go program (abi.PassProgram)")

// Pass runs a coordinator pass at target (cred.CredentialPath or
// cred.RefreshPath, with its query) in the module at now, with h doing
// each I/O it asks for, as the Worker's entry does (wxs_pass); h.Mem is
// the coordinator's storage and must be set. The answer carries the
// coordinator's own headers (cred.WakeHeader, cred.AlertHeader).
func (s *Signer) Pass(ctx context.Context, env map[string]string, target string, now int64, h *coord.Host) (Result, error) {
	in, err := s.get(ctx)
	if err != nil {
		return Result{}, err
	}
	if err := in.setEnv(ctx, env); err != nil {
		in.m.Close(ctx)
		return Result{}, err
	}
	r, err := in.runPass(ctx, "1", target, now, h)
	if err != nil {
		in.m.Close(ctx)
		return Result{}, err
	}
	s.put(ctx, in)
	return r, nil
}

// passStep is one pass in flight on an instance, stepped by the caller.
type passStep struct {
	in     *instance
	id     string
	now    int64
	packed uint32
	out    []byte
}

// startPass starts a pass with the host's id on the instance.
func (in *instance) startPass(ctx context.Context, id, target string, now int64) (*passStep, error) {
	p := &passStep{in: in, id: id, now: now}
	return p, p.call(ctx, target, coord.Result{})
}

// call calls wxs_pass with the result of the last op, or to start.
func (p *passStep) call(ctx context.Context, target string, r coord.Result) error {
	errField, status, value := "", "", r.Value
	switch {
	case errors.Is(r.Err, context.DeadlineExceeded):
		errField = abi.PassTimeout
	case r.Err != nil:
		errField = r.Err.Error()
	}
	if r.OK {
		status = abi.PassFound
	}
	if r.Answer.Status != 0 {
		status, value = strconv.Itoa(r.Answer.Status), string(r.Answer.Body)
	}
	f := abi.AppendField(p.in.frame[:0], p.id)
	f = abi.AppendField(f, target)
	f = abi.AppendField(f, errField)
	f = abi.AppendField(f, status)
	p.in.frame = abi.AppendField(f, value)
	fn := p.in.m.ExportedFunction(abi.ExportPass)
	out, err := p.in.invoke(ctx, fn, p.now)
	if err != nil {
		return err
	}
	p.packed, p.out = uint32(p.in.stack[0]), append([]byte(nil), out...)
	return nil
}

// passOps are the module's codes for what a pass asks (abi.PassKVGet and
// the others), as coord's Ops.
var passOps = map[uint32]coord.OpKind{abi.PassKVGet: coord.OpKVGet, abi.PassKVPut: coord.OpKVPut,
	abi.PassMemGet: coord.OpMemGet, abi.PassMemPut: coord.OpMemPut, abi.PassCall: coord.OpCall, abi.PassLog: coord.OpLog}

// do does the op the pass asked for, with h.
func (p *passStep) do(ctx context.Context, h *coord.Host) (coord.Result, error) {
	code := p.packed >> 16
	kind, ok := passOps[code]
	switch {
	case code == abi.PassProgram:
		return coord.Result{}, errProgram
	case !ok:
		return coord.Result{}, fmt.Errorf("the module asked a pass for %d", code)
	}
	text := string(p.out)
	op := coord.Op{Kind: kind, Key: text, Value: text}
	switch kind {
	case coord.OpKVPut, coord.OpMemPut:
		op.Key, op.Value, _ = strings.Cut(text, "\n")
	case coord.OpCall:
		req, err := parseCall(text)
		if err != nil {
			return coord.Result{}, err
		}
		op.Call = req
	}
	r := h.Do(ctx, op)
	if kind == coord.OpCall && r.Err == nil && r.Answer.Status == 0 {
		return r, errors.New("an answer without a status")
	}
	return r, nil
}

// runPass runs a pass to its end.
func (in *instance) runPass(ctx context.Context, id, target string, now int64, h *coord.Host) (Result, error) {
	p, err := in.startPass(ctx, id, target, now)
	if err != nil {
		return Result{}, err
	}
	for turn := 0; p.packed>>16 < 100; turn++ {
		if turn > 1000 {
			return Result{}, errors.New("a pass that does not end")
		}
		r, err := p.do(ctx, h)
		if err != nil {
			return Result{}, err
		}
		if err := p.call(ctx, "", r); err != nil {
			return Result{}, err
		}
	}
	return parse(p.packed, p.out)
}

// parseCall reads a PassCall's text: method, URL, "<per-call ms>
// <pass budget ms>", header lines, a blank line, the body.
func parseCall(text string) (*wire.Request, error) {
	head, body, ok := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	if !ok || len(lines) < 3 {
		return nil, errors.New("malformed call from the signer module")
	}
	r := &wire.Request{Method: lines[0], URL: lines[1]}
	if r.Method != "GET" {
		r.Body = []byte(body)
	}
	for _, l := range lines[3:] {
		name, value, _ := strings.Cut(l, ": ")
		switch name {
		case wire.RelayKeyHeader:
			r.RelayKey = value
		case "Content-Type":
		default:
			return nil, fmt.Errorf("the module sends a header %s", name)
		}
	}
	return r, nil
}

// PassesInTurn runs a pass at each target on one instance, stepping each
// in turn with its own host, as the coordinators in one isolate interleave
// theirs while each awaits its I/O. The answers are in targets' order.
func (s *Signer) PassesInTurn(ctx context.Context, env map[string]string, targets []string, now int64, hosts []*coord.Host) ([]Result, error) {
	in, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	defer in.m.Close(ctx) // an instance with passes left parked is not reused
	if err := in.setEnv(ctx, env); err != nil {
		return nil, err
	}
	steps := make([]*passStep, len(targets))
	for i, target := range targets {
		if steps[i], err = in.startPass(ctx, strconv.Itoa(i+1), target, now); err != nil {
			return nil, err
		}
	}
	out := make([]Result, len(targets))
	for left := len(steps); left > 0; {
		for i, p := range steps {
			if p == nil {
				continue
			}
			if p.packed>>16 >= 100 {
				if out[i], err = parse(p.packed, p.out); err != nil {
					return nil, err
				}
				steps[i] = nil
				left--
				continue
			}
			r, err := p.do(ctx, hosts[i])
			if err != nil {
				return nil, err
			}
			if err := p.call(ctx, "", r); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Cron runs the cron's decision at now (wxs_cron), reading KV through b
// as the Worker's entry does, and returns the coordinators it wakes.
func (s *Signer) Cron(ctx context.Context, env map[string]string, now int64, b Backend) ([]string, error) {
	in, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.setEnv(ctx, env); err != nil {
		in.m.Close(ctx)
		return nil, err
	}
	fn := in.m.ExportedFunction(abi.ExportCron)
	for turn := 0; turn < abi.MaxTurns; turn++ {
		in.stack[0] = uint64(now)
		if err := fn.CallWithStack(ctx, in.stack[:]); err != nil {
			in.m.Close(ctx)
			return nil, fmt.Errorf("signer module: %w", err)
		}
		out, err := in.output()
		if err != nil {
			in.m.Close(ctx)
			return nil, err
		}
		lines := strings.Split(string(out), "\n")
		if len(out) == 0 {
			lines = nil
		}
		if uint32(in.stack[0])>>16 != abi.ActRead {
			s.put(ctx, in)
			var owners []string
			for i := 0; i+1 < len(lines); i += 2 {
				owners = append(owners, lines[i])
			}
			return owners, nil
		}
		if err := in.read(ctx, lines, b, now); err != nil {
			in.m.Close(ctx)
			return nil, err
		}
	}
	in.m.Close(ctx)
	return nil, errors.New("the signer module asked for too many turns")
}
