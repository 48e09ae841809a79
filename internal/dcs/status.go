package dcs

// Status is a migration task's status exactly as the DCS API sent it.
//
// The SDK's enums name four values, the API reference more, and real responses
// may carry values neither lists. Every decision about a status (is it still
// running, may it be stopped, how is it shown) lives here so that handlers and
// views never compare status strings themselves.
type Status string

// Statuses named by the SDK or the DCS API reference.
const (
	StatusSuccess         Status = "SUCCESS"
	StatusFailed          Status = "FAILED"
	StatusMigrating       Status = "MIGRATING"
	StatusTerminated      Status = "TERMINATED"
	StatusTerminating     Status = "TERMINATING"
	StatusFullMigrating   Status = "FULLMIGRATING"
	StatusIncrMigrating   Status = "INCRMIGRATING"
	StatusIncrMigeating   Status = "INCRMIGEATING" // the reference's own misspelling, seen in responses
	StatusRunning         Status = "RUNNING"       // created, waiting for configuration
	StatusMigrationFailed Status = "MIGRATION_FAILED"
	StatusReleased        Status = "RELEASED"
)

// Tone groups statuses for display: views map a tone to a badge colour.
type Tone string

// The tones a status badge can take.
const (
	ToneActive   Tone = "active"   // running, progress expected
	ToneWaiting  Tone = "waiting"  // created, nothing moves until it is configured
	ToneStopping Tone = "stopping" // a stop was accepted and is under way
	ToneOK       Tone = "ok"
	ToneFailed   Tone = "failed"
	ToneStopped  Tone = "stopped"
	ToneUnknown  Tone = "unknown"
)

type statusInfo struct {
	label      string
	tone       Tone
	inProgress bool
	stoppable  bool
}

var statuses = map[Status]statusInfo{
	StatusRunning:         {"Waiting for configuration", ToneWaiting, true, true},
	StatusMigrating:       {"Migrating", ToneActive, true, true},
	StatusFullMigrating:   {"Full migration", ToneActive, true, true},
	StatusIncrMigrating:   {"Incremental migration", ToneActive, true, true},
	StatusIncrMigeating:   {"Incremental migration", ToneActive, true, true},
	StatusTerminating:     {"Stopping", ToneStopping, true, false},
	StatusSuccess:         {"Succeeded", ToneOK, false, false},
	StatusFailed:          {"Failed", ToneFailed, false, false},
	StatusMigrationFailed: {"Migration failed", ToneFailed, false, false},
	StatusTerminated:      {"Stopped", ToneStopped, false, false},
	StatusReleased:        {"Released", ToneStopped, false, false},
}

// KnownStatuses lists every status the dashboard understands, in a stable order
// (in progress first). The simulator seeds one task for each.
func KnownStatuses() []Status {
	return []Status{
		StatusRunning, StatusMigrating, StatusFullMigrating, StatusIncrMigrating, StatusIncrMigeating,
		StatusTerminating, StatusSuccess, StatusFailed, StatusMigrationFailed, StatusTerminated, StatusReleased,
	}
}

// Known reports whether the dashboard understands s.
func (s Status) Known() bool {
	_, ok := statuses[s]
	return ok
}

// Label is a human name for s; an unknown status is shown raw, never hidden.
func (s Status) Label() string {
	if info, ok := statuses[s]; ok {
		return info.label
	}
	if s == "" {
		return "(no status)"
	}
	return string(s)
}

// Tone is the display group of s.
func (s Status) Tone() Tone {
	if info, ok := statuses[s]; ok {
		return info.tone
	}
	return ToneUnknown
}

// InProgress reports whether the task may still change by itself, so a page
// showing it should keep refreshing. TERMINATING counts: it ends in TERMINATED.
func (s Status) InProgress() bool {
	return statuses[s].inProgress
}

// Stoppable reports whether a stop may be offered. Unknown statuses are never
// stoppable: the dashboard does not guess what the API would do with them.
func (s Status) Stoppable() bool {
	return statuses[s].stoppable
}

// Moving reports whether s is a migration under way, whose progress
// figures change (not waiting for configuration, not stopping).
func (s Status) Moving() bool { return s.Tone() == ToneActive }

// Incremental reports whether s is the incremental phase of an online
// migration: the full sync is done and changes are being replicated.
func (s Status) Incremental() bool { return s == StatusIncrMigrating || s == StatusIncrMigeating }
