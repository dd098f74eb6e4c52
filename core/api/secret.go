package api

import (
	"strconv"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
)

// SecretKey is the key a back-end endpoint hands out: for /token (field
// "access_token") the account's token, for /ticket its jsapi_ticket.
// ?appid= picks the official account (the first by default), ?agentid= a
// WeCom agent instead. The query is read as strictly as the page
// endpoints' (SecretQuery): a malformed or repeated parameter is a 400,
// so that no other account's secret is handed out for it.
func (s *Settings) SecretKey(query, field string) (*cred.Key, *core.Error) {
	appID, agent, err := SecretQuery(query)
	if err != nil {
		return nil, err
	}
	kind, owner := cred.JSAPITicket.Name, appID
	switch {
	case agent != "":
		if s.WeCom == nil || appID != "" {
			return nil, core.ErrUnknownApp
		}
		owner = s.WeCom.CorpID + "/" + agent
		kind = cred.WeComCorpTicket.Name
		if field == "access_token" {
			kind = cred.WeComToken.Name
		}
	case field == "access_token":
		kind = cred.StableToken.Name // the token kinds share their name
	}
	if appID == "" && agent == "" && len(s.Apps) > 0 {
		owner = s.Apps[0].AppID
	}
	if k := s.Key(kind, owner); k != nil {
		return k, nil
	}
	return nil, core.ErrUnknownApp
}

// AppendSecret appends the answer of /token or /ticket: the value under
// field, and when it expires.
func AppendSecret(dst []byte, field string, r *cred.Record) []byte {
	dst = append(dst, '{')
	dst = core.AppendJSONString(dst, field)
	dst = append(dst, ':')
	dst = core.AppendJSONString(dst, r.Value)
	dst = append(dst, `,"expires_at":`...)
	dst = strconv.AppendInt(dst, r.ExpiresAt, 10)
	return append(dst, '}')
}
