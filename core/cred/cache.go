package cred

// DefaultRefreshMargin is how many seconds before expiry a credential is
// refreshed (REFRESH_MARGIN): the cron runs every 10 minutes, so 30 minutes
// leaves it three chances before a ticket runs out.
const DefaultRefreshMargin = 1800

// Backoff is how long to wait after the n-th failed refresh in a row before
// trying again: 30 s doubling to at most 10 minutes. Whatever the request
// load, WeChat is then called at most a few times a minute while it fails.
func Backoff(failures int) int64 {
	if failures <= 0 {
		return 0
	}
	d := int64(30)
	for i := 1; i < failures && d < 600; i++ {
		d *= 2
	}
	return min(d, 600)
}
