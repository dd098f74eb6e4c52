//go:build wasip1

package main

import (
	"runtime"
	"strings"
	"testing"
)

// query reads a request URL's query as net/url's RawQuery has it.
func TestQuery(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://w.example.dev/config?url=https%3A%2F%2Fh%2F", "url=https%3A%2F%2Fh%2F"},
		{"https://w.example.dev/config?url=x#frag", "url=x"},
		{"https://w.example.dev/config#frag?url=x", ""},
		{"https://w.example.dev/config", ""},
		{"https://w.example.dev/config?", ""},
		{"https://w.example.dev/config?a=1?b=2#c?d", "a=1?b=2"},
		{"", ""},
	} {
		if got := query(tt.url); got != tt.want {
			t.Errorf("query(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

// FuzzQuery holds query to the plain form: cut at "#", then at "?".
func FuzzQuery(f *testing.F) {
	f.Add("/c?u=1#f?g")
	f.Fuzz(func(t *testing.T, u string) {
		v, _, _ := strings.Cut(u, "#")
		_, want, _ := strings.Cut(v, "?")
		if got := query(u); got != want {
			t.Fatalf("query(%q) = %q, want %q", u, got, want)
		}
	})
}

// path reads a request URL's path as it came, without its query or fragment.
func TestPath(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://w.example.dev/config?url=x", "/config"},
		{"https://w.example.dev/config#x", "/config"},
		{"https://w.example.dev", "/"},
		{"https://w.example.dev/%7Aconfig?x", "/%7Aconfig"},
		{"https://w.example.dev/wecom/config", "/wecom/config"},
	} {
		if got := path(tt.url); got != tt.want {
			t.Errorf("path(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

// TestRehearsePass holds the start-up's rehearsal to a whole pass, both
// WeChat calls answered and the record handed out, so that start-up
// compiles what a fresh coordinator's first pass runs; and to leaving the
// settings as they were and no pass in flight.
func TestRehearsePass(t *testing.T) {
	configure(map[string]string{"WECHAT_APPID": "wxtest", "WECHAT_APPSECRET": "s"})
	if status, calls := rehearsePass(); status != 200 || calls != 2 {
		t.Errorf("the rehearsal ended with %d after %d WeChat calls, want 200 after 2", status, calls)
	}
	if len(passes) != 0 {
		t.Errorf("%d passes left in flight", len(passes))
	}
	if len(settings.Apps) != 1 || settings.Apps[0].AppID != "wxtest" || !settings.OK() {
		t.Errorf("the settings after the rehearsal: %+v, problems %q", settings.Apps, settings.Problems)
	}
}

// TestPrimeAllocator holds primeAllocator to allocating in every size
// class up to 1 KiB, as the runtime counts them: twice, with pointers and
// without, except in the 8-byte class, whose pointer-free objects the
// tiny allocator takes.
func TestPrimeAllocator(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	primeAllocator()
	runtime.ReadMemStats(&after)
	classes := 0
	for i, c := range after.BySize {
		if c.Size == 0 || c.Size > 1<<10 {
			continue
		}
		classes++
		want := uint64(2)
		if c.Size == 8 {
			want = 1
		}
		if got := c.Mallocs - before.BySize[i].Mallocs; got < want {
			t.Errorf("%d allocations in the %d-byte class, want %d", got, c.Size, want)
		}
	}
	if classes == 0 {
		t.Error("runtime.MemStats lists no size class up to 1 KiB")
	}
}
