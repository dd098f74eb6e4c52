// Package abi is the contract between the signer module (wasm/signer) and
// its hosts (edge/signer.mjs in the Worker, internal/testhost in Go): the names of
// the module's exports, the sizes of its regions and the actions it asks
// of its host. The module and internal/testhost import it; a test holds
// edge/signer.mjs to it.
//
// The host calls _initialize once, then any number of calls. Data moves
// through two fixed regions of linear memory (Go global arrays, so they
// never move):
//
//	wxs_input() u32, wxs_input_cap() u32     the input region, InputCap bytes
//	wxs_output() u32, wxs_output_cap() u32   the output region, OutputCap bytes
//
// The input is a sequence of fields, each a little-endian u32 length
// followed by that many bytes. A field that does not fit is written with
// its full length and none of its bytes, and ends the input: the module
// then refuses the request (414, 431 or 413), never reads a prefix.
//
//	wxs_env_buffer(n u32) u32, wxs_env(n u32) u32
//
// hand over the Worker's environment: fields name, value, name, value…;
// a binding that is not a string is passed as "@name" with an empty
// value. It is larger than the input region may hold (Cloudflare allows
// 128 variables of 5 KB), so the host first asks wxs_env_buffer for a
// buffer of its n bytes, writes the fields there and calls wxs_env(n).
// wxs_env_buffer returns 0 above api.MaxEnvLen; the host then calls
// wxs_env(n) without writing it, and the module, like for any environment
// that did not arrive whole, keeps a problem that refuses every signing
// request (503, errcode 1050, naming it) rather than lose settings. The
// module parses the settings from it (api.LoadSettings) and keeps them;
// the host calls it again only when the environment changes. It writes to
// the output the request header names wxs_serve wants, one per line, and
// returns their number.
//
//	wxs_serve(n u32, now i64) u32
//
// answers a request: fields 0 method, 1 the request URL, then the headers
// wxs_env listed (empty when absent), then the body (at most
// wxs_body_cap() bytes are needed), then the rate-limit verdicts, one
// byte per binding asked, in the order asked ("1" allowed, "0" limited;
// "" before the first); now is Unix seconds.
// It returns status<<16 | length, where length bytes of output hold:
//
//	status ≥ 100   the answer: header lines "Name: Value\n", "\n", the body
//	ActRead        KV keys, one per line: read them and call wxs_record, then wxs_serve again
//	ActForward     "coordinator\npath": send the request (its method, Content-Type and body)
//	               to the named coordinator at path, and answer with the coordinator's answer
//	ActFetch       "key\ncoordinator\npath": GET path from the named coordinator, call
//	               wxs_record for key with its answer, then wxs_serve again
//	ActLimit       "binding\nkey": ask the rate-limit binding, then wxs_serve again with its
//	               verdict appended to the verdicts field
//
//	wxs_record(n u32, now i64)
//
// hands over a record: fields 0 KV key, 1 outcome, 2 value, 3 Retry-After
// seconds. The outcomes are core's (cred.FromKV and the others beside
// it): "kv" (value is what KV holds), "absent" (KV holds nothing),
// "unreadable" (the KV read failed: the record in memory is kept while
// valid), "fetched" (value is the record the coordinator handed), "failed"
// (value is the coordinator's JSON error, shown to callers until
// Retry-After has passed).
//
//	wxs_cron(now i64) u32
//
// is the cron's run at now (Unix seconds). It returns status<<16 | length:
// ActRead with the KV keys to read first (then call wxs_record for each
// and wxs_cron again), or 0 with the coordinators to wake, lines name,
// path, name, path… (GET path from each): those that have a key due or
// failing (api.Settings.CronOwners), none while the settings have a
// problem.
//
//	wxs_pass(n u32, now i64) u32
//
// runs a coordinator's credential pass (package core/coord) in the
// module, so that no cron, alarm or cold path starts a Go runtime:
// fields 0 the pass's id (the host's, unique among its passes in flight),
// 1 the target (the coordinator's path and query) to start a pass, ""
// to step one; then the result of the last thing asked: 2 an error (""
// for none, PassTimeout for a call that timed out, else its message), 3
// a status (PassFound for a read that found its key; a call's HTTP
// status), 4 a value (what was read; a call's answer, of which the module
// reads wire.MaxBody bytes; one too large for the input region is taken
// as no answer). It returns status<<16 | length, as wxs_serve:
//
//	status ≥ 100   the pass's answer, the coordinator's headers (cred.WakeHeader,
//	               cred.AlertHeader) among its header lines
//	PassKVGet      a KV key: read it
//	PassMemGet     a key of the coordinator's storage: read it
//	PassKVPut      "key\nvalue": write it to KV
//	PassMemPut     "key\nvalue": write it to the coordinator's storage
//	PassCall       "method\nURL\n<ms for the call> <ms for the whole pass>\n", header lines,
//	               "\n", the body: send it, following no redirect, with the body's length,
//	               within both times (the pass's counted from its start)
//	PassLog        a line to log
//	PassProgram    a platform's request: the Go program answers it, not a pass
//
// and the host calls wxs_pass again with the pass's id and the result,
// until the answer. A pass never stepped again stays parked in the
// instance; passes in flight are independent of each other and of
// wxs_serve.
//
//	wxs_warm()   runs the hot path once on canned input and a coordinator's pass for a made-up account, and makes ready the coroutine a coordinator's first pass runs in
//
// so that an engine that compiles functions on their first call (V8) does
// so before the first request or pass, and a fresh isolate's first pass
// neither starts a goroutine nor grows a stack. The rehearsed pass's I/O
// is played inside the module: it asks the host for nothing. It draws no
// randomness and leaves nothing a request sees behind: the Worker calls it
// in global scope, where random values are forbidden (the Go runtime then
// seeds its internal generator from the clock; nonces come from random_get
// only when a request is signed).
package abi
