package handlers

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestHTMXRequest proves only htmx's own request wants a fragment, and a
// history restore (which needs the whole page) does not.
func TestHTMXRequest(t *testing.T) {
	tests := []struct {
		header map[string]string
		want   bool
	}{
		{nil, false},
		{map[string]string{"HX-Request": "true"}, true},
		{map[string]string{"HX-Request": "1"}, false},
		{map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, false},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		for k, v := range tt.header {
			req.Header.Set(k, v)
		}
		if got := isHTMX(echo.New().NewContext(req, httptest.NewRecorder())); got != tt.want {
			t.Errorf("%v: isHTMX %v, want %v", tt.header, got, tt.want)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("HX-Current-URL", "http://dash/?page=2")
	req.Header.Set("HX-Target", "task-rows")
	req.Header.Set("HX-Source", "button#go")
	hx := htmxRequestOf(echo.New().NewContext(req, httptest.NewRecorder()))
	if hx.CurrentURL != "http://dash/?page=2" || hx.Target != "task-rows" || hx.Source != "button#go" {
		t.Errorf("read %+v", hx)
	}
}

// TestHTMXResponse proves apply sets exactly the headers asked for.
func TestHTMXResponse(t *testing.T) {
	tests := []struct {
		r    htmxResponse
		want map[string]string
	}{
		{htmxResponse{}, map[string]string{}},
		{toAlerts, map[string]string{"Hx-Retarget": "#client-alerts", "Hx-Reswap": "innerHTML"}},
		{htmxResponse{Redirect: "/auth/login", Refresh: true, Trigger: "tasks-changed", PushURL: "/?q=a"},
			map[string]string{"Hx-Redirect": "/auth/login", "Hx-Refresh": "true", "Hx-Trigger": "tasks-changed", "Hx-Push-Url": "/?q=a"}},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		tt.r.apply(echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec))
		got := map[string]string{}
		for k := range rec.Header() {
			got[k] = rec.Header().Get(k)
		}
		if !maps.Equal(got, tt.want) {
			t.Errorf("%+v: headers %v, want %v", tt.r, got, tt.want)
		}
	}
}
