package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/views"
)

// TestRowsRefreshSendsOnlyChanges: a refresh that says what the page holds
// gets an empty 204 when nothing changed, and only the changed row whole
// (the others as stubs) when one task changed.
func TestRowsRefreshSendsOnlyChanges(t *testing.T) {
	e := newEnv(t, options{})
	path := routes.RowsURL(nil) + "?q=" + "待配置"
	first := e.get(path, htmx...)
	wantStatus(t, first, http.StatusOK)
	state, ok := first.doc.Find("#rows-state").Attr("data-state")
	if !ok || state == "" {
		t.Fatal("the rows' answer carries no state")
	}
	again := e.get(path, append(htmx, views.RowsStateHeader, state)...)
	wantStatus(t, again, http.StatusNoContent)
	if again.body != "" {
		t.Errorf("the 204 has a body: %q", again.body)
	}
	// Nothing to show, so none of a document's headers: they were most of
	// an idle tab's bytes. Not to be kept, and still traceable.
	for _, k := range []string{"Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "Content-Language"} {
		if v := again.header.Get(k); v != "" {
			t.Errorf("the 204 carries %s: %q", k, v)
		}
	}
	if again.header.Get("Cache-Control") != "no-store" || again.header.Get("X-Request-Id") == "" {
		t.Errorf("the 204: Cache-Control %q, X-Request-Id %q", again.header.Get("Cache-Control"), again.header.Get("X-Request-Id"))
	}
	// No state, or a state from another list: everything again.
	wantStatus(t, e.get(path, append(htmx, views.RowsStateHeader, "x.y~a~b")...), http.StatusOK)

	id := e.idNamed("待配置：商品详情缓存")
	if err := e.sim.SetStatus(id, "FAILED"); err != nil {
		t.Fatal(err)
	}
	changed := e.get(path, append(htmx, views.RowsStateHeader, state)...)
	wantStatus(t, changed, http.StatusOK)
	// (A bare <tbody> is no document: count in the text.)
	if n := strings.Count(changed.body, `<tr id="row-`) - strings.Count(changed.body, `data-unchanged`); n != 1 {
		t.Errorf("%d whole rows after one task changed, want 1", n)
	}
}
