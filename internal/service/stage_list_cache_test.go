package service

import (
	"fmt"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestStageListCacheKeepsTheNewestWithinItsBudget: a list is answered only
// at the version it was read at, a list read at an older version does not
// replace a newer one (two reads racing a change), and the cache never
// holds more than stageListBudget bytes of stages.
func TestStageListCacheKeepsTheNewestWithinItsBudget(t *testing.T) {
	var c stageListCache
	c.put("c", 2, []store.Stage{{Name: "new"}})
	c.put("c", 1, []store.Stage{{Name: "old"}})
	if got, ok := c.get("c", 2); !ok || got[0].Name != "new" {
		t.Fatalf("version 2: %v %v", got, ok)
	}
	if _, ok := c.get("c", 1); ok {
		t.Fatal("version 1 answered from the cache")
	}
	if _, ok := c.get("c", 3); ok {
		t.Fatal("version 3 answered from the cache")
	}
	two := []store.Stage{{Name: "a"}, {Name: "b"}}
	c.put("c", 3, two)
	if c.held != listSize(two) {
		t.Fatalf("holds %d bytes after a canvas's list was replaced, want %d", c.held, listSize(two))
	}
	// 1,000 stages of 4 KiB specs a canvas, 100 canvases: 400 MiB listed.
	many := make([]store.Stage, 1000)
	for i := range many {
		many[i].Spec = make([]byte, 4<<10)
	}
	for i := range 100 {
		c.put(fmt.Sprint("canvas-", i), 1, many)
		if c.held > stageListBudget {
			t.Fatalf("after %d canvases the cache holds %d bytes", i+1, c.held)
		}
	}
	if _, ok := c.get("canvas-99", 1); !ok {
		t.Fatal("the last list read was not kept")
	}
	huge := []store.Stage{{Spec: make([]byte, stageListBudget)}}
	c.put("huge", 1, huge)
	if _, ok := c.get("huge", 1); ok {
		t.Fatal("a list past the budget was kept")
	}
}
