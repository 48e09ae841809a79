package taskcache

import (
	"slices"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// The clones below copy every slice and pointer of the dcs types, so no two
// callers share a backing array. clone_test.go walks the types by
// reflection and fails if a field of reference type is added that these do
// not know about. slices.Clone keeps nil as nil and empty as empty.

// sharePage hands a list page out as it is: its callers only read it.
func sharePage(p dcs.TaskPage) dcs.TaskPage { return p }

func cloneTask(t dcs.Task) dcs.Task {
	t.SupportedFeatures = slices.Clone(t.SupportedFeatures)
	if t.Backup != nil {
		b := *t.Backup
		b.Files = slices.Clone(b.Files)
		t.Backup = &b
	}
	return t
}

func cloneStats(s dcs.Stats) dcs.Stats {
	if s.Migrating != nil {
		m := *s.Migrating
		s.Migrating = &m
	}
	return s
}

func cloneLogPage(p dcs.LogPage) dcs.LogPage {
	if p.Entries != nil {
		entries := make([]dcs.LogEntry, len(p.Entries))
		for i, e := range p.Entries {
			e.Keywords = slices.Clone(e.Keywords)
			entries[i] = e
		}
		p.Entries = entries
	}
	return p
}
