package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/wechattest"
)

var coldRounds = flag.Int("cold-rounds", 7, "alternating rounds of the fresh-isolate figures")

// refProbe is the reference's static file: it answers without running the
// reference Worker, as /wxsign.js does for wxsign.
const refProbe = "/ready.txt"

// side is one Worker of a fresh-isolate comparison.
type side struct {
	name, dir     string
	first, second []float64 // ms, one per sample
}

// benchRecord is the ticket both Workers find in KV, as wxsign stores it.
func benchRecord() cred.Record {
	now := time.Now().Unix()
	return cred.Record{Value: "bench-ticket-" + appID, ExpiresAt: now + 7200, FetchedAt: now}
}

// alternate takes *coldRounds samples of every side, the sides taking turns
// going first.
func alternate(sides []*side, sample func(s *side, round int)) {
	for i := 0; i < *coldRounds; i++ {
		order := slices.Clone(sides)
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for _, s := range order {
			sample(s, i)
		}
	}
}

// timeFresh times a fresh Worker's first and second /config at base.
func (s *side) timeFresh(base string) {
	s.first = append(s.first, ms(timeGet(base+page)))
	s.second = append(s.second, ms(timeGet(base+page)))
}

// reportFresh adds wxsign's and the reference's medians and their ratio.
func reportFresh(r *report, where string, wx, ref *side, note string) {
	r.add(where+": wxsign first /config, ticket in KV", medianOf(wx.first), "ms", note)
	r.add(where+": reference first /config, ticket in KV", medianOf(ref.first), "ms", note)
	r.add(where+", fresh isolate: wxsign / reference", medianOf(wx.first)/medianOf(ref.first), "×", "same run; the goal is ≤ 1.1")
	r.add(where+": wxsign second /config", medianOf(wx.second), "ms", "")
	r.add(where+": reference second /config", medianOf(ref.second), "ms", "")
}

// noCalls stops the bench if the Workers, which found the ticket in KV,
// called WeChat: the figures would not be what they say.
func noCalls(wc *wechattest.Server, before wechattest.Stats) {
	if n := wc.Stats().Calls() - before.Calls(); n != 0 {
		fatalf("a Worker with the ticket in KV called WeChat %d times", n)
	}
}

// cold times the first /config of a fresh isolate under wrangler dev,
// fairly: for every sample wrangler dev starts anew on a KV state filled
// before it started (with `wrangler kv key put --local`, the same record
// for both Workers), is found ready by a static file that does not run the
// Worker, and gets the timed request first. Then the same for wxsign with
// nothing in KV, where the fetch from WeChat dominates.
func cold(r *report) {
	wc := wechattest.NewServer(appID, secret)
	defer wc.Close()
	vars := benchVars(wc)
	tmp, err := os.MkdirTemp("", "wxsign-cold")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	settings := api.LoadSettings(func(k string) string { return vars[k] })
	key := settings.Key(cred.JSAPITicket.Name, appID).String()
	rec := benchRecord()
	recFile := filepath.Join(tmp, "record.json")
	if err := os.WriteFile(recFile, rec.AppendJSON(nil), 0o600); err != nil {
		fatal(err)
	}
	wx, ref := &side{name: "wxsign", dir: "."}, &side{name: "reference", dir: "bench/reference"}
	probes := map[*side]string{wx: "/wxsign.js", ref: refProbe}
	kv := map[*side]string{} // a KV state holding the ticket, copied for every sample
	for _, s := range []*side{wx, ref} {
		kv[s] = filepath.Join(tmp, s.name+"-kv")
		cmd := wranglerCmd(s.dir, "kv", "key", "put", key, "--path", recFile, "--binding", "WXSIGN_KV", "--local", "--persist-to", kv[s])
		if out, err := cmd.CombinedOutput(); err != nil {
			fatalf("wrangler kv key put in %s: %v\n%s", s.dir, err, out)
		}
	}
	before := wc.Stats()
	alternate([]*side{wx, ref}, func(s *side, i int) {
		state := filepath.Join(tmp, fmt.Sprintf("%s-%d", s.name, i))
		if err := os.CopyFS(state, os.DirFS(kv[s])); err != nil {
			fatal(err)
		}
		w := startWrangler(s.dir, state, vars, probes[s])
		s.timeFresh(w.url)
		w.stop()
	})
	noCalls(wc, before)
	var empty []float64
	for i := 0; i < *coldRounds; i++ {
		w := startWrangler(".", filepath.Join(tmp, fmt.Sprintf("empty-%d", i)), vars, probes[wx])
		empty = append(empty, ms(timeGet(w.url+page)))
		w.stop()
	}
	reportFresh(r, "wrangler dev", wx, ref, fmt.Sprintf("median of %d alternating rounds, wrangler dev restarted for each", *coldRounds))
	r.add("wrangler dev: wxsign first /config, nothing in KV", medianOf(empty), "ms", "token + ticket from the stand-in on loopback, then signing")
}

// medianOf is the middle value (of an even number, the lower of the middle
// two: no sample is made up).
func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
