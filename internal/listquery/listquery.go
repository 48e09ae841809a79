// Package listquery is the task list's state as its URL carries it: the
// name search, the target, status group and type filters, the order, the page and
// its size. It reads a request's query, checking every value before
// anything is asked of the DCS API, and writes itself back as the canonical
// URL, so the handlers that read a list and the pages that link to one
// agree by construction.
package listquery

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// The URL values of the status groups and of the orders other than newest
// first. The empty value is the default (every status, newest first);
// handlers decides which statuses each group holds and how each order sorts.
const (
	GroupInProgress = "in_progress"
	GroupFinished   = "finished"
	GroupFailed     = "failed"
	SortOldest      = "oldest"
	SortName        = "name"
	SortStatus      = "status"
)

const (
	// MaxNameLength bounds the name search, in characters.
	MaxNameLength = 128
	// MaxPage bounds the page number, which keeps the API's offset sane.
	MaxPage = 100000
)

// PageSizes are the page sizes the list offers; the dashboard's configured
// default is offered too (Query.Sizes).
var PageSizes = []int{20, 50, 100}

// The query's keys, as links and the filter form spell them.
const (
	keyName   = "q"
	keyTarget = "target"
	keyStatus = "status"
	keyType   = "type"
	keySort   = "sort"
	keyPage   = "page"
	keySize   = "size"
)

// Query is one view of the task list. Its zero value but for the sizes is
// the plain list; defaults are left out of its URLs, so the plain list
// keeps its plain addresses.
type Query struct {
	Name   string // name search, trimmed; "" searches nothing
	Target string // "" (every target) or one target's name
	Status string // "" or a Group* value
	Type   string // "" or a migration type (dcs.Type*)
	Sort   string // "" (newest first), SortOldest, SortName or SortStatus
	// Page counts from 1; 0 leaves the page out of the URL, which reads as 1.
	Page int
	// Size is the number of tasks a page holds.
	Size int
	// DefaultSize is the dashboard's configured page size: it is always
	// offered, and left out of URLs.
	DefaultSize int
}

// Error is a list query the dashboard refuses: catalog ids of its title
// and its text (internal/i18n), with the text's placeholders, so the page
// names the allowed values in the reader's language.
type Error struct {
	TitleID, TextID string
	Args            []any // placeholder name and value pairs of the text
}

// Error is the title and the text in English, for logs.
func (e *Error) Error() string {
	ctx := context.Background()
	return i18n.T(ctx, e.TitleID) + ": " + i18n.T(ctx, e.TextID, e.Args...)
}

// Parse reads the list's query with defaultSize as the page size when it
// names none. An empty value is the default, so the plain GET form (which
// sends every field) works without JavaScript; anything unknown is refused
// with an *Error, rather than silently showing another list.
func Parse(v url.Values, defaultSize int) (Query, error) {
	q := Query{Name: strings.TrimSpace(v.Get(keyName)), Page: 1, Size: defaultSize, DefaultSize: defaultSize}
	if utf8.RuneCountInString(q.Name) > MaxNameLength {
		return q, &Error{"query.name_long.title", "query.name_long.text", []any{"Max", MaxNameLength}}
	}
	if raw := v.Get(keyPage); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxPage {
			return q, &Error{"query.page.title", "query.page.text", []any{"Max", MaxPage}}
		}
		q.Page = n
	}
	// Which targets exist is the handlers' to say; here only the form of a
	// name is checked, so no odd text reaches a URL or a page.
	if q.Target = v.Get(keyTarget); q.Target != "" && !targets.ValidName(q.Target) {
		return q, &Error{"query.target.title", "query.target.text", nil}
	}
	var err error
	if q.Status, err = oneOf(v.Get(keyStatus), "query.status.title", "query.status.text",
		"all", GroupInProgress, GroupFinished, GroupFailed); err != nil {
		return q, err
	}
	if q.Type, err = oneOf(v.Get(keyType), "query.type.title", "query.type.text",
		"all", dcs.TypeBackupFileImport, dcs.TypeOnlineMigration); err != nil {
		return q, err
	}
	if q.Sort, err = oneOf(v.Get(keySort), "query.sort.title", "query.sort.text",
		"newest", SortOldest, SortName, SortStatus); err != nil {
		return q, err
	}
	if raw := v.Get(keySize); raw != "" {
		sizes := q.Sizes()
		n, err := strconv.Atoi(raw)
		if err != nil || !slices.Contains(sizes, n) {
			words := make([]string, len(sizes))
			for i, n := range sizes {
				words[i] = strconv.Itoa(n)
			}
			return q, &Error{"query.size.title", "query.size.text", []any{"Allowed", strings.Join(words, ", ")}}
		}
		q.Size = n
	}
	return q, nil
}

// oneOf accepts "" or one of allowed; the first allowed value is the
// default and, like "", reads as "" so every URL of one list is the same.
// A refusal is titleID and textID, the text naming the allowed values.
func oneOf(raw, titleID, textID string, allowed ...string) (string, error) {
	if raw == "" || raw == allowed[0] {
		return "", nil
	}
	if slices.Contains(allowed, raw) {
		return raw, nil
	}
	return "", &Error{titleID, textID, []any{"Allowed", strings.Join(allowed, ", ")}}
}

// Sizes are the page sizes offered, in order: PageSizes, plus the default
// if the dashboard was set up with another one.
func (q Query) Sizes() []int {
	sizes := slices.Clone(PageSizes)
	if q.DefaultSize > 0 && !slices.Contains(sizes, q.DefaultSize) {
		sizes = append(sizes, q.DefaultSize)
		slices.Sort(sizes)
	}
	return sizes
}

// Offset is how many tasks come before the page.
func (q Query) Offset() int { return (max(q.Page, 1) - 1) * q.Size }

// LastPage is the list's last page when total tasks match it.
func (q Query) LastPage(total int) int { return LastPage(total, q.Size) }

// LastPage is the last page of total entries shown size a page: 1 when
// there are none, so "page 1 of 1" holds for an empty list too.
func LastPage(total, size int) int {
	if size <= 0 || total <= 0 {
		return 1
	}
	return (total + size - 1) / size
}

// OnPage is q on page n; 0 leaves the page out of its URL.
func (q Query) OnPage(n int) Query {
	q.Page = n
	return q
}

// Values is q as URL values, defaults left out. Encode sorts the keys, so
// page comes first, as it always has.
func (q Query) Values() url.Values {
	v := url.Values{}
	if q.Page > 0 {
		v.Set(keyPage, strconv.Itoa(q.Page))
	}
	for key, val := range map[string]string{keyName: q.Name, keyTarget: q.Target, keyStatus: q.Status, keyType: q.Type, keySort: q.Sort} {
		if val != "" {
			v.Set(key, val)
		}
	}
	if q.Size > 0 && q.Size != q.DefaultSize {
		v.Set(keySize, strconv.Itoa(q.Size))
	}
	return v
}

// URL is the list page q shows; a stop from one of its rows comes back to
// it, so it keeps the page number, even 1.
func (q Query) URL() string { return routes.ListURL(q.Values()) }

// CanonicalURL is the one address of the view q shows, the one htmx pushes
// into history: page 1 is left out too, so the plain list is "/".
func (q Query) CanonicalURL() string {
	if q.Page == 1 {
		q.Page = 0
	}
	return q.URL()
}

// RowsURL is the table body of the page q shows, for the rows' refresh.
func (q Query) RowsURL() string { return routes.RowsURL(q.Values()) }

// ExportCSVURL downloads every task q selects, all pages, as CSV: the page
// and its size do not matter there.
func (q Query) ExportCSVURL() string { return routes.ExportCSVURL(q.exportValues()) }

// ExportJSONURL downloads the same tasks as ExportCSVURL, as JSON.
func (q Query) ExportJSONURL() string { return routes.ExportJSONURL(q.exportValues()) }

func (q Query) exportValues() url.Values {
	q.Page, q.Size = 0, 0
	return q.Values()
}

// Filtered reports whether q differs from the plain list in anything but
// its page, so the filter form offers to clear it.
func (q Query) Filtered() bool { return len(q.OnPage(0).Values()) > 0 }
