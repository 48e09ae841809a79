package handlers

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/views"
)

// auditPageSize is how many attempts one audit page shows, newest first.
const auditPageSize = 100

// Audit shows stop attempts, newest first, a page at a time, for operators:
// who, which task of which target, why, and what DCS answered. Every filter
// is in the URL, and each has its index in the database, so any page of
// any filter is one indexed query.
func (s *Server) Audit(c echo.Context) error {
	if !identityOf(c).IsOperator() {
		return &pageError{Status: http.StatusForbidden, Title: "Not allowed", Text: "The audit trail is for operators."}
	}
	q, err := parseAuditQuery(c)
	if err != nil {
		return err
	}
	q.Limit = auditPageSize
	p := views.AuditPage{Chrome: s.chrome(c, "Audit trail"), Query: q, RevokeSessions: s.cfg.OIDC != nil,
		Targets: s.targetChoices(), Now: s.cfg.Now(), StaleAfter: s.cfg.StaleAfter}
	page, err := s.cfg.Audit.Attempts(q)
	if err != nil {
		s.log.Error("reading the audit trail", "err", err.Error())
		p.Error = &views.Banner{Kind: "error", Title: "The audit trail could not be read.",
			Text: "Try again in a moment; if it persists, ask the dashboard's administrators to check its database."}
		// Unavailable, not broken: the page itself works and says why.
		return render(c, http.StatusServiceUnavailable, views.AuditView(p))
	}
	p.Attempts, p.Next = page.Attempts, page.Next
	return render(c, http.StatusOK, views.AuditView(p))
}

// parseAuditQuery reads the audit page's filters, each checked before the
// database is asked: user, target, task, outcome, a time range (dates, or
// dates with a time, in UTC) and the page cursor.
func parseAuditQuery(c echo.Context) (audit.Query, error) {
	q := audit.Query{User: strings.TrimSpace(c.QueryParam("user")), TaskID: strings.TrimSpace(c.QueryParam("task")),
		Target: strings.TrimSpace(c.QueryParam("target")), Outcome: c.QueryParam("outcome"), Before: c.QueryParam("before")}
	switch {
	case utf8.RuneCountInString(q.User) > 256:
		return q, badRequest("User filter too long", "Filter by at most 256 characters of a user name.")
	case q.TaskID != "" && !dcs.ValidTaskID(q.TaskID):
		return q, badRequest("Invalid task id", "Filter by a task id: letters, digits and hyphens.")
	case q.Target != "" && !targets.ValidName(q.Target):
		return q, badRequest("Invalid target", "Filter by a target's name: 1 to 32 lower-case letters, digits and '-'.")
	case q.Outcome != "" && !slices.Contains(auditOutcomes, q.Outcome):
		return q, badRequest("Invalid outcome", "The outcome must be one of: "+strings.Join(auditOutcomes, ", ")+".")
	case q.Before != "" && !isDigits(q.Before):
		return q, badRequest("Invalid page", "That page of the audit trail does not exist; start again from the first.")
	}
	var err error
	if q.Since, err = auditTime(c.QueryParam("since"), "from"); err != nil {
		return q, err
	}
	if q.Until, err = auditTime(c.QueryParam("until"), "to"); err != nil {
		return q, err
	}
	if !q.Until.IsZero() && len(c.QueryParam("until")) == len("2006-01-02") {
		q.Until = q.Until.AddDate(0, 0, 1) // "to 30 November" includes the day
	}
	return q, nil
}

// auditOutcomes are the outcome filter's values.
var auditOutcomes = []string{audit.OutcomeAccepted, audit.OutcomeRefused, audit.OutcomeFailed, audit.OutcomeUnknown,
	audit.OutcomeJoined, audit.OutcomeNone}

// auditTime reads a date (2006-01-02) or a date and time (2006-01-02T15:04,
// as a browser's datetime-local input sends it), in UTC.
func auditTime(raw, which string) (time.Time, error) {
	if raw == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, raw); err == nil {
			return t, nil
		}
	}
	return time.Time{}, badRequest("Invalid time", "The "+which+" time must be a date such as 2026-11-30, or a date and time such as 2026-11-30T08:00 (UTC).")
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return len(s) > 0 && len(s) <= 19
}

// RevokeSessions ends every session of a person signed in up to now, on the
// server: their cookies, copies included, stop working, and they must sign
// in again (where the identity provider may no longer let them). Operators
// only, in native sign-in; with a proxy, its own sessions are the ones to end.
func (s *Server) RevokeSessions(c echo.Context) error {
	who := identityOf(c)
	if !who.IsOperator() {
		return &pageError{Status: http.StatusForbidden, Title: "Not allowed", Text: "Only operators may end other people's sessions."}
	}
	user := strings.TrimSpace(c.FormValue("user"))
	if user == "" || utf8.RuneCountInString(user) > 256 {
		return badRequest("Which person?", "Give the user, as the audit trail names them (at most 256 characters).")
	}
	if err := s.cfg.OIDC.Revoked.RevokeUser(c.Request().Context(), user, s.cfg.Now()); err != nil {
		return &pageError{Status: http.StatusServiceUnavailable, Title: "Sessions not ended.",
			Text: "The dashboard's database did not answer, so the sessions of " + user + " go on. Try again in a moment.",
			Log:  err.Error()}
	}
	s.log.Warn("sessions revoked", "user", user, "by", who.User, "remote_ip", c.RealIP())
	s.flash(c, views.Banner{Kind: "success", Title: "Sessions of " + user + " ended.",
		Text: "Every session " + user + " signed in to before now has ended; they must sign in again."})
	return redirectAfterPost(c, routes.AuditURL(user, "", ""))
}
