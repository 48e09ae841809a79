package dcssim

import (
	"fmt"
	"time"
)

// project is one served project: its own tasks, and the calls made on its
// path. Tasks never cross projects, as they do not in the real API, where a
// task belongs to the project that created it.
type project struct {
	id    string
	store *store
	calls map[Op]int
}

// addProject adds a project with tasks, as of now.
func (s *Simulator) addProject(id string, tasks []Task, now time.Time) {
	if s.project(id) != nil {
		panic(fmt.Sprintf("dcssim: project %q configured twice", id))
	}
	p := &project{id: id, store: newStore(), calls: map[Op]int{}}
	for _, t := range tasks {
		if other, _ := s.findTask(t.TaskID); other != nil {
			panic(fmt.Sprintf("dcssim: task %s is in projects %q and %q", t.TaskID, other.id, id))
		}
		p.store.put(newRecord(t, now, s.cfg.StopDelay))
	}
	s.projects = append(s.projects, p)
}

// project returns the served project with id, or nil. A linear scan: a
// simulator serves a handful of projects.
func (s *Simulator) project(id string) *project {
	for _, p := range s.projects {
		if p.id == id {
			return p
		}
	}
	return nil
}

// findTask returns the task with id and the project holding it, or nils.
func (s *Simulator) findTask(id string) (*project, *record) {
	for _, p := range s.projects {
		if rec, ok := p.store.byID[id]; ok {
			return p, rec
		}
	}
	return nil, nil
}

// Projects lists the ids of the projects served, the default one first.
func (s *Simulator) Projects() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.projects))
	for i, p := range s.projects {
		ids[i] = p.id
	}
	return ids
}

// callCountsIn is CallCounts for one project; false if it is not served.
func (s *Simulator) callCountsIn(project string) (map[Op]int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.project(project)
	if p == nil {
		return nil, false
	}
	return countsOf(p.calls), true
}

// Task returns a copy of the stored task, whatever its project, advanced to
// the current time.
func (s *Simulator) Task(id string) (Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, rec := s.findTask(id)
	if rec == nil {
		return Task{}, false
	}
	p.store.advance(s.cfg.Now())
	return rec.task.clone(), true
}

// SetStatus moves a task, whatever its project, to any status, known or
// not. The status's clock starts now: a full migration restarts at 0%,
// TERMINATING ends after StopDelay.
func (s *Simulator) SetStatus(id, status string) error {
	if !s.setStatus(id, status, nil) {
		return fmt.Errorf("dcssim: no task %q", id)
	}
	return nil
}

// SetStatusWithError is SetStatus that also replaces the task's
// error_message (what the list says about a failure); "" clears it.
func (s *Simulator) SetStatusWithError(id, status, errorMessage string) error {
	if !s.setStatus(id, status, &errorMessage) {
		return fmt.Errorf("dcssim: no task %q", id)
	}
	return nil
}

// setStatus moves the task, and sets its error message unless errorMessage
// is nil; false if no project holds the task.
func (s *Simulator) setStatus(id, status string, errorMessage *string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, rec := s.findTask(id)
	if rec == nil {
		return false
	}
	now := s.cfg.Now()
	p.store.advance(now)
	rec.task.Status = status
	if errorMessage != nil {
		rec.task.ErrorMessage = *errorMessage
	}
	rec.enterStatus(now, s.cfg.StopDelay, false)
	return true
}

// Put adds a task to the default project, or replaces the one with the
// same TaskID in whichever project holds it (its logs and progress start
// afresh).
func (s *Simulator) Put(t Task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, _ := s.findTask(t.TaskID)
	if p == nil {
		p = s.projects[0]
	}
	p.store.put(newRecord(t, s.cfg.Now(), s.cfg.StopDelay))
}

// PutIn adds a task to project, or replaces the one with the same TaskID;
// a task of that id in another project moves here, since ids are unique
// across projects. It fails for a project the simulator does not serve.
func (s *Simulator) PutIn(project string, t Task) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.project(project)
	if p == nil {
		return fmt.Errorf("dcssim: no project %q", project)
	}
	if other, _ := s.findTask(t.TaskID); other != nil && other != p {
		other.store.remove(t.TaskID)
	}
	p.store.put(newRecord(t, s.cfg.Now(), s.cfg.StopDelay))
	return nil
}

// IDsWithStatus lists the ids of the tasks in status in every project: the
// default project's first, each project's in list order (newest first).
func (s *Simulator) IDsWithStatus(status string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, p := range s.projects {
		ids = append(ids, p.idsWithStatus(status, s.cfg.Now())...)
	}
	return ids
}

// IDsWithStatusIn lists the ids of project's tasks in status, in list
// order (newest first); none for a project the simulator does not serve.
func (s *Simulator) IDsWithStatusIn(project, status string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.project(project); p != nil {
		return p.idsWithStatus(status, s.cfg.Now())
	}
	return nil
}

func (p *project) idsWithStatus(status string, now time.Time) []string {
	p.store.advance(now)
	var ids []string
	for _, r := range p.store.order {
		if r.task.Status == status {
			ids = append(ids, r.task.TaskID)
		}
	}
	return ids
}

// Passwords returns every password stored in any project, so tests can
// assert that none reaches a page, a log or an error.
func (s *Simulator) Passwords() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pw []string
	for _, p := range s.projects {
		for _, r := range p.store.order {
			if si := r.task.SourceInstance; si != nil && si.Password != "" {
				pw = append(pw, si.Password)
			}
			if ti := r.task.TargetInstance; ti != nil && ti.Password != "" {
				pw = append(pw, ti.Password)
			}
		}
	}
	return pw
}
