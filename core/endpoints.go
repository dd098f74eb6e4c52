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

// QueryParam returns the value of the query parameter name, decoded as
// url.QueryUnescape would, and how many times it occurs. Keys are decoded
// before they are compared, so that "%61ppid" is "appid" as any proxy in
// front would read it.
func QueryParam(q, name string) (value string, n int) {
	for q != "" {
		var pair string
		pair, q = cutByte(q, '&')
		key, v := cutByte(pair, '=')
		if !keyIs(key, name) {
			continue
		}
		n++
		if n == 1 {
			d, ok := appendQueryValue(nil, v)
			if !ok {
				return "", 2 // malformed: refused as a repeated parameter is
			}
			value = string(d)
		}
	}
	return value, n
}

// keyIs compares a query key, decoded, with name; keys without "%" or "+"
// (nearly all) are compared as they are.
func keyIs(key, name string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] == '%' || key[i] == '+' {
			var buf [64]byte
			d, ok := appendQueryValue(buf[:0], key+"&")
			return ok && string(d) == name
		}
	}
	return key == name
}

func cutByte(s string, c byte) (before, after string) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}
