package handlers

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/views"
)

// auditPageSize is how many records the audit page reads (newest first).
const auditPageSize = 200

// Audit shows recent stop attempts, newest first, for operators: who, which
// task, why, and what DCS answered. It is read from the same append-only
// file every stop is written to before it is sent.
func (s *Server) Audit(c echo.Context) error {
	if !identityOf(c).IsOperator() {
		return &pageError{Status: http.StatusForbidden, Title: "Not allowed", Text: "The audit trail is for operators."}
	}
	user := strings.TrimSpace(c.QueryParam("user"))
	task := strings.TrimSpace(c.QueryParam("task"))
	if utf8.RuneCountInString(user) > 256 {
		return badRequest("User filter too long", "Filter by at most 256 characters of a user name.")
	}
	if task != "" && !dcs.ValidTaskID(task) {
		return badRequest("Invalid task id", "Filter by a task id: letters, digits and hyphens.")
	}
	target := strings.TrimSpace(c.QueryParam("target"))
	if target != "" && !targets.ValidName(target) {
		return badRequest("Invalid target", "Filter by a target's name: 1 to 32 lower-case letters, digits and '-'.")
	}
	p := views.AuditPage{Chrome: s.chrome(c, "Audit trail"), User: user, Target: target, Task: task,
		RevokeSessions: s.cfg.OIDC != nil, Targets: s.targetChoices()}
	recs, err := s.cfg.Audit.Recent(audit.Filter{User: user, Target: target, TaskID: task, Limit: auditPageSize})
	if err != nil {
		s.log.Error("reading the audit log", "err", err.Error())
		p.Error = &views.Banner{Kind: "error", Title: "The audit log could not be read.",
			Text: "Ask the dashboard's administrators to check its audit log file."}
		// Unavailable, not broken: the page itself works and says why.
		return render(c, http.StatusServiceUnavailable, views.AuditView(p))
	}
	p.Attempts = audit.Pair(recs)
	return render(c, http.StatusOK, views.AuditView(p))
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
	s.cfg.OIDC.Revoked.RevokeUser(user, s.cfg.Now())
	s.log.Warn("sessions revoked", "user", user, "by", who.User, "remote_ip", c.RealIP())
	s.flash(c, views.Banner{Kind: "success", Title: "Sessions of " + user + " ended.",
		Text: "Every session " + user + " signed in to before now has ended; they must sign in again."})
	return redirectAfterPost(c, routes.AuditURL(user, "", ""))
}
