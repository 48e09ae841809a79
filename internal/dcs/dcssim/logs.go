package dcssim

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// logEntry is one migration log line in wire shape.
type logEntry struct {
	CreatedAt string   `json:"created_at"`
	LogLevel  string   `json:"log_level"`
	Message   string   `json:"message"`
	LogCode   string   `json:"log_code"`
	Keyword   []string `json:"keyword"`
	at        time.Time
}

type logsResponse struct {
	LogNum        int        `json:"log_num"`
	MigrationLogs []logEntry `json:"migration_logs"`
}

// addLog appends a line; keywords are the message's notable values. Log
// lines never carry a password: the real service's don't either, and a
// leak test must be able to point at the client, not at the simulator.
func (r *record) addLog(at time.Time, level, msg, code string, keywords ...string) {
	if keywords == nil {
		keywords = []string{}
	}
	r.logs = append(r.logs, logEntry{
		CreatedAt: at.UTC().Format(layoutISO), LogLevel: level, Message: msg,
		LogCode: code, Keyword: keywords, at: at,
	})
}

// seedLogs writes a plausible history for a task as it stands at now.
func seedLogs(r *record, now time.Time) []logEntry {
	t := &r.task
	start := r.created
	if start.IsZero() || start.After(now) {
		start = now.Add(-time.Hour)
	}
	// Seeded lines never lie in the future, so later events sort after them.
	step := func(i int) time.Time { return minTime(start.Add(time.Duration(i)*7*time.Second), now) }
	r.addLog(step(0), "INFO", "Migration task created.", "migration.task.created", t.TaskID)
	target := ""
	if t.TargetInstance != nil {
		target = t.TargetInstance.Name
		if target == "" {
			target = t.TargetInstance.ID
		}
	}
	if t.MigrationType == dcs.TypeBackupFileImport && t.BackupFiles != nil {
		b := t.BackupFiles
		if b.BackupID != "" {
			r.addLog(step(1), "INFO", "Reading backup record "+b.BackupID+".", "migration.backup.read", b.BackupID)
		}
		for i, f := range b.Files {
			r.addLog(step(2+i), "INFO", fmt.Sprintf("Downloading backup file %s (%s bytes) from OBS bucket %s.", f.FileName, f.Size, b.BucketName),
				"migration.obs.download", f.FileName, b.BucketName)
		}
	} else if t.SourceInstance != nil {
		r.addLog(step(1), "INFO", "Connecting to source Redis "+t.SourceInstance.Addrs+".", "migration.source.connect", t.SourceInstance.Addrs)
		if t.Status == string(dcs.StatusRunning) {
			return r.logs
		}
		r.addLog(step(2), "INFO", "Source Redis connected.", "migration.source.connected", t.SourceInstance.Addrs)
	}
	if t.Status == string(dcs.StatusRunning) {
		return r.logs
	}
	r.addLog(step(8), "INFO", "Connected to target instance "+target+".", "migration.target.connected", target)
	r.addLog(step(9), "INFO", "Full data synchronization started.", "migration.full.started")
	for pct := 10; pct < 100 && pct < int(r.progress(now)*100); pct += 15 {
		r.addLog(step(9+pct), "INFO", fmt.Sprintf("Full data synchronization progress: %d%%.", pct), "migration.full.progress", fmt.Sprint(pct))
	}
	switch t.Status {
	case string(dcs.StatusFailed), string(dcs.StatusMigrationFailed):
		msg := t.ErrorMessage
		if msg == "" {
			msg = "Migration interrupted."
		}
		r.addLog(step(120), "ERROR", msg, "migration.task.failed")
		r.addLog(step(121), "ERROR", "Migration task failed.", "migration.task.failed")
	case string(dcs.StatusIncrMigrating), string(dcs.StatusIncrMigeating):
		r.addLog(step(110), "INFO", "Full data synchronization completed (100%).", "migration.full.completed")
		r.addLog(step(111), "INFO", "Incremental synchronization started.", "migration.incr.started")
		for i := 1; i <= 12; i++ {
			at := start.Add(111*7*time.Second + time.Duration(i)*time.Hour)
			if at.After(now) {
				break
			}
			r.addLog(at, "INFO", fmt.Sprintf("Incremental synchronization running, replication lag %d bytes.", hashOf(t.TaskID, fmt.Sprint(i))%4096),
				"migration.incr.heartbeat")
		}
	case string(dcs.StatusSuccess), string(dcs.StatusReleased):
		r.addLog(step(120), "INFO", "Migration task completed successfully.", "migration.task.success")
	case string(dcs.StatusTerminated), string(dcs.StatusTerminating):
		r.addLog(step(120), "INFO", "Stop requested by user; terminating migration task.", "migration.task.stopping")
		if t.Status == string(dcs.StatusTerminated) {
			r.addLog(step(121), "INFO", "Migration task terminated.", "migration.task.terminated")
		}
	}
	if t.Status == string(dcs.StatusReleased) {
		r.addLog(step(200), "INFO", "Migration ECS released.", "migration.ecs.released", t.EcsTenantPrivateIP)
	}
	return r.logs
}

// logPage answers ListMigrationTaskLogs: newest first, filtered by level, paged.
func (r *record) logPage(q url.Values) (int, any, []string) {
	offset, limit, e := paging(q)
	if e != nil {
		return e.status, e, nil
	}
	level := q.Get("log_level")
	if level != "" && level != "INFO" && level != "ERROR" {
		e := errBadParam("log_level must be INFO or ERROR")
		return e.status, e, nil
	}
	// Lines are appended in time order, except that a stop or a finish may be
	// noticed late; sort by time so "newest first" holds anyway.
	sort.SliceStable(r.logs, func(i, j int) bool { return r.logs[i].at.Before(r.logs[j].at) })
	var match []logEntry
	for i := len(r.logs) - 1; i >= 0; i-- {
		if level == "" || strings.EqualFold(r.logs[i].LogLevel, level) {
			match = append(match, r.logs[i])
		}
	}
	resp := logsResponse{LogNum: len(match), MigrationLogs: []logEntry{}}
	for i := offset; i < len(match) && i < offset+limit; i++ {
		resp.MigrationLogs = append(resp.MigrationLogs, match[i])
	}
	return http.StatusOK, resp, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
