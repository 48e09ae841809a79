package dcssim

import (
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
	// ProjectID is the default project's {project_id}: the project Tasks
	// fill and Put adds new tasks to. A {project_id} the simulator does not
	// serve answers 404 DCS.4001 (after authentication, like the real API,
	// which checks the project only for a caller it knows). When ProjectID
	// is empty and Projects is not, the first of Projects is the default.
	ProjectID string
	// AccessKey and SecretKey are the only credentials whose signatures verify.
	// They are the same for every project, as one account's AK/SK reach
	// all its projects.
	AccessKey, SecretKey string
	// StopDelay is how long a stopped task reads TERMINATING (0 means 4s).
	StopDelay time.Duration
	// Now is the clock; nil means time.Now. State advances lazily from this
	// clock on each request: there are no background goroutines.
	Now func() time.Time
	// Tasks are the default project's initial tasks; nil means Seed(Now()).
	Tasks []Task
	// Projects are served beside ProjectID, each with its own tasks, so one
	// simulator can stand for several regions or projects of one account.
	Projects []Project
}

// Project is one more project a Simulator serves.
type Project struct {
	// ID is the project's {project_id}; it must not be empty or repeat.
	ID string
	// Tasks are the project's initial tasks; nil means SeedFor(ID, Now()).
	// Task ids must be unique across all projects, as UUIDs are, so that
	// the methods taking a task id alone find one task.
	Tasks []Task
}

// Simulator is an in-memory DCS migration-task API serving one or more
// projects. It implements http.Handler and is safe for concurrent use: one
// mutex guards the projects' stores, the faults and the call counts.
// Injected latency is slept outside it.
type Simulator struct {
	cfg Config

	mu       sync.Mutex
	projects []*project // default first, then Config.Projects in order
	faults   Faults
	calls    map[Op]int // every project's calls, and those on unserved ids
}

// New builds a simulator from cfg. It panics on a configuration no test
// means to write: an empty or repeated project id, or a task id found in
// two projects.
func New(cfg Config) *Simulator {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StopDelay <= 0 {
		cfg.StopDelay = DefaultStopDelay
	}
	now := cfg.Now()
	s := &Simulator{cfg: cfg, calls: map[Op]int{}}
	// Without extra projects the default one is served even with an empty
	// id, as before: the simulator then answers every path with DCS.4001.
	if cfg.ProjectID != "" || len(cfg.Projects) == 0 {
		tasks := cfg.Tasks
		if tasks == nil {
			tasks = Seed(now)
		}
		s.addProject(cfg.ProjectID, tasks, now)
	} else if cfg.Tasks != nil {
		panic("dcssim: Config.Tasks without Config.ProjectID")
	}
	for _, p := range cfg.Projects {
		if p.ID == "" {
			panic("dcssim: a Config.Projects entry has no ID")
		}
		tasks := p.Tasks
		if tasks == nil {
			tasks = SeedFor(p.ID, now)
		}
		s.addProject(p.ID, tasks, now)
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
// call whose signature verifies, whatever its outcome (faults included),
// on any project's path or on one the simulator does not serve.
func (s *Simulator) Calls(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// CallsIn counts the calls for op on project's path since the last
// ResetCalls, so a test can prove which project a call reached. It is 0 for
// a project the simulator does not serve.
func (s *Simulator) CallsIn(project string, op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.project(project); p != nil {
		return p.calls[op]
	}
	return 0
}

// CallCounts returns the count of every operation, over all projects.
func (s *Simulator) CallCounts() map[Op]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return countsOf(s.calls)
}

// countsOf copies calls with every operation present, zero or not.
func countsOf(calls map[Op]int) map[Op]int {
	out := make(map[Op]int, len(Ops()))
	for _, op := range Ops() {
		out[op] = calls[op]
	}
	return out
}

// ResetCalls sets every call count, total and per project, to zero.
func (s *Simulator) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
	for _, p := range s.projects {
		clear(p.calls)
	}
}
