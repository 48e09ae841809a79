package listquery_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/listquery"
)

// TestParseEncodeRoundTrip proves a parsed query writes itself back as the
// canonical URL: defaults ("", "all", "newest", the default size) are left
// out, keys come in Encode's order, and reading that URL again gives the
// same query.
func TestParseEncodeRoundTrip(t *testing.T) {
	tests := []struct{ raw, url, canonical string }{
		{"", "/?page=1", "/"},
		{"q=&status=&type=&sort=newest&size=20", "/?page=1", "/"},
		{"status=all&type=all", "/?page=1", "/"},
		{"q=%20cache%20&status=failed", "/?page=1&q=cache&status=failed", "/?q=cache&status=failed"},
		{"page=2&size=50&sort=oldest", "/?page=2&size=50&sort=oldest", "/?page=2&size=50&sort=oldest"},
		{"type=online_migration&status=in_progress&q=e&sort=oldest&page=2",
			"/?page=2&q=e&sort=oldest&status=in_progress&type=online_migration",
			"/?page=2&q=e&sort=oldest&status=in_progress&type=online_migration"},
		{"q=a%26b%3Dc%23d", "/?page=1&q=a%26b%3Dc%23d", "/?q=a%26b%3Dc%23d"},
	}
	for _, tt := range tests {
		v, _ := url.ParseQuery(tt.raw)
		q, err := listquery.Parse(v, 20)
		if err != nil {
			t.Fatalf("%q: %v", tt.raw, err)
		}
		if got := q.URL(); got != tt.url {
			t.Errorf("%q: URL %q, want %q", tt.raw, got, tt.url)
		}
		if got := q.CanonicalURL(); got != tt.canonical {
			t.Errorf("%q: CanonicalURL %q, want %q", tt.raw, got, tt.canonical)
		}
		u, _ := url.Parse(q.URL())
		if again, err := listquery.Parse(u.Query(), 20); err != nil || again != q {
			t.Errorf("%q: read back as %+v, %v; want %+v", tt.raw, again, err, q)
		}
	}
}

// TestOtherAddresses proves the rows, export and paging links keep the
// query: exports drop the page and its size, the rows keep both.
func TestOtherAddresses(t *testing.T) {
	q, err := listquery.Parse(url.Values{"q": {"x y"}, "status": {"failed"}, "size": {"100"}, "page": {"3"}}, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, got, want string }{
		{"rows", q.RowsURL(), "/task-rows?page=3&q=x+y&size=100&status=failed"},
		{"csv", q.ExportCSVURL(), "/export.csv?q=x+y&status=failed"},
		{"json", q.ExportJSONURL(), "/export.json?q=x+y&status=failed"},
		{"next", q.OnPage(4).URL(), "/?page=4&q=x+y&size=100&status=failed"},
		{"no page", q.OnPage(0).URL(), "/?q=x+y&size=100&status=failed"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if q.Offset() != 200 || q.LastPage(201) != 3 || q.LastPage(0) != 1 {
		t.Errorf("offset %d, last pages %d and %d", q.Offset(), q.LastPage(201), q.LastPage(0))
	}
	if plain, _ := listquery.Parse(url.Values{"page": {"7"}}, 20); plain.Filtered() || !q.Filtered() {
		t.Errorf("Filtered: plain %v, filtered %v", plain.Filtered(), q.Filtered())
	}
}

// TestParseRefuses proves every value the list does not know is refused
// with a typed error whose title and text the 400 page shows as they are.
func TestParseRefuses(t *testing.T) {
	tests := []struct{ raw, title, text string }{
		{"q=" + strings.Repeat("é", listquery.MaxNameLength+1), "Search text too long",
			"Search for at most 128 characters of a task name."},
		{"page=0", "Invalid page number", "The page must be a whole number from 1 to 100000."},
		{"page=100001", "Invalid page number", "The page must be a whole number from 1 to 100000."},
		{"page=two", "Invalid page number", "The page must be a whole number from 1 to 100000."},
		{"status=running", "Invalid status filter", "The status filter must be one of: all, in_progress, finished, failed."},
		{"type=redis", "Invalid migration type", "The migration type must be one of: all, backupfile_import, online_migration."},
		{"sort=size", "Invalid sort order", "The sort order must be one of: newest, oldest, name, status."},
		{"size=7", "Invalid page size", "The page size must be one of: 20, 50, 100."},
	}
	for _, tt := range tests {
		v, _ := url.ParseQuery(tt.raw)
		_, err := listquery.Parse(v, 20)
		bad, ok := errors.AsType[*listquery.Error](err)
		if !ok || err.Error() != tt.title+": "+tt.text {
			t.Errorf("%.40q: %v, want %q: %q", tt.raw, err, tt.title, tt.text)
		}
		// The same refusal in Chinese names the same values.
		zh := i18n.With(context.Background(), zhPrinter)
		for i := 1; ok && i < len(bad.Args); i += 2 {
			if text := i18n.T(zh, bad.TextID, bad.Args...); !strings.Contains(text, fmt.Sprint(bad.Args[i])) {
				t.Errorf("%.40q: the Chinese text %q loses %v", tt.raw, text, bad.Args[i])
			}
		}
	}
}

// TestConfiguredDefaultSize proves a default size outside PageSizes is
// offered among them and left out of URLs, while the usual sizes stay in.
func TestConfiguredDefaultSize(t *testing.T) {
	q, err := listquery.Parse(url.Values{"size": {"30"}}, 30)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{20, 30, 50, 100}; !slices.Equal(q.Sizes(), want) {
		t.Errorf("sizes %v, want %v", q.Sizes(), want)
	}
	if q.Size != 30 || q.URL() != "/?page=1" {
		t.Errorf("size %d, URL %q", q.Size, q.URL())
	}
	q, _ = listquery.Parse(url.Values{"size": {"20"}}, 30)
	if q.Size != 20 || q.URL() != "/?page=1&size=20" {
		t.Errorf("size %d, URL %q", q.Size, q.URL())
	}
	if _, err := listquery.Parse(url.Values{"size": {"30"}}, 20); err == nil {
		t.Error("size 30 accepted when it is not offered")
	}
	if !slices.Equal(listquery.PageSizes, []int{20, 50, 100}) {
		t.Errorf("Sizes changed PageSizes: %v", listquery.PageSizes)
	}
}

var zhPrinter = func() *i18n.Printer {
	c, err := i18n.Load(i18n.English)
	if err != nil {
		panic(err)
	}
	return c.Printer(i18n.Chinese)
}()
