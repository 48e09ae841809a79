package taskcache

import (
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// maxListEntries bounds the memory of the list cache. Viewers mostly poll
// the first page; names typed into the filter make the rest. When full, the
// oldest page goes.
const maxListEntries = 256

// listKey is everything a List answer depends on.
type listKey struct {
	offset, limit int
	name          string
}

// listEntry is a page as the API answered it. It is never handed out, only
// copies of it, so it needs no lock of its own.
type listEntry struct {
	page    dcs.TaskPage
	fetched time.Time // when the call that read it started
	expires time.Time
}

// lookup returns the live cached page for k, and the current generation for
// the flight key of a miss.
func (c *Cache) lookup(k listKey) (dcs.TaskPage, bool, uint64) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lists[k]
	if ok && !now.Before(e.expires) {
		delete(c.lists, k)
		ok = false
	}
	return e.page, ok, c.gen
}

func (c *Cache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// store keeps a page read by a call that started at fetched in generation
// gen. The TTL counts from the start of the call, not its end, so a page is
// never shown more than ListTTL after the moment it may describe; a page
// whose call outlived the TTL is not kept at all.
func (c *Cache) store(k listKey, p dcs.TaskPage, gen uint64, fetched time.Time) {
	if c.ttl <= 0 {
		return
	}
	expires := fetched.Add(c.ttl)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !now.Before(expires) {
		return // a stop returned while it was read: it may show the old status
	}
	old, exists := c.lists[k]
	if exists && old.fetched.After(fetched) {
		return // a call that started later already stored a fresher page
	}
	if !exists && len(c.lists) >= maxListEntries {
		c.evict(now)
	}
	c.lists[k] = listEntry{page: p, fetched: fetched, expires: expires}
}

// evict drops expired pages, then, if that freed nothing, the oldest one.
// A linear scan: at most maxListEntries, and it runs only on a miss, next
// to an HTTP call.
func (c *Cache) evict(now time.Time) {
	var oldest listKey
	var oldestAt time.Time
	first := true
	for k, e := range c.lists {
		if !now.Before(e.expires) {
			delete(c.lists, k)
			continue
		}
		if first || e.fetched.Before(oldestAt) {
			oldest, oldestAt, first = k, e.fetched, false
		}
	}
	if len(c.lists) >= maxListEntries {
		delete(c.lists, oldest)
	}
}

// Invalidate forgets every cached page: a stop on another replica (told by
// the database) changed what they show.
func (c *Cache) Invalidate() { c.invalidate() }

// invalidate forgets every cached page and starts a new generation. Called
// after every stop, whatever its outcome.
func (c *Cache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.lists)
}
