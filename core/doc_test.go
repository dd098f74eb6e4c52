package core_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
)

// The documentation copies three of core's tables: the error codes, the
// settings and the routes. These tests keep the copies from drifting: a
// code, setting or route added here fails them until the documents say it.

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type codeRow struct{ status, meaning string }

// rows finds the table rows re matches: code, HTTP status, meaning.
func rows(t *testing.T, text string, re *regexp.Regexp) map[string]codeRow {
	t.Helper()
	m := map[string]codeRow{}
	for _, r := range re.FindAllStringSubmatch(text, -1) {
		if _, dup := m[r[1]]; dup {
			t.Errorf("errcode %s is listed twice", r[1])
		}
		m[r[1]] = codeRow{r[2], strings.TrimSpace(r[3])}
	}
	return m
}

// TestErrorCodesDocumented: every refusal in errors.go is in doc.go's
// table with its status, and docs/api.md lists doc.go's table exactly.
func TestErrorCodesDocumented(t *testing.T) {
	doc := rows(t, readFile(t, "doc.go"), regexp.MustCompile(`(?m)^//\t(1\d{3}) +(\d{3}) +(.+)$`))
	api := rows(t, readFile(t, "../docs/api.md"), regexp.MustCompile(`(?m)^\| (1\d{3}) \| (\d{3}) \| (.+) \|$`))
	if len(doc) == 0 || len(api) == 0 {
		t.Fatalf("no table found: %d rows in doc.go, %d in docs/api.md", len(doc), len(api))
	}
	for _, e := range regexp.MustCompile(`&Error\{(\d+), (\d+), `).FindAllStringSubmatch(readFile(t, "errors.go"), -1) {
		if d, ok := doc[e[1]]; !ok || d.status != e[2] {
			t.Errorf("errors.go has errcode %s (HTTP %s); doc.go's table has %+v", e[1], e[2], d)
		}
	}
	for code, d := range doc {
		if a, ok := api[code]; !ok || a != d {
			t.Errorf("errcode %s: doc.go says %+v, docs/api.md %+v", code, d, a)
		}
	}
	for code := range api {
		if _, ok := doc[code]; !ok {
			t.Errorf("docs/api.md lists errcode %s, which doc.go does not", code)
		}
	}
}

// TestSettingsDocumented: every variable LoadSettings reads is named in
// docs/settings.md, a per-app or per-agent one with its <…> suffix.
func TestSettingsDocumented(t *testing.T) {
	src := readFile(t, "settings.go")
	doc := readFile(t, "../docs/settings.md")
	names := regexp.MustCompile(`env\("([A-Z0-9_]+)"\)`).FindAllStringSubmatch(src, -1)
	if len(names) < 10 {
		t.Fatalf("found only %d settings in settings.go: the pattern is off", len(names))
	}
	for _, n := range names {
		if !strings.Contains(doc, "`"+n[1]+"`") {
			t.Errorf("docs/settings.md does not name %s", n[1])
		}
	}
	seen := map[string]bool{}
	for _, p := range regexp.MustCompile(`"([A-Z0-9_]+_)" \+`).FindAllStringSubmatch(src, -1) {
		if !seen[p[1]] && !strings.Contains(doc, "`"+p[1]+"<") {
			t.Errorf("docs/settings.md does not name %s<…>", p[1])
		}
		seen[p[1]] = true
	}
}

// TestRoutesDocumented: README's and docs/api.md's endpoint tables list
// every route of core.Routes with its methods.
func TestRoutesDocumented(t *testing.T) {
	for _, file := range []string{"../README.md", "../docs/api.md"} {
		text := readFile(t, file)
		for _, r := range core.Routes {
			row := "| `" + r.Path + "` | " + r.Methods + " |"
			if !strings.Contains(text, row) {
				t.Errorf("%s has no row %q", file, row)
			}
		}
	}
}
