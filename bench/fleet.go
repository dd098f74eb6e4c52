package main

import (
	"fmt"

	"github.com/wxsign/wxsign/fleet"
)

// fleetDay prints issue 25's simulated day (fleet.Goal) before and after
// the coordinators, the same day at one location, and the goals; then
// issue 28's day (fleet.Platform) and its goals.
func fleetDay(r *report) {
	after, single := fleet.Run(fleet.Goal()), fleet.Run(fleet.Single(fleet.Goal()))
	before, inMap := fleet.Run(fleet.Before(fleet.Goal())), fleet.Run(fleet.InMap(fleet.Goal()))
	for _, d := range []*fleet.Report{before, after, single, inMap} {
		fmt.Print("\n" + d.String())
	}
	fmt.Println()
	for _, d := range []struct {
		name string
		r    *fleet.Report
	}{{"before", before}, {"after", after}} {
		p := "fleet " + d.name + ": "
		r.add(p+"KV reads", float64(d.r.KVReads), "/day", "goal ≤ 10,000")
		r.add(p+"KV writes", float64(d.r.KVWrites), "/day", "goal ≤ 150")
		r.add(p+"KV writes to one key in a second", float64(d.r.MaxWritesPerKeySecond), "max", "goal ≤ 1")
		r.add(p+"WeChat calls", float64(d.r.WeChat.Calls()), "/day", "")
		r.add(p+"ticket calls per key per rollover", float64(d.r.MaxTicketCalls), "max", "goal ≤ 2, outside the refusal hours")
		r.add(p+"signatures with a dead ticket", float64(d.r.DeadSignatures), "/day", "goal 0")
		r.add(p+"pages answered 503", float64(d.r.Refused), "/day", fmt.Sprintf("1055: %d", d.r.Refused1055))
		r.add(p+"longest 1055 run at a location", float64(d.r.MaxLongest1055()), "s", fmt.Sprintf("one location: %d s", single.MaxLongest1055()))
	}
	r.add("fleet after: DO requests", float64(after.DORequests), "/day", "free plan: 100,000")
	for _, c := range fleet.Checks(after, single) {
		verdict := "met"
		if !c.OK() {
			verdict = "NOT MET"
		}
		fmt.Printf("  goal %-72s %6d ≤ %-6d %s\n", c.Name, c.Value, c.Limit, verdict)
	}
	platform := fleet.Run(fleet.Platform())
	fmt.Print("\n" + platform.String() + "\n")
	r.add("fleet platform: KV reads", float64(platform.KVReads), "/day", "free plan: 100,000")
	r.add("fleet platform: KV writes", float64(platform.KVWrites), "/day", "free plan: 1,000")
	r.add("fleet platform: DO requests", float64(platform.DORequests), "/day", "free plan: 100,000")
	for _, c := range fleet.PlatformChecks(platform) {
		verdict := "met"
		if !c.OK() {
			verdict = "NOT MET"
		}
		fmt.Printf("  goal %-72s %6d ≤ %-6d %s\n", c.Name, c.Value, c.Limit, verdict)
	}
}
