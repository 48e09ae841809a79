package i18n

import (
	"testing"
	"time"
)

// TestFilledMessagesMatchTemplates: every message filled by hand reads as
// go-i18n's template makes it, in both languages, with values of each kind
// the pages pass (text with markup characters, counts, figures, a time)
// and with a value missing.
func TestFilledMessagesMatchTemplates(t *testing.T) {
	c, err := Load(English)
	if err != nil {
		t.Fatal(err)
	}
	values := []any{`a <b> & "c"`, 1234, -7, 1.25, 3.0, time.Duration(1500) * time.Millisecond, nil}
	n := 0
	for _, lang := range Languages() {
		p := c.Printer(lang)
		for id, f := range p.filled {
			var names []string
			for i := 1; i < len(f); i += 2 {
				names = append(names, f[i])
			}
			for k, v := range values {
				var pairs []any
				for j, name := range names {
					if j == 0 && k == len(values)-1 {
						continue // the first placeholder left without a value
					}
					pairs = append(pairs, name, values[(k+j)%len(values)])
					_ = v
				}
				if got, want := f.fill(pairs), p.localize(id, nil, pairs); got != want {
					t.Errorf("%s %s with %v: filled %q, template %q", lang, id, pairs, got, want)
				}
			}
			n++
		}
	}
	if n < 10 {
		t.Errorf("only %d messages are filled by hand; the catalogs hold many more with placeholders", n)
	}
	t.Logf("%d messages filled by hand", n)
}

func TestFillableOf(t *testing.T) {
	for _, tc := range []struct {
		text string
		ok   bool
		n    int
	}{
		{"Showing {{.First}}–{{.Last}}", true, 5},
		{"{{ .Name }}", true, 3},
		{"{{if .X}}a{{end}}", false, 0},
		{"{{.X | printf \"%d\"}}", false, 0},
		{"{{.A.B}}", false, 0},
	} {
		f, ok := fillableOf(tc.text)
		if ok != tc.ok || len(f) != tc.n {
			t.Errorf("fillableOf(%q) = %q, %v; want %d parts, %v", tc.text, f, ok, tc.n, tc.ok)
		}
	}
}

// TestCountedMessagesMatchTemplates: every plural message filled by hand
// reads as go-i18n makes it, in both languages, for counts that take each
// form.
func TestCountedMessagesMatchTemplates(t *testing.T) {
	c, err := Load(English)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, lang := range Languages() {
		p := c.Printer(lang)
		for id, forms := range p.counted {
			var names []string
			for _, f := range forms {
				for i := 1; i < len(f); i += 2 {
					if f[i] != "Count" {
						names = append(names, f[i])
					}
				}
			}
			for _, count := range []int{0, 1, 2, 5, 11, 21, 1000} {
				pairs := []any{"Count", count}
				for _, name := range names {
					pairs = append(pairs, name, "<"+name+">")
				}
				want := p.localize(id, count, pairs)
				if got := forms.of(p.tag, count).fill(pairs); got != want {
					t.Errorf("%s %s, %d: filled %q, template %q", lang, id, count, got, want)
				}
			}
			n++
		}
	}
	if n < 5 {
		t.Errorf("only %d plural messages are filled by hand", n)
	}
	t.Logf("%d plural messages filled by hand", n)
}
