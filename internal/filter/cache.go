package filter

import (
	"bytes"
	"sync"
)

// Cache holds compiled expressions by object and spec. Compiling costs far
// more than evaluating, and a burst of events must not multiply it, so
// programs are compiled once per spec, not once per event. Entries are keyed
// by a kind and the object's id and hold a copy of the spec they were built
// from: a lookup with other spec bytes (an update) builds anew and replaces
// the entry, so no stale program is ever used. A lookup compares the spec
// bytes rather than hashing them: routing an event looks up every stage of
// its canvas, and a SHA-256 and a formatted key per stage were 7% of the
// server's CPU in a canvas of 100 stages (BENCHMARKS.md). A Cache is bounded
// and safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	max     int
	entries map[cacheKey]cacheEntry
}

type cacheKey struct{ kind, id string }

type cacheEntry struct {
	spec []byte
	v    any
}

// NewCache returns a cache of at most max entries; past it the cache starts
// again empty, which costs recompiling, never correctness.
func NewCache(max int) *Cache { return &Cache{max: max, entries: map[cacheKey]cacheEntry{}} }

// Get returns the value built for (kind, id, spec), calling build once per
// new key or spec. Two callers racing on a new key may both build; either
// value is correct.
func (c *Cache) Get(kind, id string, spec []byte, build func() any) any {
	key := cacheKey{kind, id}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && bytes.Equal(e.spec, spec) {
		return e.v
	}
	v := build()
	c.mu.Lock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = cacheEntry{spec: bytes.Clone(spec), v: v}
	c.mu.Unlock()
	return v
}
