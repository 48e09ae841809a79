// Package taskcache keeps the dashboard's load on the DCS API independent of
// how many people are watching it.
//
// The DCS API is rate-limited per account, and every open list page polls
// it. A Cache sits between the handlers and the dcs.Client and does two
// things:
//
//   - identical reads in flight are coalesced: List, Show, Stats and Logs
//     with the same arguments share one upstream call;
//   - list pages and migration progress (stats) are kept for
//     Config.ListTTL, so a hundred viewers polling the same page every
//     second cost one upstream list per TTL, and one stats read per task in
//     progress that the page shows a progress bar for.
//
// A task read alone (Show) and its logs are not cached: the detail page
// must show the current status, and it is opened by one person at a time.
// Stops are writes and go straight through, never shared, cached or
// retried; when one returns, everything cached is dropped, so no page shows
// the stopped task's old status or progress after the stop has answered.
//
// Config.NoSharing turns both kinds of sharing off, so that every read makes
// its own upstream call: for measuring what a page costs the dashboard
// itself (cmd/dcsload), never for serving people.
package taskcache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// DefaultListTTL is the product's default for how long a list page is served
// from memory (the -list-cache flag).
const DefaultListTTL = 3 * time.Second

// Names passed to the metrics hooks.
const (
	CacheList  = "list"
	CacheShow  = "show"
	CacheStats = "stats"
	CacheLogs  = "logs"
)

// A Cache wraps a dcs.TaskService and is one.
var _ dcs.TaskService = (*Cache)(nil)

// Config tunes a Cache. The zero value coalesces but caches nothing.
type Config struct {
	// ListTTL is how long a list page or a task's progress is served from
	// memory; 0 (or less) disables caching but keeps coalescing.
	ListTTL time.Duration
	// NoSharing makes every read go upstream on its own: nothing is cached
	// (ListTTL is ignored) and identical reads in flight are not coalesced,
	// so N callers cost N upstream calls. Each call runs under its caller's
	// context. Stops behave as always. It exists to measure the dashboard's
	// own cost per page against direct API calls; it multiplies the load on
	// the rate-limited API by the number of viewers.
	NoSharing bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnHit and OnMiss, if set, are called with one of the Cache* names.
	// OnMiss fires once per upstream read; OnHit once per answer that cost
	// no upstream read of its own (a cached page, or a share of another
	// caller's read in flight). They must be fast and safe for concurrent use.
	OnHit, OnMiss func(cache string)
}

// Cache is a dcs.TaskService that coalesces reads and caches list pages and
// progress. It is safe for concurrent use. A list page is handed to every
// caller as it is (dcs.TaskService says List's answers are read, never
// written): a page holds up to 1000 tasks, and a copy per viewer and
// refresh would be most of the dashboard's memory under load. Every other
// answer is small, and each caller gets its own copy.
type Cache struct {
	up     dcs.TaskService
	ttl    time.Duration
	now    func() time.Time
	onHit  func(string)
	onMiss func(string)
	// unshared: every read is its own upstream call (Config.NoSharing).
	unshared bool
	flights  singleflight.Group

	mu sync.Mutex
	// gen counts the stops that have returned. It is part of every flight
	// key, so a read asked for after a stop never joins one started before
	// it, and a page read across a stop is not stored.
	gen   uint64
	lists shelf[listKey, dcs.TaskPage]
	stats shelf[string, dcs.Stats]
}

// New wraps up.
func New(up dcs.TaskService, cfg Config) *Cache {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	ttl := max(cfg.ListTTL, 0)
	if cfg.NoSharing {
		ttl = 0 // keep stores nothing, so lookups never hit
	}
	return &Cache{up: up, ttl: ttl, now: now, onHit: cfg.OnHit, onMiss: cfg.OnMiss, unshared: cfg.NoSharing,
		lists: newShelf[listKey, dcs.TaskPage](maxListEntries), stats: newShelf[string, dcs.Stats](maxStatsEntries)}
}

// List returns a page of tasks from memory if one was read less than
// ListTTL ago (and no stop has returned since), else from the API.
func (c *Cache) List(ctx context.Context, opt dcs.ListOptions) (dcs.TaskPage, error) {
	k := listKey{offset: opt.Offset, limit: opt.Limit, name: opt.Name}
	maxAge, _ := dcs.MaxAgeOf(ctx)
	page, ok, gen := lookup(c, &c.lists, k, maxAge)
	if ok {
		c.hit(CacheList)
		return page, nil // shared: List's answers are read, never written
	}
	key := fmt.Sprintf("%d list %d %d %q", gen, opt.Offset, opt.Limit, opt.Name)
	cached := func() (dcs.TaskPage, bool) { p, ok, _ := lookup(c, &c.lists, k, maxAge); return p, ok }
	return coalesce(c, ctx, CacheList, dcs.OpList, key, cached, func(ctx context.Context) (dcs.TaskPage, error) {
		// Taken as the call starts: the page is at least this old, and a
		// stop returning while it is in flight bumps gen past this one.
		gen, at := c.generation(), c.now()
		p, err := c.up.List(ctx, opt)
		if err == nil {
			keep(c, &c.lists, k, p, gen, at)
		}
		return p, err
	}, sharePage)
}

// Show returns one task, read from the API (shared with identical calls in
// flight, never cached: the detail page must show the current status).
func (c *Cache) Show(ctx context.Context, id string) (dcs.Task, error) {
	key := fmt.Sprintf("%d show %q", c.generation(), id)
	return coalesce(c, ctx, CacheShow, dcs.OpShow, key, nil, func(ctx context.Context) (dcs.Task, error) {
		return c.up.Show(ctx, id)
	}, cloneTask)
}

// Stats returns a migration's progress from memory if it was read less
// than ListTTL ago (and no stop has returned since), else from the API:
// the list's progress column asks for every task in progress on the page,
// at every refresh of every viewer.
//
// A read whose ctx is marked dcs.Fresh skips what is kept and shares only
// with other fresh reads in flight; its answer is kept for the others.
func (c *Cache) Stats(ctx context.Context, id string) (dcs.Stats, error) {
	st, ok, gen := c.keptStats(ctx, id)
	if ok {
		return st, nil
	}
	fresh := dcs.WantsFresh(ctx)
	maxAge, _ := dcs.MaxAgeOf(ctx)
	key := fmt.Sprintf("%d stats %q", gen, id)
	cached := func() (dcs.Stats, bool) { st, ok, _ := lookup(c, &c.stats, id, maxAge); return st, ok }
	if fresh {
		key, cached = key+" fresh", nil
	}
	return coalesce(c, ctx, CacheStats, dcs.OpStats, key, cached, func(ctx context.Context) (dcs.Stats, error) {
		gen, at := c.generation(), c.now()
		st, err := c.up.Stats(ctx, id)
		if err == nil {
			keep(c, &c.stats, id, st, gen, at)
		}
		return st, err
	}, cloneStats)
}

// KeptStats is a migration's progress when Stats would answer it from
// memory now; ok is false when Stats would have to call the API (or wait
// on a call). The list takes what is kept at once and reads only the rest,
// so a page served from memory spawns no reads at all.
func (c *Cache) KeptStats(ctx context.Context, id string) (dcs.Stats, bool) {
	st, ok, _ := c.keptStats(ctx, id)
	return st, ok
}

// keptStats is KeptStats, with the generation of stops its lookup saw
// (part of the key of a read that follows a miss, as in List).
func (c *Cache) keptStats(ctx context.Context, id string) (_ dcs.Stats, ok bool, gen uint64) {
	maxAge, _ := dcs.MaxAgeOf(ctx)
	st, ok, gen := lookup(c, &c.stats, id, maxAge)
	if !ok || dcs.WantsFresh(ctx) {
		return dcs.Stats{}, false, gen
	}
	c.hit(CacheStats)
	return cloneStats(st), true, gen
}

// Logs returns a page of a task's log, shared with identical calls in
// flight, never cached.
func (c *Cache) Logs(ctx context.Context, id string, opt dcs.LogOptions) (dcs.LogPage, error) {
	key := fmt.Sprintf("%d logs %q %d %d %q", c.generation(), id, opt.Offset, opt.Limit, opt.Level)
	return coalesce(c, ctx, CacheLogs, dcs.OpLogs, key, nil, func(ctx context.Context) (dcs.LogPage, error) {
		return c.up.Logs(ctx, id, opt)
	}, cloneLogPage)
}

// Stop passes the stop through unchanged (a write is never shared, cached
// or retried), then drops every cached page. It does so whatever the
// outcome: an ambiguous error may still have stopped the task.
func (c *Cache) Stop(ctx context.Context, id string) (dcs.StopAnswer, error) {
	defer c.invalidate() // runs once the upstream call has returned, even on panic
	return c.up.Stop(ctx, id)
}

// BatchStop passes the batch through unchanged, then drops every cached page.
func (c *Cache) BatchStop(ctx context.Context, ids []string) (dcs.BatchStopAnswer, error) {
	defer c.invalidate()
	return c.up.BatchStop(ctx, ids)
}

func (c *Cache) hit(cache string) {
	if c.onHit != nil {
		c.onHit(cache)
	}
}

func (c *Cache) miss(cache string) {
	if c.onMiss != nil {
		c.onMiss(cache)
	}
}
