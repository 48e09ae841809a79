package dcssim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// Task is a stored migration task in the API's wire shape: its JSON encoding
// is exactly the detail body of ShowMigrationTask and StopMigrationTask,
// passwords included, because the real API returns them in clear text and a
// client must be proven to drop them.
//
// Optional string fields carry omitempty so that an empty value is absent on
// the wire, as the real API leaves fields out; Description is always sent, so
// an empty description arrives as "".
type Task struct {
	TaskID             string          `json:"task_id"`
	TaskName           string          `json:"task_name"`
	Description        string          `json:"description"`
	Status             string          `json:"status"`
	MigrationType      string          `json:"migration_type"`
	MigrationMethod    string          `json:"migration_method,omitempty"`
	EcsTenantPrivateIP string          `json:"ecs_tenant_private_ip,omitempty"`
	BackupFiles        *BackupFiles    `json:"backup_files,omitempty"`
	NetworkType        string          `json:"network_type,omitempty"`
	SourceInstance     *SourceInstance `json:"source_instance,omitempty"`
	TargetInstance     *TargetInstance `json:"target_instance,omitempty"`
	CreatedAt          string          `json:"created_at,omitempty"`
	UpdatedAt          string          `json:"updated_at,omitempty"`
	ReleasedAt         string          `json:"released_at,omitempty"`
	Version            string          `json:"version,omitempty"`
	ResumeMode         string          `json:"resume_mode,omitempty"`
	SupportedFeatures  []string        `json:"supported_features,omitempty"`
	TenantVpcID        string          `json:"tenant_vpc_id,omitempty"`
	TenantSubnetID     string          `json:"tenant_subnet_id,omitempty"`
	TenantSecGroupID   string          `json:"tenant_security_group_id,omitempty"`
	BandwidthLimitMB   string          `json:"bandwidth_limit_mb,omitempty"`
	// TaskStatus is the secondary status (EXCHANGING while IPs are switched).
	TaskStatus string `json:"task_status,omitempty"`

	// ErrorMessage appears only in list items: the detail shape has no such field.
	ErrorMessage string `json:"-"`
	// StatsAsStrings makes ShowMigrationTaskStats send its figures as JSON
	// strings (as the SDK model declares) instead of numbers (as the
	// reference example shows); real responses do both.
	StatsAsStrings bool `json:"-"`
}

// BackupFiles is what a backup-file import reads: files in an OBS bucket or
// a DCS backup record.
type BackupFiles struct {
	FileSource string       `json:"file_source,omitempty"`
	BucketName string       `json:"bucket_name,omitempty"`
	Files      []BackupFile `json:"files"` // the SDK model has no omitempty here
	BackupID   string       `json:"backup_id,omitempty"`
}

// BackupFile is one file of an OBS import. Size is a string of bytes, as documented.
type BackupFile struct {
	FileName string `json:"file_name"`
	Size     string `json:"size,omitempty"`
	UpdateAt string `json:"update_at,omitempty"`
}

// SourceInstance is the Redis an online migration reads from.
type SourceInstance struct {
	Addrs    string `json:"addrs"`
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Password string `json:"password,omitempty"`
}

// TargetInstance is the DCS instance a task writes to.
type TargetInstance struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Addrs    string `json:"addrs,omitempty"`
	Password string `json:"password,omitempty"`
}

// listItem is the flat shape of one ListMigrationTask entry.
type listItem struct {
	TaskID              string   `json:"task_id"`
	TaskName            string   `json:"task_name"`
	Status              string   `json:"status"`
	MigrationType       string   `json:"migration_type"`
	MigrationMethod     string   `json:"migration_method,omitempty"`
	EcsTenantPrivateIP  string   `json:"ecs_tenant_private_ip,omitempty"`
	DataSource          string   `json:"data_source,omitempty"`
	SourceInstanceName  string   `json:"source_instance_name,omitempty"`
	SourceInstanceID    string   `json:"source_instance_id,omitempty"`
	TargetInstanceAddrs string   `json:"target_instance_addrs,omitempty"`
	TargetInstanceName  string   `json:"target_instance_name,omitempty"`
	TargetInstanceID    string   `json:"target_instance_id,omitempty"`
	CreatedAt           string   `json:"created_at,omitempty"`
	Description         string   `json:"description"`
	ErrorMessage        string   `json:"error_message,omitempty"`
	ReleasedAt          string   `json:"released_at,omitempty"`
	Version             string   `json:"version,omitempty"`
	ResumeMode          string   `json:"resume_mode,omitempty"`
	SupportedFeatures   []string `json:"supported_features,omitempty"`
}

func (t *Task) listItem() listItem {
	it := listItem{
		TaskID: t.TaskID, TaskName: t.TaskName, Status: t.Status,
		MigrationType: t.MigrationType, MigrationMethod: t.MigrationMethod,
		EcsTenantPrivateIP: t.EcsTenantPrivateIP, CreatedAt: t.CreatedAt,
		Description: t.Description, ErrorMessage: t.ErrorMessage, ReleasedAt: t.ReleasedAt,
		Version: t.Version, ResumeMode: t.ResumeMode, SupportedFeatures: t.SupportedFeatures,
	}
	// data_source is "ip:port or bucket name" per the reference.
	if s := t.SourceInstance; s != nil {
		it.DataSource, it.SourceInstanceName, it.SourceInstanceID = s.Addrs, s.Name, s.ID
	}
	if b := t.BackupFiles; b != nil {
		it.DataSource = b.BucketName
		if it.DataSource == "" {
			it.DataSource = b.BackupID
		}
	}
	if d := t.TargetInstance; d != nil {
		it.TargetInstanceAddrs, it.TargetInstanceName, it.TargetInstanceID = d.Addrs, d.Name, d.ID
	}
	return it
}

// clone deep-copies t so callers never share slices or pointers with the store.
func (t Task) clone() Task {
	if t.BackupFiles != nil {
		b := *t.BackupFiles
		b.Files = append([]BackupFile(nil), b.Files...)
		t.BackupFiles = &b
	}
	if t.SourceInstance != nil {
		s := *t.SourceInstance
		t.SourceInstance = &s
	}
	if t.TargetInstance != nil {
		d := *t.TargetInstance
		t.TargetInstance = &d
	}
	t.SupportedFeatures = append([]string(nil), t.SupportedFeatures...)
	if len(t.SupportedFeatures) == 0 {
		t.SupportedFeatures = nil
	}
	return t
}

// errorBody is the DCS error document; error_ext_msg is always null, as documented.
type errorBody struct {
	ErrorCode   string  `json:"error_code"`
	ErrorMsg    string  `json:"error_msg"`
	ErrorExtMsg *string `json:"error_ext_msg"`
}

// apiError is an error answer decided by a handler.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error_code":"DCS.5000","error_msg":"internal error","error_ext_msg":null}`)
	}
	writeRaw(w, status, "application/json", body)
}

func writeRaw(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorBody{ErrorCode: e.code, ErrorMsg: e.msg})
}
