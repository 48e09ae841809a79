package handlers

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/views"
)

// exportColumns are the fields of an export, in order: the CSV header and
// the JSON keys. There is no password among them, and there cannot be one:
// internal/dcs drops passwords while decoding, so a Task never holds any.
var exportColumns = []string{"target", "region", "project_id", "task_id", "task_name", "status", "migration_type",
	"migration_method", "network_type", "source_instance", "target_instance", "created_at", "description"}

// ExportCSV downloads every task the list's URL selects (all pages, not the
// one shown) as CSV. An export is a read: viewers may export too.
func (s *Server) ExportCSV(c echo.Context) error {
	records, err := s.exportRecords(c, "csv")
	if err != nil {
		return err
	}
	return writeCSV(c, exportColumns, records)
}

// writeCSV answers with header and rows as CSV, each cell a spreadsheet
// would run as a formula defused. The download headers are set already.
func writeCSV(c echo.Context, header []string, rows [][]string) error {
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write(header)
	for _, r := range rows {
		for i := range r {
			r[i] = defuseFormula(r[i])
		}
		_ = w.Write(r)
	}
	w.Flush()
	return w.Error()
}

// ExportJSON downloads the same tasks as ExportCSV as a JSON array of
// objects keyed by the CSV's column names. JSON is data, not a formula, so
// its values are exactly as the API sent them.
func (s *Server) ExportJSON(c echo.Context) error {
	records, err := s.exportRecords(c, "json")
	if err != nil {
		return err
	}
	out := make([]map[string]string, 0, len(records)) // [] rather than null when nothing matches
	for _, r := range records {
		obj := make(map[string]string, len(exportColumns))
		for i, col := range exportColumns {
			obj[col] = r[i]
		}
		out = append(out, obj)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/json; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	enc := json.NewEncoder(c.Response())
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// exportRecords checks the list's parameters (the same as the page's; page
// and size are accepted and do not matter), reads every matching task, and
// sets the download headers. Upstream failures are errors: a file holding
// an error page would be worse than the error page itself.
func (s *Server) exportRecords(c echo.Context, ext string) ([][]string, error) {
	q, err := s.parseListQuery(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	l := s.list(ctx, q, 0)
	if failed := l.failed(); len(failed) > 0 {
		// A file cannot say that a target is missing from it: fail whole.
		return nil, failed[0].err
	}
	// The API's list items carry no network type; this fills it the way the
	// list does (remembered per task, looked up within factDeadline), in
	// the export's own copies of the tasks.
	l.rows = ownRows(l.rows)
	s.facts.fill(ctx, l.rows)
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+exportFileName(s.cfg.Now(), ext)+`"`)
	h.Set("Cache-Control", "no-store")
	if sh, ok := l.capped(); ok {
		// A file has no room for a note, so the header and the log say it.
		h.Set("X-Export-Truncated", sh.target.Name+": "+strconv.Itoa(sh.read)+" of "+strconv.Itoa(sh.named)+" tasks read")
		s.log.Warn("export truncated", "target", sh.target.Name, "read", sh.read, "total", sh.named, "q", q.Name)
	}
	records := make([][]string, 0, len(l.rows))
	for _, r := range l.rows {
		records = append(records, exportRecord(r))
	}
	return records, nil
}

// exportRecord is one task as the export's columns.
func exportRecord(r row) []string {
	t := *r.task
	return []string{r.target.Name, r.target.Region, r.target.ProjectID, t.ID, t.Name, string(t.Status), t.Type, t.Method,
		t.NetworkType, views.SourceText(t), views.TargetText(t), exportTime(t.CreatedAt), t.Description}
}

// exportTime is RFC 3339 in UTC when the API's time could be read, so a
// spreadsheet sorts it, and the API's own text otherwise.
func exportTime(ts dcs.Timestamp) string {
	if ts.Valid() {
		return ts.Time.UTC().Format(time.RFC3339)
	}
	return ts.Raw
}

// exportFileName is dated, so downloads on different days do not collide.
func exportFileName(now time.Time, ext string) string {
	return "dcs-migration-tasks-" + now.UTC().Format("2006-01-02") + "." + ext
}

// defuseFormula keeps a spreadsheet from running a cell as a formula: task
// names and descriptions are typed by whoever created the task, so a cell
// that starts like a formula gets a leading apostrophe (OWASP's advice).
func defuseFormula(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
