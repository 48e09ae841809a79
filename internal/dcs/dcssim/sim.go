package dcssim

import (
	"fmt"
	"sync"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// Op names one API operation, spelled like the SDK method that calls it.
type Op string

// The operations the simulator serves. They take the client's spelling, so
// a fault or a call count names an operation as APIError.Op reports it.
const (
	OpList      Op = dcs.OpList
	OpShow      Op = dcs.OpShow
	OpStats     Op = dcs.OpStats
	OpLogs      Op = dcs.OpLogs
	OpStop      Op = dcs.OpStop
	OpBatchStop Op = dcs.OpBatchStop
)

// Ops lists every operation, in a stable order.
func Ops() []Op { return []Op{OpList, OpShow, OpStats, OpLogs, OpStop, OpBatchStop} }

func validOp(op Op) bool {
	for _, o := range Ops() {
		if o == op {
			return true
		}
	}
	return false
}

// DefaultStopDelay is how long a stopped task reads TERMINATING when
// Config.StopDelay is zero.
const DefaultStopDelay = 4 * time.Second

// Config configures a Simulator.
type Config struct {
	// ProjectID is the only {project_id} path segment accepted; any other
	// answers 404 DCS.4001 (after authentication, like the real API, which
	// checks the project only for a caller it knows).
	ProjectID string
	// AccessKey and SecretKey are the only credentials whose signatures verify.
	AccessKey, SecretKey string
	// StopDelay is how long a stopped task reads TERMINATING (0 means 4s).
	StopDelay time.Duration
	// Now is the clock; nil means time.Now. State advances lazily from this
	// clock on each request: there are no background goroutines.
	Now func() time.Time
	// Tasks are the initial tasks; nil means Seed(Now()).
	Tasks []Task
}

// Simulator is an in-memory DCS migration-task API. It implements
// http.Handler and is safe for concurrent use: one mutex guards the store,
// the faults and the call counts. Injected latency is slept outside it.
type Simulator struct {
	cfg Config

	mu     sync.Mutex
	store  *store
	faults Faults
	calls  map[Op]int
}

// New builds a simulator from cfg.
func New(cfg Config) *Simulator {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StopDelay <= 0 {
		cfg.StopDelay = DefaultStopDelay
	}
	now := cfg.Now()
	tasks := cfg.Tasks
	if tasks == nil {
		tasks = Seed(now)
	}
	s := &Simulator{cfg: cfg, store: newStore(), calls: map[Op]int{}}
	for _, t := range tasks {
		s.store.put(newRecord(t, now, cfg.StopDelay))
	}
	return s
}

// SetFaults replaces the injected faults.
func (s *Simulator) SetFaults(f Faults) {
	f = f.clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Faults returns a copy of the injected faults.
func (s *Simulator) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.clone()
}

// Calls counts the calls received for op since the last ResetCalls: every
// authenticated call, whatever its outcome (faults included).
func (s *Simulator) Calls(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// CallCounts returns the count of every operation.
func (s *Simulator) CallCounts() map[Op]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Op]int, len(Ops()))
	for _, op := range Ops() {
		out[op] = s.calls[op]
	}
	return out
}

// ResetCalls sets every call count to zero.
func (s *Simulator) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
}

// Task returns a copy of the stored task, advanced to the current time.
func (s *Simulator) Task(id string) (Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.advance(s.cfg.Now())
	rec, ok := s.store.byID[id]
	if !ok {
		return Task{}, false
	}
	return rec.task.clone(), true
}

// SetStatus moves a task to any status, known or not. The status's clock
// starts now: a full migration restarts at 0%, TERMINATING ends after
// StopDelay.
func (s *Simulator) SetStatus(id, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	s.store.advance(now)
	rec, ok := s.store.byID[id]
	if !ok {
		return fmt.Errorf("dcssim: no task %q", id)
	}
	rec.task.Status = status
	rec.enterStatus(now, s.cfg.StopDelay, false)
	return nil
}

// Put adds a task, or replaces the one with the same TaskID (its logs and
// progress start afresh).
func (s *Simulator) Put(t Task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.put(newRecord(t, s.cfg.Now(), s.cfg.StopDelay))
}

// IDsWithStatus lists the ids of the tasks in status, in list order (newest first).
func (s *Simulator) IDsWithStatus(status string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.advance(s.cfg.Now())
	var ids []string
	for _, r := range s.store.order {
		if r.task.Status == status {
			ids = append(ids, r.task.TaskID)
		}
	}
	return ids
}

// Passwords returns every password stored, so tests can assert that none
// reaches a page, a log or an error.
func (s *Simulator) Passwords() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pw []string
	for _, r := range s.store.order {
		if si := r.task.SourceInstance; si != nil && si.Password != "" {
			pw = append(pw, si.Password)
		}
		if ti := r.task.TargetInstance; ti != nil && ti.Password != "" {
			pw = append(pw, ti.Password)
		}
	}
	return pw
}
