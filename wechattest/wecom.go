package wechattest

import (
	"fmt"
	"net/http"
	"time"
)

// WeCom's ticket budgets, as documented: fetches per hour.
const (
	corpTicketsPerHour  = 400 // corp tickets, per corp
	agentTicketsPerHour = 100 // corp and agent tickets, per agent whose token was used
)

// corp is a WeCom corp with its agents (apps).
type corp struct {
	id      string
	agents  map[string]*owner // by agentid
	fetches []time.Time       // corp-ticket fetches in the last hour
}

// AddCorp makes the stand-in accept a WeCom corp with its agents (agentid
// → secret); called again for the same corp, it adds or changes agents.
// Two agents of a corp may not share a secret: gettoken tells them apart
// by it.
func (s *Server) AddCorp(corpID string, agents map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.corps[corpID]
	if c == nil {
		c = &corp{id: corpID, agents: map[string]*owner{}}
		s.corps[corpID] = c
	}
	for id, secret := range agents {
		if o := c.agents[id]; o != nil {
			o.secret = secret
			continue
		}
		c.agents[id] = &owner{id: corpID, agentID: id, secret: secret, corp: c, tickets: map[string]*ticket{}}
	}
	seen := map[string]string{}
	for id, o := range c.agents {
		if other, dup := seen[o.secret]; dup {
			panic(fmt.Sprintf("wechattest: agents %s and %s of %s share a secret", other, id, corpID))
		}
		seen[o.secret] = id
	}
}

// AgentState is what a WeCom agent was last issued; "" for none yet.
type AgentState struct {
	AccessToken string `json:"access_token"`
	CorpTicket  string `json:"corp_ticket"`
	AgentTicket string `json:"agent_ticket"`
}

// Agent returns the latest token and tickets issued to a WeCom agent, and
// false if the stand-in does not know it.
func (s *Server) Agent(corpID, agentID string) (AgentState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.corps[corpID]
	if c == nil || c.agents[agentID] == nil {
		return AgentState{}, false
	}
	o := c.agents[agentID]
	return AgentState{AccessToken: o.token, CorpTicket: o.latest("corp_jsapi"), AgentTicket: o.latest("agent_config")}, true
}

func (s *Server) wecomToken(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.WeComToken, "token")) {
		return
	}
	q := r.URL.Query()
	corpID, secret := q.Get("corpid"), q.Get("corpsecret")
	s.mu.Lock()
	var o *owner
	c := s.corps[corpID]
	if c != nil {
		for _, a := range c.agents {
			if a.secret == secret {
				o = a
			}
		}
	}
	s.mu.Unlock()
	switch {
	case corpID == "":
		fail(w, r, "no_corpid")
		return
	case c == nil:
		fail(w, r, "bad_corpid")
		return
	case secret == "":
		fail(w, r, "no_corpsecret")
		return
	case o == nil:
		fail(w, r, "bad_corpsecret")
		return
	case !s.ipAllowed(r):
		fail(w, r, "wecom_ip")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	// WeCom hands back the same token while it is valid ("repeated fetches
	// return the same result"), expires_in included, so the expiry it
	// announces again is a lie, as with tickets.
	if cur := o.current; cur.value == "" || !now.Before(cur.expires) || s.tokens[cur.value] == nil {
		o.current = s.issueToken(o, false, now)
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": o.current.value, "expires_in": s.expiresIn})
}

func (s *Server) corpTicket(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.CorpTicket, "ticket")) {
		return
	}
	s.wecomTicket(w, r, "corp_jsapi")
}

func (s *Server) agentTicket(w http.ResponseWriter, r *http.Request) {
	if misbehave(w, r, s.arrive(&s.stats.AgentTicket, "ticket")) {
		return
	}
	s.wecomTicket(w, r, "agent_config")
}

// wecomTicket hands out the token's agent's ticket of a type, within the
// hourly budgets.
func (s *Server) wecomTicket(w http.ResponseWriter, r *http.Request, typ string) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.tokenOwner(w, r, q.Get("access_token"), true)
	if o == nil {
		return
	}
	if typ == "agent_config" && q.Get("type") != "agent_config" {
		fail(w, r, "bad_wecom_type")
		return
	}
	if !s.spend(o, typ == "corp_jsapi") {
		fail(w, r, "wecom_freq_limit")
		return
	}
	t, life := s.ticketFor(o, typ)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": t.value, "expires_in": life})
}

// spend counts a ticket fetch against the agent's and, for a corp ticket,
// the corp's hourly budget, and reports whether both had room. Refused
// fetches count too, the harsher reading; the caller holds s.mu.
func (s *Server) spend(o *owner, corpTicket bool) bool {
	now := s.now()
	since := now.Add(-time.Hour)
	o.fetches = within(o.fetches, since)
	ok := len(o.fetches) < agentTicketsPerHour
	o.fetches = append(o.fetches, now)
	if corpTicket {
		c := o.corp
		c.fetches = within(c.fetches, since)
		ok = ok && len(c.fetches) < corpTicketsPerHour
		c.fetches = append(c.fetches, now)
	}
	return ok
}

// within keeps the times after since.
func within(times []time.Time, since time.Time) []time.Time {
	out := times[:0]
	for _, t := range times {
		if t.After(since) {
			out = append(out, t)
		}
	}
	return out
}
