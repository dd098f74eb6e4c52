package testhost_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/tetratelabs/wazero"
	wazeroapi "github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wxsign/wxsign/core"
	wasmabi "github.com/wxsign/wxsign/wasm/abi"
)

// abi is one instance of the module driven through its exports directly,
// as the Worker's JavaScript does, to reach inputs the host never sends.
type abi struct {
	m                   wazeroapi.Module
	in, out             uint32
	inCap, outCap       uint32
	config, env, record wazeroapi.Function
}

func newABI(t testing.TB) *abi {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(testCache))
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	m, err := rt.InstantiateWithConfig(ctx, wasmBytes, wazero.NewModuleConfig().WithStartFunctions(wasmabi.ExportInitialize).
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader))
	if err != nil {
		t.Fatal(err)
	}
	a := abiOf(m)
	if a.inCap != 64<<10 || a.outCap != 16<<10 || a.config == nil || a.env == nil || a.record == nil {
		t.Fatalf("capacities %d %d", a.inCap, a.outCap)
	}
	a.setup(t, "wxapp", "")
	return a
}

// abiOf finds the module's exports and buffers.
func abiOf(m wazeroapi.Module) *abi {
	a := &abi{m: m, config: m.ExportedFunction(wasmabi.ExportServe),
		env: m.ExportedFunction(wasmabi.ExportEnv), record: m.ExportedFunction(wasmabi.ExportRecord)}
	get := func(name string) uint32 {
		r, _ := m.ExportedFunction(name).Call(context.Background())
		return uint32(r[0])
	}
	a.in, a.out, a.inCap, a.outCap = get(wasmabi.ExportInput), get(wasmabi.ExportOutput), get(wasmabi.ExportInputCap), get(wasmabi.ExportOutputCap)
	return a
}

// setup hands the instance the settings of one app and its ticket record.
func (a *abi) setup(t testing.TB, appID, hosts string) {
	t.Helper()
	ctx := context.Background()
	env := frame("WECHAT_APPID", appID, "WECHAT_APPSECRET", "s", "ALLOWED_HOSTS", hosts)
	a.m.Memory().Write(a.in, env)
	if _, err := a.env.Call(ctx, uint64(len(env))); err != nil {
		t.Fatal(err)
	}
}

// hand gives the instance a record, as wxs_record.
func (a *abi) hand(t testing.TB, appID string, rec []byte) {
	t.Helper()
	f := frame("wxsign:"+appID+":jsapi_ticket", "fetched", string(rec), "")
	a.m.Memory().Write(a.in, f)
	if _, err := a.record.Call(context.Background(), uint64(len(f)), uint64(now)); err != nil {
		t.Fatal(err)
	}
}

// request frames a request for wxs_serve: method, URL, the five headers
// (content-type, origin, authorization, cf-connecting-ip, content-length),
// body and rate-limit verdict.
func request(method, url, contentType, origin, body string) []byte {
	return frame(method, url, contentType, origin, "", "", "", body, "")
}

// call writes raw to the input region, calls fn with n (and now for
// wxs_serve) and checks the answer's shape: it never traps, the length
// fits the output region, the headers parse and the body is JSON.
func (a *abi) call(t testing.TB, fn wazeroapi.Function, raw []byte, n uint32) (status int, need bool, body []byte) {
	t.Helper()
	ctx := context.Background()
	if !a.m.Memory().Write(a.in, raw[:min(len(raw), int(a.inCap))]) {
		t.Fatal("write")
	}
	stack := []uint64{uint64(n), now}
	if err := fn.CallWithStack(ctx, stack); err != nil {
		t.Fatalf("trap on %d bytes (n=%d): %v", len(raw), n, err)
	}
	packed := uint32(stack[0])
	length := packed & 0xffff
	if length > a.outCap {
		t.Fatalf("length %d beyond the output region", length)
	}
	out, _ := a.m.Memory().Read(a.out, length)
	head, b, ok := cut(out)
	if !ok || len(head) == 0 {
		t.Fatalf("answer %q has no header block", out)
	}
	if !json.Valid(b) && len(b) != 0 {
		t.Fatalf("body %q is not JSON", b)
	}
	return int(packed >> 16), false, append([]byte(nil), b...)
}

func cut(out []byte) (head, body []byte, ok bool) {
	for i := 0; i+1 < len(out); i++ {
		if out[i] == '\n' && out[i+1] == '\n' {
			return out[:i+1], out[i+2:], true
		}
	}
	return nil, nil, false
}

func frame(fields ...string) []byte {
	var b []byte
	for _, f := range fields {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

func errcode(t testing.TB, body []byte) int {
	var e struct {
		ErrCode int `json:"errcode"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%q: %v", body, err)
	}
	return e.ErrCode
}

// TestABIMalformed: framing errors are answered with 400 JSON, never a trap,
// and a good call afterwards still works.
func TestABIMalformed(t *testing.T) {
	a := newABI(t)
	a.hand(t, "wxapp", record("TICKET", now+3600))
	good := request("GET", "https://w/config?url=https%3A%2F%2Fh.example.com%2F", "", "", "")
	huge := make([]byte, 4)
	binary.LittleEndian.PutUint32(huge, 0xffffffff)
	tests := []struct {
		name string
		fn   wazeroapi.Function
		raw  []byte
		n    uint32
	}{
		{"config: n = 0", a.config, nil, 0},
		{"config: n beyond the region", a.config, good, a.inCap + 1},
		{"config: n = 2^32-1", a.config, good, 0xffffffff},
		{"config: truncated prefix", a.config, good[:2], 2},
		{"config: a field longer than n", a.config, good, uint32(len(good) - 1)},
		{"config: length 2^32-1 for the method", a.config, huge, 4},
		{"config: too few fields", a.config, frame("GET", "https://w/config"), uint32(len(frame("GET", "https://w/config")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, need, body := a.call(t, tt.fn, tt.raw, tt.n)
			if status != 400 || need || errcode(t, body) != core.ErrBadRequest.Code {
				t.Fatalf("%d %v %s, want 400 %d", status, need, body, core.ErrBadRequest.Code)
			}
			if status, _, body := a.call(t, a.config, good, uint32(len(good))); status != 200 {
				t.Fatalf("good call after it: %d %s", status, body)
			}
		})
	}
	// Trailing bytes after the last field are ignored; a full region works.
	full := append(append([]byte(nil), good...), make([]byte, int(a.inCap)-len(good))...)
	if status, _, body := a.call(t, a.config, full, a.inCap); status != 200 {
		t.Fatalf("full region: %d %s", status, body)
	}
}

// TestABIOverflow: a request too large for the input region is refused
// for the field that filled it (414, 431 or 413), never as malformed,
// wherever the region ran out: in a field (the host writes its length
// alone), or between fields, with less than a length's 4 bytes left.
func TestABIOverflow(t *testing.T) {
	a := newABI(t)
	a.hand(t, "wxapp", record("TICKET", now+3600))
	full := int(a.inCap)
	marker := binary.LittleEndian.AppendUint32(nil, 0xffffffff)
	pad := func(prefix []byte, room int) string {
		return "https://w/config?url=x&pad=" + string(make([]byte, room-len(prefix)-4-27))
	}
	head := frame("GET")
	tests := []struct {
		name string
		raw  []byte
		want *core.Error
	}{
		{"URL too large: its length alone", append(append([]byte(nil), head...), marker...), core.ErrURITooLong},
		{"URL fills the region, 2 bytes left", frame("GET", pad(head, full-2)), core.ErrURITooLong},
		{"URL fills the region, 0 bytes left", frame("GET", pad(head, full)), core.ErrURITooLong},
		{"URL fits, origin too large", append(frame("GET", "https://w/config?url=x", ""), marker...), core.ErrHeaderTooLarge},
		{"body fills the region", frame("POST", "https://w/config", "application/json", "", "", "", "", string(make([]byte, full-70))), core.ErrBodyTooLarge},
		{"URL fills it but the rate-limit verdict", append(frame("GET", pad(head, full-4-28), "", "", "", "", "", ""), marker...), core.ErrURITooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.raw) > full {
				t.Fatalf("the test's input is %d bytes, beyond the region", len(tt.raw))
			}
			status, _, body := a.call(t, a.config, tt.raw, uint32(len(tt.raw)))
			if status != tt.want.Status || errcode(t, body) != tt.want.Code {
				t.Fatalf("%d %s, want %d errcode %d", status, body, tt.want.Status, tt.want.Code)
			}
		})
	}
}

// FuzzABI: arbitrary bytes in the input region, any n: an answer, never a
// trap.
func FuzzABI(f *testing.F) {
	f.Add(request("GET", "https://w/config?url=https%3A%2F%2Fh.example.com%2F", "", "", ""), uint32(0))
	f.Add(request("POST", "https://w/config", "application/json", "https://h.example.com", `{"url":"https://h.example.com/"}`), uint32(0))
	f.Add(request("DELETE", "https://w/token", "", "", ""), uint32(0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint32(4))
	a := newABI(f)
	a.hand(f, "wxapp", record("TICKET", now+3600))
	f.Fuzz(func(t *testing.T, raw []byte, n uint32) {
		if n == 0 || n > uint32(len(raw)) && n <= a.inCap {
			n = uint32(len(raw)) // mostly the real length; beyond the region too
		}
		status := a.answerOrAction(t, a.config, raw, n)
		if status != 0 && (status < 200 || status > 599) {
			t.Fatalf("status %d", status)
		}
	})
}

// answerOrAction is call for inputs that may make the module ask for
// something (an action, status < 100) rather than answer: it returns 0
// for an action, else the answer's status, checked as call checks it.
func (a *abi) answerOrAction(t testing.TB, fn wazeroapi.Function, raw []byte, n uint32) int {
	t.Helper()
	if !a.m.Memory().Write(a.in, raw[:min(len(raw), int(a.inCap))]) {
		t.Fatal("write")
	}
	stack := []uint64{uint64(n), now}
	if err := fn.CallWithStack(context.Background(), stack); err != nil {
		t.Fatalf("trap on %d bytes (n=%d): %v", len(raw), n, err)
	}
	if status := int(uint32(stack[0]) >> 16); status < 100 {
		return 0
	}
	status, _, _ := a.call(t, fn, raw, n)
	return status
}
