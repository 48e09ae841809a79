package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// statusOptions are the status filter's option labels in a page.
func statusOptions(doc *goquery.Selection) []string {
	var out []string
	doc.Find("select#filter-status option").Each(func(_ int, o *goquery.Selection) {
		out = append(out, strings.TrimSpace(o.Text()))
	})
	return out
}

// seedCounts counts the simulator's seeded tasks of a type ("" for all) the
// way the status filter groups them.
func seedCounts(e *env, typ string) (all, inProgress, finished, failed int) {
	for _, task := range dcssim.Seed(e.clock.Now()) {
		if typ != "" && task.MigrationType != typ {
			continue
		}
		all++
		st := dcs.Status(task.Status)
		switch {
		case st.InProgress():
			inProgress++
		case st.Tone() == dcs.ToneFailed:
			failed++
		case st.Known():
			finished++
		}
	}
	return all, inProgress, finished, failed
}

// TestStatusFilterCounts: each status choice says how many tasks it lists,
// with the type filter kept, on the page and in the rows' own reads (out of
// band, so the counts follow the rows), at no extra list call.
func TestStatusFilterCounts(t *testing.T) {
	e := newEnv(t, options{})
	for _, typ := range []string{"", dcs.TypeBackupFileImport} {
		all, prog, fin, failed := seedCounts(e, typ)
		want := []string{"All statuses (" + itoa(all) + ")", "In progress (" + itoa(prog) + ")",
			"Finished (" + itoa(fin) + ")", "Failed (" + itoa(failed) + ")"}
		e.sim.ResetCalls()
		r := e.get("/?status=failed&type=" + typ)
		wantStatus(t, r, http.StatusOK)
		if got := statusOptions(r.doc.Selection); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("type %q: options %q, want %q", typ, got, want)
		}
		if n := e.sim.Calls(dcssim.OpList); n != 1 {
			t.Errorf("type %q: %d list calls, want 1", typ, n)
		}
	}

	all, prog, _, _ := seedCounts(e, "")
	r := e.get(routes.RowsURL(nil), htmx...)
	wantStatus(t, r, http.StatusOK)
	oob := r.doc.Find(`select#filter-status[hx-swap-oob="innerMorph"]`)
	if oob.Length() != 1 {
		t.Fatal("the rows' read carries no status counts")
	}
	got := statusOptions(r.doc.Selection)
	if len(got) != 4 || got[0] != "All statuses ("+itoa(all)+")" || got[1] != "In progress ("+itoa(prog)+")" {
		t.Errorf("rows' read counts %q", got)
	}
	if sel, _ := oob.Find(`option[selected]`).Attr("value"); sel != "" {
		t.Errorf("the rows' read selects %q, want the list's own choice (all)", sel)
	}
}
