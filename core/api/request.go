package api

import (
	"strings"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/internal/ascii"
)

// PageParam finds the page URL in the request: ?url= for GET; for POST a
// JSON {"url":...} or form url=... body, or ?url= when the body has none.
// A body sent as text/plain (fetch with a string body and no Content-Type)
// is read as JSON when it starts with "{" and as a form otherwise.
//
// A request names one url, in one place: a second url anywhere (in the
// query, in the body, or in both) is ErrURLTwice, since a proxy in front
// may read the other one and check a URL that is not the one signed.
//
// A URL in a query is decoded into scratch, so that the decoding itself
// does not allocate.
func PageParam(req *Request, scratch []byte) (string, *core.Error) {
	switch req.Method {
	case "GET", "HEAD":
		u, _, err := queryURL(req.Query, scratch)
		return u, err
	case "POST":
	default:
		return "", core.ErrMethod
	}
	if len(req.Body) > MaxBodyLen {
		return "", core.ErrBodyTooLarge
	}
	body := strings.Trim(string(req.Body), " \t\r\n")
	var (
		u    string
		seen bool // the body has a url member or parameter, maybe empty
		err  *core.Error
	)
	if body != "" {
		mt, _, _ := strings.Cut(req.ContentType, ";")
		mt = strings.Trim(mt, " \t")
		switch {
		case ascii.EqualFold(mt, "application/json"):
			u, seen, err = jsonURL(body)
		case ascii.EqualFold(mt, "application/x-www-form-urlencoded"):
			u, seen, err = queryURL(body, scratch)
		case mt == "" || ascii.EqualFold(mt, "text/plain"):
			if body[0] == '{' {
				u, seen, err = jsonURL(body)
			} else {
				u, seen, err = queryURL(body, scratch)
			}
		default:
			return "", core.ErrMediaType
		}
	}
	if !seen && (err == nil || err == core.ErrURLMissing) {
		u, _, err = queryURL(req.Query, scratch)
		return u, err
	}
	if err != nil && err != core.ErrURLMissing {
		return "", err
	}
	switch inQuery, qerr := queryHasURL(req.Query); {
	case qerr != nil:
		return "", qerr
	case inQuery:
		return "", core.ErrURLTwice
	}
	return u, err
}

// queryURL returns the url parameter of a query string (or form body),
// decoded once as url.QueryUnescape would, through scratch. Keys are decoded as well, so "%75rl" is url too, and seen
// reports whether there is a url key, even one without a value. A second
// url key is ErrURLTwice and a malformed escape in a key ErrBadRequest;
// the values of other keys are not looked at. The first problem in the
// query, from the left, is the one reported.
func queryURL(q string, scratch []byte) (u string, seen bool, err *core.Error) {
	for {
		n, isURL := len("url"), true
		if !strings.HasPrefix(q, "url=") { // the usual query, compared without a scan
			var ok bool
			if n, isURL, ok = paramKey(q, "url"); !ok {
				return "", false, core.ErrBadRequest
			}
		}
		rest := q[n:]
		if !isURL {
			i := strings.IndexByte(rest, '&')
			if i < 0 {
				return "", false, core.ErrURLMissing
			}
			q = rest[i+1:]
			continue
		}
		v := scratch
		if value, ok := strings.CutPrefix(rest, "="); ok {
			// Decoding stops at the value's end, the next "&", and the
			// scan for another url goes on from there: the query is read
			// once.
			var end int
			if v, end, ok = appendQueryValue(scratch, value); !ok {
				return "", true, core.ErrBadRequest
			}
			rest = value[end:]
		}
		switch twice, err := queryHasURL(rest); {
		case err != nil:
			return "", true, err
		case twice:
			return "", true, core.ErrURLTwice
		case len(v) == len(scratch):
			return "", true, core.ErrURLMissing
		}
		return string(v[len(scratch):]), true, nil
	}
}

// queryHasURL reports whether the query string q has a url key, in any
// encoding (see queryURL); a malformed escape in a key before the first
// url key is ErrBadRequest.
func queryHasURL(q string) (bool, *core.Error) {
	for q != "" {
		n, isURL, ok := paramKey(q, "url")
		switch {
		case !ok:
			return false, core.ErrBadRequest
		case isURL:
			return true, nil
		}
		i := strings.IndexByte(q[n:], '&')
		if i < 0 {
			break
		}
		q = q[n+i+1:]
	}
	return false, nil
}

// paramKey reads the key of the query parameter q starts with, up to its
// "=" or "&", and returns its length, whether it decodes to want (as
// url.QueryUnescape would decode it: "+" is a space, "%XX" a byte), and
// false for a malformed escape. Keys are short: a byte loop, decoding as it
// compares.
func paramKey(q, want string) (n int, isURL, ok bool) {
	m := 0 // bytes decoded so far
	isURL = true
	for ; n < len(q); n++ {
		c := q[n]
		switch c {
		case '=', '&':
			return n, isURL && m == len(want), true
		case '+':
			c = ' '
		case '%':
			if n+2 >= len(q) || ascii.HexValue[q[n+1]]|ascii.HexValue[q[n+2]] > 0xf {
				return n, false, false
			}
			c = ascii.HexValue[q[n+1]]<<4 | ascii.HexValue[q[n+2]]
			n += 2
		}
		isURL = isURL && m < len(want) && c == want[m]
		m++
	}
	return n, isURL && m == len(want), true
}

// appendQueryValue appends the query value s starts with, up to its first
// "&", decoded as url.QueryUnescape would ("+" as a space, "%XX" as a
// byte), and returns where the value ends in s (at that "&", or len(s)), so
// that a caller reads on from there; ok is false for a malformed escape.
// net/url is not used: it allocates the decoded string, and the signer
// module does not otherwise link it.
func appendQueryValue(dst []byte, s string) (_ []byte, end int, ok bool) {
	n := len(dst)
	end = strings.IndexByte(s, '&')
	if end < 0 {
		end = len(s)
	}
	for i := 0; i < end; i++ {
		switch c := s[i]; c {
		case '+':
			dst = append(dst, ' ')
		case '%':
			if i+2 >= end || ascii.HexValue[s[i+1]]|ascii.HexValue[s[i+2]] > 0xf {
				return dst[:n], 0, false
			}
			dst = append(dst, ascii.HexValue[s[i+1]]<<4|ascii.HexValue[s[i+2]])
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst, end, true
}

// jsonURL returns the url member of a JSON object body; seen reports
// whether there is one, even an empty one. Keys match exactly ("URL" is not
// url), and url must be a string of valid text: ErrURLBadChar otherwise,
// as for a query.
func jsonURL(body string) (u string, seen bool, err *core.Error) {
	err = core.DecodeObject(body, func(key string, v core.JSONValue) *core.Error {
		if key != "url" {
			return nil
		}
		switch {
		case v.Dup:
			return core.ErrURLTwice
		case v.Kind != core.JSONString:
			return core.ErrBadRequest
		case v.BadText:
			return core.ErrURLBadChar
		}
		u, seen = v.Str, true
		return nil
	})
	switch {
	case err != nil:
		return "", seen, err
	case u == "":
		return "", seen, core.ErrURLMissing
	}
	return u, true, nil
}

// QueryParam returns the value of the query parameter name, decoded as
// url.QueryUnescape would, and how many times the key occurs in any
// encoding ("%61ppid" is "appid", as a proxy in front would read it). A
// malformed escape in a key or in the value counts as a second occurrence:
// callers refuse both alike.
func QueryParam(q, name string) (value string, n int) {
	for q != "" {
		k, is, ok := paramKey(q, name)
		if !ok {
			return "", 2
		}
		rest := q[k:]
		if is {
			n++
			v := strings.TrimPrefix(rest, "=")
			d, end, ok := appendQueryValue(nil, v)
			if !ok {
				return "", 2
			}
			if n == 1 {
				value = string(d)
			}
			rest = v[end:]
		}
		i := strings.IndexByte(rest, '&')
		if i < 0 {
			break
		}
		q = rest[i+1:]
	}
	return value, n
}
