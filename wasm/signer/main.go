//go:build wasip1

// Command signer is wxsign's core compiled to a WebAssembly reactor, the
// module the Worker's hot path runs and the tests run under wazero:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o build/signer.wasm ./wasm/signer
//
// # ABI
//
// The host calls _initialize once, then any number of calls. Data moves
// through two fixed regions of linear memory (Go global arrays, so they
// never move):
//
//	wxs_input() u32, wxs_input_cap() u32     the input region, 64 KiB
//	wxs_output() u32, wxs_output_cap() u32   the output region, 16 KiB
//
// The input is a sequence of fields, each a little-endian u32 length
// followed by that many bytes.
//
//	wxs_config(n u32, now i64) u32   the hot path: one call per request
//
// reads 9 fields from the first n bytes of the input region: 0 method,
// 1 the request URL as the Worker received it (its query is read here),
// 2 Content-Type, 3 Origin, 4 body (at most 16 KiB + 1 bytes are needed),
// 5 the jsapi_ticket record as stored in KV, JSON {"value","expires_at",
// "fetched_at"} ("" for none), 6 WECHAT_APPID, 7 ALLOWED_HOSTS,
// 8 ALLOWED_ORIGINS; now is Unix seconds. It answers through core's
// App.ServeConfig.
//
//	wxs_sign(n u32) u32   signs with a given nonce and timestamp
//
// reads 6 fields: 0 appid, 1 ticket, 2 nonce, 3 timestamp (decimal), 4 page
// URL, 5 ALLOWED_HOSTS, and answers through core's App.SignPage.
//
//	wxs_warm()   runs the hot path once on canned input
//
// so that an engine that compiles functions on their first call (V8) does
// so before the first request rather than during it. It draws no
// randomness, leaves no state behind and may be called right after
// _initialize, even where the host cannot give randomness yet: the Worker
// starts its instance in global scope, where Workers forbid random values.
// There random_get may fail; the Go runtime then seeds its internal
// generator (map hashing, scheduling) from the clock, while nonces still
// come from random_get, called only when a request is signed. A
// predictable hash seed gives a caller nothing here: no map in the signer
// is filled from request input (JSON bodies decode into a struct).
//
// wxs_config and wxs_sign write the answer to the output region as header
// lines "Name: Value\n", an empty line "\n", then the JSON body, and return
//
//	status<<16 | needTicket<<15 | length
//
// where length is the number of bytes written and needTicket is set when
// the request is acceptable but no usable ticket was given (errcode 1051):
// the Worker then takes its cold path. Malformed input is answered with
// 400 JSON; no input makes the module trap.
package main

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"unsafe"

	"github.com/wxsign/wxsign/core"
)

const (
	inputCap  = 64 << 10
	outputCap = 16 << 10
)

var (
	input  [inputCap]byte
	output [outputCap]byte

	// body holds an answer's body until answer puts it after the header
	// lines, which are known only once the body is made: a global, since
	// a stack array is zeroed on every call. A longer body moves to the
	// heap (and is refused by answer).
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

// The parsed ticket record and settings are kept between calls and parsed
// again only when their bytes change: parsing JSON on every request would
// cost more than signing. So is the ticket's TicketSigner (app.Signer),
// which saves a SHA-1 block per request.
var (
	stateRaw []byte // fields 5–8 of the last wxs_config call, length prefixes included
	ticket   core.Record
	app      core.App
)

//go:wasmexport wxs_config
func wxsConfig(n uint32, now int64) uint32 {
	var f [9][]byte
	end, ok := split(n, f[:])
	if !ok {
		return fail(core.ErrBadRequest)
	}
	// Fields 5–8, the ticket record and the settings, end where the input
	// does: one comparison covers them (each costs a call and a loop in
	// WebAssembly), and a change to either, rare, rebuilds both.
	state := input[end-(4+len(f[5]))-(4+len(f[6]))-(4+len(f[7]))-(4+len(f[8])) : end]
	if !same(state, stateRaw) {
		stateRaw = append(stateRaw[:0], state...)
		ticket = core.Record{}
		if json.Unmarshal(f[5], &ticket) != nil {
			ticket = core.Record{} // unreadable reads as missing: the cold path fetches anew
		}
		app = core.App{AppID: string(f[6]), Hosts: core.ParseAllowlist(string(f[7])), Origins: core.ParseOriginList(string(f[8])),
			Signer: core.NewTicketSigner(ticket.Value)}
	}
	req := core.Request{
		Method:      view(f[0]),
		Query:       query(view(f[1])),
		ContentType: view(f[2]),
		Origin:      view(f[3]),
		Body:        f[4],
	}
	r := app.ServeConfig(body[:0:outputCap], &req, &ticket, now)
	return answer(&r)
}

//go:wasmexport wxs_sign
func wxsSign(n uint32) uint32 {
	var f [6][]byte
	if _, ok := split(n, f[:]); !ok {
		return fail(core.ErrBadRequest)
	}
	ts, err := strconv.ParseInt(string(f[3]), 10, 64)
	if err != nil {
		return fail(core.ErrBadRequest)
	}
	a := core.App{AppID: string(f[0]), Hosts: core.ParseAllowlist(string(f[5]))}
	r := a.SignPage(body[:0:outputCap], string(f[4]), string(f[1]), string(f[2]), ts)
	return answer(&r)
}

//go:wasmexport wxs_warm
func wxsWarm() {
	// What a GET /config touches, on local values: the record's JSON, the
	// settings, the query, the URL rules and the allowlist. The ticket has
	// expired, so ServeConfig stops before drawing a nonce; SignPage then
	// runs the signature (through a TicketSigner, as requests do) and the
	// payload with a given nonce.
	var rec core.Record
	_ = json.Unmarshal([]byte(`{"value":"warm","expires_at":1,"fetched_at":0}`), &rec)
	ticket := strings.Repeat("w", 86) // WeChat's length: SignPage below runs the TicketSigner
	a := core.App{AppID: "wxwarm", Hosts: core.ParseAllowlist("*.example.com"), Origins: core.ParseOriginList("https://h.example.com"),
		Signer: core.NewTicketSigner(ticket)}
	req := core.Request{Method: "GET", Query: query("https://w/config?url=https%3A%2F%2Fh.example.com%2Fa%3Fb%3D1"), Origin: "https://h.example.com"}
	var buf [512]byte
	r := a.ServeConfig(buf[:0], &req, &rec, 2)
	var hb [512]byte
	r.AppendHeaderLines(hb[:0])
	a.SignPage(buf[:0], "https://h.example.com/a?b=1", ticket, "warm", 2)
}

// same reports whether a and b hold the same bytes, as bytes.Equal. It
// runs on every request (the ticket record and settings against those kept)
// and bytes.Equal's WebAssembly body compares a byte per iteration: about
// 6,000 machine instructions here under wazero, 6% of a request. This
// compares 32 bytes per iteration, then the last 8 bytes (overlapping).
func same(a, b []byte) bool {
	n := len(a)
	if n != len(b) {
		return false
	}
	if n < 8 {
		return string(a) == string(b)
	}
	le := binary.LittleEndian
	var diff uint64
	i := 0
	for ; i+32 <= n; i += 32 {
		a, b := a[i:i+32], b[i:i+32]
		// Parenthesized: in Go, | and ^ bind equally, left to right.
		diff |= (le.Uint64(a) ^ le.Uint64(b)) | (le.Uint64(a[8:]) ^ le.Uint64(b[8:])) |
			(le.Uint64(a[16:]) ^ le.Uint64(b[16:])) | (le.Uint64(a[24:]) ^ le.Uint64(b[24:]))
	}
	for ; i+8 <= n; i += 8 {
		diff |= le.Uint64(a[i:]) ^ le.Uint64(b[i:])
	}
	diff |= le.Uint64(a[n-8:]) ^ le.Uint64(b[n-8:])
	return diff == 0
}

// split reads len(f) length-prefixed fields from the first n bytes of the
// input region; the fields alias the region. It returns the offset just
// past the last field (bytes after it, up to n, are ignored).
func split(n uint32, f [][]byte) (end int, ok bool) {
	if n > inputCap {
		return 0, false
	}
	for i := range f {
		if uint64(end)+4 > uint64(n) {
			return 0, false
		}
		l := uint64(binary.LittleEndian.Uint32(input[end:]))
		end += 4
		if l > uint64(n)-uint64(end) {
			return 0, false
		}
		f[i] = input[end : end+int(l) : end+int(l)]
		end += int(l)
	}
	return end, true
}

// view is b as a string without copying. The strings only live for the
// call (core keeps none of them) and the input region is not written
// until the call returns.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// query is the raw query of a request URL, as net/url's RawQuery: what
// follows the first "?" of the part before any "#". strings.IndexByte
// rather than strings.Cut: in WebAssembly each layer of calls between Cut
// and the byte search costs, 900 machine instructions a request in all.
func query(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[i+1:]
	}
	return ""
}

func fail(e *core.Error) uint32 {
	var r core.Response
	r.Fail(body[:0:outputCap], e)
	return answer(&r)
}

// answer writes the header lines and the body (in body, or elsewhere if
// it outgrew it) into the output region and packs the result.
func answer(r *core.Response) uint32 {
	head := r.AppendHeaderLines(output[:0:outputCap])
	size := len(head) + 1 + len(r.Body)
	if size > outputCap {
		r2 := core.Response{}
		r2.Fail(body[:0:outputCap], core.ErrInternal)
		return answer(&r2)
	}
	output[len(head)] = '\n'
	copy(output[len(head)+1:size], r.Body)
	var need uint32
	if r.NeedTicket {
		need = 1 << 15
	}
	return uint32(r.Status)<<16 | need | uint32(size)
}
