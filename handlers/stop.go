package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/views"
)

const (
	maxReasonLength = 500
	// bannerReasonLength is how much of the reason a result banner quotes:
	// the banner may travel in the session cookie, which holds 4 KiB.
	bannerReasonLength = 200
)

// Stop outcomes, as logged and (later) audited.
const (
	outcomeAccepted = "accepted" // the API took the stop; the task is TERMINATING
	outcomeRefused  = "refused"  // the API said no (4xx): nothing happened
	outcomeUnknown  = "unknown"  // timeout, network or 5xx: it may or may not have happened
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
		if res.Outcome == outcomeAccepted {
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
	res := stopResult{Outcome: outcomeAccepted, Task: task, Err: err}
	if err != nil {
		res.Outcome = outcomeRefused
		if apiErr, ok := dcs.AsAPIError(err); !ok || apiErr.Ambiguous() {
			res.Outcome = outcomeUnknown
		}
		res.Task = dcs.Task{ID: id}
		if fresh, showErr := st.tasks.Show(ctx, id); showErr == nil {
			res.Task = fresh
		}
	}
	res.Took = st.now().Sub(start)
	res.At = st.now()
	return res
}

// Stop stops a task after the viewer confirmed it. With htmx it answers with
// the task's status block (new status and result banner); a plain form post
// is redirected back with the result as a flash message.
func (s *Server) Stop(c echo.Context) error {
	id, err := taskID(c)
	if err != nil {
		return err
	}
	who := identityOf(c)
	returnTo := safeReturnTo(c.FormValue("return_to"), id)
	reason := strings.TrimSpace(c.FormValue("reason"))
	if !who.CanStop() {
		return &pageError{Status: http.StatusForbidden, Title: "Not allowed",
			Text: "Your role may view tasks but not stop them. Nothing was sent to the DCS API."}
	}
	if n := utf8.RuneCountInString(reason); n > maxReasonLength {
		return s.stopRefusedLocally(c, id, returnTo, reason, views.Banner{Kind: "error", Title: "Reason too long.",
			Text: "The reason has " + strconv.Itoa(n) + " characters; at most " + strconv.Itoa(maxReasonLength) +
				" are kept. Shorten it and confirm again. Nothing was sent to the DCS API."})
	}

	res := s.stopper.stop(detached(c.Request().Context()), id)
	s.log.Info("stop attempt", "task_id", id, "task_name", res.Task.Name, "user", who.User, "reason", reason,
		"outcome", res.Outcome, "repeat", res.Repeat, "status_after", string(res.Task.Status), "duration_ms", res.Took.Milliseconds(),
		"err", errText(res.Err))

	banner := stopBanner(res, who, reason)
	if !isHTMX(c) {
		// The stop has happened (or not) already: failing to keep the message
		// must not turn it into an error page. The page redirected to shows
		// the task's real status either way.
		if err := s.cfg.Sessions.AddFlash(c, banner); err != nil {
			s.log.Warn("could not keep the stop result for the next page", "task_id", id, "err", err.Error())
		}
		return redirectAfterPost(c, returnTo)
	}
	st := s.state(c, res.Task, returnTo)
	st.Banner = &banner
	status := http.StatusOK
	if res.Err != nil {
		status = upstreamStatus(res.Err)
		st.Reason = reason
	}
	return render(c, status, views.TaskStateView(st))
}

// stopRefusedLocally answers a stop the dashboard itself refused, keeping the
// typed reason so nothing is lost.
func (s *Server) stopRefusedLocally(c echo.Context, id, returnTo, reason string, b views.Banner) error {
	task, err := s.cfg.Tasks.Show(c.Request().Context(), id)
	if err != nil {
		task = dcs.Task{ID: id}
	}
	st := s.state(c, task, returnTo)
	st.Banner, st.Reason = &b, reason
	if isHTMX(c) {
		return render(c, http.StatusBadRequest, views.TaskStateView(st))
	}
	return render(c, http.StatusBadRequest, views.ConfirmStopView(views.ConfirmStopPage{Chrome: s.chrome(c, "Stop "+task.Name), State: st}))
}

// stopBanner tells the viewer what happened, who asked and why.
func stopBanner(res stopResult, who Identity, reason string) views.Banner {
	name := res.Task.Name
	if name == "" {
		name = res.Task.ID
	}
	why := ""
	if reason != "" {
		why = " Reason: " + shorten(reason, bannerReasonLength)
	}
	at := res.At.UTC().Format("15:04:05 UTC")
	switch {
	case res.Repeat:
		return views.Banner{Kind: "info", Title: "Stop already requested for " + name + ".",
			Text: "A stop of this task was accepted moments ago, so no second request was sent. The task is " +
				res.Task.Status.Label() + "; this status updates until it has stopped."}
	case res.Outcome == outcomeAccepted:
		return views.Banner{Kind: "success", Title: "Stop requested for " + name + ".",
			Text: "The DCS API accepted the stop at " + at + ", requested by " + who.User + ". The task is " +
				res.Task.Status.Label() + "; this status updates until it has stopped." + why}
	case res.Outcome == outcomeRefused:
		b := upstreamBanner(res.Err, "Stopping "+name)
		b.Text = "The DCS API refused the stop, so nothing changed. " + b.Text
		if apiErr, ok := dcs.AsAPIError(res.Err); ok && apiErr.Code == "DCS.4957" {
			b.Text = "The task's current status does not allow a stop (it may have finished or already be stopping). Nothing changed."
		}
		return b
	default:
		b := upstreamBanner(res.Err, "Stopping "+name)
		b.Kind = "warning"
		b.Title = "The outcome of the stop of " + name + " is unknown."
		status := "could not be read either"
		if res.Task.Status != "" {
			status = "reads " + res.Task.Status.Label() + " (" + string(res.Task.Status) + ") now"
		}
		b.Text = "The stop request got no clear answer, so it may or may not have taken effect. The task " + status +
			". Check the status before trying again. " + b.Text
		return b
	}
}

// shorten cuts s to at most n characters, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
