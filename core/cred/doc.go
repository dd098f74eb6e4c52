// Package cred keeps WeChat's credentials: the table of their kinds (Kind,
// Kinds), the keys the settings call for and the records KV holds (Key,
// Record), the one cache policy a coordinator runs over them (Vault), an
// isolate's view of a record (Held), the alerts the policy decides, and
// the paths and headers of the coordinator's protocol. No code branches on
// a kind: every decision reads the table.
package cred
