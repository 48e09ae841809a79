//go:build e2e

package e2e

import (
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// TestProxySSOOperatorStopsAndViewerCannot: through a real oauth2-proxy and
// an OIDC provider, an operator signs in and stops a task (and the audit
// trail names them); a viewer sees no Stop, and a forced POST is refused.
func TestProxySSOOperatorStopsAndViewerCannot(t *testing.T) {
	idp := startIdP(t)
	e := newEnv(t, envOptions{extraArgs: proxyModeArgs(idp)})
	proxy := startOAuth2Proxy(t, idp, e.baseURL)
	task := findTask(t, e.sim, withStatus("MIGRATING"))

	idp.QueueUser(user("alice", operatorGroup))
	page := newPage(t, true)
	goTo(t, page, at(proxy, routes.TaskURL(targets.DefaultName, task.TaskID)))
	must(t, expect.Locator(page.GetByTestId("viewer-name")).ToHaveText("alice"))
	must(t, expect.Locator(page.GetByTestId("viewer-role")).ToHaveText("operator"))
	openStopDialog(t, page, task)
	must(t, page.GetByRole("dialog").GetByLabel("Reason").Fill("SSO e2e"))
	must(t, button(page, "Stop task").Click())
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "TERMINATING"))
	must(t, expect.Locator(page.GetByTestId("banner-success")).ToContainText("alice"))

	must(t, page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Audit trail"}).Click())
	row := page.GetByTestId("audit-row").First()
	must(t, expect.Locator(row.GetByTestId("audit-user")).ToContainText("alice"))
	must(t, expect.Locator(row.GetByTestId("audit-reason")).ToHaveText("SSO e2e"))
	must(t, expect.Locator(row.GetByTestId("audit-outcome")).ToContainText(audit.OutcomeAccepted))

	other := findTask(t, e.sim, withStatus("INCRMIGRATING"))
	idp.QueueUser(user("bob", viewerGroup))
	viewer := newPage(t, true)
	goTo(t, viewer, at(proxy, routes.TaskURL(targets.DefaultName, other.TaskID)))
	must(t, expect.Locator(viewer.GetByTestId("viewer-name")).ToHaveText("bob"))
	must(t, expect.Locator(viewer.GetByTestId("viewer-role")).ToHaveText("viewer"))
	must(t, expect.Locator(badge(viewer)).ToHaveAttribute("data-status", "INCRMIGRATING"))
	must(t, expect.Locator(button(viewer, "Stop")).ToHaveCount(0))
	// A forced post, as htmx would send it (the dialog back with the
	// refusal, 403) and as a plain form would (a redirect to a page that
	// says why).
	refusal, err := viewer.Evaluate(`async (url) => {
		const token = document.querySelector('meta[name="csrf-token"]').content;
		const body = () => new URLSearchParams({_csrf: token, reason: "forced"});
		const hx = await fetch(url, {method: "POST", body: body(), headers: {"HX-Request": "true"}});
		const plain = await fetch(url, {method: "POST", body: body()});
		return [hx.status, plain.redirected, (await plain.text()).includes("may view tasks but not stop them")];
	}`, routes.TaskStopURL(targets.DefaultName, other.TaskID))
	must(t, err)
	if got, ok := refusal.([]any); !ok || len(got) != 3 || got[0] != 403 || got[1] != true || got[2] != true {
		t.Fatalf("a viewer's forced stop: [htmx status, plain redirected, plain page says why] = %v, want [403 true true]", refusal)
	}
	if n := e.sim.Calls(dcssim.OpStop); n != 1 {
		t.Fatalf("%d upstream stops, want only the operator's", n)
	}
	must(t, expect.Locator(badge(viewer)).ToHaveAttribute("data-status", "INCRMIGRATING"))
}

// TestNativeOIDCSignIn: with -auth oidc the dashboard sends the browser to
// the provider, returns to the page asked for, and signs out.
func TestNativeOIDCSignIn(t *testing.T) {
	idp := startIdP(t)
	port := freePort(t)
	e := newEnv(t, envOptions{extraArgs: []string{"-listen", "127.0.0.1:" + port, "-auth", "oidc",
		"-oidc-issuer", idp.Issuer(), "-oidc-client-id", oidcClientID, "-oidc-client-secret", oidcClientSecret,
		"-oidc-redirect-url", "http://127.0.0.1:" + port + "/auth/callback", "-oidc-scopes", "openid,email,profile,groups",
		"-operator-groups", operatorGroup, "-session-keys", sessionKey, "-insecure-cookies"}})
	task := findTask(t, e.sim, withStatus("FULLMIGRATING"))

	idp.QueueUser(user("carol", operatorGroup))
	page := newPage(t, true)
	goTo(t, page, at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID)))
	must(t, expect.Page(page).ToHaveURL(at(e.baseURL, routes.TaskURL(targets.DefaultName, task.TaskID))))
	must(t, expect.Locator(page.GetByTestId("viewer-name")).ToHaveText("carol"))
	must(t, expect.Locator(page.GetByTestId("viewer-role")).ToHaveText("operator"))
	openStopDialog(t, page, task)
	must(t, button(page, "Stop task").Click())
	must(t, expect.Locator(badge(page)).ToHaveAttribute("data-status", "TERMINATING"))

	must(t, button(page, "Sign out").Click())
	must(t, expect.Locator(page.GetByText("You have signed out")).ToBeVisible())
	// Signed out: the next page goes back through the provider (a new login).
	idp.QueueUser(user("dave", viewerGroup))
	goTo(t, page, e.baseURL)
	must(t, expect.Locator(page.GetByTestId("viewer-name")).ToHaveText("dave"))
	must(t, expect.Locator(page.GetByTestId("viewer-role")).ToHaveText("viewer"))
}

// TestProxySSOExpiredSessionDuringHTMX: when the proxy's session is gone, an
// htmx request sends the whole browser through sign-in again, rather than
// swapping a sign-in page into a fragment or failing silently.
func TestProxySSOExpiredSessionDuringHTMX(t *testing.T) {
	idp := startIdP(t)
	e := newEnv(t, envOptions{extraArgs: proxyModeArgs(idp)})
	proxy := startOAuth2Proxy(t, idp, e.baseURL)
	task := findTask(t, e.sim, withStatus("RUNNING"))

	idp.QueueUser(user("erin", operatorGroup))
	// The browser reports the refused cross-origin redirect and htmx the
	// failed fetch: that is the situation under test.
	page := newPageAllowing(t, true, "Unsafe attempt to load URL", "htmx:error: Failed to fetch")
	// The browser asks the proxy for /favicon.ico on pages of its own; once
	// signed out, that request would start a second sign-in, and whichever
	// finishes last decides where the browser lands. No person notices; the
	// test would, so it takes the icon out of the race.
	must(t, page.Route("**/favicon.ico", func(r playwright.Route) { _ = r.Abort() }))
	goTo(t, page, at(proxy, routes.TaskURL(targets.DefaultName, task.TaskID)))
	must(t, expect.Locator(page.GetByTestId("viewer-name")).ToHaveText("erin"))

	// The proxy session ends (cookie expired or revoked); the next sign-in
	// at the provider is someone else's, so the reload is visible.
	must(t, page.Context().ClearCookies())
	// Refused background fetches (the Stop dialog, status refreshes) may
	// reach the provider's authorize endpoint too and take a queued user, so
	// queue enough for all of them.
	for range 10 {
		idp.QueueUser(user("frank", operatorGroup))
	}
	must(t, button(page, "Stop").Click()) // htmx loads the dialog: the proxy answers with a redirect
	must(t, expect.Locator(page.GetByTestId("viewer-name")).ToHaveText("frank"))
	must(t, expect.Page(page).ToHaveURL(at(proxy, routes.TaskURL(targets.DefaultName, task.TaskID))))
	must(t, expect.Locator(page.GetByRole("dialog")).ToHaveCount(0))
	if n := e.sim.Calls(dcssim.OpStop); n != 0 {
		t.Fatalf("%d upstream stops", n)
	}
}
