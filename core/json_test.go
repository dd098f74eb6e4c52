package core

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeObject(t *testing.T) {
	type member struct {
		key string
		v   JSONValue
	}
	str := func(s string) JSONValue { return JSONValue{Kind: JSONString, Str: s} }
	num := func(lit string, n int64, isInt bool) JSONValue {
		return JSONValue{Kind: JSONNumber, Str: lit, Int: n, IsInt: isInt}
	}
	tests := []struct {
		in   string
		want []member
		err  *Error
	}{
		{`{}`, nil, nil},
		{" \t\r\n{ } \n", nil, nil},
		{`{"a":"b"}`, []member{{"a", str("b")}}, nil},
		{`{"a":"\"\\\/\b\f\n\r\t\u00e9\u4e2d\ud83d\ude00"}`, []member{{"a", str("\"\\/\b\f\n\r\té中😀")}}, nil},
		{`{"a\u0062":1}`, []member{{"ab", num("1", 1, true)}}, nil},
		{`{"n":-0,"m":123,"x":1.5,"e":1e3,"big":9223372036854775808,"min":-9223372036854775808}`, []member{
			{"n", num("-0", 0, true)}, {"m", num("123", 123, true)}, {"x", num("1.5", 0, false)}, {"e", num("1e3", 0, false)},
			{"big", num("9223372036854775808", 9223372036854775807, false)}, {"min", num("-9223372036854775808", -9223372036854775808, true)},
		}, nil},
		{`{"t":true,"f":false,"z":null,"o":{"a":[1,{"b":null}]},"l":[]}`, []member{
			{"t", JSONValue{Kind: JSONTrue}}, {"f", JSONValue{Kind: JSONFalse}}, {"z", JSONValue{Kind: JSONNull}},
			{"o", JSONValue{Kind: JSONObject, Str: `{"a":[1,{"b":null}]}`}}, {"l", JSONValue{Kind: JSONArray, Str: "[]"}},
		}, nil},
		{`{"a":1,"A":2}`, []member{{"a", num("1", 1, true)}, {"A", num("2", 2, true)}}, nil}, // keys are exact
		{`{"a":1,"a":2}`, []member{{"a", num("1", 1, true)}, {"a", JSONValue{Kind: JSONNumber, Str: "2", Int: 2, IsInt: true, Dup: true}}}, ErrBadRequest},
		{`{"a":"\ud800"}`, []member{{"a", JSONValue{Kind: JSONString, BadText: true}}}, ErrBadRequest},
		{"{\"a\":\"\xff\"}", []member{{"a", JSONValue{Kind: JSONString, BadText: true}}}, ErrBadRequest},
		{`{"a":"\ud800\u0041"}`, []member{{"a", JSONValue{Kind: JSONString, BadText: true}}}, ErrBadRequest},
		{`{"\ud800":1}`, nil, ErrBadRequest},
		{`{"a":["\ud800"]}`, nil, ErrBadRequest},
		{`{"a":{"\udc00":1}}`, nil, ErrBadRequest},
		{"{\"a\":\"\t\"}", nil, ErrBadRequest}, // a raw control character
		{`{"a":"\x"}`, nil, ErrBadRequest},
		{`{"a":"\u12"}`, nil, ErrBadRequest},
		{`{"a":"\u12g4"}`, nil, ErrBadRequest},
		{`{"a":"`, nil, ErrBadRequest},
		{`{"a":01}`, []member{{"a", num("0", 0, true)}}, ErrBadRequest}, // member sees "0", then the refusal comes
		{`{"a":1.}`, nil, ErrBadRequest},
		{`{"a":.5}`, nil, ErrBadRequest},
		{`{"a":1e}`, nil, ErrBadRequest},
		{`{"a":+1}`, nil, ErrBadRequest},
		{`{"a":-}`, nil, ErrBadRequest},
		{`{"a":tru}`, nil, ErrBadRequest},
		{`{"a":True}`, nil, ErrBadRequest},
		{`{"a":1,}`, []member{{"a", num("1", 1, true)}}, ErrBadRequest},
		{`{"a":[1,]}`, nil, ErrBadRequest},
		{`{"a" 1}`, nil, ErrBadRequest},
		{`{a:1}`, nil, ErrBadRequest},
		{`{'a':1}`, nil, ErrBadRequest},
		{`{"a":1}}`, []member{{"a", num("1", 1, true)}}, ErrBadRequest},
		{`{"a":1} x`, []member{{"a", num("1", 1, true)}}, ErrBadRequest},
		{"{\"a\":1}\u00a0", []member{{"a", num("1", 1, true)}}, ErrBadRequest}, // not JSON whitespace
		{"\v{}", nil, ErrBadRequest},
		{`[]`, nil, ErrBadRequest},
		{`"a"`, nil, ErrBadRequest},
		{``, nil, ErrBadRequest},
		{`{"a":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`, []member{{"a", JSONValue{Kind: JSONArray, Str: strings.Repeat("[", 31) + strings.Repeat("]", 31)}}}, nil},
		{`{"a":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`, nil, ErrBadRequest},
		{`{"a":` + strings.Repeat(`{"b":`, 32) + `1` + strings.Repeat("}", 32) + `}`, nil, ErrBadRequest},
	}
	for _, tt := range tests {
		var got []member
		err := DecodeObject(tt.in, func(key string, v JSONValue) *Error {
			got = append(got, member{key, v})
			return nil
		})
		if err != tt.err || len(got) != len(tt.want) {
			t.Errorf("decodeObject(%.60q) = %v with %v; want %v with %v", tt.in, err, got, tt.err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("decodeObject(%.60q): member %d is %+v, want %+v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
	// member's own refusal stops the decoding and is returned.
	mine := &Error{Code: 1, Msg: "mine"}
	calls := 0
	if err := DecodeObject(`{"a":1,"b":2}`, func(string, JSONValue) *Error { calls++; return mine }); err != mine || calls != 1 {
		t.Errorf("member's error: %v after %d calls", err, calls)
	}
}

// Keys beyond keySet's array are still compared, through its map.
func TestDecodeObjectManyKeys(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		b.WriteString(`"k` + strconv.Itoa(i) + `":1,`)
	}
	for _, last := range []string{`"k39":2}`, `"k1":2}`, `"k40":2}`} { // k39 and k1 came before; k40 did not
		err := DecodeObject(b.String()+last, func(string, JSONValue) *Error { return nil })
		if want := last != `"k40":2}`; (err != nil) != want {
			t.Errorf("%s after 40 keys: %v", last, err)
		}
	}
}

// record is three members of a credential record, as KV holds them.
type record struct {
	Value     string
	ExpiresAt int64
	FetchedAt int64
}

func TestDecodeFields(t *testing.T) {
	tests := []struct {
		in   string
		want record
		err  *Error
	}{
		{`{"value":"T","expires_at":1700000000,"fetched_at":1699990000}`, record{Value: "T", ExpiresAt: 1700000000, FetchedAt: 1699990000}, nil},
		{`{"fetched_at":5,"other":[1,{"x":null}],"value":"T\u0031"}`, record{Value: "T1", FetchedAt: 5}, nil},
		{`{}`, record{}, nil},
		{`{"value":1}`, record{}, ErrBadRequest},
		{`{"value":null}`, record{}, ErrBadRequest},
		{`{"expires_at":"1"}`, record{}, ErrBadRequest},
		{`{"expires_at":1.0}`, record{}, ErrBadRequest},
		{`{"expires_at":1e3}`, record{}, ErrBadRequest},
		{`{"expires_at":9223372036854775808}`, record{}, ErrBadRequest},
		{`{"value":"a","value":"b"}`, record{}, ErrBadRequest},
		{`{"other":1,"other":2}`, record{}, ErrBadRequest},
		{`{"Value":"T"}`, record{}, nil}, // keys are exact: not the value field
		{`{"value":"\udfff"}`, record{}, ErrBadRequest},
	}
	for _, tt := range tests {
		var r record
		err := DecodeFields(tt.in, JSONField{Key: "value", Str: &r.Value},
			JSONField{Key: "expires_at", Int: &r.ExpiresAt}, JSONField{Key: "fetched_at", Int: &r.FetchedAt})
		if err != tt.err || err == nil && r != tt.want {
			t.Errorf("decodeFields(%q) = %+v, %v; want %+v, %v", tt.in, r, err, tt.want, tt.err)
		}
	}
}

// A record without escapes decodes without allocating: its strings are
// views of the input.
func TestDecodeFieldsAllocs(t *testing.T) {
	in := `{"value":"sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg","expires_at":1700007200,"fetched_at":1700000000}`
	var r record
	n := testing.AllocsPerRun(100, func() {
		if err := DecodeFields(in, JSONField{Key: "value", Str: &r.Value},
			JSONField{Key: "expires_at", Int: &r.ExpiresAt}, JSONField{Key: "fetched_at", Int: &r.FetchedAt}); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("decodeFields allocates %.1f times per record, want 0", n)
	}
}

// surrogateEscape finds what may be a \u escape of a surrogate (or the
// text after an escaped backslash, which is harmless to skip as well).
var surrogateEscape = regexp.MustCompile(`\\u[dD][89a-fA-F]`)

// FuzzDecodeObject holds decodeObject to encoding/json: for an input of
// valid text (no invalid UTF-8, no surrogate escapes), the same accepted and
// refused, and the same members with the same values, except where
// DecodeObject is stricter by design: a key given twice at the top, or
// nesting deeper than maxJSONDepth. For any input, what it accepts holds
// valid text only.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"url":"https://h/"}`, `{"a":1,"b":[true,false,null,{"c":"d"}],"e":-1.5e+3}`,
		`{"a":"\u00e9\ud83d\ude00\n"}`, `{"a":1,"a":2}`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `{"a":01}`, ` {"a" : [ ] } `,
		`{"a":9223372036854775807,"b":-9223372036854775809}`, `{"a":{"a":{"a":1}}}`, `{"URL":"x","url":"y"}`, `{"a":"b"} {}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := map[string]JSONValue{}
		err := DecodeObject(in, func(key string, v JSONValue) *Error {
			got[key] = v
			return nil
		})
		// Unmarshal refuses trailing data and other kinds than objects,
		// except null; the Decoder gives numbers' literals.
		var want map[string]any
		jerr := json.Unmarshal([]byte(in), &want)
		if jerr == nil && want == nil {
			jerr = errors.New("null is not an object")
		}
		if jerr == nil {
			d := json.NewDecoder(strings.NewReader(in))
			d.UseNumber()
			want = nil
			if err := d.Decode(&want); err != nil {
				t.Fatalf("Decoder refuses %q, which Unmarshal takes: %v", in, err)
			}
		}
		if err == nil {
			if jerr != nil {
				t.Fatalf("decodeObject(%q) accepts what encoding/json refuses: %v", in, jerr)
			}
			if len(got) != len(want) {
				t.Fatalf("decodeObject(%q) has %d members, encoding/json %d", in, len(got), len(want))
			}
			for k, v := range got {
				checkJSONValue(t, in, k, v, want[k])
			}
			return
		}
		if !utf8.ValidString(in) || surrogateEscape.MatchString(in) {
			return // bad text: encoding/json takes it, with U+FFFD
		}
		if jerr == nil && !topLevelDup(in) && jsonDepth(in) <= maxJSONDepth {
			t.Fatalf("decodeObject(%q) refuses what encoding/json takes: %v", in, want)
		}
	})
}

func checkJSONValue(t *testing.T, in, key string, v JSONValue, w any) {
	t.Helper()
	ok := false
	switch w := w.(type) {
	case string:
		ok = v.Kind == JSONString && v.Str == w && utf8.ValidString(v.Str)
	case json.Number:
		n, err := w.Int64()
		ok = v.Kind == JSONNumber && v.Str == string(w) && v.IsInt == (err == nil && !strings.ContainsAny(string(w), ".eE")) && (!v.IsInt || v.Int == n)
	case bool:
		ok = v.Kind == JSONTrue && w || v.Kind == JSONFalse && !w
	case nil:
		ok = v.Kind == JSONNull
	case map[string]any:
		ok = v.Kind == JSONObject
	case []any:
		ok = v.Kind == JSONArray
	}
	if !ok || v.Dup || v.BadText {
		t.Fatalf("decodeObject(%q): %q is %+v, encoding/json has %#v", in, key, v, w)
	}
}

// topLevelDup reports whether the object in (valid JSON) has a key twice
// at its top level.
func topLevelDup(in string) bool {
	d := json.NewDecoder(strings.NewReader(in))
	seen := map[string]bool{}
	depth, wantKey := 0, false
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				depth++
			} else {
				depth--
			}
			wantKey = depth == 1
			continue
		case string:
			if depth == 1 && wantKey {
				if seen[tok] {
					return true
				}
				seen[tok] = true
				wantKey = false
				continue
			}
		}
		if depth == 1 {
			wantKey = true
		}
	}
}

// jsonDepth is the deepest nesting of in (valid JSON), an object at the
// top counting as 1.
func jsonDepth(in string) int {
	d := json.NewDecoder(strings.NewReader(in))
	depth, deepest := 0, 0
	for {
		tok, err := d.Token()
		if err != nil {
			return deepest
		}
		if tok, ok := tok.(json.Delim); ok {
			if tok == '{' || tok == '[' {
				depth++
				deepest = max(deepest, depth)
			} else {
				depth--
			}
		}
	}
}
