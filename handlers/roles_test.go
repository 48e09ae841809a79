package handlers_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestOperatorStopsThroughProxy proves an operator named by the proxy's
// headers is shown as such, may stop, and the audit trail records who (user,
// email, groups), from where, and DCS's answer.
func TestOperatorStopsThroughProxy(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32"})
	id := e.idWith(dcs.StatusFullMigrating)
	page := e.get(routes.TaskURL(targets.DefaultName, id), operator...)
	wantStatus(t, page, http.StatusOK)
	if page.text("viewer-name") != "olga" || page.text("viewer-role") != "operator" ||
		!offersStop(page) || page.doc.Find(`nav a[href="/audit"]`).Length() != 1 {
		t.Errorf("operator page: name %q, role %q, no Stop or no audit link", page.text("viewer-name"), page.text("viewer-role"))
	}
	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(metaToken(t, page), "maintenance", "/"), append(operator, htmx...)...)
	wantStatus(t, r, http.StatusOK)
	if r.find("banner-success").Length() != 1 {
		t.Errorf("no success banner:\n%s", clipBody(r.body))
	}
	recs, err := e.audit.Recent(audit.Filter{TaskID: id})
	if err != nil || len(recs) != 2 {
		t.Fatalf("audit %+v, %v", recs, err)
	}
	in, out := recs[1], recs[0]
	if in.Event != audit.EventIntent || in.User != "u-olga" || in.Email != "olga@example.com" ||
		!slices.Equal(in.Groups, []string{"dcs-operators", "staff"}) || in.RemoteAddr != "127.0.0.1" || in.Reason != "maintenance" {
		t.Errorf("intent %+v", in)
	}
	if out.Outcome != audit.OutcomeAccepted || out.AttemptID != in.AttemptID || out.User != "u-olga" {
		t.Errorf("outcome %+v", out)
	}
}

// TestViewerCannotStopThroughProxy proves a viewer sees no Stop and no audit
// link, and a forced stop, even with the session's valid CSRF token from the
// layout, is refused 403 (page or htmx banner) with nothing sent or audited.
func TestViewerCannotStopThroughProxy(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32"})
	id := e.idWith(dcs.StatusFullMigrating)
	for _, path := range []string{"/", routes.TaskURL(targets.DefaultName, id)} {
		r := e.get(path, viewer...)
		wantStatus(t, r, http.StatusOK)
		if r.text("viewer-role") != "viewer" || offersStop(r) || r.doc.Find(`a[href="/audit"]`).Length() != 0 {
			t.Errorf("%s: role %q, or a Stop or audit link shown to a viewer", path, r.text("viewer-role"))
		}
	}
	wantStatus(t, e.get(routes.TaskStopURL(targets.DefaultName, id), viewer...), http.StatusForbidden)
	wantStatus(t, e.get(routes.TaskStopURL(targets.DefaultName, id), append(viewer, htmx...)...), http.StatusForbidden) // the dialog
	tok := e.tokenAs(viewer)
	r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "forced", "/"), viewer...)
	wantRefusedWithFlash(t, e, r, "/", viewer, "viewer")
	r = e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "forced", "/"), append(viewer, htmx...)...)
	wantRefusedDialog(t, r, http.StatusForbidden, "viewer", false)
	wantNoStops(t, e)
}

// TestNoRoleThroughProxy proves a signed-in person in none of the viewer or
// operator groups gets a 403 "No access" page on every request, before any
// handler runs or DCS is called.
func TestNoRoleThroughProxy(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32"})
	id := e.idWith(dcs.StatusFullMigrating)
	for _, r := range []*resp{
		e.get("/", outsider...),
		e.get("/audit", outsider...),
		e.get(routes.TaskStatusURL(targets.DefaultName, id, ""), append(outsider, htmx...)...),
		e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm("any", "", "/"), outsider...),
		e.get("/", with(outsider, "X-Forwarded-Groups", "DCS-Operators, dcs-operators-old")...),
	} {
		wantStatus(t, r, http.StatusForbidden)
		if !strings.Contains(r.body, "No access") {
			t.Errorf("403 without the No access text:\n%s", clipBody(r.body))
		}
	}
	if n := e.totalCalls(); n != 0 {
		t.Errorf("%d upstream calls for a person without a role", n)
	}
	wantNoStops(t, e)
}

// TestCSRFThroughProxy proves an operator's stop without the session's
// token, with a wrong or another session's token, or sent cross-site even
// with the right token, is refused 403 with nothing sent upstream.
func TestCSRFThroughProxy(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32"})
	id := e.idWith(dcs.StatusFullMigrating)
	tok := e.tokenAs(operator)
	other := *e
	other.client = &http.Client{Jar: newJar(), CheckRedirect: e.client.CheckRedirect}
	for name, tc := range map[string]struct {
		token  string
		header []string
	}{
		"missing token":         {"", nil},
		"wrong token":           {"not-the-token", nil},
		"another session's":     {other.tokenAs(operator), nil},
		"cross-site":            {tok, []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}},
		"foreign Origin only":   {tok, []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
		"htmx, missing token":   {"", htmx},
		"htmx, token in header": {"", with(htmx, "X-CSRF-Token", "not-the-token")},
	} {
		form := stopForm(tc.token, name, "/")
		if tc.token == "" {
			form.Del("_csrf")
		}
		if r := e.post(routes.TaskStopURL(targets.DefaultName, id), form, with(operator, tc.header...)...); r.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, r.status)
		}
	}
	wantNoStops(t, e)
}

// TestReadOnly proves -read-only hides Stop from an operator (local or via
// the proxy), marks every page read-only, and refuses a stop with a valid
// token 403, sending and auditing nothing.
func TestReadOnly(t *testing.T) {
	for name, mk := range map[string]func(t *testing.T) (*env, []string){
		"proxy operator": func(t *testing.T) (*env, []string) {
			return newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32", readOnly: true}), operator
		},
		"-auth none": func(t *testing.T) (*env, []string) {
			return newEnv(t, options{edit: func(_ *testing.T, _ string, c *handlers.Config) { c.ReadOnly = true }}), nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			e, who := mk(t)
			id := e.idWith(dcs.StatusFullMigrating)
			for _, path := range []string{"/", routes.TaskURL(targets.DefaultName, id), "/audit"} {
				r := e.get(path, who...)
				wantStatus(t, r, http.StatusOK)
				if r.find("read-only").Length() != 1 || offersStop(r) || r.text("viewer-role") != "operator" {
					t.Errorf("%s: no read-only mark, or Stop offered", path)
				}
			}
			wantStatus(t, e.get(routes.TaskStopURL(targets.DefaultName, id), who...), http.StatusForbidden)
			tok := e.tokenAs(who)
			r := e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "read-only", "/"), who...)
			wantRefusedWithFlash(t, e, r, "/", who, "read-only")
			r = e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "read-only", "/"), with(who, htmx...)...)
			wantRefusedDialog(t, r, http.StatusForbidden, "read-only", false)
			wantNoStops(t, e)
		})
	}
}

// TestAuditPage proves /audit is for operators only (viewers and the
// roleless get 403), lists attempts newest first with links to their tasks,
// marks an intent without outcome, filters by user (any case) and task, and
// refuses a malformed task filter with 400.
func TestAuditPage(t *testing.T) {
	e := newProxyEnv(t, proxySetup{trusted: "127.0.0.1/32"})
	a, b, c := e.idWith(dcs.StatusFullMigrating), e.idWith(dcs.StatusIncrMigrating), e.idWith(dcs.StatusMigrating)
	tok := e.tokenAs(operator)
	for _, id := range []string{a, b} {
		wantStatus(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(tok, "stop "+id, "/"), append(operator, htmx...)...), http.StatusOK)
		e.clock.Advance(2 * time.Second)
	}
	if _, err := e.audit.Intent(audit.Record{Action: audit.ActionStop, User: "u-ivan", TaskID: c, Reason: "crashed",
		Target: targets.DefaultName}); err != nil {
		t.Fatal(err)
	}

	rows := func(path string) []string { // task links of the rows, in page order
		t.Helper()
		r := e.get(path, operator...)
		wantStatus(t, r, http.StatusOK)
		var hrefs []string
		r.find("audit-row").Each(func(_ int, row *goquery.Selection) {
			href, _ := row.Find(`[data-testid="audit-task"]`).Attr("href")
			hrefs = append(hrefs, href)
		})
		return hrefs
	}
	link := func(id string) string { return routes.TaskURL(targets.DefaultName, id) }
	for path, want := range map[string][]string{
		routes.AuditURL("", "", ""):       {link(c), link(b), link(a)},
		routes.AuditURL("u-olga", "", ""): {link(b), link(a)},
		routes.AuditURL("U-OLGA", "", ""): {link(b), link(a)},
		routes.AuditURL("", "", a):        {link(a)},
		routes.AuditURL("u-ivan", "", ""): {link(c)},
		routes.AuditURL("nobody", "", ""): nil,
		routes.AuditURL("u-ivan", "", a):  nil,
	} {
		if got := rows(path); !slices.Equal(got, want) {
			t.Errorf("%s: rows %q, want %q", path, got, want)
		}
	}
	// Without an outcome: in progress at first; once older than a stop can
	// take, "outcome unknown" with a link to check the task.
	first := e.get("/audit", operator...).find("audit-row").First()
	if !strings.Contains(first.Find(`[data-testid="audit-outcome"]`).Text(), "in progress") {
		t.Errorf("a fresh intent without outcome not shown in progress: %q", first.Text())
	}
	e.clock.Advance(2 * time.Minute)
	first = e.get("/audit", operator...).find("audit-row").First()
	stale := first.Find(`[data-testid="audit-stale"] a`)
	if !strings.Contains(first.Find(`[data-testid="audit-outcome"]`).Text(), "outcome unknown") ||
		stale.AttrOr("href", "") != routes.TaskURL(targets.DefaultName, c) {
		t.Errorf("an old intent without outcome not marked unknown with a link: %q", first.Text())
	}

	for _, path := range []string{routes.AuditURL("", "", "../../etc/passwd"), routes.AuditURL("", "", "<script>"),
		routes.AuditURL(strings.Repeat("u", 257), "", "")} {
		wantStatus(t, e.get(path, operator...), http.StatusBadRequest)
	}
	wantStatus(t, e.get("/audit", viewer...), http.StatusForbidden)
	wantStatus(t, e.get("/audit", outsider...), http.StatusForbidden)
}

// TestOIDCRoles proves, with native sign-in, that a person in no allowed
// group is refused 403 at the callback and gets no session, and a viewer
// sees no Stop and is refused 403 on a forced stop with a valid token.
func TestOIDCRoles(t *testing.T) {
	m := startMockIdP(t)
	e := newOIDCEnv(t, m, newSecret)
	r := e.signIn(m, fred, "/")
	wantStatus(t, r, http.StatusForbidden)
	if !strings.Contains(r.body, "No access") {
		t.Errorf("no No access page:\n%s", clipBody(r.body))
	}
	wantStatus(t, e.get("/"), http.StatusSeeOther)

	id := e.idWith(dcs.StatusFullMigrating)
	e.signIn(m, vera, "/")
	page := e.get(routes.TaskURL(targets.DefaultName, id))
	wantStatus(t, page, http.StatusOK)
	if page.text("viewer-name") != "vera" || page.text("viewer-role") != "viewer" || offersStop(page) {
		t.Errorf("viewer page: %q %q, Stop offered %v", page.text("viewer-name"), page.text("viewer-role"), offersStop(page))
	}
	wantRefusedWithFlash(t, e, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(metaToken(t, page), "forced", "/")), "/", nil, "viewer")
	wantRefusedDialog(t, e.post(routes.TaskStopURL(targets.DefaultName, id), stopForm(metaToken(t, page), "forced", "/"), htmx...),
		http.StatusForbidden, "viewer", false)
	wantStatus(t, e.get("/audit"), http.StatusForbidden)
	wantNoStops(t, e)
}
