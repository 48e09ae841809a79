package i18n_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/dcs-dashboard/migrations/internal/i18n"
)

// root is the repository, from this package's folder.
const root = "../.."

// sources are the files that may use catalog ids: hand-written Go (not
// tests, not templ's output), templ files and the browser script.
func sources(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range []string{"cmd", "handlers", "views", "internal", "static/js"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := d.Name()
			switch {
			case strings.HasSuffix(name, "_test.go"), strings.HasSuffix(name, "_templ.go"):
				return nil
			case strings.HasSuffix(name, ".go"), strings.HasSuffix(name, ".templ"), strings.HasSuffix(name, ".js"):
				b, err := os.ReadFile(path)
				out[path] = string(b)
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	m, err := i18n.Messages(lang)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCatalogsMatch: both languages have the same message ids, each in the
// same file, and each message has the same placeholders in both.
func TestCatalogsMatch(t *testing.T) {
	en, zh := messages(t, i18n.English), messages(t, i18n.Chinese)
	for id, f := range en {
		g, ok := zh[id]
		if !ok {
			t.Errorf("%s (%s) is missing from zh-CN", id, f)
			continue
		}
		if filepath.Base(f) != filepath.Base(g) {
			t.Errorf("%s is in %s in English but %s in Chinese", id, f, g)
		}
	}
	for id, f := range zh {
		if _, ok := en[id]; !ok {
			t.Errorf("%s (%s) is missing from en", id, f)
		}
	}
	texts := func(lang string) map[string]string {
		out := map[string]string{}
		files, _ := filepath.Glob(filepath.Join("locales", lang, "*.yaml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := yaml.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for id, v := range m {
				switch v := v.(type) {
				case string:
					out[id] = v
				case map[string]any:
					var all []string
					for _, form := range v {
						all = append(all, form.(string))
					}
					out[id] = strings.Join(all, " ")
				}
			}
		}
		return out
	}
	placeholder := regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}|\{(\w+)\}`)
	names := func(s string) []string {
		var out []string
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1]+m[2])
		}
		sort.Strings(out)
		return slices.Compact(out)
	}
	zhText := texts(i18n.Chinese)
	for id, s := range texts(i18n.English) {
		if a, b := names(s), names(zhText[id]); !slices.Equal(a, b) && zhText[id] != "" {
			t.Errorf("%s: placeholders %v in English, %v in Chinese", id, a, b)
		}
	}
}

// TestCatalogIDsUsed: every id in the catalogs is spelled somewhere in the
// code (so none is dead), and every id-like literal the code spells is in
// the catalogs (so no page shows an id instead of words).
func TestCatalogIDsUsed(t *testing.T) {
	en := messages(t, i18n.English)
	src := sources(t)
	all := strings.Builder{}
	for _, s := range src {
		all.WriteString(s)
	}
	code := all.String()
	for id := range en {
		if !strings.Contains(code, `"`+id+`"`) {
			t.Errorf("%s is in the catalogs but no code uses it", id)
		}
	}
	areas := map[string]bool{}
	for id := range en {
		areas[id[:strings.IndexByte(id+".", '.')]] = true
	}
	var alts []string
	for a := range areas {
		alts = append(alts, regexp.QuoteMeta(a))
	}
	sort.Strings(alts)
	literal := regexp.MustCompile(`"((?:` + strings.Join(alts, "|") + `)\.[A-Za-z0-9_.\-]+)"`)
	for path, s := range src {
		for _, m := range literal.FindAllStringSubmatch(s, -1) {
			if _, ok := en[m[1]]; !ok && !strings.HasSuffix(m[1], ".") {
				t.Errorf("%s uses %s, which no catalog has", path, m[1])
			}
		}
	}
}
