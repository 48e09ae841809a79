package i18n

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// fillable is a message whose only placeholders are plain {{.Name}}, split
// around them: literal, name, literal, name, ..., literal. Most messages
// with placeholders are like that, and filling them by hand costs a
// fraction of running their template through go-i18n, which matters for the
// words a list repeats on every row (a lag, a count). The result is the
// same as the template's (TestFilledMessagesMatchTemplates).
type fillable []string

// placeholder is a plain {{.Name}}, the one action fillableOf accepts.
var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// fillableOf splits text, if it has no template action but placeholders.
func fillableOf(text string) (fillable, bool) {
	if strings.Contains(placeholder.ReplaceAllString(text, ""), "{{") {
		return nil, false
	}
	var f fillable
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(text, -1) {
		f = append(f, text[last:m[0]], text[m[2]:m[3]])
		last = m[1]
	}
	return append(f, text[last:]), true
}

// fill writes the message with each placeholder's value from pairs of
// name and value, printed as the template would print it (fmt's %v; a
// missing value as "<no value>").
func (f fillable) fill(pairs []any) string {
	var b strings.Builder
	size := 0
	for i, part := range f {
		if i%2 == 0 {
			size += len(part)
		} else {
			size += 16 // most values are a short figure or name
		}
	}
	b.Grow(size)
	for i, part := range f {
		if i%2 == 0 {
			b.WriteString(part)
			continue
		}
		v, ok := valueOf(part, pairs)
		switch v := v.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		default:
			if !ok || v == nil {
				b.WriteString("<no value>")
			} else {
				fmt.Fprint(&b, v)
			}
		}
	}
	return b.String()
}

func valueOf(name string, pairs []any) (any, bool) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if n, _ := pairs[i].(string); n == name {
			return pairs[i+1], true
		}
	}
	return nil, false
}

// pluralForms are a counted message's forms by CLDR category ("one",
// "other", ...), each fillable.
type pluralForms map[plural.Form]fillable

// pluralCategories are the keys a plural message may have in a catalog.
var pluralCategories = map[string]plural.Form{"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other}

// pluralFormsOf reads a catalog entry that is a map of plural forms, if it
// is one, has an "other" form, and every form is fillable.
func pluralFormsOf(v any) (pluralForms, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, false
	}
	forms := pluralForms{}
	for k, raw := range m {
		cat, known := pluralCategories[k]
		text, isText := raw.(string)
		if !known || !isText {
			return nil, false
		}
		f, ok := fillableOf(text)
		if !ok {
			return nil, false
		}
		forms[cat] = f
	}
	_, hasOther := forms[plural.Other]
	return forms, hasOther
}

// of is the form for the count n in the language tag, by CLDR's cardinal
// rules (as go-i18n chooses), "other" when the message lacks that form.
func (fs pluralForms) of(tag language.Tag, n int) fillable {
	if f, ok := fs[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]; ok {
		return f
	}
	return fs[plural.Other]
}
