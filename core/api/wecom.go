package api

import (
	"strconv"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
)

// ServeWeCom answers /wecom/config?url=…&agentid=…: one nonce and timestamp
// signed twice, with the corp ticket for wx.config (appId is the CorpID)
// and with the agent's own ticket for wx.agentConfig, in the shapes
// wx.config/wx.agentConfig and @wecom/jssdk's ww.register callbacks take.
// a is the corp's App (AppID = CorpID). The request checks are /config's.
func (a *App) ServeWeCom(dst []byte, req *Request, agentID string, corp, agent *cred.Record, now int64) Response {
	r, done := a.Begin(dst, req)
	if done {
		return r
	}
	var scratch [512]byte
	page, err := a.page(req, scratch[:0])
	if err != nil {
		r.Fail(dst, err)
		return r
	}
	if !corp.Usable(now) || !agent.Usable(now) {
		r.Fail(dst, core.ErrNoTicket)
		return r
	}
	var nb [jssdk.NonceLen]byte
	nonce := string(jssdk.AppendNonce(nb[:0]))
	head := func(dst []byte) []byte {
		dst = append(dst, `"timestamp":`...)
		dst = strconv.AppendInt(dst, now, 10)
		dst = append(dst, `,"nonceStr":"`...)
		dst = append(dst, nonce...)
		return append(dst, `","signature":"`...)
	}
	dst = append(dst, `{"config":{"appId":`...)
	dst = core.AppendJSONString(dst, a.AppID)
	dst = append(dst, ',')
	dst = head(dst)
	dst = jssdk.AppendSignature(dst, corp.Value, nonce, now, page)
	dst = append(dst, `"},"agentConfig":{"corpid":`...)
	dst = core.AppendJSONString(dst, a.AppID)
	dst = append(dst, `,"agentid":`...)
	dst = core.AppendJSONString(dst, agentID)
	dst = append(dst, ',')
	dst = head(dst)
	dst = jssdk.AppendSignature(dst, agent.Value, nonce, now, page)
	dst = append(dst, `"},"url":`...)
	dst = core.AppendJSONString(dst, page)
	r.Status, r.Body = 200, append(dst, '}')
	return r
}
