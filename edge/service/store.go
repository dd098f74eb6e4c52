package service

import (
	"context"
	"encoding/json"
)

// Store is Workers KV as the service uses it. Get reports a missing key as
// ok == false, never as an error or as a special string.
type Store interface {
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	Put(ctx context.Context, key, value string) error
}

// Keys are namespaced by app id so that several apps can share a namespace.
func tokenKey(appID string) string  { return "wxsign:" + appID + ":access_token" }
func ticketKey(appID string) string { return "wxsign:" + appID + ":jsapi_ticket" }
func statusKey(appID string) string { return "wxsign:" + appID + ":status" }

// getJSON reads a JSON value; a missing key leaves v as it is and reports
// false. A value that is not valid JSON reads as missing: a damaged record
// must lead to a refresh, not to an outage.
func getJSON(ctx context.Context, s Store, key string, v any) (bool, error) {
	raw, ok, err := s.Get(ctx, key)
	if err != nil || !ok {
		return false, err
	}
	if json.Unmarshal([]byte(raw), v) != nil {
		return false, nil
	}
	return true, nil
}

func putJSON(ctx context.Context, s Store, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.Put(ctx, key, string(b))
}
