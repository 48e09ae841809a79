package routes_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/routes"
)

// TestBuilders proves every builder keeps a hostile id one path segment
// that no browser resolves as a directory, escapes query values, and
// leaves defaults out.
func TestBuilders(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"plain id", routes.TaskURL("t1", "abc-123"), "/t/t1/tasks/abc-123"},
		{"slash in id", routes.TaskURL("t1", "a/b"), "/t/t1/tasks/a%2Fb"},
		{"dot-dot prefix", routes.TaskURL("t1", "../x"), "/t/t1/tasks/..%2Fx"},
		{"dot-dot alone", routes.TaskURL("t1", ".."), "/t/t1/tasks/%2E%2E"},
		{"dot alone", routes.TaskStopURL("t1", "."), "/t/t1/tasks/%2E/stop"},
		{"non-ASCII id", routes.TaskURL("t1", "é"), "/t/t1/tasks/%C3%A9"},
		{"query in id", routes.TaskURL("t1", "a?b#c"), "/t/t1/tasks/a%3Fb%23c"},
		{"stop", routes.TaskStopURL("t1", "a/b"), "/t/t1/tasks/a%2Fb/stop"},
		{"progress", routes.TaskProgressURL("t1", "x"), "/t/t1/tasks/x/progress"},
		{"dialog", routes.TaskStopDialogURL("t1", "x", "/?page=2&q=a b"), "/t/t1/tasks/x/stop?return_to=%2F%3Fpage%3D2%26q%3Da+b"},
		{"dialog, hostile return", routes.TaskStopDialogURL("t1", "../x", "/&return_to=//evil"),
			"/t/t1/tasks/..%2Fx/stop?return_to=%2F%26return_to%3D%2F%2Fevil"},
		{"dialog, no return", routes.TaskStopDialogURL("t1", "x", ""), "/t/t1/tasks/x/stop"},
		{"status", routes.TaskStatusURL("t1", "é", "/t/t1/tasks/é"), "/t/t1/tasks/%C3%A9/status?return_to=%2Ft%2Ft1%2Ftasks%2F%C3%A9"},
		{"logs, defaults", routes.TaskLogsURL("t1", "x", "", 1), "/t/t1/tasks/x/logs"},
		{"logs", routes.TaskLogsURL("t1", "x", "ERROR", 2), "/t/t1/tasks/x/logs?level=ERROR&page=2"},
		{"logs on the page", routes.TaskLogsPageURL("t1", "x", "INFO", 3), "/t/t1/tasks/x?log_level=INFO&log_page=3"},
		{"logs on the page, defaults", routes.TaskLogsPageURL("t1", "x", "", 0), "/t/t1/tasks/x"},
		{"batch", routes.BatchStopURL(), "/tasks/batch-stop"},
		{"batch confirmation", routes.BatchStopConfirmURL([]string{routes.TaskRef("t1", "a"), routes.TaskRef("t2", "b")}, "/?page=2"),
			"/tasks/batch-stop?return_to=%2F%3Fpage%3D2&task=t1%2Fa&task=t2%2Fb"},
		{"hostile target", routes.TaskURL("../t", "x"), "/t/..%2Ft/tasks/x"},
		{"plain list", routes.ListURL(nil), "/"},
		{"list", routes.ListURL(url.Values{"q": {"a&b=c"}, "page": {"2"}}), "/?page=2&q=a%26b%3Dc"},
		{"rows", routes.RowsURL(url.Values{"page": {"1"}}), "/task-rows?page=1"},
		{"csv", routes.ExportCSVURL(url.Values{"status": {"failed"}}), "/export.csv?status=failed"},
		{"json", routes.ExportJSONURL(nil), "/export.json"},
		{"audit", routes.AuditURL("", "", ""), "/audit"},
		{"audit filtered", routes.AuditURL("o'neil & co", "t1", "x"), "/audit?target=t1&task=x&user=o%27neil+%26+co"},
		{"login", routes.LoginURL("/t/t1/tasks/x?page=2"), "/auth/login?return_to=%2Ft%2Ft1%2Ftasks%2Fx%3Fpage%3D2"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestTaskURLRoundTrip proves the path a browser sends for any target and
// id decodes back to them alone: nothing in it reaches another route.
func TestTaskURLRoundTrip(t *testing.T) {
	for _, id := range []string{"abc-123", "a/b", "../x", "..", ".", "é", "a?b#c", "a%2Fb", "a b"} {
		u, err := url.Parse(routes.TaskStopURL(id, id))
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if want := "/t/" + id + "/tasks/" + id + "/stop"; u.Path != want || u.RawQuery != "" || u.Fragment != "" {
			t.Errorf("%q: path %q query %q fragment %q, want path %q alone", id, u.Path, u.RawQuery, u.Fragment, want)
		}
		if ref := u.ResolveReference(&url.URL{Path: "."}); ref.Path != "/t/"+id+"/tasks/"+id+"/" {
			t.Errorf("%q: resolves as %q: a dot segment leaked", id, ref.Path)
		}
	}
}

// TestAuthPaths proves sign-in's addresses sit under AuthPrefix, whose
// group answers its unknown addresses without asking who is signed in.
func TestAuthPaths(t *testing.T) {
	for _, p := range []string{routes.Login, routes.Callback, routes.Logout} {
		if !strings.HasPrefix(p, routes.AuthPrefix+"/") {
			t.Errorf("%q is not under %q", p, routes.AuthPrefix)
		}
	}
}

// TestTaskRef proves a batch's task reference reads back as it was made.
func TestTaskRef(t *testing.T) {
	target, id, ok := routes.ParseTaskRef(routes.TaskRef("bj-prod", "abc-1"))
	if !ok || target != "bj-prod" || id != "abc-1" {
		t.Errorf("round trip: %q %q %v", target, id, ok)
	}
	if _, _, ok := routes.ParseTaskRef("abc-1"); ok {
		t.Error("a bare id parsed as a reference")
	}
}
