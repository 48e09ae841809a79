// Package dcs is the dashboard's only door to the Huawei Cloud DCS API.
//
// It owns the project's domain types for data-migration tasks and a Client
// over the official Huawei Cloud Go SDK. The types deliberately have no
// password fields: the API returns instance passwords in clear text, and they
// are dropped while decoding, so no page, log line, error or audit record can
// ever carry one.
package dcs

// Migration types, methods, network types and backup-file sources as the API
// spells them. Like Status, unknown values are kept and shown raw.
const (
	TypeBackupFileImport = "backupfile_import"
	TypeOnlineMigration  = "online_migration"

	MethodFull        = "full_amount_migration"
	MethodIncremental = "incremental_migration"

	NetworkVPC = "vpc"
	NetworkVPN = "vpn"

	FileSourceOBS          = "self_build_obs"
	FileSourceBackupRecord = "backup_record"
)

// Task is one data-migration task. List results fill the summary fields only
// (the API's list items are flat); Show fills everything it returns.
type Task struct {
	ID          string
	Name        string
	Description string
	Status      Status
	// TaskStatus is the API's secondary status (EXCHANGING while IPs are switched).
	TaskStatus  string
	Type        string
	Method      string
	NetworkType string
	// ECSPrivateIP is the migration machine's private IP, for instance whitelists.
	ECSPrivateIP string
	// DataSource is the list view's one-line description of where data comes from.
	DataSource   string
	ErrorMessage string

	Source SourceInstance
	Target TargetInstance
	// Backup is nil unless the task imports backup files.
	Backup *BackupFiles

	CreatedAt  Timestamp
	UpdatedAt  Timestamp
	ReleasedAt Timestamp

	Version           string
	ResumeMode        string
	SupportedFeatures []string
	BandwidthLimitMB  string
	TenantVPCID       string
	TenantSubnetID    string
	TenantSecGroupID  string
}

// SourceInstance is the Redis a task reads from. PasswordSet records whether
// the API reported a password; the password itself never leaves the decoder.
type SourceInstance struct {
	Addrs       string
	Name        string
	ID          string
	PasswordSet bool
}

// TargetInstance is the DCS instance a task writes to.
type TargetInstance struct {
	ID          string
	Name        string
	Addrs       string
	PasswordSet bool
}

// BackupFiles describes what a backup-file import reads: files in the
// customer's OBS bucket, or a DCS backup record.
type BackupFiles struct {
	Source   string
	Bucket   string
	Files    []BackupFile
	BackupID string
}

// BackupFile is one file of an OBS import.
type BackupFile struct {
	Name      string
	Size      Number
	UpdatedAt Timestamp
}

// TaskPage is one page of a task listing. Total counts every task matching
// the filter, not just this page.
type TaskPage struct {
	Total int
	Tasks []Task
}

// ListOptions selects a page of tasks; Name is the API's name filter.
type ListOptions struct {
	Offset int
	Limit  int
	Name   string
}

// Stats is an online migration's progress. Every figure may be missing, and
// the API sends them as numbers or as strings; Number keeps both facts.
type Stats struct {
	FullProgress Number // percent of the full sync, 0-100
	Offset       Number // replication lag; 0 means caught up
	SourceKeys   Number
	TargetKeys   Number
	InputKbps    Number
	Ops          Number
	Migrating    *bool
}

// LogEntry is one line of a task's migration log.
type LogEntry struct {
	Time     Timestamp
	Level    string
	Message  string
	Code     string
	Keywords []string
}

// LogPage is one page of a task's logs, newest first, with the total count.
type LogPage struct {
	Total   int
	Entries []LogEntry
}

// LogOptions selects a page of logs; Level is "", "INFO" or "ERROR".
type LogOptions struct {
	Offset int
	Limit  int
	Level  string
}

// StopResult is the answer for one task of a batch stop. Accepted means the
// API took the request, not that the task has already stopped. NoAnswer
// means the API's answer left this task out: the API may have acted on it
// or not, so its outcome is unknown until the task is read again.
type StopResult struct {
	TaskID   string
	Accepted bool
	NoAnswer bool
	Code     string
	Message  string
}

// Call is what identifies one answered API request: its HTTP status and the
// X-Request-Id the API sent, which Huawei support asks for.
type Call struct {
	HTTPStatus int
	RequestID  string
}

// StopAnswer is the API's answer to a stop: the task as it answered
// (typically TERMINATING) and the call that carried it.
type StopAnswer struct {
	Task Task
	Call Call
}

// BatchStopAnswer is the API's answer to a batch stop: one result per
// requested task, in request order or not, and the call that carried them.
type BatchStopAnswer struct {
	Results []StopResult
	Call    Call
}

// ReportsProgress reports whether ShowMigrationTaskStats has figures that
// change for t: an online migration under way. (The call describes online
// migrations only; the API refuses it for backup-file imports.)
func (t Task) ReportsProgress() bool {
	return t.Type == TypeOnlineMigration && t.Status.Moving()
}
