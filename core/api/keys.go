package api

import (
	"slices"

	"github.com/wxsign/wxsign/core/cred"
)

// Keys is every credential the settings call for, tokens before the
// tickets that need them, in the order of the settings. LoadSettings
// makes the table; Settings made otherwise make it on the first call,
// which must then not race with others.
func (s *Settings) Keys() []*cred.Key {
	if s.keys != nil {
		return s.keys
	}
	token := cred.StableToken
	if s.TokenMode == ModeClassic {
		token = cred.ClassicToken
	}
	var keys []*cred.Key
	add := func(owner, appID, agent, secret string, kinds ...*cred.Kind) {
		var tok *cred.Key
		for _, kind := range kinds {
			if kind.Token == "" {
				tok = cred.NewKey(kind, owner, appID, agent, secret, nil)
				keys = append(keys, tok)
			} else {
				keys = append(keys, cred.NewKey(kind, owner, appID, agent, secret, tok))
			}
		}
	}
	for _, a := range s.Apps {
		add(a.AppID, a.AppID, "", a.Secret, token, cred.JSAPITicket, cred.CardTicket)
	}
	if w := s.WeCom; w != nil {
		for _, a := range w.Agents {
			add(w.CorpID+"/"+a.AgentID, w.CorpID, a.AgentID, a.Secret, cred.WeComToken, cred.WeComCorpTicket, cred.WeComAgentTicket)
		}
	}
	if p := s.Platform; p != nil {
		add(p.AppID, p.AppID, "", p.Secret, cred.ComponentVerifyTicket, cred.ComponentToken)
	}
	cred.Share(keys)
	s.keys = keys
	return keys
}

// AuthorizerListKey is the key of the platform's list of authorizers,
// nil without a platform.
func (s *Settings) AuthorizerListKey() *cred.Key {
	if s.Platform == nil {
		return nil
	}
	if s.listKey == nil {
		s.listKey = cred.NewKey(cred.AuthorizerList, s.Platform.AppID, s.Platform.AppID, "", "", nil)
	}
	return s.listKey
}

// AuthorizerKeys are the keys of an official account that authorized the
// platform: its refresh token, access token and jsapi_ticket; nil without
// a platform. They are not in Keys, since the accounts come and go with
// their authorizations, and each account's are made once, so that every
// pass and request sees one key as one.
func (s *Settings) AuthorizerKeys(appID string) []*cred.Key {
	if s.Platform == nil {
		return nil
	}
	if keys, ok := s.Platform.keys.Load(appID); ok {
		return keys.([]*cred.Key)
	}
	keys, _ := s.Platform.keys.LoadOrStore(appID, cred.NewAuthorizerKeys(appID, s.Key(cred.ComponentToken.Name, s.Platform.AppID)))
	return keys.([]*cred.Key)
}

// Key returns the key of kind for owner (an AppID, or "corp/agent"), nil
// when the settings have none.
func (s *Settings) Key(kind, owner string) *cred.Key {
	for _, k := range s.Keys() {
		if k.Kind.Name == kind && k.Owner == owner {
			return k
		}
	}
	return nil
}

// Alerter is the message builder the settings call for, with every
// secret they hold to keep out of a message.
func (s *Settings) Alerter() cred.Alerter {
	secrets := []string{s.APIKey, s.RelayKey}
	for _, app := range s.Apps {
		secrets = append(secrets, app.Secret)
	}
	if s.WeCom != nil {
		for _, ag := range s.WeCom.Agents {
			secrets = append(secrets, ag.Secret)
		}
	}
	return cred.NewAlerter(s.AlertFormat, s.AlertLang, s.AlertWebhook, secrets...)
}

// CronOwners are the coordinators the cron wakes at now, each once, in
// the table's order: those with a key that is cred.Key.Wanted as rec
// gives it (the record an isolate holds, and whether reading it failed,
// which wakes its coordinator too), and a platform's, whose authorizers'
// keys are not in the table. The rest sleep: their alarms wake them when
// a value dies or a back-off ends.
func (s *Settings) CronOwners(now int64, rec func(*cred.Key) (r cred.Record, unreadable bool)) []string {
	var owners []string
	for _, k := range s.Keys() {
		owner := k.Coordinator()
		if slices.Contains(owners, owner) {
			continue
		}
		r, unreadable := rec(k)
		if unreadable || k.Kind.Pushed || k.Wanted(&r, now, s.RefreshMargin) {
			owners = append(owners, owner)
		}
	}
	return owners
}
