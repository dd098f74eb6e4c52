package testhost_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
)

// TestEntryInternalError: the Worker's entry answers what the module
// cannot (internalError in edge/entry.mjs, when the module trapped) with
// the answer core makes for core.ErrInternal: its status, its headers and
// its body, byte for byte.
func TestEntryInternalError(t *testing.T) {
	b, err := os.ReadFile("../../edge/entry.mjs")
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	start := strings.Index(js, "\nfunction internalError(")
	end := strings.Index(js[max(start, 0):], "\n}\n")
	if start < 0 || end < 0 {
		t.Fatal("edge/entry.mjs has no function internalError")
	}
	fn := js[start : start+end]
	var want api.Response
	want.Fail(nil, core.ErrInternal)

	_, body, _ := strings.Cut(fn, "new Response('")
	body, _, ok := strings.Cut(body, "'")
	if !ok || body != string(want.Body) {
		t.Errorf("internalError's body is %q, core's %q", body, want.Body)
	}
	if !strings.Contains(fn, "status: "+strconv.Itoa(want.Status)+",") {
		t.Errorf("internalError does not answer with status %d", want.Status)
	}
	headers := want.Headers(nil)
	for _, h := range headers {
		if !strings.Contains(fn, strconv.Quote(h.Name)+": "+strconv.Quote(h.Value)) {
			t.Errorf("internalError does not send %s: %s", h.Name, h.Value)
		}
	}
	if n := strings.Count(fn, `": "`); n != len(headers) {
		t.Errorf("internalError sends %d headers, core %d", n, len(headers))
	}
}

// TestEntryCoordinatorHeaders: the coordinator's own headers, which a pass
// sets and the entry's Durable Object reads and takes off, are cred's.
func TestEntryCoordinatorHeaders(t *testing.T) {
	b, err := os.ReadFile("../../edge/entry.mjs")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"WAKE": cred.WakeHeader, "ALERT": cred.AlertHeader} {
		decl := "\nconst " + name + " = " + strconv.Quote(strings.ToLower(want)) + ";"
		if !strings.Contains(string(b), decl) {
			t.Errorf("edge/entry.mjs does not declare%s", decl)
		}
	}
}
