package filter

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

// Cache holds compiled expressions by object and spec. Compiling costs far
// more than evaluating, and a burst of events must not multiply it, so
// programs are compiled once per spec, not once per event. Entries are keyed
// by a kind, the object's id and a hash of the spec bytes, so an update is a
// new entry and no stale program is ever used. A Cache is bounded and safe
// for concurrent use.
type Cache struct {
	mu      sync.Mutex
	max     int
	entries map[string]any
}

// NewCache returns a cache of at most max entries; past it the cache starts
// again empty, which costs recompiling, never correctness.
func NewCache(max int) *Cache { return &Cache{max: max, entries: map[string]any{}} }

// Get returns the value built for (kind, id, spec), calling build once per
// new key. Two callers racing on a new key may both build; either value is
// correct.
func (c *Cache) Get(kind, id string, spec []byte, build func() any) any {
	sum := sha256.Sum256(spec)
	key := fmt.Sprintf("%s/%s/%x", kind, id, sum)
	c.mu.Lock()
	v, ok := c.entries[key]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = build()
	c.mu.Lock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = v
	c.mu.Unlock()
	return v
}
