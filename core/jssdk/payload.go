package jssdk

import (
	"github.com/wxsign/wxsign/core"
	"strconv"
)

// AppendConfigHead appends the payload up to the signature's value, so that
// the signature can be hashed straight into the output.
func AppendConfigHead(dst []byte, appID string, ts int64, nonce string) []byte {
	dst = append(dst, `{"appId":`...)
	dst = core.AppendJSONString(dst, appID)
	dst = append(dst, `,"timestamp":`...)
	dst = strconv.AppendInt(dst, ts, 10)
	dst = append(dst, `,"nonceStr":`...)
	dst = core.AppendJSONString(dst, nonce)
	return append(dst, `,"signature":"`...)
}

// AppendConfigTail appends the rest of the payload after the signature.
func AppendConfigTail(dst []byte, url string) []byte {
	dst = append(dst, `","url":`...)
	dst = core.AppendJSONString(dst, url)
	return append(dst, '}')
}
