package dcssim

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// statsBody is ShowMigrationTaskStats' answer. Its figures are json.RawMessage
// because the real API sends them as numbers for most tasks and as strings
// for others (the SDK model says strings and fails on numbers).
type statsBody struct {
	FullMigrationProgress json.RawMessage `json:"full_migration_progress"`
	Offset                json.RawMessage `json:"offset"`
	SourceDbsize          json.RawMessage `json:"source_dbsize"`
	TargetDbsize          json.RawMessage `json:"target_dbsize"`
	TargetInputKbps       json.RawMessage `json:"target_input_kbps"`
	TargetOps             json.RawMessage `json:"target_ops"`
	IsMigrating           bool            `json:"is_migrating"`
}

// wobble is a deterministic pseudo-random value in [lo, hi) that changes
// every two seconds of the clock, so figures move between polls and tests
// stay repeatable.
func wobble(id, what string, now time.Time, lo, hi int64) int64 {
	tick := strconv.FormatInt(now.Unix()/2, 10)
	return lo + int64(hashOf(id, what, tick)%uint64(hi-lo))
}

func (r *record) stats(now time.Time) statsBody {
	id, st := r.task.TaskID, r.task.Status
	p := r.progress(now)
	var src, dst, lag, kbps, ops int64
	moving := false
	switch {
	case fullPhase(st):
		moving = true
		src = r.srcKeys + int64(now.Sub(r.phaseStart)/time.Second)*3
		dst = int64(float64(src) * p)
		lag = wobble(id, "lag", now, 10_000, 5_000_000)
		kbps = wobble(id, "kbps", now, 20_000, 80_000)
		ops = wobble(id, "ops", now, 5_000, 40_000)
	case incrPhase(st):
		moving = true
		// The source keeps taking writes: dbsize grows with time, and the
		// target follows with a small varying lag.
		src = r.srcKeys + int64(now.Sub(r.phaseStart)/time.Minute)*7
		dst = src - wobble(id, "keys", now, 0, 30)
		lag = wobble(id, "lag", now, 0, 3_000)
		if lag < 600 {
			lag = 0 // caught up, which real tasks often are
		}
		kbps = wobble(id, "kbps", now, 8, 900)
		ops = wobble(id, "ops", now, 20, 2_500)
	case st == string(dcs.StatusRunning):
		src = r.srcKeys
	default:
		src = r.srcKeys
		dst = int64(float64(src) * p)
	}
	n := func(v int64) json.RawMessage {
		s := strconv.FormatInt(v, 10)
		if r.task.StatsAsStrings {
			s = strconv.Quote(s)
		}
		return json.RawMessage(s)
	}
	return statsBody{
		FullMigrationProgress: n(int64(p * 100)),
		Offset:                n(lag),
		SourceDbsize:          n(src),
		TargetDbsize:          n(dst),
		TargetInputKbps:       n(kbps),
		TargetOps:             n(ops),
		IsMigrating:           moving,
	}
}
