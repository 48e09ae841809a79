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
		{"plain id", routes.TaskURL("abc-123"), "/tasks/abc-123"},
		{"slash in id", routes.TaskURL("a/b"), "/tasks/a%2Fb"},
		{"dot-dot prefix", routes.TaskURL("../x"), "/tasks/..%2Fx"},
		{"dot-dot alone", routes.TaskURL(".."), "/tasks/%2E%2E"},
		{"dot alone", routes.TaskStopURL("."), "/tasks/%2E/stop"},
		{"non-ASCII id", routes.TaskURL("é"), "/tasks/%C3%A9"},
		{"query in id", routes.TaskURL("a?b#c"), "/tasks/a%3Fb%23c"},
		{"stop", routes.TaskStopURL("a/b"), "/tasks/a%2Fb/stop"},
		{"progress", routes.TaskProgressURL("x"), "/tasks/x/progress"},
		{"dialog", routes.TaskStopDialogURL("x", "/?page=2&q=a b"), "/tasks/x/stop?return_to=%2F%3Fpage%3D2%26q%3Da+b"},
		{"dialog, hostile return", routes.TaskStopDialogURL("../x", "/&return_to=//evil"),
			"/tasks/..%2Fx/stop?return_to=%2F%26return_to%3D%2F%2Fevil"},
		{"dialog, no return", routes.TaskStopDialogURL("x", ""), "/tasks/x/stop"},
		{"status", routes.TaskStatusURL("é", "/tasks/é"), "/tasks/%C3%A9/status?return_to=%2Ftasks%2F%C3%A9"},
		{"logs, defaults", routes.TaskLogsURL("x", "", 1), "/tasks/x/logs"},
		{"logs", routes.TaskLogsURL("x", "ERROR", 2), "/tasks/x/logs?level=ERROR&page=2"},
		{"logs on the page", routes.TaskLogsPageURL("x", "INFO", 3), "/tasks/x?log_level=INFO&log_page=3"},
		{"logs on the page, defaults", routes.TaskLogsPageURL("x", "", 0), "/tasks/x"},
		{"batch", routes.BatchStopURL(), "/tasks/batch-stop"},
		{"batch confirmation", routes.BatchStopConfirmURL([]string{"a", "b/c"}, "/?page=2"),
			"/tasks/batch-stop?return_to=%2F%3Fpage%3D2&task=a&task=b%2Fc"},
		{"plain list", routes.ListURL(nil), "/"},
		{"list", routes.ListURL(url.Values{"q": {"a&b=c"}, "page": {"2"}}), "/?page=2&q=a%26b%3Dc"},
		{"rows", routes.RowsURL(url.Values{"page": {"1"}}), "/task-rows?page=1"},
		{"csv", routes.ExportCSVURL(url.Values{"status": {"failed"}}), "/export.csv?status=failed"},
		{"json", routes.ExportJSONURL(nil), "/export.json"},
		{"audit", routes.AuditURL("", ""), "/audit"},
		{"audit filtered", routes.AuditURL("o'neil & co", "x"), "/audit?task=x&user=o%27neil+%26+co"},
		{"login", routes.LoginURL("/tasks/x?page=2"), "/auth/login?return_to=%2Ftasks%2Fx%3Fpage%3D2"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestTaskURLRoundTrip proves the path a browser sends for any id decodes
// back to that id alone: nothing in it reaches another route.
func TestTaskURLRoundTrip(t *testing.T) {
	for _, id := range []string{"abc-123", "a/b", "../x", "..", ".", "é", "a?b#c", "a%2Fb", "a b"} {
		u, err := url.Parse(routes.TaskStopURL(id))
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if want := "/tasks/" + id + "/stop"; u.Path != want || u.RawQuery != "" || u.Fragment != "" {
			t.Errorf("%q: path %q query %q fragment %q, want path %q alone", id, u.Path, u.RawQuery, u.Fragment, want)
		}
		if ref := u.ResolveReference(&url.URL{Path: "."}); ref.Path != "/tasks/"+id+"/" {
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
