package abi

import "encoding/binary"

// The sizes of the module's two regions, in bytes.
const (
	InputCap  = 64 << 10
	OutputCap = 16 << 10
)

// Actions: what wxs_serve asks of its host instead of answering, in the
// status half of its result (any value below 100).
const (
	ActRead    = 1 // read the KV keys named, one per line, and hand each over with wxs_record
	ActForward = 2 // send the request, body included, to the named coordinator at the path, and answer with its answer
	ActFetch   = 3 // ask the named coordinator for a key's record, and hand its answer over
	ActLimit   = 4 // ask the named rate-limit binding, and append its verdict to the request
)

// What wxs_pass asks of its host instead of answering (any value below
// 100): a coordinator pass's I/O.
const (
	PassKVGet  = 1 // read the KV key named, and hand over its value
	PassKVPut  = 2 // write "key\nvalue" to KV, and hand over how it went
	PassMemGet = 3 // read the key named from the coordinator's storage
	PassMemPut = 4 // write "key\nvalue" to the coordinator's storage
	PassCall   = 5 // send the WeChat call described, and hand over its answer
	PassLog    = 6 // log the line, and step on
	// PassProgram is a request no pass answers: the platform's, which the
	// coordinator runs in the Go program (edge/worker) instead.
	PassProgram = 7
)

// The error and status fields a host hands wxs_pass: a call that timed
// out, and a read that found its key.
const (
	PassTimeout = "timeout"
	PassFound   = "1"
)

// MaxTurns bounds the calls of wxs_serve for one request: a request needs
// at most a read, a verdict per rate-limit binding and an ask, so a host
// that counts more has met a bug, not a slow request.
const MaxTurns = 8

// The module's exports, by name; the package documentation says what
// each takes and returns.
const (
	ExportInitialize = "_initialize" // the WASI reactor's start, made by Go's c-shared build mode
	ExportInput      = "wxs_input"
	ExportInputCap   = "wxs_input_cap"
	ExportOutput     = "wxs_output"
	ExportOutputCap  = "wxs_output_cap"
	ExportBodyCap    = "wxs_body_cap"
	ExportEnvBuffer  = "wxs_env_buffer"
	ExportEnv        = "wxs_env"
	ExportServe      = "wxs_serve"
	ExportRecord     = "wxs_record"
	ExportCron       = "wxs_cron"
	ExportWarm       = "wxs_warm"
	ExportPass       = "wxs_pass"
)

// Exports are the names of every function the module exports.
var Exports = []string{ExportInitialize, ExportInput, ExportInputCap, ExportOutput, ExportOutputCap, ExportBodyCap,
	ExportEnvBuffer, ExportEnv, ExportServe, ExportRecord, ExportCron, ExportWarm, ExportPass}

// AppendField frames a field of the input as the module reads it: its
// length, a little-endian u32, then its bytes.
func AppendField[T string | []byte](dst []byte, f T) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(f)))
	return append(dst, f...)
}
