package core

// DefaultRefreshMargin is how many seconds before expiry a credential is
// refreshed (REFRESH_MARGIN): the cron runs every 10 minutes, so 30 minutes
// leaves it three chances before a ticket runs out.
const DefaultRefreshMargin = 1800

// Refresh applies the cache policy to one record. When old is not due at
// now, it is returned as is and fetch is not called. When it is due, fetch
// is called; its record is returned with changed reporting whether it
// differs from old, so that the caller writes only on change. When fetch
// fails, old is returned with the error: a failed refresh never replaces
// or deletes a record, and the caller may keep using old while it is
// Usable.
func Refresh(old Record, now, margin int64, fetch func() (Record, error)) (rec Record, changed bool, err error) {
	if !old.Due(now, margin) {
		return old, false, nil
	}
	rec, err = fetch()
	if err != nil || rec.Value == "" {
		if err == nil {
			err = ErrUpstream
		}
		return old, false, err
	}
	return rec, rec != old, nil
}

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
