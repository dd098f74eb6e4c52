package api

import (
	"slices"
	"strconv"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/core/jssdk"
)

// errCardBody refuses a card request body that is not what it should be.
var errCardBody = &core.Error{Code: core.ErrBadRequest.Code, Status: 400,
	Msg: `malformed request: send JSON {"card_id":"…","code":"…","openid":"…"} (/card/ext) or {"shop_id","card_type","card_id"} (/card/choose), strings`}

// errCardID refuses /card/ext without a card_id.
var errCardID = &core.Error{Code: core.ErrBadRequest.Code, Status: 400, Msg: "card_id is required"}

// cardFields reads a card request's JSON body: string members only, keys
// exact and once each; appid is read too (it picks the account).
func cardFields(body []byte, names ...string) (map[string]string, *core.Error) {
	if len(body) > MaxBodyLen {
		return nil, core.ErrBodyTooLarge
	}
	vals := map[string]string{}
	err := core.DecodeObject(string(body), func(key string, v core.JSONValue) *core.Error {
		if !slices.Contains(names, key) && key != "appid" {
			return nil
		}
		if v.Dup || v.BadText || v.Kind != core.JSONString {
			return errCardBody
		}
		if len(v.Str) > core.MaxCardFieldLen {
			return core.FieldTooLong(key, core.MaxCardFieldLen, false)
		}
		vals[key] = v.Str
		return nil
	})
	if err != nil && err.Code == core.ErrFieldTooLong.Code {
		return nil, err
	}
	if err != nil {
		return nil, errCardBody
	}
	return vals, nil
}

// cardRequest reads a card request's body and draws its timestamp and
// nonce; a refusal comes back as r (Status set).
func cardRequest(dst, body []byte, ticket *cred.Record, now int64, needID bool, names ...string) (v map[string]string, ts, nonce string, r Response) {
	v, err := cardFields(body, names...)
	switch {
	case err != nil:
	case needID && v["card_id"] == "":
		err = errCardID
	case !ticket.Usable(now):
		err = core.ErrNoTicket
	}
	if err != nil {
		r.Fail(dst, err)
		return nil, "", "", r
	}
	return v, strconv.FormatInt(now, 10), jssdk.NewNonce(), r
}

// CardAppID is the appid a card request's body asks for, "" for the default.
func CardAppID(body []byte) string {
	v, err := cardFields(body)
	if err != nil {
		return ""
	}
	return v["appid"]
}

// ServeCardExt answers POST /card/ext {"card_id","code"?,"openid"?,
// "outer_str"?,"fixed_begintimestamp"?} with what wx.addCard takes for one
// card: {"cardId","cardExt"}, cardExt being the JSON string of code, openid,
// timestamp, nonce_str and signature (over api_ticket, timestamp, card_id,
// code, openid and nonce_str); outer_str and fixed_begintimestamp pass
// through unsigned.
func ServeCardExt(dst []byte, body []byte, ticket *cred.Record, now int64) Response {
	v, ts, nonce, r := cardRequest(dst, body, ticket, now, true, "card_id", "code", "openid", "outer_str", "fixed_begintimestamp")
	if r.Status != 0 {
		return r
	}
	sig := jssdk.CardSign(ticket.Value, ts, v["card_id"], v["code"], v["openid"], nonce)
	var ext []byte
	ext = append(ext, `{"code":`...)
	ext = core.AppendJSONString(ext, v["code"])
	ext = append(ext, `,"openid":`...)
	ext = core.AppendJSONString(ext, v["openid"])
	ext = append(ext, `,"timestamp":"`+ts+`","nonce_str":"`+nonce+`","signature":"`+sig+`"`...)
	for _, k := range []string{"outer_str", "fixed_begintimestamp"} {
		if s, ok := v[k]; ok {
			ext = append(ext, ',')
			ext = core.AppendJSONString(ext, k)
			ext = append(ext, ':')
			ext = core.AppendJSONString(ext, s)
		}
	}
	ext = append(ext, '}')
	dst = append(dst, `{"cardId":`...)
	dst = core.AppendJSONString(dst, v["card_id"])
	dst = append(dst, `,"cardExt":`...)
	dst = core.AppendJSONString(dst, string(ext))
	r.Status, r.Body = 200, append(dst, '}')
	return r
}

// ServeCardChoose answers POST /card/choose {"shop_id"?,"card_type"?,
// "card_id"?} with what wx.chooseCard takes: shopId, cardType, cardId,
// timestamp, nonceStr, signType "SHA1" and cardSign, over api_ticket,
// app_id, location_id (the shop), timestamp, nonce_str, card_id and
// card_type (leaving out app_id gives an empty card list, not an error).
func ServeCardChoose(dst []byte, appID string, body []byte, ticket *cred.Record, now int64) Response {
	v, ts, nonce, r := cardRequest(dst, body, ticket, now, false, "shop_id", "card_type", "card_id")
	if r.Status != 0 {
		return r
	}
	sig := jssdk.CardSign(ticket.Value, appID, v["shop_id"], ts, nonce, v["card_id"], v["card_type"])
	dst = append(dst, `{"shopId":`...)
	dst = core.AppendJSONString(dst, v["shop_id"])
	dst = append(dst, `,"cardType":`...)
	dst = core.AppendJSONString(dst, v["card_type"])
	dst = append(dst, `,"cardId":`...)
	dst = core.AppendJSONString(dst, v["card_id"])
	dst = append(dst, `,"timestamp":`+ts+`,"nonceStr":"`+nonce+`","signType":"SHA1","cardSign":"`+sig+`"}`...)
	r.Status, r.Body = 200, dst
	return r
}
