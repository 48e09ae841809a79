package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/audit"
)

// auditExportCap bounds one CSV export of the audit trail.
const auditExportCap = 100000

// AuditCSV downloads every attempt the audit page's filters select (not
// only the page shown), newest first, up to auditExportCap.
func (s *Server) AuditCSV(c echo.Context) error {
	if !identityOf(c).IsOperator() {
		return pageErr(c.Request().Context(), http.StatusForbidden, "tasks.audit.not_allowed.title", "tasks.audit.not_allowed.text")
	}
	q, err := parseAuditQuery(c)
	if err != nil {
		return err
	}
	q.Limit = audit.MaxLimit
	var rows [][]string
	for len(rows) < auditExportCap {
		page, err := s.cfg.Audit.Attempts(q)
		if err != nil {
			return pageErr(c.Request().Context(), http.StatusServiceUnavailable, "tasks.audit.unreadable.title", "tasks.audit.unreadable.text").logged(err.Error())
		}
		for _, a := range page.Attempts {
			rows = append(rows, auditCSVRow(a))
		}
		if page.Next == "" {
			break
		}
		q.Before = page.Next
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="dcs-dashboard-audit-`+s.cfg.Now().UTC().Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	return writeCSV(c, auditCSVColumns, rows)
}

// auditCSVColumns are the audit export's columns: the intent's, then the
// outcome's (empty when none was recorded).
var auditCSVColumns = []string{"attempt_id", "time", "action", "user", "email", "groups", "remote_addr", "target",
	"region", "project_id", "task_id", "task_name", "reason", "outcome", "outcome_time", "http_status", "error_code",
	"request_id", "duration_ms", "joined_attempt_id", "joined_user"}

func auditCSVRow(a audit.Attempt) []string {
	in := a.Intent
	row := []string{in.AttemptID, in.Time.UTC().Format(time.RFC3339), in.Action, in.User, in.Email,
		strings.Join(in.Groups, ";"), in.RemoteAddr, in.Target, in.Region, in.ProjectID, in.TaskID, in.TaskName, in.Reason}
	if o := a.Outcome; o != nil {
		if o.TaskName != "" {
			row[11] = o.TaskName
		}
		return append(row, o.Outcome, o.Time.UTC().Format(time.RFC3339), strconv.Itoa(o.HTTPStatus), o.ErrorCode,
			o.RequestID, strconv.FormatInt(o.DurationMS, 10), o.JoinedAttemptID, o.JoinedUser)
	}
	return append(row, "", "", "", "", "", "", "", "")
}
