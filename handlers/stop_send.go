package handlers

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/views"
)

// recentStopWindow is how long an accepted stop answers repeats for the same
// task without another upstream call: long enough to absorb a double submit
// or a retried form, short enough that a later, deliberate attempt reaches
// the API.
const recentStopWindow = 10 * time.Second

// stopper sends stops to the DCS API: at most one upstream stop per task at
// a time (a second request for the same task while one is in flight shares
// its answer, and a repeat right after an accepted stop gets that answer
// again, so two quick clicks make one call), and batches in chunks the API
// accepts. It never retries a stop.
type stopper struct {
	targets *targets.Set
	now     func() time.Time
	flight  singleflight.Group
	// leases, when set, extend "one stop per task in flight" to every
	// replica sharing them; leaseTTL bounds how long a stop can hold one.
	leases   StopLeases
	leaseTTL time.Duration

	mu     sync.Mutex
	recent map[string]acceptedStop
}

type acceptedStop struct {
	outcome views.StopOutcome
	at      time.Time
}

func newStopper(ts *targets.Set, leases StopLeases, leaseTTL time.Duration, now func() time.Time) *stopper {
	return &stopper{targets: ts, leases: leases, leaseTTL: leaseTTL, now: now, recent: map[string]acceptedStop{}}
}

// targetOf is the target an intent names; the guard wrote the intent from
// a target it found, so it is there.
func (st *stopper) targetOf(intent audit.Record) *targets.Target {
	t, _ := st.targets.Get(intent.Target)
	return t
}

// single stops one task for the attempt intent, sharing the call with a
// stop of the same task in flight or just accepted. The outcome says whose
// call it was: Joined is set when another attempt sent it.
func (st *stopper) single(ctx context.Context, intent audit.Record) views.StopOutcome {
	t := st.targetOf(intent)
	key := factKey(t, intent.TaskID)
	v, _, _ := st.flight.Do(key, func() (any, error) {
		if o, ok := st.recentlyAccepted(key, st.now()); ok {
			o.Repeat = true
			return o, nil
		}
		if o, held := st.lease(ctx, key, t, intent); held {
			return o, nil
		}
		o := st.once(ctx, t, intent.TaskID)
		o.CallAttempt, o.CallUser = intent.AttemptID, intent.User
		if o.Outcome == audit.OutcomeAccepted {
			st.remember(key, o, st.now())
		}
		st.release(ctx, key, intent.AttemptID, o.Outcome == audit.OutcomeAccepted)
		return o, nil
	})
	o := v.(views.StopOutcome)
	o.Joined = o.CallAttempt != intent.AttemptID
	return o
}

// lease takes the task's stop lease, shared by the replicas, before the
// stop is sent. When another attempt holds it (a stop of the task by
// someone on another replica, under way or just accepted), nothing is sent:
// the outcome is joined to that attempt, with the task read again. When the
// lease cannot be taken (the database is away), nothing is sent either.
func (st *stopper) lease(ctx context.Context, key string, t *targets.Target, intent audit.Record) (views.StopOutcome, bool) {
	if st.leases == nil {
		return views.StopOutcome{}, false
	}
	holder, ok, err := st.leases.Acquire(ctx, key, intent.AttemptID, intent.User, st.leaseTTL)
	switch {
	case err != nil:
		return views.StopOutcome{Target: t.Name, Task: dcs.Task{ID: intent.TaskID}, Outcome: audit.OutcomeFailed,
			Code: audit.CodeNotSent, Message: i18n.T(ctx, "stops.lease_failed", "Err", err.Error()), Err: errNotSent,
			CallAttempt: intent.AttemptID, CallUser: intent.User, At: st.now()}, true
	case ok:
		return views.StopOutcome{}, false
	}
	return views.StopOutcome{Target: t.Name, Task: readAgain(ctx, t, intent.TaskID), Outcome: audit.OutcomeJoined,
		CallAttempt: holder.AttemptID, CallUser: holder.User, At: st.now()}, true
}

// release ends the stop's lease: at once, or, after an accepted stop, when
// the repeat window has passed, so a repeat on another replica is told.
func (st *stopper) release(ctx context.Context, key, attemptID string, accepted bool) {
	if st.leases == nil {
		return
	}
	keep := time.Duration(0)
	if accepted {
		keep = recentStopWindow
	}
	_ = st.leases.Release(ctx, key, attemptID, keep) // it expires by itself anyway
}

// errNotSent is a stop the dashboard did not send: its lease could not be
// taken. Its message reaches the log only: the person is told by
// stopBanner (audit.CodeNotSent) and the batch's Message.
var errNotSent = &dcs.APIError{Kind: dcs.KindConfig, Message: "not sent: the dashboard's database did not answer"}

// once sends the stop exactly once and, when the answer is not an
// acceptance, reads the task again so the page shows its real status
// rather than a guess.
func (st *stopper) once(ctx context.Context, t *targets.Target, id string) views.StopOutcome {
	start := st.now()
	ans, err := t.Tasks.Stop(ctx, id)
	o := views.StopOutcome{Target: t.Name, Task: ans.Task, Call: ans.Call, Outcome: outcomeOf(err, nil), Err: err}
	if err != nil {
		o.Call, o.Code, o.Message = failedCall(err)
		o.Task = readAgain(ctx, t, id)
		o.ReadAgain = o.Outcome == audit.OutcomeUnknown
	}
	o.Took, o.At = st.now().Sub(start), st.now()
	return o
}

// batch stops the tasks of intents (one per task): a batch spanning
// targets is split per target, each part in chunks of at most
// dcs.MaxBatchStop, one call each, the targets at the same time. An
// identical part already in flight is joined rather than sent again. A
// chunk that fails as a whole gives each of its tasks that failure; a task
// the answer leaves out is unknown. Every task is read again afterwards:
// the answer names none of them, and the page shows where each now stands.
func (st *stopper) batch(ctx context.Context, intents []audit.Record) []views.StopOutcome {
	var order []string
	parts := map[string][]audit.Record{}
	for _, in := range intents {
		if parts[in.Target] == nil {
			order = append(order, in.Target)
		}
		parts[in.Target] = append(parts[in.Target], in)
	}
	byKey := make(map[string]views.StopOutcome, len(intents))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range order {
		part := parts[name]
		t := st.targetOf(part[0])
		wg.Go(func() {
			ids := make([]string, len(part))
			for i, in := range part {
				ids[i] = in.TaskID
			}
			slices.Sort(ids)
			v, _, _ := st.flight.Do("batch "+t.Name+" "+strings.Join(ids, " "), func() (any, error) {
				return st.sendBatch(ctx, t, part), nil
			})
			mu.Lock()
			defer mu.Unlock()
			for _, o := range v.([]views.StopOutcome) {
				byKey[factKey(t, o.Task.ID)] = o
			}
		})
	}
	wg.Wait()
	// The call may have been another attempt's, with its tasks in its order.
	out := make([]views.StopOutcome, len(intents))
	for i, in := range intents {
		out[i] = byKey[factKey(st.targetOf(in), in.TaskID)]
		out[i].Joined = out[i].CallAttempt != in.AttemptID
	}
	return out
}

// sendBatch makes the calls of one target's part of a batch and reads its
// tasks again.
func (st *stopper) sendBatch(ctx context.Context, t *targets.Target, intents []audit.Record) []views.StopOutcome {
	// Each task's lease first, as a single stop takes it: a task whose stop
	// another replica holds is joined to it and left out of the call.
	out := make([]views.StopOutcome, len(intents))
	var send []int // indexes of intents whose lease this batch holds
	for i, in := range intents {
		if o, held := st.lease(ctx, factKey(t, in.TaskID), t, in); held {
			out[i] = o
			continue
		}
		send = append(send, i)
	}
	for chunk := range slices.Chunk(send, dcs.MaxBatchStop) {
		ids := make([]string, len(chunk))
		for k, i := range chunk {
			ids[k] = intents[i].TaskID
		}
		start := st.now()
		ans, err := t.Tasks.BatchStop(ctx, ids)
		took, at := st.now().Sub(start), st.now()
		byID := make(map[string]dcs.StopResult, len(ans.Results))
		for _, r := range ans.Results {
			byID[r.TaskID] = r
		}
		for _, i := range chunk {
			in := intents[i]
			o := views.StopOutcome{Target: t.Name, Task: dcs.Task{ID: in.TaskID}, Call: ans.Call, Took: took, At: at, Err: err,
				CallAttempt: in.AttemptID, CallUser: in.User}
			if err != nil {
				o.Outcome = outcomeOf(err, nil)
				o.Call, o.Code, o.Message = failedCall(err)
			} else {
				r, ok := byID[in.TaskID]
				if !ok {
					r = dcs.StopResult{TaskID: in.TaskID, NoAnswer: true}
				}
				o.Outcome, o.Code, o.Message = outcomeOf(nil, &r), r.Code, r.Message
			}
			o.ReadAgain = o.Outcome == audit.OutcomeUnknown
			out[i] = o
			st.release(ctx, factKey(t, in.TaskID), in.AttemptID, o.Outcome == audit.OutcomeAccepted)
		}
	}
	ids := make([]string, len(out))
	for i, in := range intents {
		ids[i] = in.TaskID
	}
	showEach(ctx, t.Tasks, ids, func(i int, task dcs.Task) { out[i].Task = task })
	return out
}

// readAgain reads a task whose stop did not clearly succeed; a task that
// cannot be read is known by its id alone (its status then shows as unknown).
func readAgain(ctx context.Context, t *targets.Target, id string) dcs.Task {
	if task, err := t.Tasks.Show(ctx, id); err == nil {
		return task
	}
	return dcs.Task{ID: id}
}

// outcomeOf is the one place that classifies a stop, single or batch: err is
// the call's failure, r (batch only) the API's result for one task.
//   - accepted: the API took the stop;
//   - refused: the API said no (a client error, or a task's failed result);
//   - failed: the request never left (the dashboard could not build it);
//   - unknown: the API may have acted (a timeout, a broken connection, an
//     unreadable answer, or a batch answer that left the task out).
func outcomeOf(err error, r *dcs.StopResult) string {
	if err != nil {
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
	switch {
	case r == nil || r.Accepted:
		return audit.OutcomeAccepted
	case r.NoAnswer:
		return audit.OutcomeUnknown
	default:
		return audit.OutcomeRefused
	}
}

// failedCall is what a failed call tells about itself for the record.
func failedCall(err error) (dcs.Call, string, string) {
	apiErr, ok := dcs.AsAPIError(err)
	if !ok {
		return dcs.Call{}, "", err.Error()
	}
	return dcs.Call{HTTPStatus: apiErr.HTTPStatus, RequestID: apiErr.RequestID}, apiErr.Code, apiErr.Message
}

// recentlyAccepted returns the outcome of a stop of id accepted within the window.
func (st *stopper) recentlyAccepted(id string, now time.Time) (views.StopOutcome, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, a := range st.recent { // the map holds a few entries at most
		if now.Sub(a.at) > recentStopWindow {
			delete(st.recent, k)
		}
	}
	a, ok := st.recent[id]
	return a.outcome, ok
}

func (st *stopper) remember(id string, o views.StopOutcome, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.recent[id] = acceptedStop{outcome: o, at: now}
}
