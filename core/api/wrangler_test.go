package api_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core/api"
	"github.com/wxsign/wxsign/core/cred"
)

// TestWranglerPeriods: the periods wrangler.toml sets, which the Worker's
// platform applies, are the ones core counts with: the cron's runs an
// hour (cred.CronPerHour, from [triggers] crons) and the rate limits'
// period (api.RateLimitPeriod, from each [[ratelimits]]'s simple).
func TestWranglerPeriods(t *testing.T) {
	table, runs, limits := "", 0, 0
	toml, err := os.ReadFile("../../wrangler.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(toml), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			table = line
			continue
		}
		switch {
		case table == "[triggers]" && strings.HasPrefix(line, "crons = "):
			for _, cron := range strings.Split(strings.Trim(strings.TrimPrefix(line, "crons = "), "[]"), ",") {
				runs += runsPerHour(t, strings.Trim(strings.TrimSpace(cron), `"`))
			}
		case table == "[[ratelimits]]" && strings.HasPrefix(line, "simple = "):
			_, period, ok := strings.Cut(line, "period = ")
			period, _, _ = strings.Cut(period, " ")
			if p, err := strconv.Atoi(strings.TrimSuffix(period, ",")); !ok || err != nil || p != api.RateLimitPeriod {
				t.Errorf("wrangler.toml: %q: want period = %d (api.RateLimitPeriod)", line, api.RateLimitPeriod)
			}
			limits++
		}
	}
	if runs != cred.CronPerHour {
		t.Errorf("wrangler.toml's crons run %d times an hour, CronPerHour says %d", runs, cred.CronPerHour)
	}
	if limits == 0 {
		t.Error("wrangler.toml has no [[ratelimits]] with a simple period: the read is off")
	}
}

// runsPerHour is how often an hour a cron expression whose fields after
// the minute are all "*" runs: "*/N" every N minutes, a list of minutes
// once each.
func runsPerHour(t *testing.T, cron string) int {
	t.Helper()
	f := strings.Fields(cron)
	if len(f) != 5 || f[1] != "*" || f[2] != "*" || f[3] != "*" || f[4] != "*" {
		t.Errorf("wrangler.toml: cron %q: want every hour of every day; update this test and cred.CronPerHour", cron)
		return 0
	}
	if step, ok := strings.CutPrefix(f[0], "*/"); ok {
		n, err := strconv.Atoi(step)
		if err != nil || n <= 0 || 60%n != 0 {
			t.Errorf("wrangler.toml: cron %q: want a step that divides the hour", cron)
			return 0
		}
		return 60 / n
	}
	for _, m := range strings.Split(f[0], ",") {
		if n, err := strconv.Atoi(m); err != nil || n < 0 || n > 59 {
			t.Errorf("wrangler.toml: cron %q: minute %q is not one this test reads", cron, m)
		}
	}
	return len(strings.Split(f[0], ","))
}
