package handlers

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/dcs-dashboard/migrations/internal/audit"
)

// StopsInFlight knows the stops that have an audit intent but no outcome
// yet, so shutdown can wait for them and, when the process must exit first,
// record their outcome as unknown rather than lose it. cmd/web makes one,
// hands it to New (Config.InFlight) and drains it after the HTTP server
// has shut down, before it closes the audit log.
type StopsInFlight struct {
	audit AuditTrail
	log   *slog.Logger

	mu      sync.Mutex
	pending map[string]audit.Record // intents by attempt id
	idle    *sync.Cond              // signalled when pending empties
	closed  bool                    // Abandon ran: late outcomes are not written
}

// NewStopsInFlight tracks the stops recorded in a.
func NewStopsInFlight(a AuditTrail, log *slog.Logger) *StopsInFlight {
	f := &StopsInFlight{audit: a, log: log, pending: map[string]audit.Record{}}
	f.idle = sync.NewCond(&f.mu)
	return f
}

// begin notes intents whose stops are about to be sent.
func (f *StopsInFlight) begin(intents []audit.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range intents {
		f.pending[in.AttemptID] = in
	}
}

// finish writes an attempt's outcome unless Abandon has already recorded it
// as unknown, and stops tracking it.
func (f *StopsInFlight) finish(intent, outcome audit.Record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.pending[intent.AttemptID]; !ok && f.closed {
		return errAbandoned
	}
	delete(f.pending, intent.AttemptID)
	if len(f.pending) == 0 {
		f.idle.Broadcast()
	}
	// Under the lock: Abandon cannot record this attempt a second time.
	return f.audit.Outcome(intent, outcome)
}

// Wait returns once no stop is in flight, or when ctx ends (false).
func (f *StopsInFlight) Wait(ctx context.Context) bool {
	stop := context.AfterFunc(ctx, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.idle.Broadcast()
	})
	defer stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.pending) > 0 && ctx.Err() == nil {
		f.idle.Wait()
	}
	return len(f.pending) == 0
}

// Abandon records every stop still in flight as unknown (the API may or may
// not have acted; the process is exiting before its answer) and makes
// later outcomes of those stops a no-op. It returns how many it recorded.
func (f *StopsInFlight) Abandon() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	n := 0
	for id, in := range f.pending {
		err := f.audit.Outcome(in, audit.Record{Outcome: audit.OutcomeUnknown, ErrorCode: audit.CodeShutdown})
		if err != nil {
			f.log.Error("audit outcome not written at shutdown", "attempt_id", id, "task_id", in.TaskID, "err", err.Error())
		} else {
			n++
		}
		f.log.Warn("stop still in flight at exit, recorded as unknown", "attempt_id", id, "task_id", in.TaskID, "user", in.User)
		delete(f.pending, id)
	}
	return n
}

// errAbandoned is a stop answered after shutdown recorded it; it reaches
// the log only.
var errAbandoned = errors.New("the dashboard shut down before the answer; the outcome was recorded as unknown")
