package dcssim

import (
	"hash/fnv"
	"slices"
	"sort"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// Timestamp layouts this simulator writes. The reference's examples use all
// three for created_at, so the seed does too; times it sets itself use the first.
const (
	layoutISO     = "2006-01-02T15:04:05.000Z"
	layoutSlash   = "2006/01/02 15:04:05"
	layoutCompact = "200601021504"
	layoutFile    = "2006-01-02 15:04:05" // backup files' update_at, as documented
)

// record is a task plus the simulation state that moves it along.
type record struct {
	task    Task
	created time.Time // parsed created_at, for newest-first ordering

	// phaseStart is when the full synchronisation started (it may be in the
	// past at seeding time so a demo opens mid-migration); fullDur is how
	// long it takes. Progress is computed from them, never stored.
	phaseStart time.Time
	fullDur    time.Duration
	stopAt     time.Time // when a TERMINATING task reads TERMINATED
	frozen     float64   // progress (0..1) shown by tasks that are no longer moving
	srcKeys    int64     // source dbsize when the full sync started
	logs       []logEntry
}

// hashOf derives stable pseudo-random figures from a task id, so runs repeat.
func hashOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func fullPhase(status string) bool {
	return status == string(dcs.StatusMigrating) || status == string(dcs.StatusFullMigrating)
}

func incrPhase(status string) bool {
	return status == string(dcs.StatusIncrMigrating) || status == string(dcs.StatusIncrMigeating)
}

func stoppable(status string) bool {
	return status == string(dcs.StatusRunning) || fullPhase(status) || incrPhase(status)
}

func newRecord(t Task, now time.Time, stopDelay time.Duration) *record {
	t = t.clone()
	h := hashOf(t.TaskID)
	rec := &record{
		task:    t,
		created: dcs.ParseTimestamp(t.CreatedAt).Time,
		fullDur: 3*time.Minute + time.Duration(h%360)*time.Second,
		srcKeys: 20_000 + int64(h>>8)%4_000_000,
		frozen:  float64(h>>20%90+5) / 100,
	}
	rec.enterStatus(now, stopDelay, true)
	rec.logs = seedLogs(rec, now)
	return rec
}

// enterStatus sets up the clock of the task's current status. Seeded tasks
// (seeded=true) start part-way through their full sync so a demo shows
// movement at once; tasks moved by SetStatus start from zero.
func (r *record) enterStatus(now time.Time, stopDelay time.Duration, seeded bool) {
	h := hashOf(r.task.TaskID, "phase")
	st := r.task.Status
	switch {
	case fullPhase(st):
		elapsed := time.Duration(0)
		if seeded {
			elapsed = r.fullDur * time.Duration(10+h%60) / 100
		}
		r.phaseStart = now.Add(-elapsed)
	case incrPhase(st):
		r.phaseStart = now.Add(-r.fullDur - time.Duration(h%72)*time.Hour)
	case st == string(dcs.StatusTerminating):
		r.stopAt = now.Add(stopDelay)
	case st == string(dcs.StatusSuccess):
		r.frozen = 1
	}
}

// progress is the full sync's completion, 0..1, at now.
func (r *record) progress(now time.Time) float64 {
	st := r.task.Status
	switch {
	case fullPhase(st):
		p := float64(now.Sub(r.phaseStart)) / float64(r.fullDur)
		return min(max(p, 0), 1)
	case incrPhase(st), st == string(dcs.StatusSuccess):
		return 1
	case st == string(dcs.StatusRunning):
		return 0
	}
	return r.frozen
}

// advance moves the task along to now. It is called on every request, so the
// simulator needs no background goroutine; events are stamped with the time
// they happened, not with the time they were noticed.
func (r *record) advance(now time.Time) {
	t := &r.task
	switch {
	case t.Status == string(dcs.StatusTerminating) && !r.stopAt.IsZero() && !now.Before(r.stopAt):
		t.Status = string(dcs.StatusTerminated)
		t.UpdatedAt = r.stopAt.UTC().Format(layoutISO)
		r.addLog(r.stopAt, "INFO", "Migration task terminated.", "migration.task.terminated")
	case fullPhase(t.Status):
		done := r.phaseStart.Add(r.fullDur)
		if now.Before(done) {
			return
		}
		r.addLog(done, "INFO", "Full data synchronization completed (100%).", "migration.full.completed")
		if t.MigrationType == dcs.TypeOnlineMigration && t.MigrationMethod == dcs.MethodIncremental {
			t.Status = string(dcs.StatusIncrMigrating)
			r.addLog(done, "INFO", "Incremental synchronization started.", "migration.incr.started")
			return
		}
		t.Status = string(dcs.StatusSuccess)
		t.UpdatedAt = done.UTC().Format(layoutISO)
		r.frozen = 1
		r.addLog(done, "INFO", "Migration task completed successfully.", "migration.task.success")
	}
}

// stop accepts a stop request: the task reads TERMINATING until stopDelay passes.
func (r *record) stop(now time.Time, stopDelay time.Duration) {
	r.frozen = r.progress(now)
	r.task.Status = string(dcs.StatusTerminating)
	r.stopAt = now.Add(stopDelay)
	r.addLog(now, "INFO", "Stop requested by user; terminating migration task.", "migration.task.stopping")
}

// store holds the records and keeps them in list order: newest first.
type store struct {
	byID  map[string]*record
	order []*record
}

func newStore() *store { return &store{byID: map[string]*record{}} }

// remove drops the task with id, if the store holds it.
func (s *store) remove(id string) {
	if old, ok := s.byID[id]; ok {
		s.order = slices.DeleteFunc(s.order, func(r *record) bool { return r == old })
		delete(s.byID, id)
	}
}

// put adds rec, replacing any record of the same task id, in list order.
func (s *store) put(rec *record) {
	s.remove(rec.task.TaskID)
	s.byID[rec.task.TaskID] = rec
	s.order = append(s.order, rec)
	sort.SliceStable(s.order, func(i, j int) bool {
		a, b := s.order[i], s.order[j]
		if !a.created.Equal(b.created) {
			return a.created.After(b.created)
		}
		return a.task.TaskID < b.task.TaskID
	})
}

func (s *store) advance(now time.Time) {
	for _, r := range s.order {
		r.advance(now)
	}
}
