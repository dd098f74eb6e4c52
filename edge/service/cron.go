package service

import (
	"context"
	"strings"
	"time"
)

// CronTimeout bounds one cron run.
const CronTimeout = 20 * time.Second

// Cron refreshes what is due: the jsapi_ticket when fewer than
// REFRESH_MARGIN seconds of it remain, and the access_token likewise (a
// stable token only in the window where WeChat renews it, see
// Settings.TokenMargin). It writes to KV only
// what changed and logs one line per refresh. It ignores the back-off of
// the request path: the cron is itself the slow, regular retry. It returns
// an error only for the log; the Worker must not fail the cron event.
func (s *Service) Cron(ctx context.Context) error {
	if !s.Settings.OK() {
		s.logf("wxsign: cron skipped: %s", strings.Join(s.Settings.Problems, "; "))
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, CronTimeout)
	defer cancel()
	st, err := s.load(ctx)
	if err != nil {
		s.logf("wxsign: cron: reading KV failed: %v", err)
		return err
	}
	margin := s.Settings.RefreshMargin
	if st.ticket.Due(st.now, margin) {
		if err := st.refreshTicket(ctx); err != nil {
			return err
		}
	} else if st.token.Due(st.now, s.Settings.TokenMargin()) {
		// Back-end servers use the token too (/token): keep it fresh.
		if _, err := st.Token(ctx, false); err != nil {
			st.fail(ctx, err)
			return err
		}
	}
	if st.wrote == 0 {
		s.logf("wxsign: cron: nothing due (ticket valid for %d s)", st.ticket.ExpiresAt-st.now)
	}
	return nil
}
