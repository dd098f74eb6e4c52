package api

import "github.com/wxsign/wxsign/core/jssdk"

// ServeNonce answers /nonce: a fresh nonce, with CORS as /config has it.
func (a *App) ServeNonce(dst []byte, req *Request) Response {
	r, done := a.Begin(dst, req)
	if done {
		return r
	}
	r.Status = 200
	var nonce [jssdk.NonceLen]byte
	dst = append(dst, `{"nonceStr":"`...)
	dst = append(dst, jssdk.AppendNonce(nonce[:0])...)
	r.Body = append(dst, `"}`...)
	return r
}
