package taskcache

// Hooks for the external tests.

// MaxListEntries is the list cache's size bound.
const MaxListEntries = maxListEntries

// CachedPages is how many list pages c holds, live or expired.
func CachedPages(c *Cache) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.lists.entries)
}

// CachedStats is how many tasks' progress c holds, live or expired.
func CachedStats(c *Cache) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.stats.entries)
}
