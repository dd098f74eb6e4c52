package core

import (
	"crypto/sha1"
	"slices"
	"strconv"
)

// CardSign is the signature of WeChat's card APIs (JS-SDK appendix 4):
// SHA1 over the values, sorted as byte strings and concatenated with
// nothing between; empty values contribute nothing.
func CardSign(values ...string) string {
	vs := slices.Clone(values)
	slices.Sort(vs)
	h := sha1.New()
	for _, v := range vs {
		h.Write([]byte(v))
	}
	var sum [sha1.Size]byte
	return string(appendHexSum(nil, (*[sha1.Size]byte)(h.Sum(sum[:0]))))
}

// errCardBody refuses a card request body that is not what it should be.
var errCardBody = &Error{Code: ErrBadRequest.Code, Status: 400,
	Msg: `malformed request: send JSON {"card_id":"…","code":"…","openid":"…"} (/card/ext) or {"shop_id","card_type","card_id"} (/card/choose), strings`}

// errCardID refuses /card/ext without a card_id.
var errCardID = &Error{Code: ErrBadRequest.Code, Status: 400, Msg: "card_id is required"}

// cardFields reads a card request's JSON body: string members only, keys
// exact and once each; appid is read too (it picks the account).
func cardFields(body []byte, names ...string) (map[string]string, *Error) {
	if len(body) > MaxBodyLen {
		return nil, ErrBodyTooLarge
	}
	vals := map[string]string{}
	err := decodeObject(string(body), func(key string, v jsonValue) *Error {
		if !slices.Contains(names, key) && key != "appid" {
			return nil
		}
		if v.Dup || v.BadText || v.Kind != jsonString {
			return errCardBody
		}
		if len(v.Str) > MaxCardFieldLen {
			return FieldTooLong(key, MaxCardFieldLen, false)
		}
		vals[key] = v.Str
		return nil
	})
	if err != nil && err.Code == ErrFieldTooLong.Code {
		return nil, err
	}
	if err != nil {
		return nil, errCardBody
	}
	return vals, nil
}

// cardRequest reads a card request's body and draws its timestamp and
// nonce; a refusal comes back as r (Status set).
func cardRequest(dst, body []byte, ticket *Record, now int64, needID bool, names ...string) (v map[string]string, ts, nonce string, r Response) {
	v, err := cardFields(body, names...)
	switch {
	case err != nil:
	case needID && v["card_id"] == "":
		err = errCardID
	case !ticket.Usable(now):
		err = ErrNoTicket
	}
	if err != nil {
		r.Fail(dst, err)
		return nil, "", "", r
	}
	return v, strconv.FormatInt(now, 10), NewNonce(), r
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
func ServeCardExt(dst []byte, body []byte, ticket *Record, now int64) Response {
	v, ts, nonce, r := cardRequest(dst, body, ticket, now, true, "card_id", "code", "openid", "outer_str", "fixed_begintimestamp")
	if r.Status != 0 {
		return r
	}
	sig := CardSign(ticket.Value, ts, v["card_id"], v["code"], v["openid"], nonce)
	var ext []byte
	ext = append(ext, `{"code":`...)
	ext = appendJSONString(ext, v["code"])
	ext = append(ext, `,"openid":`...)
	ext = appendJSONString(ext, v["openid"])
	ext = append(ext, `,"timestamp":"`+ts+`","nonce_str":"`+nonce+`","signature":"`+sig+`"`...)
	for _, k := range []string{"outer_str", "fixed_begintimestamp"} {
		if s, ok := v[k]; ok {
			ext = append(ext, ',')
			ext = appendJSONString(ext, k)
			ext = append(ext, ':')
			ext = appendJSONString(ext, s)
		}
	}
	ext = append(ext, '}')
	dst = append(dst, `{"cardId":`...)
	dst = appendJSONString(dst, v["card_id"])
	dst = append(dst, `,"cardExt":`...)
	dst = appendJSONString(dst, string(ext))
	r.Status, r.Body = 200, append(dst, '}')
	return r
}

// ServeCardChoose answers POST /card/choose {"shop_id"?,"card_type"?,
// "card_id"?} with what wx.chooseCard takes: shopId, cardType, cardId,
// timestamp, nonceStr, signType "SHA1" and cardSign, over api_ticket,
// app_id, location_id (the shop), timestamp, nonce_str, card_id and
// card_type (leaving out app_id gives an empty card list, not an error).
func ServeCardChoose(dst []byte, appID string, body []byte, ticket *Record, now int64) Response {
	v, ts, nonce, r := cardRequest(dst, body, ticket, now, false, "shop_id", "card_type", "card_id")
	if r.Status != 0 {
		return r
	}
	sig := CardSign(ticket.Value, appID, v["shop_id"], ts, nonce, v["card_id"], v["card_type"])
	dst = append(dst, `{"shopId":`...)
	dst = appendJSONString(dst, v["shop_id"])
	dst = append(dst, `,"cardType":`...)
	dst = appendJSONString(dst, v["card_type"])
	dst = append(dst, `,"cardId":`...)
	dst = appendJSONString(dst, v["card_id"])
	dst = append(dst, `,"timestamp":`+ts+`,"nonceStr":"`+nonce+`","signType":"SHA1","cardSign":"`+sig+`"}`...)
	r.Status, r.Body = 200, dst
	return r
}
