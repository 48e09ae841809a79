package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dcs-dashboard/migrations/internal/notify"
)

// Delivery states.
const (
	DeliveryPending = "pending" // not yet accepted; tried again at its next time
	DeliverySent    = "sent"    // the receiver accepted it
	DeliveryFailed  = "failed"  // refused for good, or out of attempts
)

// Notifications are the watcher's state in the database, shared by every
// replica: what it last saw of each task it watches (so a restart neither
// tells a change again nor misses one), the events it told, and each
// event's delivery to each channel that wants it, with its retries.
//
// A round of the watcher is committed in one transaction (CommitRound):
// the tasks' new state, the events the round found and their deliveries,
// all or nothing. Each watched task carries a version, so a round read
// before another watcher's commit is refused (ErrStale) rather than tell
// an event twice. Deliveries are claimed for a while before they are sent
// (Claim), so two senders never send the same one at once.
type Notifications struct{ clocked }

// NewNotifications are the notifications of db; nil now means time.Now.
func NewNotifications(db *DB, now func() time.Time) *Notifications {
	return &Notifications{newClocked(db, now)}
}

// WatchedTask is what the watcher remembers of one task of one target: a
// task it has seen not finished. The watcher forgets it (Round.Drop) when
// the task finishes or leaves the list.
type WatchedTask struct {
	TaskID string
	Name   string
	Status string // the raw API status last seen
	// Progress is the full sync's progress last read, when HasProgress;
	// ProgressSince is when it last changed (when the watcher first read
	// it, or saw it move).
	Progress      float64
	HasProgress   bool
	ProgressSince time.Time
	StuckTold     bool // a stuck event was told since the progress last moved
	// LagSince is since when the replication lag has been above the
	// threshold (zero while it is not); LagTold that a lagging event was
	// told for this spell.
	LagSince time.Time
	LagTold  bool
	// StopTold is the attempt id of the stop last told unfinished, so one
	// stop is told once.
	StopTold string
	// Seen is when the watcher first saw the task.
	Seen time.Time

	// version is the row's version as read; 0 for a task not stored yet.
	version int64
}

// Stored reports whether w was read from the database (rather than made
// for a task seen for the first time).
func (w WatchedTask) Stored() bool { return w.version > 0 }

// Round is what one round of the watcher changes for one target.
type Round struct {
	Target string
	// Put are the tasks seen for the first time (not returned by Watched)
	// and those whose state changed. Unchanged tasks need not be put.
	Put []WatchedTask
	// Drop are the tasks no longer watched: finished, or gone.
	Drop []WatchedTask
	// Events are what the round found. An event gets a delivery for each
	// channel that wants it (notify.Channel.Wants); one no channel wants is
	// not recorded. Event.ID is filled in unless set.
	Events []notify.Event
}

// ErrStale is a round refused because the state it was worked out from
// has changed since it was read: another watcher committed in between.
// Nothing of the round is recorded; read the state again.
var ErrStale = errors.New("the watched tasks changed since they were read (another watcher committed first)")

// ErrClaimLost is a delivery's outcome not recorded because its claim had
// expired and the delivery was claimed again, or is no longer pending.
var ErrClaimLost = errors.New("the delivery is no longer claimed by this sender")

// nsOf is t in Unix nanoseconds, 0 for the zero time.
func nsOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// timeOf is the time of Unix nanoseconds ns, the zero time for 0.
func timeOf(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Watched returns what the watcher remembers of target's tasks, by task id.
func (n *Notifications) Watched(ctx context.Context, target string) (map[string]WatchedTask, error) {
	rows, err := n.db.sql.QueryContext(ctx, n.db.rebind(`SELECT task_id, name, status, progress, progress_ns, stuck_told,
		lag_ns, lag_told, stop_told, seen_ns, version FROM watch_tasks WHERE target = ?`), target)
	if err != nil {
		return nil, fmt.Errorf("watched tasks: %w", oneLine(err))
	}
	defer rows.Close()
	out := map[string]WatchedTask{}
	for rows.Next() {
		var w WatchedTask
		var progress sql.NullFloat64
		var progressNS, lagNS, seenNS int64
		var stuck, lag int
		if err := rows.Scan(&w.TaskID, &w.Name, &w.Status, &progress, &progressNS, &stuck, &lagNS, &lag, &w.StopTold,
			&seenNS, &w.version); err != nil {
			return nil, fmt.Errorf("watched tasks: %w", oneLine(err))
		}
		w.Progress, w.HasProgress = progress.Float64, progress.Valid
		w.ProgressSince, w.LagSince, w.Seen = timeOf(progressNS), timeOf(lagNS), timeOf(seenNS)
		w.StuckTold, w.LagTold = stuck != 0, lag != 0
		out[w.TaskID] = w
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("watched tasks: %w", oneLine(err))
	}
	return out, nil
}

// CommitRound records r in one transaction: the tasks' state, the events
// and, for each event, one pending delivery (due now) per channel of
// channels that wants it. It returns the events recorded, their ids
// filled in. ErrStale (errors.Is) means another watcher changed one of
// the tasks since Watched read it, and nothing was recorded.
func (n *Notifications) CommitRound(ctx context.Context, r Round, channels []notify.Channel) ([]notify.Event, error) {
	now := n.now()
	tx, err := n.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("watch round of %s: %w", r.Target, oneLine(err))
	}
	defer func() { _ = tx.Rollback() }()
	fail := func(err error) ([]notify.Event, error) {
		if errors.Is(err, ErrStale) {
			return nil, fmt.Errorf("watch round of %s: %w", r.Target, err)
		}
		return nil, fmt.Errorf("watch round of %s: %w", r.Target, oneLine(err))
	}
	for _, w := range r.Put {
		if err := n.put(ctx, tx, r.Target, w, now); err != nil {
			return fail(err)
		}
	}
	for _, w := range r.Drop {
		if !w.Stored() {
			continue
		}
		res, err := tx.ExecContext(ctx, n.db.rebind(`DELETE FROM watch_tasks WHERE target = ? AND task_id = ? AND version = ?`),
			r.Target, w.TaskID, w.version)
		if err != nil {
			return fail(err)
		}
		if err := one(res); err != nil {
			return fail(err)
		}
	}
	var told []notify.Event
	for _, ev := range r.Events {
		var wanted []string
		for _, c := range channels {
			if c.Wants(ev) {
				wanted = append(wanted, c.Name)
			}
		}
		if len(wanted) == 0 {
			continue
		}
		ev, err := n.insertEvent(ctx, tx, ev, wanted, now)
		if err != nil {
			return fail(err)
		}
		told = append(told, ev)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return told, nil
}

// one is nil if res changed exactly one row, ErrStale if none.
func one(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return ErrStale
	}
	return nil
}

// put inserts a task first seen, or updates one read at its version.
func (n *Notifications) put(ctx context.Context, tx *sql.Tx, target string, w WatchedTask, now time.Time) error {
	var progress any
	if w.HasProgress {
		progress = w.Progress
	}
	if w.Seen.IsZero() {
		w.Seen = now
	}
	var res sql.Result
	var err error
	if !w.Stored() {
		res, err = tx.ExecContext(ctx, n.db.rebind(`INSERT INTO watch_tasks (target, task_id, name, status, progress,
			progress_ns, stuck_told, lag_ns, lag_told, stop_told, seen_ns, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,1)
			ON CONFLICT (target, task_id) DO NOTHING`),
			target, w.TaskID, w.Name, w.Status, progress, nsOf(w.ProgressSince), flag(w.StuckTold), nsOf(w.LagSince),
			flag(w.LagTold), w.StopTold, nsOf(w.Seen))
	} else {
		res, err = tx.ExecContext(ctx, n.db.rebind(`UPDATE watch_tasks SET name = ?, status = ?, progress = ?, progress_ns = ?,
			stuck_told = ?, lag_ns = ?, lag_told = ?, stop_told = ?, version = version + 1
			WHERE target = ? AND task_id = ? AND version = ?`),
			w.Name, w.Status, progress, nsOf(w.ProgressSince), flag(w.StuckTold), nsOf(w.LagSince), flag(w.LagTold),
			w.StopTold, target, w.TaskID, w.version)
	}
	if err != nil {
		return err
	}
	return one(res)
}

// newEventID is a fresh event id: the task's id's first part, the kind,
// the time, and a random part, e.g. 7c1e0f8a-failed-1777636800-3f9a1c2e.
func newEventID(ev notify.Event) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	head, _, _ := strings.Cut(ev.TaskID, "-")
	if len(head) > 12 {
		head = head[:12]
	}
	if head == "" {
		head = "dashboard"
	}
	return fmt.Sprintf("%s-%s-%d-%s", head, ev.Kind, ev.At.Unix(), hex.EncodeToString(b[:]))
}

// insertEvent records ev and a pending delivery of it to each of channels.
func (n *Notifications) insertEvent(ctx context.Context, tx *sql.Tx, ev notify.Event, channels []string, now time.Time) (notify.Event, error) {
	if ev.At.IsZero() {
		ev.At = now
	}
	if ev.ID == "" {
		ev.ID = newEventID(ev)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return ev, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, n.db.rebind(`INSERT INTO notify_events (event_key, kind, target, task_id, created_ns, body)
		VALUES (?,?,?,?,?,?) RETURNING id`), ev.ID, ev.Kind, ev.Target, ev.TaskID, now.UnixNano(), string(body)).Scan(&id); err != nil {
		return ev, err
	}
	for _, c := range channels {
		if _, err := tx.ExecContext(ctx, n.db.rebind(`INSERT INTO notify_deliveries (event_id, channel, state, next_ns, created_ns)
			VALUES (?,?,?,?,?)`), id, c, DeliveryPending, now.UnixNano(), now.UnixNano()); err != nil {
			return ev, err
		}
	}
	return ev, nil
}

// RecordTest records ev, an operator's test message, with one delivery to
// the channel named channel (a test passes every filter). Its kind is
// notify.EventTest whatever ev says; its time now if it has none. It
// returns the event recorded, its id filled in.
func (n *Notifications) RecordTest(ctx context.Context, channel string, ev notify.Event) (notify.Event, error) {
	now := n.now()
	ev.Kind = notify.EventTest
	tx, err := n.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return ev, fmt.Errorf("test message: %w", oneLine(err))
	}
	defer func() { _ = tx.Rollback() }()
	ev, err = n.insertEvent(ctx, tx, ev, []string{channel}, now)
	if err != nil {
		return ev, fmt.Errorf("test message: %w", oneLine(err))
	}
	if err := tx.Commit(); err != nil {
		return ev, fmt.Errorf("test message: %w", oneLine(err))
	}
	return ev, nil
}

// Delivery is one event's delivery to one channel.
type Delivery struct {
	ID       int64
	Channel  string // the channel's name
	State    string // DeliveryPending, DeliverySent or DeliveryFailed
	Attempts int    // attempts made
	// NextAt is when a pending delivery is due (again).
	NextAt time.Time
	// LastStatus is the receiver's HTTP status at the last attempt, 0 if
	// none (not tried yet, or no answer).
	LastStatus int
	// LastError is what went wrong at the last attempt ("" after success):
	// the receiver's answer or the network error, never the channel's URL.
	LastError string
	SentAt    time.Time // when the receiver accepted it
	CreatedAt time.Time
	Event     notify.Event

	claim string // the claim this copy was read under, "" if none
}

// deliveryColumns are what scanDelivery reads, in its order.
const deliveryColumns = `d.id, d.channel, d.state, d.attempts, d.next_ns, d.last_status, d.last_error, d.sent_ns,
	d.created_ns, d.claim, e.body`

func scanDelivery(rows *sql.Rows) (Delivery, error) {
	var d Delivery
	var next, sent, created int64
	var body string
	if err := rows.Scan(&d.ID, &d.Channel, &d.State, &d.Attempts, &next, &d.LastStatus, &d.LastError, &sent, &created,
		&d.claim, &body); err != nil {
		return d, err
	}
	d.NextAt, d.SentAt, d.CreatedAt = timeOf(next), timeOf(sent), timeOf(created)
	if err := json.Unmarshal([]byte(body), &d.Event); err != nil {
		return d, fmt.Errorf("event of delivery %d: %w", d.ID, err)
	}
	return d, nil
}

// scanDeliveries reads every row of rows, and closes it.
func scanDeliveries(rows *sql.Rows) ([]Delivery, error) {
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Claim takes up to limit pending deliveries that are due, oldest due
// first, for hold: until it has passed, no other Claim (here or on
// another replica) takes them, so they are sent once. Record each one's
// outcome with Sent, Failed or Unclaim before hold passes; a claim left to
// expire (a sender that died) makes the delivery due again.
func (n *Notifications) Claim(ctx context.Context, limit int, hold time.Duration) ([]Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	now := n.now().UnixNano()
	claim := rand.Text()
	// On PostgreSQL, rows another sender is claiming at this moment are
	// skipped rather than waited for, and the rows chosen are locked until
	// the update: a CTE, since a locking subquery under IN may be run more
	// than once and take more than limit. SQLite's writers take turns.
	q, args := `UPDATE notify_deliveries SET claim = ?, claimed_until_ns = ? WHERE id IN (
		SELECT id FROM notify_deliveries WHERE state = 'pending' AND next_ns <= ? AND claimed_until_ns <= ?
		ORDER BY next_ns, id LIMIT ?)`, []any{claim, now + int64(hold), now, now, limit}
	if n.db.kind == Postgres {
		q = `WITH due AS (SELECT id FROM notify_deliveries WHERE state = 'pending' AND next_ns <= ? AND claimed_until_ns <= ?
			ORDER BY next_ns, id LIMIT ? FOR UPDATE SKIP LOCKED)
			UPDATE notify_deliveries SET claim = ?, claimed_until_ns = ? FROM due WHERE notify_deliveries.id = due.id`
		args = []any{now, now, limit, claim, now + int64(hold)}
	}
	// One transaction: a claim made is read back, or not made at all.
	tx, err := n.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claiming deliveries: %w", oneLine(err))
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, n.db.rebind(q), args...); err != nil {
		return nil, fmt.Errorf("claiming deliveries: %w", oneLine(err))
	}
	rows, err := tx.QueryContext(ctx, n.db.rebind(`SELECT `+deliveryColumns+` FROM notify_deliveries d
		JOIN notify_events e ON e.id = d.event_id WHERE d.claim = ? AND d.state = 'pending' ORDER BY d.next_ns, d.id`), claim)
	if err != nil {
		return nil, fmt.Errorf("claiming deliveries: %w", oneLine(err))
	}
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("claiming deliveries: %w", oneLine(err))
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claiming deliveries: %w", oneLine(err))
	}
	return out, nil
}

// Sent records that d, claimed, was accepted with HTTP status.
func (n *Notifications) Sent(ctx context.Context, d Delivery, status int) error {
	now := n.now().UnixNano()
	return n.settle(ctx, d, `state = ?, attempts = attempts + 1, last_status = ?, last_error = '', sent_ns = ?`,
		DeliverySent, status, now)
}

// Failed records a failed attempt at d, claimed: the receiver's HTTP
// status (0 if it did not answer) and what went wrong (which must not
// hold the channel's URL). A non-zero retryAt keeps it pending, due
// again then; a zero one fails it for good.
func (n *Notifications) Failed(ctx context.Context, d Delivery, status int, errText string, retryAt time.Time) error {
	if retryAt.IsZero() {
		return n.settle(ctx, d, `state = ?, attempts = attempts + 1, last_status = ?, last_error = ?`,
			DeliveryFailed, status, errText)
	}
	return n.settle(ctx, d, `attempts = attempts + 1, last_status = ?, last_error = ?, next_ns = ?`,
		status, errText, retryAt.UnixNano())
}

// Unclaim gives d back, its attempt not counted: for a send that did not
// happen (the sender is shutting down).
func (n *Notifications) Unclaim(ctx context.Context, d Delivery) error {
	return n.settle(ctx, d, "")
}

// settle sets set (which may be "") on d, if d is still pending under the
// claim it was read with, and ends the claim.
func (n *Notifications) settle(ctx context.Context, d Delivery, set string, args ...any) error {
	if d.claim == "" {
		return fmt.Errorf("delivery %d: %w", d.ID, ErrClaimLost)
	}
	if set != "" {
		set += ", "
	}
	res, err := n.db.sql.ExecContext(ctx, n.db.rebind(`UPDATE notify_deliveries SET `+set+`claim = '', claimed_until_ns = 0
		WHERE id = ? AND claim = ? AND state = 'pending'`), append(args, d.ID, d.claim)...)
	if err != nil {
		return fmt.Errorf("delivery %d: %w", d.ID, oneLine(err))
	}
	if one(res) != nil {
		return fmt.Errorf("delivery %d: %w", d.ID, ErrClaimLost)
	}
	return nil
}

// RecentDeliveries returns the newest limit deliveries (at most 1000),
// newest first, each with its event.
func (n *Notifications) RecentDeliveries(ctx context.Context, limit int) ([]Delivery, error) {
	limit = min(max(limit, 1), 1000)
	rows, err := n.db.sql.QueryContext(ctx, n.db.rebind(`SELECT `+deliveryColumns+` FROM notify_deliveries d
		JOIN notify_events e ON e.id = d.event_id ORDER BY d.id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("reading deliveries: %w", oneLine(err))
	}
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("reading deliveries: %w", oneLine(err))
	}
	return out, nil
}

// Prune forgets the events created before before whose deliveries are all
// settled (sent or failed), and those deliveries. It returns how many
// events it forgot.
func (n *Notifications) Prune(ctx context.Context, before time.Time) (int, error) {
	tx, err := n.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("pruning notifications: %w", oneLine(err))
	}
	defer func() { _ = tx.Rollback() }()
	old := `SELECT id FROM notify_events e WHERE e.created_ns < ? AND NOT EXISTS (
		SELECT 1 FROM notify_deliveries d WHERE d.event_id = e.id AND d.state = 'pending')`
	if _, err := tx.ExecContext(ctx, n.db.rebind(`DELETE FROM notify_deliveries WHERE event_id IN (`+old+`)`),
		before.UnixNano()); err != nil {
		return 0, fmt.Errorf("pruning notifications: %w", oneLine(err))
	}
	res, err := tx.ExecContext(ctx, n.db.rebind(`DELETE FROM notify_events WHERE created_ns < ? AND NOT EXISTS (
		SELECT 1 FROM notify_deliveries d WHERE d.event_id = notify_events.id)`), before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("pruning notifications: %w", oneLine(err))
	}
	gone, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("pruning notifications: %w", oneLine(err))
	}
	return int(gone), nil
}

// watchLockKey is the PostgreSQL advisory lock the leading watcher holds:
// "dcs_watc" in ASCII, a key no other part of the dashboard uses.
const watchLockKey int64 = 0x6463735f77617463

// leadTimeout bounds taking, checking or giving up the lock, when the
// caller's context has no earlier deadline.
const leadTimeout = 10 * time.Second

// Leadership is whether this process is the one replica that watches tasks
// and sends notifications. On PostgreSQL it is a session-level advisory
// lock held on a connection of its own while leading: when the process or
// that connection dies, the server lets the lock go, and another replica's
// next Lead takes it. With SQLite there is one process, always the leader.
// It is safe for concurrent use.
type Leadership struct {
	db   *DB
	mu   sync.Mutex
	conn *sql.Conn // holds the lock while leading (PostgreSQL)
	held atomic.Bool
}

// WatchLeadership is db's watcher leadership, not yet taken: call Lead.
func (db *DB) WatchLeadership() *Leadership {
	l := &Leadership{db: db}
	l.held.Store(db.kind != Postgres)
	return l
}

// Lead takes the lead if no replica holds it, or checks that this one still
// does: true while this process leads. An error means the database could
// not be asked; this process then does not lead.
func (l *Leadership) Lead(ctx context.Context) (bool, error) {
	if l.db.kind != Postgres {
		return true, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, leadTimeout)
	defer cancel()
	if l.conn != nil {
		// A session's advisory lock lasts as long as the session: if its
		// connection answers, the lock is still this process's.
		var one int
		if err := l.conn.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err == nil {
			return true, nil
		}
		l.drop()
	}
	conn, err := l.db.sql.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("watch leadership: %w", oneLine(err))
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, watchLockKey).Scan(&got); err != nil {
		discard(conn)
		return false, fmt.Errorf("watch leadership: %w", oneLine(err))
	}
	if !got {
		_ = conn.Close() // back to the pool: it holds no lock
		return false, nil
	}
	l.conn = conn
	l.held.Store(true)
	return true, nil
}

// Held reports whether this process led at its last Lead (and has not
// released since). It asks nothing of the database.
func (l *Leadership) Held() bool { return l.held.Load() }

// Release gives the lead up at once, so another replica can take it at its
// next Lead rather than when this process's connection dies. Lead may take
// it again later.
func (l *Leadership) Release() {
	if l.db.kind != Postgres {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), leadTimeout)
	defer cancel()
	var released bool
	if err := l.conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, watchLockKey).Scan(&released); err != nil || !released {
		l.drop()
		return
	}
	_ = l.conn.Close()
	l.conn = nil
	l.held.Store(false)
}

// drop forgets the lock's connection, closing it for good rather than
// handing a connection that may hold the lock back to the pool.
func (l *Leadership) drop() {
	discard(l.conn)
	l.conn = nil
	l.held.Store(false)
}

// discard closes conn's underlying connection instead of returning it to
// the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
