package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// wranglerConfig is what the bench reads of a wrangler.toml to serve its
// dry-run bundle under workerd alone: the bindings wrangler would make.
type wranglerConfig struct {
	CompatDate  string
	CompatFlags []string
	Vars        map[string]string
	KV          []string // KV namespace binding names
	DO          []doBinding
	SQLClasses  map[string]bool // Durable Object classes backed by SQLite (migrations' new_sqlite_classes)
	Crons       []string
}

// doBinding is a [[durable_objects.bindings]] entry of the Worker's own
// classes.
type doBinding struct{ Name, Class string }

// readWranglerConfig reads the subset of TOML wrangler.toml files here use:
// tables, arrays of tables, and keys holding strings, numbers, booleans,
// arrays of strings (over several lines too) and inline tables (skipped).
func readWranglerConfig(path string) wranglerConfig {
	b, err := os.ReadFile(path)
	if err != nil {
		fatal(err)
	}
	tables, err := parseTOML(string(b))
	if err != nil {
		fatalf("%s: %v", path, err)
	}
	c := wranglerConfig{Vars: map[string]string{}, SQLClasses: map[string]bool{}}
	for _, t := range tables {
		switch t.name {
		case "":
			c.CompatDate, _ = t.keys["compatibility_date"].(string)
			c.CompatFlags = strs(t.keys["compatibility_flags"])
		case "vars":
			for k, v := range t.keys {
				if s, ok := v.(string); ok {
					c.Vars[k] = s
				}
			}
		case "triggers":
			c.Crons = strs(t.keys["crons"])
		case "kv_namespaces":
			if s, ok := t.keys["binding"].(string); ok {
				c.KV = append(c.KV, s)
			}
		case "durable_objects.bindings":
			name, _ := t.keys["name"].(string)
			class, _ := t.keys["class_name"].(string)
			if _, other := t.keys["script_name"]; !other && name != "" && class != "" {
				c.DO = append(c.DO, doBinding{name, class})
			}
		case "migrations":
			for _, k := range strs(t.keys["new_sqlite_classes"]) {
				c.SQLClasses[k] = true
			}
		}
	}
	if c.CompatDate == "" {
		fatalf("no compatibility_date in %s", path)
	}
	return c
}

type tomlTable struct {
	name string
	keys map[string]any
}

func strs(v any) []string {
	a, _ := v.([]string)
	return a
}

func parseTOML(src string) ([]tomlTable, error) {
	tables := []tomlTable{{keys: map[string]any{}}}
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(stripComment(lines[i]))
		switch {
		case line == "":
		case strings.HasPrefix(line, "[["):
			tables = append(tables, tomlTable{name: strings.TrimSpace(strings.Trim(line, "[]")), keys: map[string]any{}})
		case strings.HasPrefix(line, "["):
			tables = append(tables, tomlTable{name: strings.TrimSpace(strings.Trim(line, "[]")), keys: map[string]any{}})
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: %q", i+1, line)
			}
			v = strings.TrimSpace(v)
			for strings.HasPrefix(v, "[") && strings.Count(v, "[") > strings.Count(v, "]") && i+1 < len(lines) {
				i++
				v += " " + strings.TrimSpace(stripComment(lines[i]))
			}
			val, err := tomlValue(v)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", i+1, err)
			}
			tables[len(tables)-1].keys[strings.Trim(strings.TrimSpace(k), `"`)] = val
		}
	}
	return tables, nil
}

// stripComment cuts a line at a # outside a string.
func stripComment(line string) string {
	in := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '"':
			in = !in
		case '#':
			if !in {
				return line[:i]
			}
		}
	}
	return line
}

func tomlValue(v string) (any, error) {
	switch {
	case strings.HasPrefix(v, `"`):
		return strconv.Unquote(v)
	case strings.HasPrefix(v, "{") || strings.HasPrefix(v, "[") && strings.Contains(v, "{"):
		return nil, nil // inline tables: nothing the bench reads
	case strings.HasPrefix(v, "["):
		var out []string
		for _, f := range strings.Split(strings.Trim(v, "[] "), ",") {
			if f = strings.TrimSpace(f); f != "" {
				s, err := strconv.Unquote(f)
				if err != nil {
					return nil, fmt.Errorf("array element %s: %v", f, err)
				}
				out = append(out, s)
			}
		}
		return out, nil
	case v == "true" || v == "false":
		return v == "true", nil
	}
	return strconv.ParseFloat(v, 64)
}
