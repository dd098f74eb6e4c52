package api

import "github.com/wxsign/wxsign/core"

// errSecretQuery refuses a back-end endpoint's query that does not name
// one account or agent unambiguously.
var errSecretQuery = &core.Error{Code: core.ErrBadRequest.Code, Status: 400,
	Msg: "malformed query: appid and agentid may each be given once, not empty, percent-encoded correctly"}

// SecretQuery reads the query of /token and /ticket (the raw query, as
// sent) with the page endpoints' rules (QueryParam): a key in any
// encoding, a malformed escape anywhere in appid's or agentid's value or
// in any key, either key twice, or either given empty is a 400, never a
// default. net/url would
// drop a malformed pair and so answer for the first account instead of
// the one asked for.
func SecretQuery(query string) (appid, agentid string, err *core.Error) {
	appid, n := QueryParam(query, "appid")
	agentid, m := QueryParam(query, "agentid")
	if n > 1 || m > 1 || n == 1 && appid == "" || m == 1 && agentid == "" {
		return "", "", errSecretQuery
	}
	return appid, agentid, nil
}
