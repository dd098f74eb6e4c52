package core

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the documents' copies of errorTable")

// The error-code tables of doc.go and docs/api.md, as errorTable renders
// them. Each document holds its table whole; the test finds it by its
// first and last lines.
var errorDocs = []struct {
	path, first, last string
	row               func(code, status, meaning string) string
}{
	{"doc.go", "//\terrcode  HTTP  meaning\n", "package core\n",
		func(c, s, m string) string { return "//\t" + pad(c, 9) + pad(s, 6) + m + "\n" }},
	{"../docs/api.md", "<!-- errcodes: rendered from core/errors.go by `go test ./core -run TestErrorCodesDocumented -update` -->\n| errcode | HTTP | meaning |\n|---|---|---|\n", "<!-- /errcodes -->\n",
		func(c, s, m string) string { return "| " + c + " | " + s + " | " + m + " |\n" }},
}

func pad(s string, n int) string { return s + strings.Repeat(" ", max(n-len(s), 1)) }

// TestErrorCodesDocumented: errorTable lists every refusal errors.go
// declares, in the order of their codes, and doc.go's and docs/api.md's
// tables are what it renders; -update rewrites them.
func TestErrorCodesDocumented(t *testing.T) {
	declared := declaredCodes(t)
	if len(declared) != len(errorTable) {
		t.Errorf("errors.go declares %d refusals, errorTable lists %d", len(declared), len(errorTable))
	}
	for i, r := range errorTable {
		if !declared[r.err.Code] {
			t.Errorf("errorTable lists errcode %d, which errors.go does not declare", r.err.Code)
		}
		if i > 0 && r.err.Code <= errorTable[i-1].err.Code {
			t.Errorf("errorTable: errcode %d after %d: want each once, in order", r.err.Code, errorTable[i-1].err.Code)
		}
	}
	for _, d := range errorDocs {
		rows := d.first
		for _, r := range errorTable {
			rows += d.row(strconv.Itoa(r.err.Code), strconv.Itoa(r.err.Status), r.meaning)
		}
		b, err := os.ReadFile(d.path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		start := strings.Index(text, d.first)
		end := strings.Index(text[max(start, 0):], d.last)
		if start < 0 || end < 0 {
			t.Errorf("%s: no table from %q to %q", d.path, d.first, d.last)
			continue
		}
		end += start
		if text[start:end] == rows {
			continue
		}
		if !*update {
			t.Errorf("%s's error table is not errorTable's: run go test ./core -run TestErrorCodesDocumented -update", d.path)
			continue
		}
		if err := os.WriteFile(d.path, []byte(text[:start]+rows+text[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// declaredCodes are the codes of the refusals errors.go declares, each
// &Error{code, status, message}.
func declaredCodes(t *testing.T) map[int]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "Error" || len(lit.Elts) == 0 {
			return true
		}
		code, ok := lit.Elts[0].(*ast.BasicLit)
		if !ok || code.Kind != token.INT {
			t.Errorf("errors.go: an Error whose code is not a number: %#v", lit.Elts[0])
			return true
		}
		c, _ := strconv.Atoi(code.Value)
		if codes[c] {
			t.Errorf("errors.go declares errcode %d twice", c)
		}
		codes[c] = true
		return true
	})
	if len(codes) == 0 {
		t.Fatal("errors.go declares no refusal: the parse is off")
	}
	return codes
}
