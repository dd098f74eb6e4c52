//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall/js"
	"time"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/cron"
	"github.com/syumai/workers/cloudflare/fetch"
	"github.com/syumai/workers/cloudflare/kv"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/edge/service"
)

// main starts the program once per isolate and leaves it running: each
// coordinator pass is an event of syumai/workers' scheduler, whose entry,
// unlike its fetch handler's, can be called any number of times.
func main() {
	svc, err := newService()
	if err != nil {
		fmt.Fprintf(os.Stderr, "wxsign: %v\n", err)
	}
	cron.ScheduleTaskNonBlock(func(ctx context.Context) error {
		runPass(ctx, svc)
		return nil // an error would end the program: every outcome is an answer
	})
	workers.Ready()
	select {}
}

// runPass answers one pass. The event's cron field is "<pass id> <method>
// <path>", made by the entry; the pass's body, its memory and its answer
// go through the entry's bindings under that id, since passes of several
// coordinators share this one program.
func runPass(ctx context.Context, base *service.Service) {
	ev, err := cron.NewEvent(ctx)
	if err != nil {
		return
	}
	id, rest, _ := strings.Cut(ev.Cron, " ")
	method, path, _ := strings.Cut(rest, " ")
	pass := cloudflare.GetBinding("WXSIGN_PASS")
	rec := httptest.NewRecorder()
	if base == nil {
		e := api.Response{}
		e.Fail(nil, core.ErrStorage)
		for _, h := range e.Headers(nil) {
			rec.Header().Set(h.Name, h.Value)
		}
		rec.WriteHeader(e.Status)
		rec.Write(e.Body)
	} else {
		svc := *base
		svc.Mem = passStore{base.Mem, id}
		var body []byte
		if b := pass.Call("body", id); b.Truthy() {
			body = make([]byte, b.Get("length").Int())
			js.CopyBytesToGo(body, b)
		}
		req, err := http.NewRequestWithContext(ctx, method, "https://coordinator.wxsign"+path, bytes.NewReader(body))
		if err != nil {
			rec.WriteHeader(http.StatusBadRequest)
		} else {
			svc.ServeHTTP(rec, req)
		}
	}
	var headers []any
	for name, values := range rec.Header() {
		for _, v := range values {
			headers = append(headers, []any{name, v})
		}
	}
	pass.Call("answer", id, rec.Code, headers, rec.Body.String())
}

func newService() (*service.Service, error) {
	settings := api.LoadSettings(cloudflare.Getenv)
	ns, err := cloudflare.NewKVNamespace("WXSIGN_KV")
	if err != nil {
		return nil, fmt.Errorf("the WXSIGN_KV binding is missing: %w", err)
	}
	mem, err := cloudflare.NewKVNamespace("WXSIGN_MEM")
	if err != nil {
		return nil, fmt.Errorf("the coordinator's memory is missing: %w", err)
	}
	client := &wechat.Client{
		BaseURL:       settings.APIBase,
		WeComBaseURL:  settings.WeComAPIBase,
		RelayKey:      settings.RelayKey,
		WeComRelayKey: settings.WeComRelayKey,
		Doer:          fetchDoer{client()},
	}
	now := func() int64 { return time.Now().Unix() }
	return &service.Service{
		Settings: settings,
		Store:    withFaults(kvStore{ns}, now),
		Mem:      kvStore{mem},
		WeChat:   client,
		Platform: client,
		Logf:     func(format string, a ...any) { fmt.Printf(format+"\n", a...) },
	}, nil
}

// client is a fetch client bound to the entry's WXSIGN_FETCH, which sends
// request bodies with a Content-Length: syumai/workers turns a Go body into
// a stream, which workerd sends chunked, and WeChat's gateway answers a
// chunked body with HTTP 412. Without it (never, from the entry), the real
// global object: workerd refuses a fetch called on syumai's Proxy of it
// ("Illegal invocation").
func client() *fetch.Client {
	if b := cloudflare.GetBinding("WXSIGN_FETCH"); b.Truthy() {
		return fetch.NewClient(fetch.WithBinding(b))
	}
	return fetch.NewClient(fetch.WithBinding(js.Global().Get("globalThis")))
}

// fetchDoer sends requests with the Workers fetch API. It does not build an
// *http.Client: that would double the size of the binary. Workers' fetch
// ignores the context, so the call is raced against it.
type fetchDoer struct{ c *fetch.Client }

func (d fetchDoer) Do(r *http.Request) (*http.Response, error) {
	type result struct {
		res *http.Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := d.c.Do(&fetch.Request{Request: r}, &fetch.RequestInit{Redirect: fetch.RedirectModeManual}) // core/wechat refuses a 3xx
		done <- result{res, err}
	}()
	select {
	case x := <-done:
		return x.res, x.err
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}

// kvStore is Workers KV through syumai/workers. GetString returns the text
// "<null>" for a missing key; that is reported as missing.
type kvStore struct{ ns *kv.Namespace }

func (s kvStore) Get(ctx context.Context, key string) (string, bool, error) {
	v, err := s.ns.GetString(key, nil)
	if err != nil {
		return "", false, err
	}
	if v == "<null>" {
		return "", false, nil
	}
	return v, true, nil
}

func (s kvStore) Put(ctx context.Context, key, value string) error {
	return s.ns.PutString(key, value, nil)
}

// passStore is one pass's view of the coordinators' memory: the entry
// finds the pass's own coordinator by the id before the key.
type passStore struct {
	mem cred.Store
	id  string
}

func (s passStore) Get(ctx context.Context, key string) (string, bool, error) {
	return s.mem.Get(ctx, s.id+" "+key)
}

func (s passStore) Put(ctx context.Context, key, value string) error {
	return s.mem.Put(ctx, s.id+" "+key, value)
}
