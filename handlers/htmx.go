package handlers

import (
	"github.com/labstack/echo/v4"
)

// The htmx 4 request headers the dashboard reads.
const (
	// hxRequest is "true" on every request htmx makes.
	hxRequest = "HX-Request"
	// hxHistoryRestore is "true" when htmx reads a page again to restore a
	// history entry it has no copy of: that request wants the whole page.
	hxHistoryRestore = "HX-History-Restore-Request"
	// hxCurrentURL is the address the browser shows.
	hxCurrentURL = "HX-Current-URL"
	// hxTarget is the element the answer will be swapped into.
	hxTarget = "HX-Target"
	// hxSource is the element that made the request (htmx 2 sent it as
	// HX-Trigger, a name htmx 4 keeps for the response header).
	hxSource = "HX-Source"
)

// The htmx response headers the dashboard sets.
const (
	hxRetarget = "HX-Retarget"
	hxReswap   = "HX-Reswap"
	hxRedirect = "HX-Redirect"
	hxRefresh  = "HX-Refresh"
	hxTrigger  = "HX-Trigger"
	hxPushURL  = "HX-Push-Url"
)

// alertsSlot is the page's region for messages that must not replace the
// element that asked (layout.templ's #client-alerts).
const alertsSlot = "#client-alerts"

// dialogSlot is where the page's confirmation dialogs are loaded
// (layout.templ's #stop-dialog-slot); app.js opens what lands there.
const dialogSlot = "#stop-dialog-slot"

// htmxRequest is what htmx says about a request.
type htmxRequest struct {
	// Enabled: htmx made the request.
	Enabled bool
	// HistoryRestore: htmx restores a history entry and wants the page.
	HistoryRestore bool
	// CurrentURL is the address the browser shows ("" without htmx).
	CurrentURL string
	// Target is the id of the element the answer goes into, if it has one.
	Target string
	// Source is the element that made the request ("button#save").
	Source string
}

// htmxRequestOf reads htmx's headers off the request. They are hints from
// the browser, never a permission: nothing is allowed because of them.
func htmxRequestOf(c echo.Context) htmxRequest {
	h := c.Request().Header
	return htmxRequest{
		Enabled:        h.Get(hxRequest) == "true",
		HistoryRestore: h.Get(hxHistoryRestore) == "true",
		CurrentURL:     h.Get(hxCurrentURL),
		Target:         h.Get(hxTarget),
		Source:         h.Get(hxSource),
	}
}

// wantsFragment reports whether htmx will swap a fragment of a page with
// the answer; a history restore wants the whole page.
func (r htmxRequest) wantsFragment() bool { return r.Enabled && !r.HistoryRestore }

// isHTMX reports whether htmx made the request and will swap a fragment.
func isHTMX(c echo.Context) bool { return htmxRequestOf(c).wantsFragment() }

// htmxResponse is what an answer tells htmx to do besides swapping it in
// where the request said. The zero value changes nothing.
type htmxResponse struct {
	// Retarget swaps the answer into this element (a CSS selector) instead.
	Retarget string
	// Reswap swaps it this way ("innerHTML", ...) instead.
	Reswap string
	// Redirect sends the whole browser to this address.
	Redirect string
	// Refresh reloads the whole page.
	Refresh bool
	// Trigger is an event raised on the page once the answer arrives.
	Trigger string
	// PushURL is the address put into the browser's history.
	PushURL string
}

// apply sets the headers for r on c's response; call it before the body
// is written.
func (r htmxResponse) apply(c echo.Context) {
	h := c.Response().Header()
	for name, val := range map[string]string{hxRetarget: r.Retarget, hxReswap: r.Reswap, hxRedirect: r.Redirect,
		hxTrigger: r.Trigger, hxPushURL: r.PushURL} {
		if val != "" {
			h.Set(name, val)
		}
	}
	if r.Refresh {
		h.Set(hxRefresh, "true")
	}
}

// toAlerts sends an answer, such as an error banner, to the page's alert
// region, so it never replaces the element that made the request.
var toAlerts = htmxResponse{Retarget: alertsSlot, Reswap: "innerHTML"}

// toDialog sends an answer, such as a refused confirmation, back into the
// page's dialog slot, where app.js opens it again.
var toDialog = htmxResponse{Retarget: dialogSlot, Reswap: "innerHTML"}
