package views

import (
	"context"
	"encoding/base64"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// A list row is written by hand, straight into a byte slice, rather than by
// a templ component: a page holds up to 100 rows and refreshes every few
// seconds, and templ's per-expression cost (an escape, a write and often an
// allocation for every attribute) was most of the list's render time. The
// markup is kept to what a row needs, since every byte is repeated a
// hundred times:
//
//   - one id per row (row-TARGET-TASK), the key the refresh's morph, the
//     keyboard highlight and a stop's answer find the row by;
//   - the task's link, the batch checkbox and the Stop link, the row's only
//     controls (app.js opens the Stop link's confirmation as a dialog; a
//     page without the script follows it to the confirmation page);
//   - a class per cell only where the stylesheet needs one.
//
// Every value from the API is escaped (appendText, appendAttr), and
// TestListRowMarkup parses rows back to check the structure and the
// escaping.

// rowWords are the words every row of one list repeats, translated and
// escaped once per rendering rather than once a row.
type rowWords struct {
	ctx context.Context
	// selectBefore and selectAfter surround a task's name in its
	// checkbox's label ("Select {{.Name}}").
	selectBefore, selectAfter    string
	stop, fullSync, fullSyncDone string
	// stopReturn is the Stop link's query: the list to come back to after
	// the confirmation page, when it is not the plain list.
	stopReturn string
	// What rows show of statuses and of the API's enums, as met.
	statuses memo[rowStatus]
	kinds    memo[string] // names, escaped
	// target is the last row's target, plainTarget whether it needs no
	// escaping in a path.
	target      string
	plainTarget bool
}

// rowStatus is what a row shows of a status, worked out once per page:
// a page meets a handful of statuses a hundred times.
type rowStatus struct {
	html, tone string
	stoppable  bool
}

// status is s's name, escaped, its tone and whether it may be stopped.
func (w *rowWords) status(s dcs.Status) rowStatus {
	if st, ok := w.statuses.find(string(s)); ok {
		return st
	}
	return w.statuses.add(string(s), rowStatus{html: escapeText(StatusName(w.ctx, s)), tone: string(s.Tone()), stoppable: s.Stoppable()})
}

// memo remembers a value per raw API value. A page meets a handful of raw
// values a hundred times, so a short list searched in order beats both a
// map's hashing and working the value out again.
type memo[V any] []struct {
	raw string
	v   V
}

func (m *memo[V]) find(raw string) (V, bool) {
	for _, e := range *m {
		if e.raw == raw {
			return e.v, true
		}
	}
	var zero V
	return zero, false
}

func (m *memo[V]) add(raw string, v V) V {
	*m = append(*m, struct {
		raw string
		v   V
	}{raw, v})
	return v
}

// nameMark stands for the task's name while its label is translated, so
// the label is split around it once.
const nameMark = "\x00"

func wordsOf(ctx context.Context, returnTo string) *rowWords {
	// Rows need nothing of ctx but the page's words: a context holding the
	// printer alone spares each of a row's words a walk up the chain of
	// contexts templ nests for every component.
	ctx = i18n.With(context.Background(), i18n.From(ctx))
	before, after, _ := strings.Cut(tr(ctx, "list.row.select", "Name", nameMark), nameMark)
	w := &rowWords{
		ctx:          ctx,
		selectBefore: escapeAttr(before),
		selectAfter:  escapeAttr(after),
		stop:         escapeText(tr(ctx, "state.stop")),
		fullSync:     escapeAttr(tr(ctx, "list.progress.full_sync")),
		fullSyncDone: escapeText(tr(ctx, "list.progress.full_sync_done")),
	}
	if returnTo != "" && returnTo != routes.List {
		w.stopReturn = escapeAttr(routes.ReturnQuery(returnTo))
	}
	return w
}

// renderedRows are a list's rows as HTML, one after another; ends[i] is
// where row i ends in html.
type renderedRows struct {
	html []byte
	ends []int
}

func (r *renderedRows) row(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.html[start:r.ends[i]]
}

// rowsBuffers recycles the rows' buffers: a 100-row page is about 70 KB,
// written every few seconds per viewer.
var rowsBuffers = sync.Pool{New: func() any { return new(renderedRows) }}

// renderRows writes every row of p. A caller that is done with the result
// may put it back in rowsBuffers (release); rows kept in a ListPage are
// left to the collector, since copies of the page may still hold them.
func renderRows(ctx context.Context, p *ListPage) *renderedRows {
	r := rowsBuffers.Get().(*renderedRows)
	r.html, r.ends = r.html[:0], r.ends[:0]
	var w *rowWords
	if len(p.Rows) > 0 {
		w = wordsOf(ctx, p.Rows[0].ReturnTo)
	}
	for i := range p.Rows {
		r.html = appendRow(r.html, w, &p.Rows[i])
		r.ends = append(r.ends, len(r.html))
	}
	return r
}

func (r *renderedRows) release() {
	if cap(r.html) <= 1<<20 { // a page far beyond the usual is not kept
		rowsBuffers.Put(r)
	}
}

// rowVersion is a rendered part's version for RowsState: 48 bits of its
// FNV-1a hash in 8 characters of base64url. The browser sends one a row
// with every refresh, so they are kept short; a change to a row going
// unnoticed because its hash did not change has a chance in 2^48.
func rowVersion(html []byte) string {
	h := fnv.New64a()
	_, _ = h.Write(html)
	sum := h.Sum64()
	var b [6]byte
	for i := range b {
		b[i] = byte(sum >> (8 * i))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// rowsBody writes p's rows: each whole, or as a stub where the browser
// already has it as it is (Unchanged). The rows rendered for p's
// RowsState are reused rather than written again.
func rowsBody(p ListPage) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		r := p.rendered
		if r == nil {
			r = renderRows(ctx, &p)
			defer r.release()
		}
		var stub []byte
		for i := range p.Rows {
			var err error
			if p.Rows[i].Unchanged {
				// The browser has this row as it is: a stub app.js keeps
				// the row in its place for (htmx_before_morph_node).
				stub = append(appendRowID(append(stub[:0], `<tr id="`...), &p.Rows[i]), `" data-unchanged></tr>`...)
				_, err = w.Write(stub)
			} else {
				_, err = w.Write(r.row(i))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// rowID is a list row's element id, unique across targets (as the DOM
// has it; appendRowID writes it escaped).
func rowID(row *TaskState) string { return "row-" + row.Target + "-" + row.Task.ID }

func appendRowID(b []byte, row *TaskState) []byte {
	b = append(b, "row-"...)
	b = appendAttr(b, row.Target)
	b = append(b, '-')
	return appendAttr(b, row.Task.ID)
}

func appendRow(b []byte, w *rowWords, row *TaskState) []byte {
	ctx, t := w.ctx, &row.Task
	status := w.status(t.Status)
	selectable := row.CanStop && status.stoppable // row.Selectable()
	b = append(b, `<tr id="row-`...)
	// The target and the task id, escaped once: the box's value and, for
	// the usual names, the links repeat the same bytes.
	target := len(b)
	b = appendAttr(b, row.Target)
	targetEnd := len(b)
	b = append(b, '-')
	id := len(b)
	b = appendAttr(b, t.ID)
	idEnd := len(b)
	b = append(b, `">`...)
	if row.Target != w.target { // a page's rows mostly share a few targets
		w.target, w.plainTarget = row.Target, plainSegment(row.Target)
	}
	plain := w.plainTarget && plainSegment(t.ID)

	if row.SelectCell {
		b = append(b, `<td class="select-cell">`...)
		if selectable {
			b = append(b, `<input type="checkbox" name="task" value="`...)
			b = append(b, b[target:targetEnd]...)
			b = append(b, '/')
			b = append(b, b[id:idEnd]...)
			b = append(b, `" form="batch-form" aria-label="`...)
			b = append(b, w.selectBefore...)
			b = appendAttr(b, t.Name)
			b = append(b, w.selectAfter...)
			b = append(b, `">`...)
		}
		b = append(b, `</td>`...)
	}

	b = append(b, `<td class="name"><a href="`...)
	path := len(b)
	if plain {
		b = append(b, "/t/"...)
		b = append(b, b[target:targetEnd]...)
		b = append(b, "/tasks/"...)
		b = append(b, b[id:idEnd]...)
	} else {
		b = appendAttr(b, routes.TaskURL(row.Target, t.ID))
	}
	pathEnd := len(b)
	b = append(b, `">`...)
	b = appendText(b, orDash(t.Name))
	b = append(b, `</a>`...)
	if t.Description != "" {
		b = append(b, `<div class="muted clamp">`...)
		b = appendText(b, t.Description)
		b = append(b, `</div>`...)
	}
	b = append(b, `</td><td class="state-cell"><span class="badge" data-tone="`...)
	b = append(b, status.tone...) // a fixed set of plain words
	b = append(b, `" data-status="`...)
	b = appendAttr(b, string(t.Status))
	b = append(b, `">`...)
	b = append(b, status.html...)
	b = append(b, `</span>`...)
	if t.ErrorMessage != "" {
		clipped := Clip(t.ErrorMessage, rowErrorLength)
		b = append(b, `<p class="row-error"`...)
		if clipped != t.ErrorMessage { // the whole message on hover
			b = append(b, ` title="`...)
			b = appendAttr(b, t.ErrorMessage)
			b = append(b, '"')
		}
		b = append(b, '>')
		b = appendText(b, clipped)
		b = append(b, `</p>`...)
	}
	b = append(b, `</td><td class="progress-cell">`...)
	b = appendProgress(b, w, row)
	b = append(b, `</td>`...)

	if row.TargetLabel != "" {
		b = append(b, `<td class="target" title="`...)
		b = appendAttr(b, row.TargetWhere)
		b = append(b, `">`...)
		b = appendText(b, row.TargetLabel)
		b = append(b, `</td>`...)
	}
	b = append(b, `<td class="kind">`...)
	b = append(b, w.kind(t.Type)...)
	b = append(b, `<span class="muted">`...)
	b = append(b, w.kind(t.Method)...)
	b = append(b, `</span></td><td>`...)
	b = append(b, w.kind(t.NetworkType)...)
	b = append(b, `</td><td class="route">`...)
	b = appendText(b, sourceSummary(ctx, *t))
	b = append(b, " → "...)
	b = appendText(b, targetSummary(*t))
	b = append(b, `</td><td>`...)
	b = appendTime(b, t.CreatedAt)
	b = append(b, `</td>`...)

	if row.SelectCell {
		b = append(b, `<td class="actions-cell">`...)
		if selectable {
			b = appendStopLink(b, w, b[path:pathEnd])
		}
		b = append(b, `</td>`...)
	}
	return append(b, `</tr>`...)
}

// kind is the name of an API enum value (KindName), escaped.
func (w *rowWords) kind(raw string) string {
	if html, ok := w.kinds.find(raw); ok {
		return html
	}
	return w.kinds.add(raw, escapeText(KindName(w.ctx, raw)))
}

// appendStopLink is a row's Stop: a link to the confirmation page, which
// app.js opens as a dialog instead (one small link per row, not a dialog
// or a form per row, keeps a long list light).
func appendStopLink(b []byte, w *rowWords, taskPath []byte) []byte {
	b = append(b, `<a class="btn btn-small btn-row" href="`...)
	b = append(b, taskPath...)
	b = append(b, `/stop`...)
	b = append(b, w.stopReturn...)
	b = append(b, `">`...)
	b = append(b, w.stop...)
	return append(b, `</a>`...)
}

// appendProgress is the progress cell's content: the full sync's
// percentage as a bar, then an incremental migration's lag; for the rest,
// what the status tells, or why the figures are missing (whole on hover).
func appendProgress(b []byte, w *rowWords, row *TaskState) []byte {
	ctx := w.ctx
	if pr := row.Progress; pr != nil && pr.Stats != nil {
		if inFullSync(row.Task, pr.Stats) {
			b = append(b, `<progress max="100" value="`...)
			b = strconv.AppendFloat(b, percent(pr.Stats.FullProgress), 'f', -1, 64)
			b = append(b, `" aria-label="`...)
			b = append(b, w.fullSync...)
			b = append(b, `"></progress>`...)
			return appendText(b, percentText(pr.Stats.FullProgress))
		}
		b = append(b, `<span title="`...)
		b = appendAttr(b, lagExact(ctx, pr.Stats.Offset))
		b = append(b, `">`...)
		b = append(b, w.fullSyncDone...)
		b = appendText(b, lagShort(ctx, pr.Stats.Offset))
		return append(b, `</span>`...)
	}
	if note := progressNote(ctx, row); note != "" {
		b = append(b, `<span class="muted" title="`...)
		b = appendAttr(b, progressHover(ctx, row))
		b = append(b, `">`...)
		b = appendText(b, note)
		b = append(b, `</span>`...)
	}
	return b
}

// plainSegment reports whether s is a path segment that needs no escaping
// in a URL or an attribute (the usual task id and target name).
func plainSegment(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

// plainByte marks the bytes plainSegment accepts: letters, digits, - _ .
var plainByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
	}
	return t
}()

// appendTime is a <time> element (TimeTag, and every list row's creation
// time): UTC for people, RFC 3339 in datetime for machines; a time the API
// sent in a layout that could not be parsed is shown as sent, a missing one
// as a dash.
func appendTime(b []byte, t dcs.Timestamp) []byte {
	switch {
	case t.IsZero():
		return append(b, "<time>—</time>"...)
	case t.Valid() && t.Time.Year() >= 1 && t.Time.Year() <= 9999:
		b = append(b, `<time datetime="`...)
		start := len(b)
		b = appendRFC3339(b, t.Time) // 2006-01-02T15:04:05Z
		b = append(b, `">`...)
		b = append(b, b[start:start+10]...)
		b = append(b, ' ')
		b = append(b, b[start+11:start+19]...)
		return append(b, " UTC</time>"...)
	default:
		b = append(b, "<time>"...)
		b = appendText(b, t.Raw)
		return append(b, "</time>"...)
	}
}

// appendRFC3339 is t.UTC().AppendFormat(b, time.RFC3339) for a year of
// four digits, at a fraction of the cost (one per row).
func appendRFC3339(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, int(mo), 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = append(b, ':')
	b = appendDigits(b, mi, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	return append(b, 'Z')
}

// appendDigits appends n, not negative, in exactly width digits.
func appendDigits(b []byte, n, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		b = append(b, 0)
	}
	for i := len(b) - 1; i >= len(b)-width; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}

// appendText appends s escaped for HTML text; appendAttr for a quoted
// attribute value. Both escape the same five characters templ does, so a
// value reads the same whichever wrote it.
func appendText(b []byte, s string) []byte { return appendEscaped(b, s) }

func appendAttr(b []byte, s string) []byte { return appendEscaped(b, s) }

func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		if !htmlSpecial[s[i]] {
			continue
		}
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// htmlSpecial marks the bytes appendEscaped replaces.
var htmlSpecial = [256]bool{'&': true, '<': true, '>': true, '"': true, '\'': true}

func escapeText(s string) string { return string(appendText(nil, s)) }
func escapeAttr(s string) string { return string(appendAttr(nil, s)) }

// rowActionsRead replaces a list row's actions cell out of band after a
// stop: the Stop link while the task may still be stopped, else nothing.
func rowActionsRead(p *TaskState) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		b := append([]byte(nil), `<div hx-swap-oob="innerHTML:#`...)
		b = appendRowID(b, p)
		b = append(b, ` .actions-cell">`...)
		if p.Selectable() {
			b = appendStopLink(b, wordsOf(ctx, p.ReturnTo), appendAttr(nil, routes.TaskURL(p.Target, p.Task.ID)))
		}
		_, err := w.Write(append(b, `</div>`...))
		return err
	})
}
