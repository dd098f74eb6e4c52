package abi

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
)

// Exports are the names of every function the module exports.
var Exports = []string{ExportInitialize, ExportInput, ExportInputCap, ExportOutput, ExportOutputCap, ExportBodyCap,
	ExportEnvBuffer, ExportEnv, ExportServe, ExportRecord, ExportCron, ExportWarm}
