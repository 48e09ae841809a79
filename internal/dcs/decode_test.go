package dcs

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// detailJSON is the seed's detail shape with every optional part present,
// passwords in clear text as the API sends them, and the reference's three
// timestamp layouts.
const detailJSON = `{
  "task_id": "a1b2c3d4-0000-4000-8000-000000000001",
  "task_name": "migrate-redis-prod",
  "description": "nightly import",
  "status": "MIGRATING",
  "task_status": "EXCHANGING",
  "migration_type": "backupfile_import",
  "migration_method": "full_amount_migration",
  "ecs_tenant_private_ip": "192.168.0.8",
  "network_type": "vpc",
  "backup_files": {
    "file_source": "self_build_obs",
    "bucket_name": "redis-backups",
    "files": [
      {"file_name": "appendonly.aof", "size": "2048", "update_at": "2019/10/22 14:44:30"},
      {"file_name": "dump.rdb", "size": 4096, "update_at": "202404011057"},
      "not-an-object"
    ],
    "backup_id": null
  },
  "source_instance": {"addrs": "192.168.1.10:6379", "name": "src", "password": "S3cret-src!"},
  "target_instance": {"id": "tgt-1", "name": "dcs-target", "password": "T4rget-pw?"},
  "created_at": "2021-06-16T06:12:55.508Z",
  "updated_at": "2019/10/22 14:44:30",
  "released_at": "202404011057",
  "version": "v2",
  "resume_mode": "auto",
  "supported_features": ["supported_cluster_node", null, 7],
  "tenant_vpc_id": "vpc-1",
  "tenant_subnet_id": "subnet-1",
  "tenant_security_group_id": "sg-1",
  "bandwidth_limit_mb": 100
}`

func TestDecodeTaskDetail(t *testing.T) {
	task, err := decodeTask([]byte(detailJSON))
	if err != nil {
		t.Fatalf("decodeTask: %v", err)
	}
	checks := map[string][2]string{
		"ID":          {task.ID, "a1b2c3d4-0000-4000-8000-000000000001"},
		"Name":        {task.Name, "migrate-redis-prod"},
		"Status":      {string(task.Status), "MIGRATING"},
		"TaskStatus":  {task.TaskStatus, "EXCHANGING"},
		"Type":        {task.Type, TypeBackupFileImport},
		"Method":      {task.Method, MethodFull},
		"NetworkType": {task.NetworkType, NetworkVPC},
		"ECS IP":      {task.ECSPrivateIP, "192.168.0.8"},
		"Source":      {task.Source.Addrs + "|" + task.Source.Name, "192.168.1.10:6379|src"},
		"Target":      {task.Target.ID + "|" + task.Target.Name, "tgt-1|dcs-target"},
		"Bandwidth":   {task.BandwidthLimitMB, "100"},
		"SecGroup":    {task.TenantSecGroupID, "sg-1"},
		"Features":    {strings.Join(task.SupportedFeatures, ","), "supported_cluster_node,7"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if !task.Source.PasswordSet || !task.Target.PasswordSet {
		t.Errorf("PasswordSet = %v/%v, want true/true", task.Source.PasswordSet, task.Target.PasswordSet)
	}
	if task.Backup == nil || task.Backup.Bucket != "redis-backups" || len(task.Backup.Files) != 2 {
		t.Fatalf("Backup = %+v, want bucket redis-backups with 2 files (the non-object dropped)", task.Backup)
	}
	if f := task.Backup.Files[0]; f.Size.Int() != 2048 || !f.UpdatedAt.Valid() {
		t.Errorf("file 0 = %+v, want size 2048 from a string and a parsed time", f)
	}
	if f := task.Backup.Files[1]; f.Size.Int() != 4096 || !f.UpdatedAt.Valid() {
		t.Errorf("file 1 = %+v, want size 4096 from a number and a parsed time", f)
	}
}

func TestDecodeTaskNeverKeepsPasswords(t *testing.T) {
	task, err := decodeTask([]byte(detailJSON))
	if err != nil {
		t.Fatal(err)
	}
	asJSON, _ := json.Marshal(task)
	for _, text := range []string{fmt.Sprintf("%#v", task), fmt.Sprintf("%+v", task), string(asJSON)} {
		for _, pw := range []string{"S3cret-src!", "T4rget-pw?"} {
			if strings.Contains(text, pw) {
				t.Fatalf("decoded task contains the password %q: %s", pw, text)
			}
		}
	}
}

func TestDecodeTaskTimestampLayouts(t *testing.T) {
	task, err := decodeTask([]byte(detailJSON))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		got  Timestamp
		want time.Time
	}{
		"RFC 3339 (created_at)":    {task.CreatedAt, time.Date(2021, 6, 16, 6, 12, 55, 508e6, time.UTC)},
		"slashes (updated_at)":     {task.UpdatedAt, time.Date(2019, 10, 22, 14, 44, 30, 0, time.UTC)},
		"compact (released_at)":    {task.ReleasedAt, time.Date(2024, 4, 1, 10, 57, 0, 0, time.UTC)},
		"compact (file update_at)": {task.Backup.Files[1].UpdatedAt, time.Date(2024, 4, 1, 10, 57, 0, 0, time.UTC)},
	}
	for name, c := range want {
		if !c.got.Valid() || !c.got.Time.Equal(c.want) {
			t.Errorf("%s = %+v, want %s", name, c.got, c.want)
		}
	}

	odd, err := decodeTask([]byte(`{"task_id":"x","created_at":"last tuesday","updated_at":1718000000}`))
	if err != nil {
		t.Fatalf("an odd date must not fail the task: %v", err)
	}
	if odd.CreatedAt.Valid() || odd.CreatedAt.Raw != "last tuesday" {
		t.Errorf("unparsable created_at = %+v, want raw text kept and not valid", odd.CreatedAt)
	}
	if !odd.UpdatedAt.Valid() || odd.UpdatedAt.Time.Unix() != 1718000000 {
		t.Errorf("numeric updated_at = %+v, want epoch seconds", odd.UpdatedAt)
	}
}

func TestDecodeTaskToleratesNullsNumbersAndMissing(t *testing.T) {
	body := `{"task_id": "t-9", "task_name": null, "status": 42, "migration_type": "some_new_type",
		"backup_files": null, "source_instance": "oops", "target_instance": {"id": null, "password": null},
		"supported_features": null, "bandwidth_limit_mb": null, "created_at": null, "unknown_field": {"x": [1]}}`
	task, err := decodeTask([]byte(body))
	if err != nil {
		t.Fatalf("decodeTask: %v", err)
	}
	if task.ID != "t-9" || task.Name != "" || task.Status != "42" || task.Type != "some_new_type" {
		t.Errorf("task = %+v", task)
	}
	if task.Backup != nil || task.Source != (SourceInstance{}) || task.Target.PasswordSet {
		t.Errorf("absent parts decoded as present: backup %+v source %+v target %+v", task.Backup, task.Source, task.Target)
	}
	if !task.CreatedAt.IsZero() {
		t.Errorf("null created_at = %+v, want zero", task.CreatedAt)
	}
	empty, err := decodeTask([]byte(`{}`))
	if err != nil || empty.ID != "" {
		t.Errorf("empty object: %+v, %v", empty, err)
	}
}

func TestDecodeTaskPageFlatItems(t *testing.T) {
	body := `{"count": "3", "migration_tasks": [{
		"task_id": "t-1", "task_name": "one", "status": "FULLMIGRATING", "migration_type": "online_migration",
		"migration_method": "incremental_migration", "data_source": "redis://10.0.0.1:6379",
		"source_instance_name": "src-redis", "source_instance_id": "src-1",
		"target_instance_name": "dcs-1", "target_instance_id": "tgt-1", "target_instance_addrs": "10.0.0.2:6379",
		"error_message": "", "created_at": "2019/10/22 14:44:30", "released_at": null,
		"supported_features": ["a"], "version": 2},
		{"task_id": "t-2", "status": "SOMETHING_NEW", "error_message": "source unreachable"}]}`
	page, err := decodeTaskPage([]byte(body))
	if err != nil {
		t.Fatalf("decodeTaskPage: %v", err)
	}
	if page.Total != 3 || len(page.Tasks) != 2 {
		t.Fatalf("page = total %d, %d tasks; want 3, 2", page.Total, len(page.Tasks))
	}
	one := page.Tasks[0]
	if one.Source.Name != "src-redis" || one.Source.ID != "src-1" || one.Target.Name != "dcs-1" ||
		one.Target.ID != "tgt-1" || one.Target.Addrs != "10.0.0.2:6379" || one.DataSource != "redis://10.0.0.1:6379" ||
		one.Method != MethodIncremental || one.Version != "2" || !one.CreatedAt.Valid() {
		t.Errorf("first item = %+v", one)
	}
	if two := page.Tasks[1]; two.Status != "SOMETHING_NEW" || two.ErrorMessage != "source unreachable" {
		t.Errorf("second item = %+v", two)
	}

	noCount, err := decodeTaskPage([]byte(`{"migration_tasks": null}`))
	if err != nil || noCount.Total != 0 || len(noCount.Tasks) != 0 {
		t.Errorf("null list = %+v, %v", noCount, err)
	}
	if _, err := decodeTaskPage([]byte(`{"migration_tasks": {"not": "a list"}}`)); err == nil || err.Kind != KindDecode {
		t.Errorf("an object for the task list = %v, want KindDecode", err)
	}
}

func TestDecodeStatsNumbersAndStrings(t *testing.T) {
	for name, body := range map[string]string{
		"numbers (reference example)": `{"full_migration_progress": 100, "offset": 0, "source_dbsize": 1024,
			"target_dbsize": 1020, "target_input_kbps": 12.5, "target_ops": 300, "is_migrating": true}`,
		"strings (SDK model)": `{"full_migration_progress": "100", "offset": "0", "source_dbsize": "1024",
			"target_dbsize": "1020", "target_input_kbps": "12.5", "target_ops": "300", "is_migrating": "true"}`,
	} {
		s, err := decodeStats([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !s.FullProgress.Valid || s.FullProgress.Value != 100 || !s.Offset.Valid || s.Offset.Value != 0 ||
			s.SourceKeys.Int() != 1024 || s.TargetKeys.Int() != 1020 || s.InputKbps.Value != 12.5 || s.Ops.Int() != 300 {
			t.Errorf("%s: stats = %+v", name, s)
		}
		if s.Migrating == nil || !*s.Migrating {
			t.Errorf("%s: Migrating = %v, want true", name, s.Migrating)
		}
	}
	s, err := decodeStats([]byte(`{"full_migration_progress": null, "offset": "n/a"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.FullProgress.Valid || s.Offset.Valid || s.Offset.Raw != "n/a" || s.Migrating != nil {
		t.Errorf("missing figures = %+v, want all invalid with raw text kept", s)
	}
}

func TestDecodeLogPage(t *testing.T) {
	body := `{"log_num": 2, "migration_logs": [
		{"created_at": "2021-06-16T06:12:55.508Z", "log_level": "ERROR", "message": "auth failed",
		 "log_code": "migrationlog.xxx", "keyword": ["source", "auth"]},
		{"created_at": "202404011057", "log_level": "info", "message": null, "keyword": null}]}`
	page, err := decodeLogPage([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || len(page.Entries) != 2 {
		t.Fatalf("page = %+v", page)
	}
	first := page.Entries[0]
	if first.Level != "ERROR" || first.Message != "auth failed" || first.Code != "migrationlog.xxx" ||
		strings.Join(first.Keywords, ",") != "source,auth" || !first.Time.Valid() {
		t.Errorf("first entry = %+v", first)
	}
	if second := page.Entries[1]; second.Level != "info" || second.Keywords != nil || !second.Time.Valid() {
		t.Errorf("second entry = %+v", second)
	}
}

func TestDecodeStopResults(t *testing.T) {
	body := `{"migration_tasks": [
		{"result": "SUCCESS", "task_id": "a"},
		{"result": "failed", "task_id": "b", "error_code": "DCS.4957", "error_msg": "not allowed"},
		{"result": "Success", "task_id": "c"},
		{"result": "pending", "task_id": "d"}]}`
	res, err := decodeStopResults([]byte(body), []string{"a", "b", "c", "d", "e"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 5 {
		t.Fatalf("results = %+v, want 5 (one per requested id)", res)
	}
	want := []struct {
		id       string
		accepted bool
		code     string
	}{{"a", true, ""}, {"b", false, "DCS.4957"}, {"c", true, ""}, {"d", false, ""}, {"e", false, ""}}
	for i, w := range want {
		if res[i].TaskID != w.id || res[i].Accepted != w.accepted || res[i].Code != w.code {
			t.Errorf("result %d = %+v, want %+v", i, res[i], w)
		}
	}
	for i, r := range res {
		if r.NoAnswer != (r.TaskID == "e") {
			t.Errorf("result %d NoAnswer = %v: only the task the answer left out has none", i, r.NoAnswer)
		}
	}
	if res[1].Message != "not allowed" || res[3].Message == "" || !strings.Contains(res[4].Message, "no result") {
		t.Errorf("messages = %q, %q, %q", res[1].Message, res[3].Message, res[4].Message)
	}
}
