package jssdk

import (
	"crypto/sha1"
	"slices"
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
