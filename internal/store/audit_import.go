package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dcs-dashboard/migrations/internal/audit"
)

// ImportReport counts what an import did.
type ImportReport struct {
	Read, Added, Completed, Skipped int
}

// Import reads a JSON-lines audit trail (the file the dashboard kept
// before its database, or a mirror) and adds what the database lacks: an
// intent becomes an attempt unless one with its id exists, an outcome
// completes its attempt unless it has one. Importing twice adds nothing.
// Lines that are not audit records are skipped and counted.
func (a *Audit) Import(ctx context.Context, r io.Reader) (ImportReport, error) {
	var rep ImportReport
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var rec audit.Record
		if json.Unmarshal([]byte(line), &rec) != nil || rec.AttemptID == "" || rec.TaskID == "" {
			rep.Skipped++
			continue
		}
		if rec.Event != audit.EventIntent && rec.Event != audit.EventOutcome {
			rep.Skipped++
			continue
		}
		rep.Read++
		// Every record makes its attempt, if not yet there: an outcome whose
		// intent fell outside the file still says who stopped what.
		added, err := a.addIntent(ctx, rec)
		if err != nil {
			return rep, err
		}
		if added {
			rep.Added++
		}
		if rec.Event != audit.EventOutcome {
			continue
		}
		switch err := a.complete(ctx, rec); {
		case err == nil:
			rep.Completed++
		case !errors.Is(err, errNoIntent):
			return rep, fmt.Errorf("audit import: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return rep, fmt.Errorf("audit import: reading: %w", err)
	}
	return rep, nil
}

// addIntent inserts the attempt rec begins, unless one with its id exists.
func (a *Audit) addIntent(ctx context.Context, rec audit.Record) (bool, error) {
	res, err := a.db.sql.ExecContext(ctx, a.db.rebind(`INSERT INTO audit_attempts (attempt_id, intent_ns, action,
		user_name, user_key, email, groups_json, remote_addr, target, region, project_id, task_id, task_name, reason)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (attempt_id) DO NOTHING`),
		rec.AttemptID, rec.Time.UnixNano(), rec.Action, rec.User, strings.ToLower(rec.User), rec.Email, groupsJSON(rec.Groups),
		rec.RemoteAddr, rec.Target, rec.Region, rec.ProjectID, rec.TaskID, rec.TaskName, rec.Reason)
	if err != nil {
		return false, fmt.Errorf("audit import: %w", oneLine(err))
	}
	n, err := res.RowsAffected()
	return err == nil && n > 0, nil
}
