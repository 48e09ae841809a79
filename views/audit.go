package views

import (
	"context"
	"net/url"
	"time"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// auditFilterText is the filters in force, as the summary's words after
// "stop attempts": "" when there are none.
func auditFilterText(ctx context.Context, p AuditPage) string {
	q, s := p.Query, ""
	if q.User != "" {
		s += tr(ctx, "audit.summary.by_user", "User", q.User)
	}
	if q.Target != "" {
		s += tr(ctx, "audit.summary.on_target", "Target", q.Target)
	}
	if q.TaskID != "" {
		s += tr(ctx, "audit.summary.for_task", "Task", q.TaskID)
	}
	switch q.Outcome {
	case "":
	case audit.OutcomeNone:
		s += tr(ctx, "audit.summary.outcome_none")
	default:
		s += tr(ctx, "audit.summary.outcome", "Outcome", outcomeName(ctx, q.Outcome))
	}
	if !q.Since.IsZero() {
		s += tr(ctx, "audit.summary.since", "Since", q.Since.Format("2006-01-02 15:04"))
	}
	if !q.Until.IsZero() {
		s += tr(ctx, "audit.summary.until", "Until", q.Until.Format("2006-01-02 15:04"))
	}
	return s
}

// auditSummary says how many attempts are shown, and under which filters.
func auditSummary(ctx context.Context, p AuditPage) string {
	if len(p.Attempts) == 0 {
		return tr(ctx, "audit.summary.none", "Filter", auditFilterText(ctx, p))
	}
	return trn(ctx, "audit.summary.count", len(p.Attempts), "Filter", auditFilterText(ctx, p))
}

// auditValues is q as the audit page's URL query; the page cursor is
// before.
func auditValues(q audit.Query, before string) url.Values {
	v := url.Values{}
	for key, val := range map[string]string{"user": q.User, "target": q.Target, "task": q.TaskID, "outcome": q.Outcome,
		"before": before} {
		if val != "" {
			v.Set(key, val)
		}
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format("2006-01-02T15:04"))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format("2006-01-02T15:04"))
	}
	return v
}

// auditOlderURL is the next page of the same filters.
func auditOlderURL(p AuditPage) string { return routes.AuditPageURL(auditValues(p.Query, p.Next)) }

// auditCSVURL downloads everything the filters select.
func auditCSVURL(p AuditPage) string { return routes.AuditCSVURL(auditValues(p.Query, "")) }

// auditFiltered reports whether any filter is set, so the form offers to clear them.
func auditFiltered(p AuditPage) bool { return len(auditValues(p.Query, "")) > 0 }

// timeInput is t as a datetime-local input's value.
func timeInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04")
}

// auditOutcomeChoices are the outcome filter's options.
func auditOutcomeChoices(ctx context.Context) []choice {
	return []choice{{"", tr(ctx, "audit.choice.any")}, {audit.OutcomeAccepted, tr(ctx, "audit.choice.accepted")},
		{audit.OutcomeRefused, tr(ctx, "audit.choice.refused")}, {audit.OutcomeFailed, tr(ctx, "audit.choice.failed")},
		{audit.OutcomeUnknown, tr(ctx, "audit.choice.unknown")}, {audit.OutcomeJoined, tr(ctx, "audit.choice.joined")},
		{audit.OutcomeNone, tr(ctx, "audit.choice.none")}}
}

// stale reports whether attempt a has no outcome and never will: its
// intent is older than a stop and the read after it can take.
func stale(p AuditPage, a audit.Attempt) bool {
	return a.Outcome == nil && p.Now.Sub(who(a).Time) > p.StaleAfter
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

// actionName is an audit record's action in words; the record keeps the
// value itself (data-action).
func actionName(ctx context.Context, action string) string {
	if action == audit.ActionBatchStop {
		return tr(ctx, "audit.action.batch_stop")
	}
	return action
}
