package watch

import (
	"fmt"
	"strconv"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// endKind is the event a change into status tells, "" for a status that
// is not an end: finished for SUCCESS, TERMINATED and RELEASED, failed for
// FAILED and MIGRATION_FAILED.
func endKind(s dcs.Status) string {
	switch s {
	case dcs.StatusSuccess, dcs.StatusTerminated, dcs.StatusReleased:
		return notify.EventFinished
	case dcs.StatusFailed, dcs.StatusMigrationFailed:
		return notify.EventFailed
	}
	return ""
}

// detect works out one round of target t: the tasks read (complete when
// the list was read to its end), their progress, what was remembered of
// them, and the accepted stops of the target's tasks.
func (w *Watcher) detect(t *targets.Target, tasks []dcs.Task, complete bool, stats map[string]dcs.Stats,
	state map[string]store.WatchedTask, stops map[string]stop, now time.Time) store.Round {
	r := store.Round{Target: t.Name}
	event := func(kind string, task dcs.Task) notify.Event {
		ev := notify.Event{Kind: kind, Target: t.Name, TargetLabel: t.Label(), TaskID: task.ID, TaskName: task.Name,
			NewStatus: string(task.Status), At: now}
		if w.cfg.PublicURL != "" {
			ev.Link = w.cfg.PublicURL + routes.TaskURL(t.Name, task.ID)
		}
		return ev
	}
	listed := make(map[string]bool, len(tasks))
	for _, task := range tasks {
		listed[task.ID] = true
		old, known := state[task.ID]
		end := endKind(task.Status)
		switch {
		case !known && end != "":
			continue // first seen finished: nothing to tell, nothing to watch
		case known && end != "":
			ev := event(end, task)
			ev.OldStatus, ev.ErrorMessage = old.Status, task.ErrorMessage
			r.Events = append(r.Events, ev)
			r.Drop = append(r.Drop, old)
			continue
		}
		cur := old
		if !known {
			cur = store.WatchedTask{TaskID: task.ID, Seen: now}
		}
		cur.Name, cur.Status = task.Name, string(task.Status)
		st, read := stats[task.ID]
		if kind, detail := w.follow(&cur, task, st, read, now); kind != "" {
			ev := event(kind, task)
			ev.Detail = detail
			r.Events = append(r.Events, ev)
		}
		if s, ok := stops[task.ID]; ok && s.attemptID != cur.StopTold && now.Sub(s.at) >= w.cfg.StopUnfinishedAfter {
			ev := event(notify.EventStopUnfinished, task)
			ev.StoppedBy, ev.StopReason, ev.Detail = s.user, s.reason, span(now.Sub(s.at))
			r.Events = append(r.Events, ev)
			cur.StopTold = s.attemptID
		}
		if !known || cur != old {
			r.Put = append(r.Put, cur)
		}
	}
	if complete {
		// Tasks gone from the list (deleted) are no longer watched.
		for id, old := range state {
			if !listed[id] {
				r.Drop = append(r.Drop, old)
			}
		}
	}
	return r
}

// follow brings cur's full-sync progress and lag up to date with st (read
// tells whether it could be read) and says what it tells: stuck with how
// long, lagging with the lag, or nothing ("").
func (w *Watcher) follow(cur *store.WatchedTask, task dcs.Task, st dcs.Stats, read bool, now time.Time) (kind, detail string) {
	full := task.ReportsProgress() && !task.Status.Incremental()
	switch {
	case !full:
		cur.Progress, cur.HasProgress, cur.ProgressSince, cur.StuckTold = 0, false, time.Time{}, false
	case !read || !st.FullProgress.Valid:
		// Unknown this round: the clock runs on from the last move.
	case !cur.HasProgress || cur.Progress != st.FullProgress.Value:
		cur.Progress, cur.HasProgress, cur.ProgressSince, cur.StuckTold = st.FullProgress.Value, true, now, false
	case !cur.StuckTold && now.Sub(cur.ProgressSince) >= w.cfg.StuckAfter:
		cur.StuckTold = true
		kind, detail = notify.EventStuck, span(now.Sub(cur.ProgressSince))
	}
	incr := task.ReportsProgress() && task.Status.Incremental()
	switch {
	case !incr:
		cur.LagSince, cur.LagTold = time.Time{}, false
	case !read || !st.Offset.Valid:
	case st.Offset.Value <= w.cfg.LagThreshold:
		cur.LagSince, cur.LagTold = time.Time{}, false
	case cur.LagSince.IsZero():
		cur.LagSince = now
	case !cur.LagTold && now.Sub(cur.LagSince) >= w.cfg.LagFor:
		cur.LagTold = true
		kind, detail = notify.EventLagging, lagText(st.Offset)
	}
	return kind, detail
}

// span is a duration as events tell it: "15m", "1h30m", "2h", or "45s"
// under a minute.
func span(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(max(d, 0)/time.Second))
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// lagText is the lag figure as the API sent it.
func lagText(n dcs.Number) string {
	if n.Raw != "" {
		return n.Raw
	}
	return strconv.FormatFloat(n.Value, 'f', -1, 64)
}
