package dcs

import "errors"

// errNotObject marks a list element that is not an object; tolerantList drops it.
var errNotObject = errors.New("not a JSON object")

// The structs below mirror the JSON the API sends. Every scalar uses a
// tolerant type from wire_values.go; nested objects and arrays that are null,
// missing or of the wrong JSON type decode as absent instead of failing the
// call. Only the top level is strict: a body that is not an object of the
// documented shape is a decode error.

// wireSummary holds the fields the detail shape and the flat list item share;
// both embed it, so each field is declared and mapped once.
type wireSummary struct {
	TaskID             wireString  `json:"task_id"`
	TaskName           wireString  `json:"task_name"`
	Description        wireString  `json:"description"`
	Status             wireString  `json:"status"`
	TaskStatus         wireString  `json:"task_status"`
	MigrationType      wireString  `json:"migration_type"`
	MigrationMethod    wireString  `json:"migration_method"`
	EcsTenantPrivateIP wireString  `json:"ecs_tenant_private_ip"`
	NetworkType        wireString  `json:"network_type"`
	DataSource         wireString  `json:"data_source"`
	ErrorMessage       wireString  `json:"error_message"`
	CreatedAt          wireString  `json:"created_at"`
	UpdatedAt          wireString  `json:"updated_at"`
	ReleasedAt         wireString  `json:"released_at"`
	Version            wireString  `json:"version"`
	ResumeMode         wireString  `json:"resume_mode"`
	SupportedFeatures  wireStrings `json:"supported_features"`
}

// wireTask is the detail shape (Show, Stop). Fields absent from the
// reference but seen in list items are accepted too, so a detail answer that
// carries them is not thrown away.
type wireTask struct {
	wireSummary
	BackupFiles      wireObject[wireBackup]   `json:"backup_files"`
	SourceInstance   wireObject[wireInstance] `json:"source_instance"`
	TargetInstance   wireObject[wireInstance] `json:"target_instance"`
	TenantVpcID      wireString               `json:"tenant_vpc_id"`
	TenantSubnetID   wireString               `json:"tenant_subnet_id"`
	TenantSecGroupID wireString               `json:"tenant_security_group_id"`
	BandwidthLimitMB wireString               `json:"bandwidth_limit_mb"`
}

// wireObject is a nested object that is absent (present false) unless the
// API sent a JSON object: null, a string or a number does not fail the call,
// and a task does not claim, say, a backup it has not.
type wireObject[T any] struct {
	val     T
	present bool
}

// UnmarshalJSON takes anything but an object as absent.
func (o *wireObject[T]) UnmarshalJSON(b []byte) error {
	*o = wireObject[T]{}
	ok, err := decodeObject(b, &o.val)
	o.present = ok
	return err
}

// get returns the object and whether the API sent one.
func (o wireObject[T]) get() (T, bool) { return o.val, o.present }

// wireInstance is source_instance or target_instance; Password is a
// presence flag only.
type wireInstance struct {
	ID       wireString     `json:"id"`
	Name     wireString     `json:"name"`
	Addrs    wireString     `json:"addrs"`
	Password secretPresence `json:"password"`
}

// wireBackup is backup_files.
type wireBackup struct {
	FileSource wireString             `json:"file_source"`
	BucketName wireString             `json:"bucket_name"`
	Files      tolerantList[wireFile] `json:"files"`
	BackupID   wireString             `json:"backup_id"`
}

// wireFile is one entry of backup_files.files; size may be a string or a number.
type wireFile struct {
	FileName wireString `json:"file_name"`
	Size     Number     `json:"size"`
	UpdateAt wireString `json:"update_at"`
}

// UnmarshalJSON refuses non-objects, so tolerantList drops them.
func (f *wireFile) UnmarshalJSON(b []byte) error {
	type plain wireFile
	*f = wireFile{}
	ok, err := decodeObject(b, (*plain)(f))
	if !ok && err == nil {
		return errNotObject
	}
	return err
}

// wireListItem is one flat item of ListMigrationTask.
type wireListItem struct {
	wireSummary
	SourceInstanceName  wireString `json:"source_instance_name"`
	SourceInstanceID    wireString `json:"source_instance_id"`
	SourceInstanceAddrs wireString `json:"source_instance_addrs"`
	TargetInstanceAddrs wireString `json:"target_instance_addrs"`
	TargetInstanceName  wireString `json:"target_instance_name"`
	TargetInstanceID    wireString `json:"target_instance_id"`
}

type wireList struct {
	Count          Number         `json:"count"`
	MigrationTasks []wireListItem `json:"migration_tasks"`
}

type wireStats struct {
	FullMigrationProgress Number   `json:"full_migration_progress"`
	Offset                Number   `json:"offset"`
	SourceDbsize          Number   `json:"source_dbsize"`
	TargetDbsize          Number   `json:"target_dbsize"`
	TargetInputKbps       Number   `json:"target_input_kbps"`
	TargetOps             Number   `json:"target_ops"`
	IsMigrating           wireBool `json:"is_migrating"`
}

type wireLogs struct {
	LogNum        Number    `json:"log_num"`
	MigrationLogs []wireLog `json:"migration_logs"`
}

type wireLog struct {
	CreatedAt wireString  `json:"created_at"`
	LogLevel  wireString  `json:"log_level"`
	Message   wireString  `json:"message"`
	LogCode   wireString  `json:"log_code"`
	Keyword   wireStrings `json:"keyword"`
}

type wireBatchStop struct {
	MigrationTasks []wireStopResult `json:"migration_tasks"`
}

type wireStopResult struct {
	Result    wireString `json:"result"`
	TaskID    wireString `json:"task_id"`
	ErrorCode wireString `json:"error_code"`
	ErrorMsg  wireString `json:"error_msg"`
}
