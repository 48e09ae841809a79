package views

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/a-h/templ"

	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// tr is the page's words for a message id, placeholders filled from pairs
// of name and value (internal/i18n). Every text a person reads comes
// through it or trn.
func tr(ctx context.Context, id string, pairs ...any) string { return i18n.T(ctx, id, pairs...) }

// trn is tr for a message that depends on a count ({{.Count}}).
func trn(ctx context.Context, id string, n int, pairs ...any) string {
	return i18n.N(ctx, id, n, pairs...)
}

// langName is each language's name in itself, as a language switch shows it.
var langName = map[string]string{i18n.English: "lang.name.en", i18n.Chinese: "lang.name.zh-CN"}

// langSwitch is one entry of the language switch.
type langSwitch struct {
	Lang, NameID, URL string
	Current           bool
}

// langSwitches are the language switch's entries for a page at here.
func langSwitches(current, here string) []langSwitch {
	var out []langSwitch
	for _, l := range i18n.Languages() {
		out = append(out, langSwitch{Lang: l, NameID: langName[l], URL: routes.LanguageURL(l, here), Current: l == current})
	}
	return out
}

// scriptMessages are the words app.js shows, in the page's language, as a
// JSON data block the script reads (no inline script: the CSP holds). The
// block is encoded once per language: the words do not change while the
// process runs, and every page carries them.
func scriptMessages() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		p := i18n.From(ctx)
		block, ok := scriptBlocks.Load(p)
		if !ok {
			var b bytes.Buffer
			if err := templ.JSONScript("script-messages", p.Prefixed("js.")).Render(context.Background(), &b); err != nil {
				return err
			}
			block, _ = scriptBlocks.LoadOrStore(p, b.Bytes())
		}
		_, err := w.Write(block.([]byte))
		return err
	})
}

// scriptBlocks are scriptMessages' blocks by printer (one per language).
var scriptBlocks sync.Map

// roleName is a role in words; the role itself (auth.Role) stays in
// data-role for scripts and tests.
func roleName(ctx context.Context, role string) string {
	switch auth.Role(role) {
	case auth.RoleOperator:
		return tr(ctx, "role.operator")
	case auth.RoleViewer:
		return tr(ctx, "role.viewer")
	}
	return role
}
