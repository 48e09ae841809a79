package views

import (
	"context"
	"html"
	"io"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// StatusBadge shows a status, named in the page's language (StatusName).
// data-status carries the raw API value, so tests and scripts never depend
// on the human label; title shows it on hover.
//
// It is written by hand rather than in templ because it is on the hottest
// path (one per list row) and templ's generic expression handling allocates
// several times per attribute; every value is still escaped here.
func StatusBadge(s dcs.Status) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		raw := html.EscapeString(string(s))
		var b strings.Builder
		b.Grow(120 + 2*len(raw))
		b.WriteString(`<span class="badge" data-tone="`)
		b.WriteString(string(s.Tone())) // a fixed set of plain words
		b.WriteString(`" data-testid="task-status" data-status="`)
		b.WriteString(raw)
		b.WriteString(`" title="`)
		b.WriteString(raw)
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(StatusName(ctx, s)))
		b.WriteString(`</span>`)
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// TimeTag shows a timestamp as a <time> element: UTC for people, RFC 3339 in
// datetime for machines, formatted once. A time the API sent in a layout
// that could not be parsed is shown as sent; a missing one as a dash.
func TimeTag(t dcs.Timestamp) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := w.Write(appendTime(nil, t))
		return err
	})
}

// UpdatedAt is when the list's rows were read, as a time of day (UTC): the
// rows' own reads replace it out of band (oob).
func UpdatedAt(t time.Time, oob bool) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		u := t.UTC()
		attr := ""
		if oob {
			attr = ` hx-swap-oob="true"`
		}
		_, err := io.WriteString(w, "<time"+` id="rows-updated" datetime="`+u.Format(time.RFC3339)+`" data-testid="updated-at"`+attr+`>`+
			u.Format("15:04:05")+" UTC</time>")
		return err
	})
}
