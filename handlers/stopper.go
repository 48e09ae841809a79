package handlers

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// recentStopWindow is how long an accepted stop answers repeats for the same
// task without another upstream call: long enough to absorb a double submit
// or a retried form, short enough that a later, deliberate attempt reaches
// the API.
const recentStopWindow = 10 * time.Second

// stopper makes at most one upstream stop per task at a time: a second
// request for the same task while one is in flight shares its result, and a
// repeat right after an accepted stop gets that result again, so two quick
// clicks make one call.
type stopper struct {
	tasks  TaskService
	now    func() time.Time
	flight singleflight.Group

	mu     sync.Mutex
	recent map[string]acceptedStop
}

type acceptedStop struct {
	res stopResult
	at  time.Time
}

func newStopper(tasks TaskService, now func() time.Time) *stopper {
	return &stopper{tasks: tasks, now: now, recent: map[string]acceptedStop{}}
}

// recentlyAccepted returns the result of a stop of id accepted within the window.
func (st *stopper) recentlyAccepted(id string, now time.Time) (stopResult, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, a := range st.recent { // the map holds a few entries at most
		if now.Sub(a.at) > recentStopWindow {
			delete(st.recent, k)
		}
	}
	a, ok := st.recent[id]
	return a.res, ok
}

func (st *stopper) remember(id string, res stopResult, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.recent[id] = acceptedStop{res: res, at: now}
}

// stopResult is what happened, with the task as it should now be shown.
type stopResult struct {
	Outcome string
	Task    dcs.Task
	Err     error // the stop's error, nil when accepted
	Took    time.Duration
	At      time.Time // when the answer arrived
	// Repeat marks a request answered from a stop accepted moments ago,
	// without another upstream call.
	Repeat bool
}

func (st *stopper) stop(ctx context.Context, id string) stopResult {
	v, _, _ := st.flight.Do(id, func() (any, error) {
		if res, ok := st.recentlyAccepted(id, st.now()); ok {
			res.Repeat = true
			return res, nil
		}
		res := st.once(ctx, id)
		if res.Outcome == audit.OutcomeAccepted {
			st.remember(id, res, st.now())
		}
		return res, nil
	})
	return v.(stopResult)
}

// once sends the stop exactly once (never retried) and, when the answer does
// not say what happened or leaves the task unknown, reads the task again so
// the page shows its real status rather than a guess.
func (st *stopper) once(ctx context.Context, id string) stopResult {
	start := st.now()
	task, err := st.tasks.Stop(ctx, id)
	res := stopResult{Outcome: audit.OutcomeAccepted, Task: task, Err: err}
	if err != nil {
		res.Outcome = outcomeOf(err)
		res.Task = dcs.Task{ID: id}
		if fresh, showErr := st.tasks.Show(ctx, id); showErr == nil {
			res.Task = fresh
		}
	}
	res.Took = st.now().Sub(start)
	res.At = st.now()
	return res
}

// outcomeOf classifies a failed stop: refused when the API said no, failed
// when the request never left, unknown when it may have acted.
func outcomeOf(err error) string {
	apiErr, ok := dcs.AsAPIError(err)
	switch {
	case !ok || apiErr.Ambiguous():
		return audit.OutcomeUnknown
	case apiErr.Kind == dcs.KindConfig:
		return audit.OutcomeFailed
	default:
		return audit.OutcomeRefused
	}
}
