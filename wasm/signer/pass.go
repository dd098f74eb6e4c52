//go:build wasip1

package main

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat/wire"
	"github.com/wxsign/wxsign/wasm/abi"
)

// passes are the coordinator passes in flight in this instance, by the
// host's id: each is parked until the host hands over what it asked for.
var passes = map[string]*coord.Pass{}

// passActs are the ABI's codes for what a pass asks.
var passActs = [...]int{
	coord.OpKVGet:  abi.PassKVGet,
	coord.OpKVPut:  abi.PassKVPut,
	coord.OpMemGet: abi.PassMemGet,
	coord.OpMemPut: abi.PassMemPut,
	coord.OpCall:   abi.PassCall,
	coord.OpLog:    abi.PassLog,
}

// errInjected is a KV call the test build fails (WXSIGN_TEST_KV_FAULT).
var errInjected = errors.New("KV call failed (injected)")

// The fields of wxs_pass.
const (
	pID = iota
	pTarget
	pErr
	pStatus
	pValue
	nPassFields
)

//go:wasmexport wxs_pass
func wxsPass(n uint32, now int64) uint32 {
	var f [nPassFields][]byte
	if n > inputCap {
		return passFail(core.ErrBadRequest)
	}
	if _, ok := split(input[:n], f[:]); !ok {
		// Only an answer too large for the input region gets here: the
		// pass is told so, as a call that got no answer.
		f = [nPassFields][]byte{}
		if _, ok := split(input[:n], f[:pErr]); !ok {
			return passFail(core.ErrBadRequest)
		}
		f[pErr] = []byte("the answer is too large")
	}
	id := string(f[pID])
	var op coord.Op
	if target := string(f[pTarget]); strings.HasPrefix(target, cred.PlatformPath) {
		return act(abi.PassProgram)
	} else if target != "" {
		passes[id], op = coord.Start(&settings, now, target, true)
	} else {
		p := passes[id]
		if p == nil {
			return passFail(core.ErrInternal)
		}
		op = p.Step(result(&f, now))
	}
	return passOp(id, op, now)
}

// result is the host's answer to the pass's last Op, which came at now.
func result(f *[nPassFields][]byte, now int64) coord.Result {
	r := coord.Result{At: now}
	switch e := string(f[pErr]); e {
	case "":
	case abi.PassTimeout:
		r.Err = context.DeadlineExceeded
	default:
		r.Err = errors.New(wire.Redact(e))
	}
	status := string(f[pStatus])
	r.OK = status == abi.PassFound
	r.Value = string(f[pValue])
	r.Answer.Status, _ = strconv.Atoi(status)
	r.Answer.Body = []byte(r.Value)
	return r
}

// passOp hands the host the pass's next Op, or its answer. A KV call the
// test build fails is answered here, without the host.
func passOp(id string, op coord.Op, now int64) uint32 {
	p := passes[id]
	for op.Kind == coord.OpKVGet && kvReadFails(now) || op.Kind == coord.OpKVPut && kvWriteFails(now) {
		op = p.Step(coord.Result{Err: errInjected})
	}
	switch op.Kind {
	case coord.OpDone:
		delete(passes, id)
		return passAnswer(op.Answer)
	case coord.OpKVGet, coord.OpMemGet:
		return act(passActs[op.Kind], op.Key)
	case coord.OpLog:
		return act(passActs[op.Kind], op.Value[:min(len(op.Value), outputCap)])
	case coord.OpKVPut, coord.OpMemPut:
		if len(op.Key)+1+len(op.Value) > outputCap {
			return passOp(id, p.Step(coord.Result{Err: errors.New("value too large")}), now)
		}
		return act(passActs[op.Kind], op.Key, op.Value)
	}
	c := op.Call
	out := append(output[:0:outputCap], c.Method...)
	out = append(out, '\n')
	out = append(out, c.URL...)
	out = append(out, '\n')
	out = strconv.AppendInt(out, min(wire.TimeoutMillis, op.Budget), 10)
	out = append(out, ' ')
	out = strconv.AppendInt(out, op.Budget, 10)
	out = append(out, '\n')
	for _, h := range c.Header() {
		out = append(out, h[0]...)
		out = append(out, ": "...)
		out = append(out, h[1]...)
		out = append(out, '\n')
	}
	out = append(out, '\n')
	if len(out)+len(c.Body) > outputCap {
		return passOp(id, p.Step(coord.Result{Err: errors.New("request too large")}), now)
	}
	out = append(out, c.Body...)
	return uint32(passActs[op.Kind])<<16 | uint32(len(out))
}

// passAnswer packs a pass's answer as wxs_serve packs one.
func passAnswer(a *coord.Answer) uint32 {
	out := append(api.AppendHeaderLines(output[:0:outputCap], a.Headers()), '\n')
	if len(out)+len(a.Body) > outputCap {
		return passFail(core.ErrInternal)
	}
	out = append(out, a.Body...)
	return uint32(a.Status)<<16 | uint32(len(out))
}

func passFail(e *core.Error) uint32 {
	a := coord.Answer{}
	a.Fail(nil, e)
	return passAnswer(&a)
}

// rehearsalEnv is the made-up account rehearsePass runs a pass for.
var rehearsalEnv = map[string]string{"WECHAT_APPID": "wxrehearsal", "WECHAT_APPSECRET": "rehearsal"}

// rehearsePass runs a coordinator's pass for a credential with nothing
// stored, through wxsPass as a host drives it, the host's part played
// here: storage and KV hold nothing, each write succeeds, and WeChat
// answers in its documented form. The module's start-up runs it so that
// V8 compiles a pass's code there rather than in a fresh coordinator's
// first pass (RATIONALE.md, "Start-up in global scope"). Nothing is sent,
// stored or logged; the settings are as before, and no pass is left in
// flight. It returns the pass's HTTP status and the calls it made.
func rehearsePass() (status, calls int) {
	saved := settings
	defer func() { settings = saved }()
	settings = api.LoadSettings(func(name string) string { return rehearsalEnv[name] })
	const now = 1 << 30 // any time: nothing is stored
	fields := [nPassFields]string{pID: "rehearsal", pTarget: settings.Key(cred.JSAPITicket.Name, rehearsalEnv["WECHAT_APPID"]).AskPath()}
	for {
		in := input[:0]
		for _, f := range fields {
			in = abi.AppendField(in, f)
		}
		r := wxsPass(uint32(len(in)), now)
		if r>>16 >= 100 {
			return int(r >> 16), calls
		}
		fields = [nPassFields]string{pID: "rehearsal"}
		if r>>16 == abi.PassCall {
			calls++
			fields[pStatus], fields[pValue] = "200", rehearsalAnswer(string(output[:r&0xffff]))
		}
	}
}

// rehearsalAnswer is WeChat's answer to a rehearsed call: a ticket for
// getticket, a token for anything else.
func rehearsalAnswer(call string) string {
	if strings.Contains(call, "/getticket?") {
		return `{"errcode":0,"errmsg":"ok","ticket":"rehearsal","expires_in":7200}`
	}
	return `{"access_token":"rehearsal","expires_in":7200}`
}
