package main

import (
	"context"
	"time"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/wechat"
	"github.com/wxsign/wxsign/edge/service"
	"github.com/wxsign/wxsign/internal/fakes"
	"github.com/wxsign/wxsign/wechattest"
)

// simulatedDay runs the Worker's real cron code (edge/service) every 10
// minutes for a simulated day against the stand-in on a simulated clock,
// and counts WeChat calls and KV writes — the free plan allows 1,000 KV
// writes a day.
func simulatedDay(r *report) {
	for _, mode := range []string{"stable", "classic"} {
		now := time.Unix(1_800_000_000, 0)
		clock := func() time.Time { return now }
		wc := wechattest.New(appID, secret)
		wc.SetClock(clock)
		store := &fakes.MemStore{}
		settings := api.LoadSettings(func(k string) string {
			return map[string]string{"WECHAT_APPID": appID, "WECHAT_APPSECRET": secret, "WECHAT_TOKEN_MODE": mode}[k]
		})
		svc := &service.Service{Settings: settings, Store: store, Now: clock,
			WeChat: &wechat.Client{BaseURL: "http://stand-in", Doer: wc.Doer(), Now: clock}}
		svc.Cron(context.Background()) // the first run fills the cache
		before := wc.Stats()
		writes := store.Writes()
		for i := 0; i < 144; i++ {
			now = now.Add(10 * time.Minute)
			svc.Cron(context.Background())
		}
		st := wc.Stats()
		calls := st.Token + st.StableToken + st.Ticket - before.Token - before.StableToken - before.Ticket
		r.add("simulated day of cron runs ("+mode+" token): WeChat calls", float64(calls), "calls", "144 runs")
		r.add("simulated day of cron runs ("+mode+" token): KV writes", float64(store.Writes()-writes), "writes", "free plan: 1,000/day")
	}
}
