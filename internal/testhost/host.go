package testhost

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tetratelabs/wazero"
	wazeroapi "github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/wasm/abi"
)

// Request is one request as the Worker's entry hands it to the module.
type Request struct {
	Method string
	URL    string            // the absolute request URL
	Header map[string]string // by lower-case name
	Body   []byte
}

// Backend is what the module asks its host for: records in Workers KV,
// a record from the coordinator of its owner, a rate-limit binding.
type Backend interface {
	// Read returns what KV holds at key; ok is false when it holds nothing.
	Read(ctx context.Context, key string) (value string, ok bool, err error)
	// Fetch asks the coordinator of key's owner for a usable record (the
	// Worker asks it at cred.CredentialPath?key=key): status 200 and the
	// record, or an error status, JSON body and Retry-After.
	Fetch(ctx context.Context, key string) (status int, body, retryAfter string)
	// Limit reports whether the binding allows one more request for key.
	Limit(ctx context.Context, binding, key string) bool
}

// ConfigInput is one /config request with the one app's settings and its
// ticket record, for callers that hold the record themselves.
type ConfigInput struct {
	Method         string
	URL            string // the request URL; its query is read
	ContentType    string
	Origin         string
	Body           []byte
	Ticket         []byte // the jsapi_ticket record as stored in KV, nil for none
	AppID          string
	AllowedHosts   string
	AllowedOrigins string
}

// Result is the module's answer.
type Result struct {
	Status     int
	Header     []api.Header
	Body       []byte
	NeedTicket bool // Config: no usable ticket was given; the caller should fetch one
}

// Options tune New.
type Options struct {
	// Cache keeps compiled code between Signers (and, from
	// wazero.NewCompilationCacheWithDir, between processes).
	Cache wazero.CompilationCache
	// PoolSize bounds the idle instances kept; 0 means 2 × GOMAXPROCS.
	PoolSize int
}

// Signer runs the signer module. It is safe for concurrent use.
type Signer struct {
	rt   wazero.Runtime
	mod  wazero.CompiledModule
	pool chan *instance
}

// New compiles the module.
func New(ctx context.Context, wasm []byte, opts *Options) (*Signer, error) {
	if opts == nil {
		opts = &Options{}
	}
	cfg := wazero.NewRuntimeConfig()
	if opts.Cache != nil {
		cfg = cfg.WithCompilationCache(opts.Cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	mod, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("compiling the signer module: %w", err)
	}
	for _, name := range []string{abi.ExportEnv, abi.ExportEnvBuffer, abi.ExportServe, abi.ExportRecord, abi.ExportInput, abi.ExportOutput, abi.ExportInitialize} {
		if _, ok := mod.ExportedFunctions()[name]; !ok {
			rt.Close(ctx)
			return nil, fmt.Errorf("the module does not export %s: not a signer module", name)
		}
	}
	size := opts.PoolSize
	if size <= 0 {
		size = 2 * runtime.GOMAXPROCS(0)
	}
	return &Signer{rt: rt, mod: mod, pool: make(chan *instance, size)}, nil
}

// Close releases the runtime and every instance.
func (s *Signer) Close(ctx context.Context) error { return s.rt.Close(ctx) }

// instance is one module instance with what a call needs, reused.
type instance struct {
	m                    wazeroapi.Module
	serve, record, envFn wazeroapi.Function
	in, out              uint32
	inCap                uint32
	frame                []byte
	stack                [2]uint64
	env                  map[string]string // the environment last handed over
	headers              []string
	ticketKey            string // the first app's jsapi_ticket KV key under env
}

func (s *Signer) get(ctx context.Context) (*instance, error) {
	select {
	case in := <-s.pool:
		return in, nil
	default:
	}
	cfg := wazero.NewModuleConfig().
		WithName(""). // anonymous: many instances of one module
		WithStartFunctions(abi.ExportInitialize).
		WithSysWalltime().WithSysNanotime().
		WithRandSource(rand.Reader)
	m, err := s.rt.InstantiateModule(ctx, s.mod, cfg)
	if err != nil {
		return nil, fmt.Errorf("instantiating the signer module: %w", err)
	}
	in := &instance{m: m, serve: m.ExportedFunction(abi.ExportServe),
		record: m.ExportedFunction(abi.ExportRecord), envFn: m.ExportedFunction(abi.ExportEnv)}
	call := func(name string) uint32 {
		r, err := m.ExportedFunction(name).Call(ctx)
		if err != nil || len(r) != 1 {
			return 0
		}
		return uint32(r[0])
	}
	// Made as the Worker's entry makes one in global scope.
	if _, err := m.ExportedFunction(abi.ExportWarm).Call(ctx); err != nil {
		m.Close(ctx)
		return nil, fmt.Errorf("warming the signer module: %w", err)
	}
	in.in, in.out, in.inCap = call(abi.ExportInput), call(abi.ExportOutput), call(abi.ExportInputCap)
	if in.in == 0 || in.out == 0 || in.inCap == 0 {
		m.Close(ctx)
		return nil, errors.New("the signer module did not report its buffers")
	}
	return in, nil
}

func (s *Signer) put(ctx context.Context, in *instance) {
	select {
	case s.pool <- in:
	default:
		in.m.Close(ctx)
	}
}

// setEnv hands the instance env unless it holds it already.
func (in *instance) setEnv(ctx context.Context, env map[string]string) error {
	if maps.Equal(in.env, env) && in.env != nil {
		return nil
	}
	f := in.frame[:0]
	for _, name := range slices.Sorted(maps.Keys(env)) {
		f = abi.AppendField(f, name)
		f = abi.AppendField(f, env[name])
	}
	in.frame = f
	out, err := in.handEnv(ctx)
	if err != nil {
		return err
	}
	in.headers = strings.Fields(string(out))
	in.ticketKey = ""
	if settings := api.LoadSettings(func(k string) string { return env[k] }); len(settings.Apps) > 0 {
		in.ticketKey = settings.Key(cred.JSAPITicket.Name, settings.Apps[0].AppID).String()
	}
	in.env = maps.Clone(env)
	if in.env == nil {
		in.env = map[string]string{}
	}
	return nil
}

// handEnv hands over the framed environment as the Worker's entry does:
// into a buffer of its size the module makes (wxs_env_buffer), never cut
// to the input region; when the module will not make one, as its size
// alone (the module then signs nothing).
func (in *instance) handEnv(ctx context.Context) ([]byte, error) {
	r, err := in.m.ExportedFunction(abi.ExportEnvBuffer).Call(ctx, uint64(len(in.frame)))
	if err != nil {
		return nil, fmt.Errorf("signer module: %w", err)
	}
	if at := uint32(r[0]); at != 0 && !in.m.Memory().Write(at, in.frame) {
		return nil, errors.New("environment buffer out of memory range")
	}
	in.stack[0] = uint64(len(in.frame))
	if err := in.envFn.CallWithStack(ctx, in.stack[:]); err != nil {
		return nil, fmt.Errorf("signer module: %w", err)
	}
	return in.output()
}

// output is what the last call wrote to the output region.
func (in *instance) output() ([]byte, error) {
	out, ok := in.m.Memory().Read(in.out, uint32(in.stack[0])&0xffff)
	if !ok {
		return nil, errors.New("output region out of memory range")
	}
	return out, nil
}

// invoke runs fn on the framed input and returns the output it wrote
// (packed & 0xffff bytes); packed is left in in.stack[0].
func (in *instance) invoke(ctx context.Context, fn wazeroapi.Function, now int64) ([]byte, error) {
	if uint32(len(in.frame)) > in.inCap {
		return nil, fmt.Errorf("input of %d bytes exceeds the module's %d", len(in.frame), in.inCap)
	}
	mem := in.m.Memory()
	if !mem.Write(in.in, in.frame) {
		return nil, errors.New("input region out of memory range")
	}
	in.stack[0], in.stack[1] = uint64(len(in.frame)), uint64(now)
	if err := fn.CallWithStack(ctx, in.stack[:]); err != nil {
		return nil, fmt.Errorf("signer module: %w", err)
	}
	if fn == in.record {
		return nil, nil
	}
	out, ok := mem.Read(in.out, uint32(in.stack[0])&0xffff)
	if !ok {
		return nil, errors.New("output region out of memory range")
	}
	return out, nil
}

// read reads keys from KV through b and hands each to the instance, as
// the Worker's entry does for ActRead.
func (in *instance) read(ctx context.Context, keys []string, b Backend, now int64) error {
	for _, key := range keys {
		v, ok, err := b.Read(ctx, key)
		outcome := cred.FromKV
		switch {
		case err != nil:
			outcome = cred.Unreadable
		case !ok:
			outcome = cred.Absent
		}
		if err := in.hand(ctx, key, outcome, v, "", now); err != nil {
			return err
		}
	}
	return nil
}

// hand gives the instance a record (wxs_record).
func (in *instance) hand(ctx context.Context, key, outcome, value, retry string, now int64) error {
	f := abi.AppendField(in.frame[:0], key)
	f = abi.AppendField(f, outcome)
	f = abi.AppendField(f, value)
	in.frame = abi.AppendField(f, retry)
	_, err := in.invoke(ctx, in.record, now)
	return err
}

// Serve answers a request at now (Unix seconds) with env as the Worker's
// environment, doing what the module asks of its host through b, as the
// Worker's entry does: the module answers every request itself.
func (s *Signer) Serve(ctx context.Context, env map[string]string, req Request, now int64, b Backend) (Result, error) {
	in, err := s.get(ctx)
	if err != nil {
		return Result{}, err
	}
	r, err := s.serve(ctx, in, env, req, now, b)
	if err != nil {
		in.m.Close(ctx) // a trapped instance is not reused
		return Result{}, err
	}
	s.put(ctx, in)
	return r, nil
}

func (s *Signer) serve(ctx context.Context, in *instance, env map[string]string, req Request, now int64, b Backend) (Result, error) {
	if err := in.setEnv(ctx, env); err != nil {
		return Result{}, err
	}
	limit := ""
	for turn := 0; turn < abi.MaxTurns; turn++ {
		f := abi.AppendField(in.frame[:0], req.Method)
		f = abi.AppendField(f, req.URL)
		for _, h := range in.headers {
			f = abi.AppendField(f, req.Header[h])
		}
		f = abi.AppendField(f, req.Body)
		in.frame = abi.AppendField(f, limit)
		out, err := in.invoke(ctx, in.serve, now)
		if err != nil {
			return Result{}, err
		}
		packed := uint32(in.stack[0])
		text := string(out)
		switch packed >> 16 {
		case abi.ActRead:
			if err := in.read(ctx, strings.Split(text, "\n"), b, now); err != nil {
				return Result{}, err
			}
		case abi.ActFetch:
			text, _, _ = strings.Cut(text, "\n") // the key; the coordinator and path are the Worker's
			status, body, retry := b.Fetch(ctx, text)
			outcome := cred.FromCoord
			if status != 200 {
				outcome = cred.CoordRefuse
			}
			if err := in.hand(ctx, text, outcome, body, retry, now); err != nil {
				return Result{}, err
			}
		case abi.ActLimit:
			binding, key, _ := strings.Cut(text, "\n")
			verdict := "0"
			if b.Limit(ctx, binding, key) {
				verdict = "1"
			}
			limit += verdict // one verdict per binding asked, in order
		default:
			return parse(packed, out)
		}
	}
	return Result{}, errors.New("the signer module asked for too many turns")
}

// Config answers a /config request at now (Unix seconds) with the ticket
// record given, as the one app's: a convenience over Serve for callers
// (tests, benchmarks) that hold the record themselves.
func (s *Signer) Config(ctx context.Context, c ConfigInput, now int64) (Result, error) {
	in, err := s.get(ctx)
	if err != nil {
		return Result{}, err
	}
	r, err := s.config(ctx, in, c, now)
	if err != nil {
		in.m.Close(ctx)
		return Result{}, err
	}
	s.put(ctx, in)
	return r, nil
}

func (s *Signer) config(ctx context.Context, in *instance, c ConfigInput, now int64) (Result, error) {
	env := map[string]string{"WECHAT_APPID": c.AppID, "WECHAT_APPSECRET": "-", "ALLOWED_HOSTS": c.AllowedHosts, "ALLOWED_ORIGINS": c.AllowedOrigins}
	if err := in.setEnv(ctx, env); err != nil {
		return Result{}, err
	}
	b := &recordBackend{}
	key := in.ticketKey
	if key != "" {
		// The record given is the one KV holds, and the one a fetch would get.
		if err := in.hand(ctx, key, cred.FromCoord, string(c.Ticket), "", now); err != nil {
			return Result{}, err
		}
	}
	req := Request{Method: c.Method, URL: c.URL, Body: c.Body,
		Header: map[string]string{"content-type": c.ContentType, "origin": c.Origin}}
	r, err := s.serve(ctx, in, env, req, now, b)
	if err == nil && b.fetched {
		// Forget the refusal, so that the next call sees only its own record.
		r.NeedTicket = true
		err = in.hand(ctx, key, cred.FromCoord, string(c.Ticket), "", now)
	}
	return r, err
}

// recordBackend serves Config: KV holds nothing more than what was handed
// over, and a fetch is recorded, not made.
type recordBackend struct{ fetched bool }

func (b *recordBackend) Read(context.Context, string) (string, bool, error) { return "", false, nil }
func (b *recordBackend) Fetch(context.Context, string) (int, string, string) {
	b.fetched = true
	return noTicket()
}
func (b *recordBackend) Limit(context.Context, string, string) bool { return true }

// noTicket is a coordinator's refusal for want of a ticket, as a Backend's
// Fetch returns it.
func noTicket() (status int, body, retryAfter string) {
	return core.ErrNoTicket.Status, string(core.ErrNoTicket.AppendJSON(nil)), strconv.Itoa(api.RetryAfterSeconds)
}

// parse copies the answer out of the module's memory: one copy, of which
// the header strings and the body are views. The header bytes are never
// written again (Body's capacity ends at its length, so an append to it
// copies), which is what makes the strings safe.
func parse(packed uint32, out []byte) (Result, error) {
	r := Result{Status: int(packed >> 16)}
	i := bytes.Index(out, []byte("\n\n"))
	if i < 0 {
		return r, errors.New("malformed answer from the signer module")
	}
	buf := make([]byte, len(out))
	copy(buf, out)
	head := unsafe.String(unsafe.SliceData(buf), i+1) // each line ends in "\n"
	r.Header = make([]api.Header, 0, strings.Count(head, "\n"))
	for head != "" {
		var line string
		line, head, _ = strings.Cut(head, "\n")
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			return r, errors.New("malformed header from the signer module")
		}
		r.Header = append(r.Header, api.Header{Name: name, Value: value})
	}
	r.Body = buf[i+2 : len(buf) : len(buf)]
	return r, nil
}

// Get returns the value of the first header named name, "" if none.
func (r *Result) Get(name string) string {
	for _, h := range r.Header {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// Records is a Backend over a map of KV keys to records, for callers that
// hold the records themselves: a key it lacks reads as absent, a fetch
// fails with 503, and no rate limit applies.
type Records map[string]string

// Read returns the record at key.
func (r Records) Read(_ context.Context, key string) (string, bool, error) {
	v, ok := r[key]
	return v, ok, nil
}

// Fetch fails: Records holds all there is.
func (r Records) Fetch(context.Context, string) (int, string, string) {
	return noTicket()
}

// Limit allows everything.
func (r Records) Limit(context.Context, string, string) bool { return true }

// HotPath is the request the benchmarks and make bench's instruction count
// make: a GET /config from an allowed origin for a typical article URL,
// with one app's settings.
func HotPath() (env map[string]string, req Request) {
	env = map[string]string{"WECHAT_APPID": "wx0123456789abcdef", "WECHAT_APPSECRET": "-",
		"ALLOWED_HOSTS": "h.example.com,*.example.org", "ALLOWED_ORIGINS": "https://h.example.com"}
	req = Request{Method: "GET",
		URL:    "https://wxsign.example.workers.dev/config?url=" + url.QueryEscape("https://h.example.com/article/2024/11/24?id=123456&from=singlemessage&isappinstalled=0"),
		Header: map[string]string{"origin": "https://h.example.com"}}
	return env, req
}
