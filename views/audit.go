package views

import "github.com/dcs-dashboard/migrations/internal/audit"

func auditFilterText(p AuditPage) string {
	s := ""
	if p.User != "" {
		s += " by “" + p.User + "”"
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
	if a.Intent.TaskName != "" {
		return a.Intent.TaskName
	}
	return a.Intent.TaskID
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
