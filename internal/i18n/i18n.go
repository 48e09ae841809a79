// Package i18n gives the dashboard its words in the languages its users
// work in: English and Simplified Chinese.
//
// Every piece of text a person reads comes from the message catalogs under
// locales/ (one YAML file per area, in each language), through go-i18n,
// which knows each language's plural rules and fills placeholders. Catalog
// keys are spelled out where they are used, so a test can prove that every
// key used exists in both languages and every key in a catalog is used.
//
// What machines read (URLs, query keys, data-status values, export keys,
// audit records, log lines) is never translated.
package i18n

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// The languages the dashboard speaks, as BCP 47 tags (also <html lang>).
const (
	English = "en"
	Chinese = "zh-CN"
)

// Languages lists them in the order the language switch offers them.
func Languages() []string { return []string{English, Chinese} }

// Supported reports whether lang is one of Languages, spelled exactly.
func Supported(lang string) bool { return lang == English || lang == Chinese }

//go:embed locales
var locales embed.FS

// Catalog holds every message in every language and picks a language for
// a request.
type Catalog struct {
	bundle   *goi18n.Bundle
	matcher  language.Matcher
	langs    []string // the matcher's tags, fallback first
	printers map[string]*Printer
}

// Load reads the embedded catalogs. fallback is the language used when a
// request names none the dashboard speaks (the -default-lang setting).
func Load(fallback string) (*Catalog, error) {
	if !Supported(fallback) {
		return nil, fmt.Errorf("language %q: the dashboard speaks %s", fallback, strings.Join(Languages(), " and "))
	}
	p, err := catalogs()
	if err != nil {
		return nil, err
	}
	c := &Catalog{bundle: p.bundle, langs: []string{fallback}, printers: map[string]*Printer{}}
	for _, l := range Languages() {
		if l != fallback {
			c.langs = append(c.langs, l)
		}
		c.printers[l] = &Printer{lang: l, tag: language.MustParse(l), loc: goi18n.NewLocalizer(p.bundle, l), ids: p.ids[English],
			plain: p.plain[l], filled: p.filled[l], counted: p.counted[l]}
	}
	tags := make([]language.Tag, len(c.langs))
	for i, l := range c.langs {
		tags[i] = language.MustParse(l)
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// parsed is the embedded catalogs, read once: the go-i18n bundle, each
// language's message ids (to their file) and its plain messages (one
// form, no placeholder: most of a page's words, served without running a
// template for every row that shows them) and its messages whose only
// placeholders are plain {{.Name}}, filled without a template too.
type parsed struct {
	bundle *goi18n.Bundle
	ids    map[string]map[string]string
	plain  map[string]map[string]string
	filled map[string]map[string]fillable
	// counted are the plural messages whose every form is fillable.
	counted map[string]map[string]pluralForms
}

// catalogs reads the embedded files once; every Catalog shares them.
var catalogs = sync.OnceValues(func() (*parsed, error) {
	bundle := goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	p := &parsed{bundle: bundle, ids: map[string]map[string]string{}, plain: map[string]map[string]string{},
		filled: map[string]map[string]fillable{}, counted: map[string]map[string]pluralForms{}}
	for _, lang := range Languages() {
		ids, plain, filled, counted := map[string]string{}, map[string]string{}, map[string]fillable{}, map[string]pluralForms{}
		err := eachCatalog(lang, func(f string, data []byte, m map[string]any) error {
			// go-i18n reads a file's language from its name: area.lang.yaml.
			name := strings.TrimSuffix(path.Base(f), ".yaml") + "." + lang + ".yaml"
			if _, err := bundle.ParseMessageFileBytes(data, name); err != nil {
				return fmt.Errorf("catalog %s: %w", f, err)
			}
			for id, v := range m {
				if prev, dup := ids[id]; dup {
					return fmt.Errorf("%s: %s is also in %s", f, id, prev)
				}
				ids[id] = f
				if text, ok := v.(string); ok {
					if !strings.Contains(text, "{{") {
						plain[id] = text
					} else if f, ok := fillableOf(text); ok {
						filled[id] = f
					}
				} else if forms, ok := pluralFormsOf(v); ok {
					counted[id] = forms
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		p.ids[lang], p.plain[lang], p.filled[lang], p.counted[lang] = ids, plain, filled, counted
	}
	return p, nil
})

// catalogFiles are lang's catalog files, one per area.
func catalogFiles(lang string) ([]string, error) {
	return fs.Glob(locales, path.Join("locales", lang, "*.yaml"))
}

// Fallback is the language used when a request names none it speaks.
func (c *Catalog) Fallback() string { return c.langs[0] }

// Printer is the words of lang, or of the fallback if it speaks no lang.
func (c *Catalog) Printer(lang string) *Printer {
	if p, ok := c.printers[lang]; ok {
		return p
	}
	return c.printers[c.Fallback()]
}

// Match picks a request's language: the one chosen (the cookie) if the
// dashboard speaks it, else the best match of the Accept-Language header
// (zh, zh-Hans and zh-CN all mean Simplified Chinese), else the fallback.
func (c *Catalog) Match(chosen, acceptLanguage string) string {
	if Supported(chosen) {
		return chosen
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return c.Fallback()
	}
	_, i, conf := c.matcher.Match(prefs...)
	if conf == language.No {
		return c.Fallback()
	}
	return c.langs[i]
}

// eachCatalog calls fn with every catalog file of lang, its bytes and its
// messages (a text, or a map of plural forms, by id).
func eachCatalog(lang string, fn func(file string, data []byte, messages map[string]any) error) error {
	files, err := catalogFiles(lang)
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := fs.ReadFile(locales, f)
		if err != nil {
			return err
		}
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := fn(f, data, m); err != nil {
			return err
		}
	}
	return nil
}

// Messages is every message id in lang's catalogs, with the file each is
// in, for the tests that keep the catalogs complete.
func Messages(lang string) (map[string]string, error) {
	p, err := catalogs()
	if err != nil {
		return nil, err
	}
	return maps.Clone(p.ids[lang]), nil
}

// Printer turns message ids into one language's text.
type Printer struct {
	lang   string
	tag    language.Tag
	loc    *goi18n.Localizer
	ids    map[string]string   // every message id (to its file)
	plain  map[string]string   // messages that need no template (parsed)
	filled map[string]fillable // messages with plain placeholders only (parsed)
	// counted are plural messages with plain placeholders only (parsed).
	counted map[string]pluralForms
}

// Prefixed is every message whose id starts with prefix, in the printer's
// language: the words the browser's script needs, handed to it whole. Its
// placeholders are the script's own ({n}), which go-i18n leaves as text.
func (p *Printer) Prefixed(prefix string) map[string]string {
	out := map[string]string{}
	for id := range p.ids {
		if strings.HasPrefix(id, prefix) {
			out[id] = p.T(id)
		}
	}
	return out
}

// Lang is the printer's language tag.
func (p *Printer) Lang() string { return p.lang }

// T is the message id with its placeholders filled from pairs of name and
// value: T("list.showing", "First", 1, "Last", 20).
func (p *Printer) T(id string, pairs ...any) string {
	if text, ok := p.plain[id]; ok {
		return text
	}
	if f, ok := p.filled[id]; ok {
		return f.fill(pairs)
	}
	return p.localize(id, nil, pairs)
}

// N is T for a message that depends on a count, in the language's plural
// form for n; the message reads the count as {{.Count}}.
func (p *Printer) N(id string, n int, pairs ...any) string {
	pairs = append([]any{"Count", n}, pairs...)
	if forms, ok := p.counted[id]; ok {
		return forms.of(p.tag, n).fill(pairs)
	}
	return p.localize(id, n, pairs)
}

func (p *Printer) localize(id string, count any, pairs []any) string {
	data := make(map[string]any, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		name, _ := pairs[i].(string)
		data[name] = pairs[i+1]
	}
	s, err := p.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		// A missing key is caught by the catalog tests; at run time the id
		// itself is better than an empty space in a page.
		return id
	}
	return s
}

type printerKey struct{}

// With gives ctx the printer whose words its pages are rendered in.
func With(ctx context.Context, p *Printer) context.Context {
	return context.WithValue(ctx, printerKey{}, p)
}

// english serves contexts without a printer: tests that render a view
// alone, and output made outside any request.
var english = func() *Printer {
	c, err := Load(English)
	if err != nil {
		panic(err) // the embedded catalogs are broken: no build should ship
	}
	return c.Printer(English)
}()

// From is ctx's printer, English if it has none.
func From(ctx context.Context) *Printer {
	if p, ok := ctx.Value(printerKey{}).(*Printer); ok && p != nil {
		return p
	}
	return english
}

// T is From(ctx).T.
func T(ctx context.Context, id string, pairs ...any) string { return From(ctx).T(id, pairs...) }

// N is From(ctx).N.
func N(ctx context.Context, id string, n int, pairs ...any) string {
	return From(ctx).N(id, n, pairs...)
}
