package core

// ServeNonce answers /nonce: a fresh nonce, with CORS as /config has it.
func (a *App) ServeNonce(dst []byte, req *Request) Response {
	r, done := a.begin(dst, req)
	if done {
		return r
	}
	r.Status = 200
	var nonce [NonceLen]byte
	dst = append(dst, `{"nonceStr":"`...)
	dst = append(dst, AppendNonce(nonce[:0])...)
	r.Body = append(dst, `"}`...)
	return r
}
