package core

// ServeNonce answers /nonce: a fresh nonce, with CORS as /config has it.
func (a *App) ServeNonce(dst []byte, req *Request) Response {
	r := Response{Status: 200, AllowOrigin: a.CORS(req.Origin), Vary: !a.Origins.Empty()}
	if req.Method == "OPTIONS" {
		if r.AllowOrigin == "" {
			r.Fail(dst, ErrOrigin)
			return r
		}
		r.Status, r.Preflight, r.Body = 204, true, dst
		return r
	}
	var nonce [NonceLen]byte
	dst = append(dst, `{"nonceStr":"`...)
	dst = append(dst, AppendNonce(nonce[:0])...)
	r.Body = append(dst, `"}`...)
	return r
}
