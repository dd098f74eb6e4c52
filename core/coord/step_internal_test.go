package coord

import (
	"testing"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
)

// idle is the number of runners parked between passes.
func idle(t *testing.T) int {
	t.Helper()
	spares.Lock()
	defer spares.Unlock()
	return len(spares.idle)
}

// noSpares ends every parked runner.
func noSpares() {
	spares.Lock()
	old := spares.idle
	spares.idle = nil
	spares.Unlock()
	for _, r := range old {
		r.stop()
	}
}

// TestRunners: a pass runs in a runner parked beforehand when there is
// one, and its runner is parked again when it ends, whatever the pass
// did; no more than maxSpares stay parked.
func TestRunners(t *testing.T) {
	s := api.LoadSettings(func(k string) string {
		return map[string]string{"WECHAT_APPID": "wxrunner00000001", "WECHAT_APPSECRET": "s"}[k]
	})
	credential := cred.CredentialPath + "?key=wxsign:wxrunner00000001:jsapi_ticket"
	tests := []struct {
		name string
		run  func(t *testing.T) *runner // runs passes; returns a runner that must be parked after them
		idle int
	}{
		{"Prepare parks one, a pass takes it and parks it again", func(t *testing.T) *runner {
			Prepare()
			r := spares.idle[0]
			p, op := Start(&s, 1, credential, false)
			if p.r != r || idle(t) != 0 || op.Kind != OpKVGet {
				t.Fatalf("the pass runs in %p, op %d; parked was %p", p.r, op.Kind, r)
			}
			for op.Kind != OpDone {
				op = p.Step(Result{})
			}
			return r
		}, 1},
		{"a pass that ends at once parks the runner it made", func(t *testing.T) *runner {
			p, op := Start(&s, 1, "/nowhere", false)
			if op.Kind != OpDone || op.Answer.Status != 404 || p.r != nil {
				t.Fatalf("op %d, answer %+v", op.Kind, op.Answer)
			}
			return spares.idle[0]
		}, 1},
		{"a pass that panics parks its runner, which runs the next pass", func(t *testing.T) *runner {
			p, op := Start(&s, 1, credential, false)
			r := p.r
			for op.Kind != OpDone {
				op = p.Step(Result{Err: panicky{}})
			}
			if op.Answer.Status != 500 {
				t.Fatalf("the panicking pass answered %d", op.Answer.Status)
			}
			q, op := Start(&s, 1, "/nowhere", false)
			if q.r != nil || op.Answer.Status != 404 {
				t.Fatalf("the next pass answered %d", op.Answer.Status)
			}
			return r
		}, 1},
		{"a pass stepped past its end leaves its runner's next pass alone", func(t *testing.T) *runner {
			p, _ := Start(&s, 1, "/nowhere", false)
			q, op := Start(&s, 1, credential, false)
			if op := p.Step(Result{}); op.Kind != OpDone || op.Answer != nil {
				t.Fatalf("the ended pass stepped to %d", op.Kind)
			}
			if op2 := q.Step(Result{}); op.Kind != OpKVGet || op2.Kind != OpKVGet || op2.Key == op.Key {
				t.Fatalf("the other pass went %d %q, then %d %q", op.Kind, op.Key, op2.Kind, op2.Key)
			}
			r := q.r
			for op.Kind != OpDone {
				op = q.Step(Result{})
			}
			return r
		}, 1},
		{"passes in flight at once each have a runner; maxSpares stay", func(t *testing.T) *runner {
			var ps []*Pass
			for range maxSpares + 2 {
				p, _ := Start(&s, 1, credential, false)
				for _, q := range ps {
					if q.r == p.r {
						t.Fatal("two passes in flight share a runner")
					}
				}
				ps = append(ps, p)
			}
			for _, p := range ps {
				for op := p.Step(Result{}); op.Kind != OpDone; op = p.Step(Result{}) {
				}
			}
			return spares.idle[0]
		}, maxSpares},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noSpares()
			defer noSpares()
			r := tt.run(t)
			if n := idle(t); n != tt.idle {
				t.Fatalf("%d runners parked, want %d", n, tt.idle)
			}
			if r.pass != nil {
				t.Fatal("a parked runner holds its last pass")
			}
			found := false
			for _, s := range spares.idle {
				found = found || s == r
			}
			if !found {
				t.Fatal("the runner is not parked")
			}
		})
	}
}

// panicky is an error whose Error panics, as a bug would.
type panicky struct{}

func (panicky) Error() string { panic("a bug") }
