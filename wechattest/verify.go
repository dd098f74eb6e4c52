package wechattest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxSkew is how far a signed timestamp may be from the stand-in's clock;
// WeChat's tolerance is not documented, so this is a harsh guess.
const maxSkew = 10 * time.Minute

// JSAPISignature is the signature of wx.config, wx.agentConfig and
// ww.register, computed here with fmt and crypto/sha1, independently of
// wxsign: SHA1 of "jsapi_ticket=T&noncestr=N&timestamp=S&url=U" in hex.
func JSAPISignature(ticket, nonce, timestamp, url string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%s&url=%s", ticket, nonce, timestamp, url)))
	return hex.EncodeToString(sum[:])
}

// CardSignature is the signature of a cardExt and the cardSign of
// chooseCard: SHA1 of the values sorted as byte strings and concatenated,
// in hex; empty values contribute nothing.
func CardSignature(values ...string) string {
	v := slices.Clone(values)
	slices.Sort(v)
	sum := sha1.Sum([]byte(strings.Join(v, "")))
	return hex.EncodeToString(sum[:])
}

// Signed is a signature to check as WeChat would, with the fields a page
// hands to WeChat. Kind is one of
//
//	jsapi        wx.config:       appid, url, timestamp, nonceStr, signature
//	corp         WeCom wx.config: corpid (agentid: only that agent's corp ticket), url, timestamp, nonceStr, signature
//	agent        wx.agentConfig:  corpid, agentid, url, timestamp, nonceStr, signature
//	card_ext     addCard cardExt: appid, card_id, code, openid, timestamp, nonce_str, signature
//	card_choose  chooseCard:      appid, shop_id, card_type, card_id, timestamp, nonce_str, card_sign
type Signed struct {
	Kind      string      `json:"kind"`
	AppID     string      `json:"appid,omitempty"`
	CorpID    string      `json:"corpid,omitempty"`
	AgentID   json.Number `json:"agentid,omitempty"` // a number or a string
	URL       string      `json:"url,omitempty"`
	Timestamp json.Number `json:"timestamp"` // a number or a string of whole seconds
	NonceStr  string      `json:"nonceStr,omitempty"`
	Signature string      `json:"signature,omitempty"`
	CardID    string      `json:"card_id,omitempty"`
	Code      string      `json:"code,omitempty"`
	OpenID    string      `json:"openid,omitempty"`
	CardNonce string      `json:"nonce_str,omitempty"`
	ShopID    string      `json:"shop_id,omitempty"`
	CardType  string      `json:"card_type,omitempty"`
	CardSign  string      `json:"card_sign,omitempty"`
}

// Verdict is the answer of Verify: Reason says why not when OK is false.
type Verdict struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
}

func refuse(format string, a ...any) Verdict { return Verdict{Reason: fmt.Sprintf(format, a...)} }

// Verify checks a signature as WeChat would: with a ticket of its owner
// that is valid now at the stand-in, a timestamp within 10 minutes of the
// stand-in's clock and, for pages, an absolute http(s) URL without '#'.
func (s *Server) Verify(v Signed) Verdict {
	s.mu.Lock()
	defer s.mu.Unlock()
	owners, typ, bad := s.signers(v)
	if bad != "" {
		return Verdict{Reason: bad}
	}
	ts := string(v.Timestamp)
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != ts {
		return refuse("timestamp %q is not whole seconds", ts)
	}
	now := s.now()
	if d := time.Unix(n, 0).Sub(now); d > maxSkew || d < -maxSkew {
		return refuse("timestamp %d is %v from the stand-in's clock, more than %v", n, d, maxSkew)
	}
	var sign func(ticket string) string
	got := v.Signature
	switch v.Kind {
	case "jsapi", "corp", "agent":
		switch {
		case v.URL == "":
			return refuse("url missing")
		case strings.Contains(v.URL, "#"):
			return refuse("url %q has a '#': WeChat signs the page URL without the fragment", v.URL)
		case !strings.HasPrefix(v.URL, "http://") && !strings.HasPrefix(v.URL, "https://"):
			return refuse("url %q is not an absolute http(s) URL", v.URL)
		case v.NonceStr == "":
			return refuse("nonceStr missing")
		}
		sign = func(t string) string { return JSAPISignature(t, v.NonceStr, ts, v.URL) }
	case "card_ext":
		if v.CardID == "" {
			return refuse("card_id missing")
		}
		sign = func(t string) string { return CardSignature(t, ts, v.CardID, v.Code, v.OpenID, v.CardNonce) }
	case "card_choose":
		got = v.CardSign
		sign = func(t string) string {
			return CardSignature(t, v.AppID, v.ShopID, ts, v.CardNonce, v.CardID, v.CardType)
		}
	}
	if got == "" {
		return refuse("signature missing")
	}
	live := 0
	for _, t := range s.tickets {
		if t.typ != typ || !slices.Contains(owners, t.owner) {
			continue
		}
		valid := now.Before(t.expires)
		if valid {
			live++
		}
		if sign(t.value) == got {
			if valid {
				return Verdict{OK: true}
			}
			// The stale-cache bug: a ticket kept past its first expiry.
			return refuse("signed with a %s ticket issued at %d that died at %d", typ, t.issued.Unix(), t.expires.Unix())
		}
	}
	who := owners[0].name()
	if len(owners) > 1 {
		who = owners[0].id // a corp's agents
	}
	if live == 0 {
		return refuse("no %s ticket of %s is valid now", typ, who)
	}
	return refuse("signature %s does not match the valid %s ticket of %s", got, typ, who)
}

// signers finds whose tickets of which type may sign v, or why none can;
// the caller holds s.mu.
func (s *Server) signers(v Signed) ([]*owner, string, string) {
	switch v.Kind {
	case "jsapi", "card_ext", "card_choose":
		o := s.apps[v.AppID]
		if o == nil {
			return nil, "", fmt.Sprintf("unknown appid %q", v.AppID)
		}
		if v.Kind == "jsapi" {
			return []*owner{o}, "jsapi", ""
		}
		return []*owner{o}, "wx_card", ""
	case "corp", "agent":
		c := s.corps[v.CorpID]
		if c == nil {
			return nil, "", fmt.Sprintf("unknown corpid %q", v.CorpID)
		}
		typ := "agent_config"
		if v.Kind == "corp" {
			typ = "corp_jsapi"
			if v.AgentID == "" {
				var all []*owner
				for _, o := range c.agents {
					all = append(all, o)
				}
				if len(all) == 0 {
					return nil, "", fmt.Sprintf("corp %s has no agents", c.id)
				}
				return all, typ, ""
			}
		}
		o := c.agents[string(v.AgentID)]
		if o == nil {
			return nil, "", fmt.Sprintf("unknown agentid %q of corp %s", v.AgentID, c.id)
		}
		return []*owner{o}, typ, ""
	}
	return nil, "", fmt.Sprintf("unknown kind %q: want jsapi, corp, agent, card_ext or card_choose", v.Kind)
}

// name is how verdicts refer to an owner.
func (o *owner) name() string {
	if o.agentID != "" {
		return o.id + " agent " + o.agentID
	}
	return o.id
}
