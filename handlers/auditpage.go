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
		return pageErr(c.Request().Context(), http.StatusForbidden, "tasks.audit.not_allowed.title", "tasks.audit.not_allowed.text")
	}
	q, err := parseAuditQuery(c)
	if err != nil {
		return err
	}
	q.Limit = auditPageSize
	p := views.AuditPage{Chrome: s.chrome(c, s.tr(c, "tasks.title.audit")), Query: q, RevokeSessions: s.cfg.OIDC != nil,
		Targets: s.targetChoices(), Now: s.cfg.Now(), StaleAfter: s.cfg.StaleAfter}
	page, err := s.cfg.Audit.Attempts(q)
	if err != nil {
		s.log.Error("reading the audit trail", "err", err.Error())
		p.Error = &views.Banner{Kind: "error", Title: s.tr(c, "tasks.audit.unreadable.title"),
			Text: s.tr(c, "tasks.audit.unreadable.text")}
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
	ctx := c.Request().Context()
	switch {
	case utf8.RuneCountInString(q.User) > 256:
		return q, badRequest(ctx, "tasks.audit.user_too_long.title", "tasks.audit.user_too_long.text")
	case q.TaskID != "" && !dcs.ValidTaskID(q.TaskID):
		return q, badRequest(ctx, "tasks.audit.bad_task.title", "tasks.audit.bad_task.text")
	case q.Target != "" && !targets.ValidName(q.Target):
		return q, badRequest(ctx, "tasks.audit.bad_target.title", "tasks.audit.bad_target.text")
	case q.Outcome != "" && !slices.Contains(auditOutcomes, q.Outcome):
		return q, badRequest(ctx, "tasks.audit.bad_outcome.title", "tasks.audit.bad_outcome.text", "Outcomes", strings.Join(auditOutcomes, ", "))
	case q.Before != "" && !isDigits(q.Before):
		return q, badRequest(ctx, "tasks.audit.bad_page.title", "tasks.audit.bad_page.text")
	}
	var ok bool
	if q.Since, ok = auditTime(c.QueryParam("since")); !ok {
		return q, badRequest(ctx, "tasks.audit.bad_time.title", "tasks.audit.bad_time.since_text")
	}
	if q.Until, ok = auditTime(c.QueryParam("until")); !ok {
		return q, badRequest(ctx, "tasks.audit.bad_time.title", "tasks.audit.bad_time.until_text")
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
// as a browser's datetime-local input sends it), in UTC; false if raw is
// neither. No time at all is the zero time.
func auditTime(raw string) (time.Time, bool) {
	if raw == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, raw); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
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
		return pageErr(c.Request().Context(), http.StatusForbidden, "signin.revoke.not_allowed.title", "signin.revoke.not_allowed.text")
	}
	user := strings.TrimSpace(c.FormValue("user"))
	if user == "" || utf8.RuneCountInString(user) > 256 {
		return badRequest(c.Request().Context(), "signin.revoke.which.title", "signin.revoke.which.text")
	}
	if err := s.cfg.OIDC.Revoked.RevokeUser(c.Request().Context(), user, s.cfg.Now()); err != nil {
		return pageErr(c.Request().Context(), http.StatusServiceUnavailable, "signin.revoke.failed.title", "signin.revoke.failed.text", "User", user).logged(err.Error())
	}
	s.log.Warn("sessions revoked", "user", user, "by", who.User, "remote_ip", c.RealIP())
	s.flash(c, views.Banner{Kind: "success", Title: s.tr(c, "signin.revoke.done.title", "User", user),
		Text: s.tr(c, "signin.revoke.done.text", "User", user)})
	return redirectAfterPost(c, routes.AuditURL(user, "", ""))
}
