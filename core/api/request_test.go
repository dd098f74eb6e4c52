package api

import (
	"net/url"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
)

// TestPageParam: one url per request, in one place and one encoding, and
// JSON read strictly. A proxy in front that reads another url than the one
// signed, or folds keys differently, would check a page that is not signed.
func TestPageParam(t *testing.T) {
	const page = "https://h.example.com/p?a=1"
	q := "url=" + url.QueryEscape(page)
	json := func(body string) Request {
		return Request{Method: "POST", ContentType: "application/json", Body: []byte(body)}
	}
	form := func(body string) Request {
		return Request{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte(body)}
	}
	tests := []struct {
		name string
		req  Request
		want string
		err  *core.Error
	}{
		{"query", Request{Method: "GET", Query: q}, page, nil},
		{"query, other keys", Request{Method: "GET", Query: "_=1&" + q + "&v=%zz"}, page, nil},
		{"query, escaped key", Request{Method: "GET", Query: "%75rl=" + url.QueryEscape(page)}, page, nil},
		{"query, escaped key in capitals", Request{Method: "GET", Query: "%75%52%4c=x&" + q}, page, nil}, // "uRL" is not url
		{"query, url twice", Request{Method: "GET", Query: q + "&url=https%3A%2F%2Fevil.net%2F"}, "", core.ErrURLTwice},
		{"query, escaped url first", Request{Method: "GET", Query: "%75rl=https%3A%2F%2Fevil.net%2F&" + q}, "", core.ErrURLTwice},
		{"query, escaped url after", Request{Method: "GET", Query: q + "&u%72l=x"}, "", core.ErrURLTwice},
		{"query, url twice, one empty", Request{Method: "GET", Query: "url=&" + q}, "", core.ErrURLTwice},
		{"query, url twice, one bare", Request{Method: "GET", Query: q + "&url"}, "", core.ErrURLTwice},
		{"query, plus-spelled key", Request{Method: "GET", Query: "url+=x&" + q}, page, nil}, // "url " is not url
		{"query, malformed key escape", Request{Method: "GET", Query: "%u0075rl=x&" + q}, "", core.ErrBadRequest},
		{"query, malformed key escape after", Request{Method: "GET", Query: q + "&%zz=1"}, "", core.ErrBadRequest},
		{"query, bare url", Request{Method: "GET", Query: "url"}, "", core.ErrURLMissing},
		{"form, url twice", form(q + "&url=x"), "", core.ErrURLTwice},
		{"form, escaped url twice", form("%75rl=x&" + q), "", core.ErrURLTwice},
		{"form and query", Request{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte(q), Query: "url=x"}, "", core.ErrURLTwice},
		{"form and escaped query", Request{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte(q), Query: "%75rl=x"}, "", core.ErrURLTwice},
		{"form without url, query", Request{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte("a=1"), Query: q}, page, nil},
		{"JSON", json(`{"url":"` + page + `"}`), page, nil},
		{"JSON, escapes", json(`{"url":"https:\/\/h.example.com\/p?a=\u0031"}`), page, nil},
		{"JSON, whitespace", json(" \t\r\n{ \"url\" : \"" + page + "\" }\n"), page, nil},
		{"JSON, url twice", json(`{"url":"` + page + `","url":"https://evil.net/"}`), "", core.ErrURLTwice},
		{"JSON, url twice, escaped key", json(`{"url":"` + page + `","\u0075rl":"https://evil.net/"}`), "", core.ErrURLTwice},
		{"JSON, URL", json(`{"URL":"` + page + `"}`), "", core.ErrURLMissing},
		{"JSON, Url and url", json(`{"Url":"https://evil.net/","url":"` + page + `"}`), page, nil},
		{"JSON and query", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"url":"` + page + `"}`), Query: "url=x"}, "", core.ErrURLTwice},
		{"JSON empty url and query", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"url":""}`), Query: q}, "", core.ErrURLTwice},
		{"JSON and malformed query", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"url":"` + page + `"}`), Query: "%zz"}, "", core.ErrBadRequest},
		{"JSON without url, query", Request{Method: "POST", ContentType: "application/json", Body: []byte(`{"other":1}`), Query: q}, page, nil},
		{"JSON, other member twice", json(`{"url":"` + page + `","a":1,"a":2}`), "", core.ErrBadRequest},
		{"JSON, lone high surrogate", json(`{"url":"` + page + `\ud83d"}`), "", core.ErrURLBadChar},
		{"JSON, lone low surrogate", json(`{"url":"` + page + `\ude00"}`), "", core.ErrURLBadChar},
		{"JSON, reversed pair", json(`{"url":"` + page + `\ude00\ud83d"}`), "", core.ErrURLBadChar},
		{"JSON, surrogate pair", json(`{"url":"` + page + `\ud83d\ude00"}`), page + "😀", nil},
		{"JSON, invalid UTF-8", json(`{"url":"` + page + "\xff" + `"}`), "", core.ErrURLBadChar},
		{"JSON, encoded surrogate", json(`{"url":"` + page + "\xed\xa0\x80" + `"}`), "", core.ErrURLBadChar},
		{"JSON, bad text elsewhere", json(`{"url":"` + page + `","x":"\ud800"}`), "", core.ErrBadRequest},
		{"JSON, null url", json(`{"url":null}`), "", core.ErrBadRequest},
		{"JSON, trailing data", json(`{"url":"` + page + `"}x`), "", core.ErrBadRequest},
		{"JSON, two objects", json(`{"url":"` + page + `"}{}`), "", core.ErrBadRequest},
		{"JSON, too deep", json(`{"url":"` + page + `","x":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`), "", core.ErrBadRequest},
		{"JSON, deep enough", json(`{"url":"` + page + `","x":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`), page, nil},
		{"JSON, non-breaking space", json("\u00a0{\"url\":\"" + page + "\"}"), "", core.ErrBadRequest},
		{"text/plain JSON", Request{Method: "POST", ContentType: "Text/Plain; charset=utf-8", Body: []byte(`{"url":"` + page + `"}`)}, page, nil},
		{"JSON type in capitals", Request{Method: "POST", ContentType: "Application/JSON", Body: []byte(`{"url":"` + page + `"}`)}, page, nil},
		{"JSON type with a Kelvin sign", Request{Method: "POST", ContentType: "application/json\u212a", Body: []byte(`{"url":"` + page + `"}`)}, "", core.ErrMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var scratch [64]byte
			got, err := PageParam(&tt.req, scratch[:0])
			if got != tt.want || err != tt.err {
				t.Fatalf("pageParam = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

// FuzzQueryURL holds queryURL to a plain model: the query split at "&",
// each key decoded by url.QueryUnescape and compared with "url", the one
// url parameter's value decoded by url.QueryUnescape, and the first
// problem from the left reported.
func FuzzQueryURL(f *testing.F) {
	for _, q := range []string{"", "url", "url=", "url&url=a", "a=1&url=https%3A%2F%2Fh%2F", "url=a+b&url=c", "urlx=1&url=%41",
		"url=%zz", "x=%zz&url=abcdefghij", "url=%4", "&&url=12345678%26x", "=url&url=v", "%75rl=a", "%75rl=a&url=b",
		"url=a&%75rl=b", "u%72l", "url=abc&%zz", "%zz&url=a", "url=%zz&url=a", "url=a&url", "%u0075rl=1", "url%00=1",
		"url+=1", "+url=1", "url=abcdefgh&x=1&y=%2&url=", "x=%&url=a"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		model := func() (string, bool, *core.Error) {
			var val string
			seen := false
			for _, kv := range strings.Split(q, "&") {
				k, v, _ := strings.Cut(kv, "=")
				key, err := url.QueryUnescape(k)
				if err != nil {
					return "", seen, core.ErrBadRequest
				}
				if key != "url" {
					continue
				}
				if seen {
					return "", true, core.ErrURLTwice
				}
				seen = true
				if val, err = url.QueryUnescape(v); err != nil {
					return "", true, core.ErrBadRequest
				}
			}
			if val == "" {
				return "", seen, core.ErrURLMissing
			}
			return val, true, nil
		}
		want, wseen, werr := model()
		var scratch [64]byte
		got, seen, err := queryURL(q, scratch[:0])
		if got != want || err != werr || seen != wseen && err != core.ErrBadRequest {
			t.Fatalf("queryURL(%q) = %q, %v, %v; want %q, %v, %v", q, got, seen, err, want, wseen, werr)
		}
		if has, err := queryHasURL(q); err == nil && has != wseen || err != nil && werr != core.ErrBadRequest {
			t.Fatalf("queryHasURL(%q) = %v, %v; the model has url %v, %v", q, has, err, wseen, werr)
		}
	})
}

func FuzzQueryValue(f *testing.F) {
	for _, s := range []string{"", "a+b", "%E4%B8%AD", "%zz", "%4", "%", "https%3A%2F%2Fh%2F%3Fa%3D1%26b%3D2", "+%2B+",
		"a&b", "%4&1", "%&", "abcdefgh%41&x", "abcdefg%", "abcdefg%4", "abcdefgh%", "%41%42%43%44%45%46", "&", "++++++++&+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, _, _ := strings.Cut(s, "&")
		want, werr := url.QueryUnescape(v)
		got, end, ok := appendQueryValue([]byte("x"), s)
		if ok != (werr == nil) || ok && string(got) != "x"+want || !ok && string(got) != "x" {
			t.Fatalf("appendQueryValue(%q) = %q, %v; url.QueryUnescape(%q) = %q, %v", s, got, ok, v, want, werr)
		}
		if ok && end != len(v) {
			t.Fatalf("appendQueryValue(%q) ends at %d, want %d", s, end, len(v))
		}
	})
}
