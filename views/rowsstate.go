package views

import (
	"bytes"
	"context"
	"strings"

	"github.com/a-h/templ"
)

// RowsStateHeader carries, on a rows' refresh, the state the browser holds
// (app.js copies it from #rows-state), so the answer can leave out what it
// already has: "204 No Content" when nothing changed, stubs for the rows
// that did not.
const RowsStateHeader = "X-Rows-State"

// RowsState is what the browser holds of a list's rows: a version of each
// row in order, of the status filter's counts and of the target alerts.
// A version is a hash of the part as rendered, so any change a person could
// see (a figure, a word, the language) makes a new one.
type RowsState struct {
	Rows           []string
	Counts, Errors string
}

// String is the state as sent and as the header carries it.
func (s RowsState) String() string {
	return strings.Join(s.Rows, ".") + "~" + s.Counts + "~" + s.Errors
}

// ParseRowsState reads a RowsStateHeader; anything malformed is the empty
// state, which matches nothing, so the full rows are sent.
func ParseRowsState(h string) RowsState {
	parts := strings.Split(h, "~")
	if len(parts) != 3 || len(h) > 4096 {
		return RowsState{}
	}
	var rows []string
	if parts[0] != "" {
		rows = strings.Split(parts[0], ".")
	}
	return RowsState{Rows: rows, Counts: parts[1], Errors: parts[2]}
}

// RowsStateOf renders each part of p's rows' answer on its own and hashes
// it. The rows are kept in p, so the answer writes the changed ones from
// the same bytes rather than rendering them again.
func RowsStateOf(ctx context.Context, p *ListPage) RowsState {
	var s RowsState
	p.rendered = renderRows(ctx, p)
	for i := range p.Rows {
		s.Rows = append(s.Rows, rowVersion(p.rendered.row(i)))
	}
	s.Counts = version(ctx, statusCountsRead(*p))
	s.Errors = version(ctx, targetErrors(*p, true))
	return s
}

// Unchanged marks what of p the browser holding seen already has, and
// reports whether that is all of it.
func (s RowsState) Unchanged(p *ListPage, seen RowsState) bool {
	same := len(seen.Rows) == len(s.Rows)
	for i := range p.Rows {
		p.Rows[i].Unchanged = same && seen.Rows[i] == s.Rows[i]
	}
	p.CountsUnchanged, p.ErrorsUnchanged = seen.Counts == s.Counts, seen.Errors == s.Errors
	all := same && p.CountsUnchanged && p.ErrorsUnchanged
	for i := range p.Rows {
		all = all && p.Rows[i].Unchanged
	}
	return all
}

func version(ctx context.Context, c templ.Component) string {
	var b bytes.Buffer
	_ = c.Render(ctx, &b)
	return rowVersion(b.Bytes())
}
