package cred

import (
	"iter"
	"strings"

	"github.com/wxsign/wxsign/core"
)

// The coordinator's paths: an isolate asks the coordinator of a key's
// owner (Key.Coordinator) for a usable record at CredentialPath?key=<KV
// key>, and the cron asks each coordinator to refresh what is due at
// RefreshPath?owner=<its name>. An answer says in WakeHeader when to wake
// next and what to ask then: "<Unix seconds> <path>". They are no routes:
// only the Worker reaches a coordinator, and the module hands the entry
// the path with each ask.
//
// The Go program hands the coordinator the alerts a pass decided in
// AlertHeader, one value each: "<receipt key> <id> <URL, base64> <body,
// base64>". The coordinator takes the header off, answers, and then POSTs
// the body to the URL; the webhook's answer goes to its durable storage at
// the receipt key as "<id> <HTTP status> <the answer's start>" (status 0:
// none), which the Vault reads (ReceiptKey).
//
// PlatformPath is where a third-party platform's coordinator answers what
// the module forwards to it whole, request body included: WeChat's pushes
// (PlatformPath+"event"), an authorization's start and end ("authorize",
// "callback") and the list of authorizers ("authorizers").
const (
	CredentialPath = "/__wxsign/credential"
	RefreshPath    = "/__wxsign/refresh"
	PlatformPath   = "/__wxsign/platform/"
	WakeHeader     = "X-Wxsign-Wake"
	AlertHeader    = "X-Wxsign-Alert"
)

// AskPath is where an isolate asks k's coordinator for k's record.
func (k *Key) AskPath() string { return CredentialPath + "?key=" + k.String() }

// RefreshAsk is where the cron and the alarm ask owner's coordinator for
// its refresh pass.
func RefreshAsk(owner string) string { return RefreshPath + "?owner=" + owner }

// AuthorizerList is the kind of the platform's list of the accounts that
// authorized it: its value is their AppIDs, comma-separated. The
// coordinator keeps it in KV, where every isolate reads which appids it
// may sign for; it is no credential, and not in Kinds.
var AuthorizerList = &Kind{Name: "authorizers", Pushed: true, Absent: core.ErrUnknownApp}

// Authorizers are the AppIDs an AuthorizerList value names, in order.
func Authorizers(list string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for id := range strings.SplitSeq(list, ",") {
			if id != "" && !yield(id) {
				return
			}
		}
	}
}

// Listed reports whether list, an AuthorizerList value, names appID.
func Listed(list, appID string) bool {
	for id := range Authorizers(list) {
		if id == appID {
			return true
		}
	}
	return false
}

// ListWith is list with appID added (once) or, when add is false, taken out.
func ListWith(list, appID string, add bool) string {
	var ids []string
	for id := range Authorizers(list) {
		if id != appID {
			ids = append(ids, id)
		}
	}
	if add {
		ids = append(ids, appID)
	}
	return strings.Join(ids, ",")
}
