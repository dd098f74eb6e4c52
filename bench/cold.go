package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/wechattest"
)

var coldRounds = flag.Int("cold-rounds", 7, "alternating rounds of the fresh-isolate figures")

// refProbe is the reference's static file: it answers without running the
// reference Worker, as /wxsign.js does for wxsign.
const refProbe = "/ready.txt"

// side is one Worker of the fresh-isolate comparison.
type side struct {
	name, dir, probe string
	state            string // a KV state holding the ticket, copied for every sample
	first, second    []float64
}

// cold times the first /config of a fresh isolate, fairly: for every sample
// wrangler dev starts anew on a KV state filled before it started (with
// `wrangler kv key put --local`, the same record for both Workers), is
// found ready by a static file that does not run the Worker, and gets the
// timed request first. The two Workers alternate which goes first. Then the
// same for wxsign with nothing in KV, where the fetch from WeChat dominates.
func cold(r *report) {
	wc := wechattest.NewServer(appID, secret)
	defer wc.Close()
	vars := benchVars(wc)
	tmp, err := os.MkdirTemp("", "wxsign-cold")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	settings := core.LoadSettings(func(k string) string { return vars[k] })
	key := settings.Key(core.JSAPITicket.Name, appID).String()
	now := time.Now().Unix()
	rec := core.Record{Value: "bench-ticket-" + appID, ExpiresAt: now + 7200, FetchedAt: now}
	recFile := filepath.Join(tmp, "record.json")
	if err := os.WriteFile(recFile, rec.AppendJSON(nil), 0o600); err != nil {
		fatal(err)
	}
	sides := []*side{
		{name: "wxsign", dir: ".", probe: "/wxsign.js"},
		{name: "reference", dir: "bench/reference", probe: refProbe},
	}
	for _, s := range sides {
		s.state = filepath.Join(tmp, s.name+"-kv")
		cmd := exec.Command(abs("node_modules/.bin/wrangler"), "kv", "key", "put", key, "--path", recFile,
			"--binding", "WXSIGN_KV", "--local", "--persist-to", s.state)
		cmd.Dir = s.dir
		cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false", "NO_COLOR=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			fatalf("wrangler kv key put in %s: %v\n%s", s.dir, err, out)
		}
	}
	before := wc.Stats()
	for i := 0; i < *coldRounds; i++ {
		order := []*side{sides[0], sides[1]}
		if i%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, s := range order {
			state := filepath.Join(tmp, fmt.Sprintf("%s-%d", s.name, i))
			if err := os.CopyFS(state, os.DirFS(s.state)); err != nil {
				fatal(err)
			}
			w := startWrangler(s.dir, state, vars, s.probe)
			s.first = append(s.first, ms(timeGet(w.url+page)))
			s.second = append(s.second, ms(timeGet(w.url+page)))
			w.stop()
		}
	}
	if after := wc.Stats(); calls(after) != calls(before) {
		fatalf("a Worker with the ticket in KV called WeChat (%d calls): the fresh-isolate figures would not be what they say", calls(after)-calls(before))
	}
	var empty []float64
	for i := 0; i < *coldRounds; i++ {
		w := startWrangler(".", filepath.Join(tmp, fmt.Sprintf("empty-%d", i)), vars, "/wxsign.js")
		empty = append(empty, ms(timeGet(w.url+page)))
		w.stop()
	}
	note := fmt.Sprintf("median of %d alternating rounds, wrangler dev restarted for each", *coldRounds)
	wx, ref := sides[0], sides[1]
	r.add("wxsign: first /config of a fresh isolate, ticket in KV", medianOf(wx.first), "ms", note)
	r.add("reference: first /config of a fresh isolate, ticket in KV", medianOf(ref.first), "ms", note)
	r.add("fresh isolate, ticket in KV: wxsign / reference", medianOf(wx.first)/medianOf(ref.first), "×", "same run; the goal is ≤ 1.1")
	r.add("wxsign: second /config of that isolate", medianOf(wx.second), "ms", "")
	r.add("reference: second /config of that isolate", medianOf(ref.second), "ms", "")
	r.add("wxsign: first /config of a fresh isolate, nothing in KV", medianOf(empty), "ms", "token + ticket from the stand-in on loopback, then signing")
}

// calls counts the stand-in's token and ticket calls of every kind.
func calls(s wechattest.Stats) int {
	return s.Token + s.StableToken + s.Ticket + s.CardTicket + s.WeComToken + s.CorpTicket + s.AgentTicket
}

// medianOf is the middle value (of an even number, the lower of the middle
// two: no sample is made up).
func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
