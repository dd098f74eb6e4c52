//go:build wasip1

package main

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unsafe"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/coord"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/pageurl"
	"github.com/wxsign/wxsign/wasm/abi"
)

const (
	inputCap  = abi.InputCap
	outputCap = abi.OutputCap
)

var (
	input  [inputCap]byte
	output [outputCap]byte

	// body holds an answer's body until answer puts it after the header
	// lines, which are known only once the body is made: a global, since
	// a stack array is zeroed on every call.
	body [outputCap]byte
)

func main() {}

//go:wasmexport wxs_input
func wxsInput() uint32 { return uint32(uintptr(unsafe.Pointer(&input[0]))) }

//go:wasmexport wxs_input_cap
func wxsInputCap() uint32 { return inputCap }

//go:wasmexport wxs_output
func wxsOutput() uint32 { return uint32(uintptr(unsafe.Pointer(&output[0]))) }

//go:wasmexport wxs_output_cap
func wxsOutputCap() uint32 { return outputCap }

//go:wasmexport wxs_body_cap
func wxsBodyCap() uint32 { return api.MaxBodyLen + 1 }

// headerNames are the request headers wxs_serve reads, in field order.
var headerNames = [...]string{"content-type", "origin", "authorization", "cf-connecting-ip", "content-length"}

const (
	fMethod = iota
	fURL
	fContentType
	fOrigin
	fAuthorization
	fIP
	fContentLength
	fBody
	fLimit
	nFields
)

// envBuf holds the environment while it is handed over: the host asks
// for it (wxs_env_buffer) the size the environment needs, since the input
// region is smaller than what Cloudflare allows (128 variables of 5 KB).
var envBuf []byte

//go:wasmexport wxs_env_buffer
func wxsEnvBuffer(n uint32) uint32 {
	envBuf = nil
	if n == 0 || n > api.MaxEnvLen {
		return 0 // the host then hands over n without the bytes: refused by wxs_env
	}
	envBuf = make([]byte, n)
	return uint32(uintptr(unsafe.Pointer(&envBuf[0])))
}

//go:wasmexport wxs_env
func wxsEnv(n uint32) uint32 {
	in := input[:min(n, inputCap)]
	if envBuf != nil {
		in = envBuf[:min(int(n), len(envBuf))]
	}
	env, whole := api.ParseEnvFields(in, int(n))
	configure(env)
	if !whole {
		settings.Problems = append([]string{api.EnvCut(int(n))}, settings.Problems...) // first: it explains the rest
	}
	envBuf = nil
	out := output[:0]
	for _, h := range headerNames {
		out = append(out, h...)
		out = append(out, '\n')
	}
	return uint32(len(out))
}

//go:wasmexport wxs_serve
func wxsServe(n uint32, now int64) uint32 {
	if n > inputCap {
		return fail(core.ErrBadRequest)
	}
	var f [nFields][]byte
	_, ok := split(input[:n], f[:])
	if !ok {
		return fail(overflow(n))
	}
	return serve(&f, now)
}

//go:wasmexport wxs_record
func wxsRecord(n uint32, now int64) {
	if n > inputCap {
		return
	}
	var f [4][]byte
	if _, ok := split(input[:n], f[:]); !ok {
		return
	}
	e := entries[string(f[0])]
	if e == nil {
		return
	}
	retry, _ := strconv.ParseInt(string(f[3]), 10, 64)
	e.Hand(string(f[1]), f[2], retry, now)
	if o := string(f[1]); o == cred.FromCoord || o == cred.CoordRefuse {
		coordinated = true
	}
}

// wxsCron has every key read from KV that was not within the minute (the
// run sees what the coordinators wrote since), then names the
// coordinators with something to do.
//
//go:wasmexport wxs_cron
func wxsCron(now int64) uint32 {
	if !settings.OK() {
		return act(0)
	}
	var reads []string
	for _, k := range settings.Keys() {
		switch e := entries[k.String()]; {
		case !e.Stale(now, api.RecordTTL): // read within the minute, by a request or this run
		case kvReadFails(now):
			e.Hand(cred.Unreadable, nil, 0, now)
		default:
			reads = append(reads, k.String())
		}
	}
	if len(reads) > 0 {
		return act(abi.ActRead, reads...)
	}
	var lines []string
	for _, owner := range settings.CronOwners(now, func(k *cred.Key) (cred.Record, bool) {
		h := entries[k.String()]
		return h.Known(), h.ReadFailed()
	}) {
		lines = append(lines, owner, cred.RefreshAsk(owner))
	}
	return act(0, lines...)
}

//go:wasmexport wxs_warm
func wxsWarm() {
	// The coroutine of a coordinator's first pass is made here too (coord.Prepare).
	// What a GET /config touches, on local values: the record, the
	// settings, the query, the URL rules and the allowlist. The ticket has
	// expired, so ServeConfig stops before drawing a nonce; SignPage then
	// runs the signature and the payload with a given nonce.
	rec := cred.ParseRecord(`{"value":"warm","expires_at":1,"fetched_at":0}`)
	ticket := strings.Repeat("w", 86) // WeChat's length
	a := api.App{AppID: "wxwarm", Hosts: pageurl.ParseAllowlist("*.example.com"), Origins: pageurl.ParseOriginList("https://h.example.com")}
	req := api.Request{Method: "GET", Query: query("https://w/config?url=https%3A%2F%2Fh.example.com%2Fa%3Fb%3D1"), Origin: "https://h.example.com"}
	var buf [512]byte
	r := a.ServeConfig(buf[:0], &req, &rec, 2)
	var hb [512]byte
	r.AppendHeaderLines(hb[:0])
	api.Route("GET", "/config")
	a.SignPage(buf[:0], "https://h.example.com/a?b=1", ticket, "warm", 2)
	coord.Prepare()
	rehearsePass()
	tierAllocator()
	primeAllocator()
}

// tierAllocations is how many small objects of each kind tierAllocator
// allocates: enough to spend V8's tiering budget of the allocator's
// functions (its baseline code counts what each call runs), whatever a
// rehearsed pass left of it.
const tierAllocations = 8000

// tierAllocator has V8 compile the allocator with its optimizing compiler
// (TurboFan) at start-up. The rehearsed pass spends most of the allocator's
// tiering budget, so a fresh coordinator's first pass would otherwise spend
// the rest and wait for that compile; and V8 keeps optimized code when an
// isolate starting in the process makes it drop the baseline code.
func tierAllocator() {
	for range tierAllocations {
		primedPtrs = make([]*byte, 2) // with pointers
		primed = make([]byte, 24)     // without, a size class of its own
		primedTiny = make([]byte, 4)  // without, below 16 bytes: the tiny allocator
	}
	primed, primedPtrs, primedTiny = nil, nil, nil
}

// primeAllocator allocates an object of every size class up to 1 KiB (the
// sizes a request allocates), with pointers and without, so that the
// allocator holds a span of each: a fresh isolate's first request then
// allocates on the fast path and does not compile the slow one (the span
// refill) inside it. Classes above 1 KiB cost more heap than they save.
// Each pair is just over the previous class (appending rounds a slice's
// capacity up to its class), so both land in the next one, a pointer
// object's malloc header included.
func primeAllocator() {
	for prev := 0; prev < 1<<10; prev = cap(primed) {
		primed = append([]byte(nil), make([]byte, prev+1)...)
		primedPtrs = make([]*byte, prev/8+1)
	}
	primed, primedPtrs = nil, nil
}

var (
	primedTiny []byte
	primed     []byte
	primedPtrs []*byte
)

// split reads len(f) length-prefixed fields from in; the fields alias it.
// It returns the offset just past the last field, and false when in ends
// before them or a field's length runs past it (a field too large for the
// input region: see overflow).
func split(in []byte, f [][]byte) (end int, ok bool) {
	n := uint64(len(in))
	for i := range f {
		if uint64(end)+4 > n {
			return 0, false
		}
		l := uint64(binary.LittleEndian.Uint32(in[end:]))
		end += 4
		if l > n-uint64(end) {
			return 0, false
		}
		f[i] = in[end : end+int(l) : end+int(l)]
		end += int(l)
	}
	return end, true
}

// overflow names the refusal for a request whose fields did not all fit:
// the field that ran past the input decides. When the input ran out
// between fields (the host had no room left even for the next field's
// length), or only the small rate-limit verdict did not fit, the largest
// field, which filled the region, decides.
func overflow(n uint32) *core.Error {
	end, largest, size := 0, -1, 0
	for i := 0; i < nFields; i++ {
		if end+4 > int(n) {
			if int(n)+4 > inputCap && largest >= 0 { // the region is full
				return tooLarge(largest)
			}
			break
		}
		l := int(binary.LittleEndian.Uint32(input[end:]))
		end += 4
		if l > int(n)-end {
			if i == fLimit && largest >= 0 {
				return tooLarge(largest)
			}
			return tooLarge(i)
		}
		if l > size {
			largest, size = i, l
		}
		end += l
	}
	return core.ErrBadRequest
}

// tooLarge is the refusal of a request whose field i did not fit.
func tooLarge(i int) *core.Error {
	switch {
	case i == fURL:
		return core.ErrURITooLong
	case i == fBody:
		return core.ErrBodyTooLarge
	case i > fURL && i < fBody:
		return core.ErrHeaderTooLarge
	}
	return core.ErrBadRequest
}

// view is b as a string without copying. The strings live only for the
// call unless copied (the module keeps none of them), and the input
// region is not written until the call returns.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// query is the raw query of a request URL, as net/url's RawQuery: what
// follows the first "?" of the part before any "#". strings.IndexByte
// rather than strings.Cut: each layer of calls costs in WebAssembly.
func query(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[i+1:]
	}
	return ""
}

// path is the path of an absolute request URL, as it came (not decoded).
func path(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		} else {
			return "/"
		}
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

func fail(e *core.Error) uint32 {
	var r api.Response
	r.Fail(body[:0:outputCap], e)
	return answer(&r)
}

// act returns an action with its text in the output region.
func act(action int, text ...string) uint32 {
	out := output[:0]
	for i, t := range text {
		if i > 0 {
			out = append(out, '\n')
		}
		out = append(out, t...)
	}
	return uint32(action)<<16 | uint32(len(out))
}

// answer writes the header lines and the body (in body, or elsewhere if
// it outgrew it) into the output region and packs the result.
func answer(r *api.Response) uint32 {
	head := r.AppendHeaderLines(output[:0:outputCap])
	size := len(head) + 1 + len(r.Body)
	if size > outputCap {
		r2 := api.Response{}
		r2.Fail(body[:0:outputCap], core.ErrInternal)
		return answer(&r2)
	}
	output[len(head)] = '\n'
	copy(output[len(head)+1:size], r.Body)
	return uint32(r.Status)<<16 | uint32(size)
}
