package dcssim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// seedSpec is one row of the seed table.
type seedSpec struct {
	name, desc, status string
	backup             string // "" online, "obs" or "record" for a backup-file import
	incr               bool   // incremental_migration (online only)
	vpn                bool
	ago                time.Duration // created this long before now
	errMsg             string
	opts               seedOpt
}

type seedOpt uint

const (
	optBare       seedOpt = 1 << iota // leave optional fields out
	optStrings                        // stats figures as JSON strings
	optExchanging                     // task_status EXCHANGING
	optDCSSource                      // the source is a DCS instance (id and name known)
)

// seedTable covers every status in dcs.KnownStatuses(), both migration types
// and methods, both network types and both backup-file sources.
func seedTable() []seedSpec {
	const h, d = time.Hour, 24 * time.Hour
	// longName is over 200 characters, to prove pages wrap or truncate it.
	longName := "超长名称的迁移任务-" + strings.Repeat("very-long-migration-task-name-segment-", 6) + "结束"
	const (
		run, mig, full, incr, incre = "RUNNING", "MIGRATING", "FULLMIGRATING", "INCRMIGRATING", "INCRMIGEATING"
		term, ok, fail, mfail       = "TERMINATING", "SUCCESS", "FAILED", "MIGRATION_FAILED"
		termd, rel                  = "TERMINATED", "RELEASED"
	)
	return []seedSpec{
		{name: "订单缓存迁移-生产", desc: "订单服务 Redis 迁移到 DCS", status: full, ago: 25 * time.Minute},
		{name: "session-store to DCS", desc: "", status: full, incr: true, ago: 40 * time.Minute, opts: optStrings},
		{name: "用户画像增量同步", desc: "用户画像 增量同步", status: incr, incr: true, ago: 26 * h, opts: optDCSSource},
		{name: "legacy IDC redis (VPN)", desc: "self-hosted Redis in the IDC, over VPN", status: incre, incr: true, vpn: true, ago: 3 * d},
		{name: "cart-cache full copy", desc: "", status: mig, vpn: true, ago: 15 * time.Minute},
		{name: "排行榜实时同步", desc: "leaderboard", status: mig, incr: true, ago: 50 * time.Minute},
		{name: "待配置：商品详情缓存", desc: "", status: run, ago: 2 * h},
		{name: "new-region-migration", desc: "", status: run, incr: true, vpn: true, ago: 5 * h, opts: optBare},
		{name: "ad-hoc-stop-demo", desc: "stopped a moment ago", status: term, incr: true, ago: 6 * h},
		{name: longName, desc: "a task with a very long name", status: incr, incr: true, ago: 2 * d, opts: optExchanging},
		{name: "payment-cache nightly", desc: "", status: ok, ago: 4 * d, opts: optDCSSource},
		{name: "风控特征库迁移", desc: "风控", status: fail, vpn: true, ago: 5 * d,
			errMsg: "Failed to connect to source Redis 10.20.3.14:6379: NOAUTH Authentication required."},
		{name: "geo-index incremental", desc: "", status: mfail, incr: true, ago: 6 * d,
			errMsg: "Incremental synchronization interrupted: target instance out of memory (OOM command not allowed)."},
		{name: "消息队列缓存", desc: "", status: termd, incr: true, ago: 8 * d},
		{name: "test-vpn-full", desc: "vpn test", status: termd, vpn: true, ago: 9 * d},
		{name: "retired-cluster-copy", desc: "old cluster", status: rel, ago: 20 * d},
		{name: `cache <prod> & "quotes" 'x'`, desc: `<b>not bold</b> & done`, status: incr, incr: true, ago: 1 * d, opts: optStrings},
		{name: "bare-minimum task", desc: "", status: ok, ago: 12 * d, opts: optBare},
		{name: "推荐系统 缓存 第二批", desc: "第二批", status: full, ago: 35 * time.Minute, opts: optDCSSource},
		{name: "hot-keys incremental", desc: "", status: incr, incr: true, vpn: true, ago: 10 * h, opts: optStrings},
		{name: "metrics-cache", desc: "metrics", status: ok, vpn: true, ago: 14 * d},
		{name: "跨区域容灾同步", desc: "", status: termd, incr: true, vpn: true, ago: 16 * d},
		{name: "staging refresh", desc: "", status: fail, ago: 18 * d, errMsg: "Source Redis version 2.8 is not supported."},
		{name: "OBS 备份导入 - 多文件", desc: "four files, bytes to tens of GiB", status: mig, backup: "obs", ago: 30 * time.Minute},
		{name: "rdb import from backup record", desc: "", status: ok, backup: "record", ago: 3 * d},
		{name: "导入失败的AOF文件", desc: "", status: fail, backup: "obs", ago: 7 * d,
			errMsg: "Backup file appendonly.aof is not a valid RDB or AOF file."},
		{name: "backup-record import stopped", desc: "", status: termd, backup: "record", ago: 10 * d},
		{name: "obs import waiting", desc: "", status: run, backup: "obs", ago: 1 * h},
		{name: "大文件导入 40GiB", desc: "", status: mfail, backup: "obs", ago: 11 * d,
			errMsg: "Import interrupted: not enough memory on the target instance."},
		{name: "old import", desc: "", status: rel, backup: "record", ago: 21 * d},
		{name: "nightly import", desc: "nightly", status: ok, backup: "obs", ago: 13 * d},
		{name: "import in progress 2", desc: "", status: mig, backup: "record", ago: 20 * time.Minute},
		{name: "bare import", desc: "", status: ok, backup: "record", ago: 19 * d, opts: optBare},
		{name: "full copy eu", desc: "", status: ok, ago: 15 * d},
		{name: "增量迁移-华东", desc: "华东", status: incr, incr: true, ago: 2*d + 3*h, opts: optDCSSource},
		{name: "session terminated", desc: "", status: termd, ago: 17 * d},
	}
}

// seedSalt prefixes every id the default project's seed derives. Other
// projects' seeds add their project id to it, so no two projects share a
// task, instance or VPC id.
const seedSalt = "dcssim/seed/v1"

// SeedID is the id of seed row i: a version-4-shaped UUID derived from a
// fixed seed, so ids are the same in every run.
func SeedID(i int) string { return derivedUUID(seedSalt+"/task", i) }

func derivedUUID(salt string, i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", salt, i))
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	x := hex.EncodeToString(sum[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// Seed returns the demo tasks as they stand at now. Ids, names and the
// shape of every task are fixed; times are relative to now and spread over
// three weeks, in the three timestamp layouts the reference uses.
func Seed(now time.Time) []Task {
	return seedTasks(seedSalt, seedTable(), now)
}

// seedTasks builds a task from each row of specs, deriving every id from salt.
func seedTasks(salt string, specs []seedSpec, now time.Time) []Task {
	tasks := make([]Task, 0, len(specs))
	for i, sp := range specs {
		tasks = append(tasks, seedTask(salt, i, sp, now))
	}
	return tasks
}

func seedTask(salt string, i int, sp seedSpec, now time.Time) Task {
	id := derivedUUID(salt+"/task", i)
	hv := hashOf(id)
	created := now.Add(-sp.ago).UTC()
	layouts := []string{layoutISO, layoutSlash, layoutCompact}
	t := Task{
		TaskID: id, TaskName: sp.name, Description: sp.desc, Status: sp.status,
		MigrationType: dcs.TypeOnlineMigration, MigrationMethod: dcs.MethodFull,
		EcsTenantPrivateIP: fmt.Sprintf("192.168.0.%d", 10+i),
		NetworkType:        dcs.NetworkVPC,
		CreatedAt:          created.Format(layouts[i%3]),
		ErrorMessage:       sp.errMsg,
		Version:            "2.0.1", ResumeMode: "auto", SupportedFeatures: []string{"supports_resume", "supports_bandwidth_limit"},
		TenantVpcID: derivedUUID(salt+"/vpc", i%3), TenantSubnetID: derivedUUID(salt+"/subnet", i%3),
		TenantSecGroupID: derivedUUID(salt+"/sg", i%3), BandwidthLimitMB: fmt.Sprint(50 * (1 + i%4)),
		StatsAsStrings: sp.opts&optStrings != 0,
		TargetInstance: &TargetInstance{
			ID: derivedUUID(salt+"/target", i), Name: fmt.Sprintf("dcs-target-%02d", i),
			Addrs: fmt.Sprintf("192.168.0.%d:6379", 100+i), Password: fmt.Sprintf("SimPw-dst-%08x", uint32(hv)),
		},
	}
	if sp.incr {
		t.MigrationMethod = dcs.MethodIncremental
	}
	if sp.vpn {
		t.NetworkType = dcs.NetworkVPN
	}
	if sp.opts&optExchanging != 0 {
		t.TaskStatus = "EXCHANGING"
	}
	switch sp.status {
	case "SUCCESS", "FAILED", "MIGRATION_FAILED", "TERMINATED", "RELEASED":
		t.UpdatedAt = created.Add(time.Duration(1+hv%5) * time.Hour).Format(layoutISO)
	}
	if sp.status == "RELEASED" {
		t.ReleasedAt = created.Add(72 * time.Hour).Format(layoutISO)
	}
	switch sp.backup {
	case "obs":
		t.MigrationType = dcs.TypeBackupFileImport
		t.BackupFiles = &BackupFiles{FileSource: dcs.FileSourceOBS, BucketName: fmt.Sprintf("redis-backups-%02d", i), Files: seedFiles(created)}
	case "record":
		t.MigrationType = dcs.TypeBackupFileImport
		t.BackupFiles = &BackupFiles{FileSource: dcs.FileSourceBackupRecord, Files: []BackupFile{}, BackupID: derivedUUID(salt+"/backup", i)}
	default:
		src := &SourceInstance{Addrs: fmt.Sprintf("192.168.1.%d:6379", 10+i), Password: fmt.Sprintf("SimPw-src-%08x", uint32(hv>>32))}
		if sp.vpn {
			src.Addrs = fmt.Sprintf("10.20.%d.%d:6379", i%8, 10+i)
		}
		if sp.opts&optDCSSource != 0 {
			src.ID, src.Name = derivedUUID(salt+"/source", i), fmt.Sprintf("dcs-source-%02d", i)
		}
		t.SourceInstance = src
	}
	if sp.opts&optBare != 0 {
		t.EcsTenantPrivateIP, t.NetworkType, t.Version, t.ResumeMode = "", "", "", ""
		t.SupportedFeatures, t.TenantVpcID, t.TenantSubnetID, t.TenantSecGroupID, t.BandwidthLimitMB = nil, "", "", "", ""
		t.UpdatedAt, t.TargetInstance.Name, t.TargetInstance.Addrs, t.TargetInstance.Password = "", "", "", ""
		if t.SourceInstance != nil {
			t.SourceInstance.Password = ""
		}
	}
	return t
}

// seedFiles are an OBS import's files, from a few bytes to tens of GiB.
func seedFiles(created time.Time) []BackupFile {
	at := created.Add(-2 * time.Hour).Format(layoutFile)
	return []BackupFile{
		{FileName: "empty-db.rdb", Size: "187", UpdateAt: at},
		{FileName: "sessions.rdb", Size: "524288000", UpdateAt: at},
		{FileName: "appendonly.aof", Size: "3221225472", UpdateAt: at},
		{FileName: "full-dump-2024.rdb", Size: "42949672960", UpdateAt: at},
	}
}
