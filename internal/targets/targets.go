// Package targets is the set of DCS regions and projects one dashboard
// watches. A target is one region (or private endpoint) and one project,
// read with its own credentials through its own task service; the pages
// show every target's tasks in one pane and send each stop to the task's
// own target.
package targets

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// DefaultName is the one target the single-target flags (-dcs-endpoint or
// -dcs-region with -dcs-project-id, or demo mode without a file) describe.
const DefaultName = "default"

// validName is what a target's name may be: short, lower case, URL-safe,
// since it is part of every task's address.
var validName = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// ValidName reports whether name may name a target.
func ValidName(name string) bool { return validName.MatchString(name) }

// Target is one region or endpoint and one project, as configured.
type Target struct {
	// Name is short and unique; it is shown on pages and is part of URLs.
	Name string
	// DisplayName is shown where there is room; "" means Name.
	DisplayName string
	// Region is the Huawei Cloud region id, "" for an endpoint target.
	Region string
	// Endpoint is the DCS API's URL ("" for a region, which the SDK resolves).
	Endpoint string
	// ProjectID is the project the target's tasks belong to.
	ProjectID string
	// OperatorGroups, when not nil, replace the global operator groups for
	// this target: who may stop its tasks.
	OperatorGroups []string
	// Tasks reads and stops the target's tasks.
	Tasks dcs.TaskService
}

// Label is the name a page shows for t.
func (t *Target) Label() string {
	if t.DisplayName != "" {
		return t.DisplayName
	}
	return t.Name
}

// Where is the region, or the endpoint, t's tasks are read from.
func (t *Target) Where() string {
	if t.Region != "" {
		return t.Region
	}
	return t.Endpoint
}

// Set is the targets of one dashboard, in configured order.
type Set struct {
	list   []*Target
	byName map[string]*Target
}

// NewSet checks the targets' names (valid and unique) and services.
func NewSet(ts ...*Target) (*Set, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("targets: at least one is needed")
	}
	s := &Set{byName: make(map[string]*Target, len(ts))}
	for _, t := range ts {
		switch {
		case !ValidName(t.Name):
			return nil, fmt.Errorf("targets: name %q: use 1 to 32 lower-case letters, digits and '-'", t.Name)
		case s.byName[t.Name] != nil:
			return nil, fmt.Errorf("targets: name %q is used twice", t.Name)
		case t.Tasks == nil:
			return nil, fmt.Errorf("targets: %s has no task service", t.Name)
		}
		s.byName[t.Name] = t
		s.list = append(s.list, t)
	}
	return s, nil
}

// Single is a set of one target named DefaultName over tasks.
func Single(tasks dcs.TaskService) *Set {
	s, _ := NewSet(&Target{Name: DefaultName, Tasks: tasks})
	return s
}

// All returns the targets in configured order.
func (s *Set) All() []*Target { return slices.Clone(s.list) }

// Names returns the targets' names in configured order.
func (s *Set) Names() []string {
	names := make([]string, len(s.list))
	for i, t := range s.list {
		names[i] = t.Name
	}
	return names
}

// Get returns the target named name.
func (s *Set) Get(name string) (*Target, bool) {
	t, ok := s.byName[name]
	return t, ok
}

// Only returns the target when there is exactly one: old single-target
// addresses then still name a task unambiguously.
func (s *Set) Only() (*Target, bool) {
	if len(s.list) != 1 {
		return nil, false
	}
	return s.list[0], true
}

// Len is how many targets there are.
func (s *Set) Len() int { return len(s.list) }
