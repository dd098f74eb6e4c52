// Package host runs the signer module (build/signer.wasm, see wasm/signer)
// with wazero, so that Go programs can embed the very signer the Worker's
// hot path runs — and so that the tests run what ships.
//
// A Signer compiles the module once and keeps a pool of instances: a wazero
// function call is not safe for concurrent use, an instance is cheap to
// keep, and instantiating costs milliseconds. Instances get the real clock
// and crypto/rand, not wazero's deterministic defaults.
package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wxsign/wxsign/core"
)

// ConfigInput is one /config request as the Worker hands it to the module.
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

// SignInput signs a page with a given nonce and timestamp.
type SignInput struct {
	AppID        string
	Ticket       string
	Nonce        string
	Timestamp    int64
	URL          string
	AllowedHosts string
}

// Result is the module's answer.
type Result struct {
	Status     int
	Header     []core.Header
	Body       []byte
	NeedTicket bool // no usable ticket: the caller should fetch one
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
	for _, name := range []string{"wxs_config", "wxs_sign", "wxs_input", "wxs_output", "_initialize"} {
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
	m            api.Module
	config, sign api.Function
	in, out      uint32
	inCap        uint32
	frame        []byte
	stack        [2]uint64
}

func (s *Signer) get(ctx context.Context) (*instance, error) {
	select {
	case in := <-s.pool:
		return in, nil
	default:
	}
	cfg := wazero.NewModuleConfig().
		WithName(""). // anonymous: many instances of one module
		WithStartFunctions("_initialize").
		WithSysWalltime().WithSysNanotime().
		WithRandSource(rand.Reader)
	m, err := s.rt.InstantiateModule(ctx, s.mod, cfg)
	if err != nil {
		return nil, fmt.Errorf("instantiating the signer module: %w", err)
	}
	in := &instance{m: m, config: m.ExportedFunction("wxs_config"), sign: m.ExportedFunction("wxs_sign")}
	call := func(name string) uint32 {
		r, err := m.ExportedFunction(name).Call(ctx)
		if err != nil || len(r) != 1 {
			return 0
		}
		return uint32(r[0])
	}
	in.in, in.out, in.inCap = call("wxs_input"), call("wxs_output"), call("wxs_input_cap")
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

// Config answers a /config request at now (Unix seconds).
func (s *Signer) Config(ctx context.Context, c ConfigInput, now int64) (Result, error) {
	in, err := s.get(ctx)
	if err != nil {
		return Result{}, err
	}
	f := in.frame[:0]
	f = appendField(f, c.Method)
	f = appendField(f, c.URL)
	f = appendField(f, c.ContentType)
	f = appendField(f, c.Origin)
	f = appendField(f, c.Body)
	f = appendField(f, c.Ticket)
	f = appendField(f, c.AppID)
	f = appendField(f, c.AllowedHosts)
	in.frame = appendField(f, c.AllowedOrigins)
	in.stack[1] = uint64(now)
	return s.call(ctx, in, in.config)
}

// Sign signs a page with the given nonce and timestamp.
func (s *Signer) Sign(ctx context.Context, c SignInput) (Result, error) {
	in, err := s.get(ctx)
	if err != nil {
		return Result{}, err
	}
	f := in.frame[:0]
	f = appendField(f, c.AppID)
	f = appendField(f, c.Ticket)
	f = appendField(f, c.Nonce)
	var ts [20]byte
	f = appendField(f, strconv.AppendInt(ts[:0], c.Timestamp, 10))
	f = appendField(f, c.URL)
	in.frame = appendField(f, c.AllowedHosts)
	return s.call(ctx, in, in.sign)
}

func (s *Signer) call(ctx context.Context, in *instance, fn api.Function) (Result, error) {
	if uint32(len(in.frame)) > in.inCap {
		s.put(ctx, in)
		return Result{}, fmt.Errorf("input of %d bytes exceeds the module's %d", len(in.frame), in.inCap)
	}
	mem := in.m.Memory()
	if !mem.Write(in.in, in.frame) {
		in.m.Close(ctx)
		return Result{}, errors.New("input region out of memory range")
	}
	in.stack[0] = uint64(len(in.frame))
	if err := fn.CallWithStack(ctx, in.stack[:]); err != nil {
		in.m.Close(ctx) // a trapped instance is not reused
		return Result{}, fmt.Errorf("signer module: %w", err)
	}
	packed := uint32(in.stack[0])
	out, ok := mem.Read(in.out, packed&0x7fff)
	if !ok {
		in.m.Close(ctx)
		return Result{}, errors.New("output region out of memory range")
	}
	r, err := parse(packed, out)
	s.put(ctx, in)
	return r, err
}

// appendField frames a field as the ABI wants: u32 LE length, then bytes.
func appendField[T string | []byte](dst []byte, f T) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(f)))
	return append(dst, f...)
}

// parse copies the answer out of the module's memory: one copy, of which
// the header strings and the body are views. The header bytes are never
// written again (Body's capacity ends at its length, so an append to it
// copies), which is what makes the strings safe.
func parse(packed uint32, out []byte) (Result, error) {
	r := Result{Status: int(packed >> 16), NeedTicket: packed&(1<<15) != 0}
	i := bytes.Index(out, []byte("\n\n"))
	if i < 0 {
		return r, errors.New("malformed answer from the signer module")
	}
	buf := make([]byte, len(out))
	copy(buf, out)
	head := unsafe.String(unsafe.SliceData(buf), i+1) // each line ends in "\n"
	r.Header = make([]core.Header, 0, strings.Count(head, "\n"))
	for head != "" {
		var line string
		line, head, _ = strings.Cut(head, "\n")
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			return r, errors.New("malformed header from the signer module")
		}
		r.Header = append(r.Header, core.Header{Name: name, Value: value})
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
