package api_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core/api"
)

// The documentation copies two of api's tables, the settings and the
// routes (the error codes are core's: errors_doc_test.go). These tests
// keep the copies from drifting: a setting or route added here fails them
// until the documents say it.

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSettingsDocumented: every variable LoadSettings reads is named in
// docs/settings.md, a per-app or per-agent one with its <…> suffix.
func TestSettingsDocumented(t *testing.T) {
	src := readFile(t, "settings.go")
	doc := readFile(t, "../../docs/settings.md")
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
// every route of api.Routes with its methods.
func TestRoutesDocumented(t *testing.T) {
	for _, file := range []string{"../../README.md", "../../docs/api.md"} {
		text := readFile(t, file)
		for _, r := range api.Routes {
			row := "| `" + r.Path + "` | " + r.Methods + " |"
			if !strings.Contains(text, row) {
				t.Errorf("%s has no row %q", file, row)
			}
		}
	}
}
