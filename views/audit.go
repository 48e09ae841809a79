package views

import (
	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

func auditFilterText(p AuditPage) string {
	s := ""
	if p.User != "" {
		s += " by “" + p.User + "”"
	}
	if p.Target != "" {
		s += " on " + p.Target
	}
	if p.Task != "" {
		s += " for task " + p.Task
	}
	return s
}

// auditTaskName prefers the name recorded with the outcome (the intent is
// written before the task is read, so it may lack it).
func auditTaskName(a audit.Attempt) string {
	if a.Outcome != nil && a.Outcome.TaskName != "" {
		return a.Outcome.TaskName
	}
	if r := who(a); r.TaskName != "" {
		return r.TaskName
	}
	return who(a).TaskID
}

func outcomeTone(outcome string) string {
	switch outcome {
	case audit.OutcomeAccepted:
		return "ok"
	case audit.OutcomeRefused, audit.OutcomeFailed:
		return "failed"
	default:
		return "unknown"
	}
}

// who is the record that says who did what: the intent, or, when the intent
// fell outside the window read, the outcome (which repeats those fields).
func who(a audit.Attempt) audit.Record {
	if a.Intent.AttemptID == "" && a.Outcome != nil {
		return *a.Outcome
	}
	return a.Intent
}

// auditTaskURL is the page of a record's task: under its target, or, for a
// record written before tasks had one, the old address, which redirects
// while the dashboard watches one target.
func auditTaskURL(r audit.Record) string {
	if r.Target == "" {
		return routes.LegacyTaskURL(r.TaskID)
	}
	return routes.TaskURL(r.Target, r.TaskID)
}
