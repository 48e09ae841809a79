package i18n

import "github.com/dcs-dashboard/migrations/internal/dcs"

// statusIDs are the catalog ids of the statuses' names, in the DCS
// console's terms (迁移中, 已结束, ...); the misspelt INCRMIGEATING reads
// like INCRMIGRATING.
var statusIDs = map[dcs.Status]string{
	dcs.StatusRunning:         "status.running",
	dcs.StatusMigrating:       "status.migrating",
	dcs.StatusFullMigrating:   "status.full_migrating",
	dcs.StatusIncrMigrating:   "status.incr_migrating",
	dcs.StatusIncrMigeating:   "status.incr_migrating",
	dcs.StatusTerminating:     "status.terminating",
	dcs.StatusSuccess:         "status.success",
	dcs.StatusFailed:          "status.failed",
	dcs.StatusMigrationFailed: "status.migration_failed",
	dcs.StatusTerminated:      "status.terminated",
	dcs.StatusReleased:        "status.released",
}

// StatusID is the catalog id of st's name, for pages and notifications
// alike; false for a status the dashboard has no name for, which is shown
// as the API sent it.
func StatusID(st dcs.Status) (string, bool) {
	id, ok := statusIDs[st]
	return id, ok
}
