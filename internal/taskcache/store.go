package taskcache

import (
	"time"
)

// retain is how long an answer is kept past its read for reads that take
// older answers (dcs.MaxAge, the watcher's, up to its interval): pages never
// see it once its period has passed.
const retain = 2 * time.Minute

const (
	// maxListEntries bounds the memory of the list cache. Viewers mostly
	// poll the first page; names typed into the filter make the rest. When
	// full, the oldest page goes.
	maxListEntries = 256
	// maxStatsEntries bounds the stats cache: one entry per task in
	// progress that a page (or the list's progress column) has shown.
	maxStatsEntries = 1024
)

// listKey is everything a List answer depends on.
type listKey struct {
	offset, limit int
	name          string
}

// entry is an answer as the API gave it. It is never handed out, only
// copies of it, so it needs no lock of its own.
type entry[V any] struct {
	val     V
	fetched time.Time // when the call that read it started
	expires time.Time
}

// shelf is one kind of cached answer, bounded to max entries. Its methods
// run under Cache.mu.
type shelf[K comparable, V any] struct {
	max     int
	entries map[K]entry[V]
}

func newShelf[K comparable, V any](max int) shelf[K, V] {
	return shelf[K, V]{max: max, entries: map[K]entry[V]{}}
}

// get returns the entry for k if it is live, or, with maxAge > 0, read
// less than maxAge ago (a read that takes older answers, dcs.MaxAge). An
// entry past both its expiry and retain is dropped.
func (s *shelf[K, V]) get(k K, now time.Time, maxAge time.Duration) (V, bool) {
	var zero V
	e, ok := s.entries[k]
	if !ok {
		return zero, false
	}
	if now.Before(e.expires) || (maxAge > 0 && now.Before(e.fetched.Add(maxAge))) {
		return e.val, true
	}
	if !now.Before(e.fetched.Add(retain)) && !now.Before(e.expires) {
		delete(s.entries, k)
	}
	return zero, false
}

// put keeps v, read by a call that started at fetched, unless a call that
// started later already stored a fresher answer.
func (s *shelf[K, V]) put(k K, v V, fetched, expires, now time.Time) {
	old, exists := s.entries[k]
	if exists && old.fetched.After(fetched) {
		return
	}
	if !exists && len(s.entries) >= s.max {
		s.evict(now)
	}
	s.entries[k] = entry[V]{val: v, fetched: fetched, expires: expires}
}

// evict drops expired entries, then, if that freed nothing, the oldest one.
// A linear scan: bounded by max, and it runs only on a miss, next to an
// HTTP call.
func (s *shelf[K, V]) evict(now time.Time) {
	var oldest K
	var oldestAt time.Time
	first := true
	for k, e := range s.entries {
		if !now.Before(e.expires) && !now.Before(e.fetched.Add(retain)) {
			delete(s.entries, k)
			continue
		}
		if first || e.fetched.Before(oldestAt) {
			oldest, oldestAt, first = k, e.fetched, false
		}
	}
	if len(s.entries) >= s.max {
		delete(s.entries, oldest)
	}
}

// lookup returns s's live entry for k (or, with maxAge, one read less
// than maxAge ago), and the current generation for the flight key of a
// miss.
func lookup[K comparable, V any](c *Cache, s *shelf[K, V], k K, maxAge time.Duration) (V, bool, uint64) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := s.get(k, now, maxAge)
	return v, ok, c.gen
}

func (c *Cache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// keep stores an answer read by a call that started at fetched in
// generation gen. The TTL counts from the start of the call, not its end,
// so an answer is never shown more than the TTL after the moment it may
// describe; one whose call outlived the TTL is not kept at all, and nor is
// one read across a stop (it may show the old status).
func keep[K comparable, V any](c *Cache, s *shelf[K, V], k K, v V, gen uint64, fetched time.Time) {
	if c.ttl <= 0 {
		return
	}
	expires := fetched.Add(c.ttl)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !now.Before(expires) {
		return
	}
	s.put(k, v, fetched, expires, now)
}

// Invalidate forgets every cached answer: a stop on another replica (told
// by the database) changed what they show.
func (c *Cache) Invalidate() { c.invalidate() }

// invalidate forgets every cached answer and starts a new generation.
// Called after every stop, whatever its outcome.
func (c *Cache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.lists.entries)
	clear(c.stats.entries)
}
