package service

import (
	"fmt"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestStageListCacheKeepsTheNewestWithinItsBudget: a list is answered only
// at the version it was read at, a list read at an older version does not
// replace a newer one (two reads racing a change), and the cache never
// holds more than stageListBudget stages.
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
	c.put("c", 3, []store.Stage{{Name: "a"}, {Name: "b"}})
	if c.held != 2 {
		t.Fatalf("holds %d stages after a canvas's list was replaced, want 2", c.held)
	}
	many := make([]store.Stage, 1500)
	for i := range 100 { // 150,000 stages listed
		c.put(fmt.Sprint("canvas-", i), 1, many)
		if c.held > stageListBudget {
			t.Fatalf("after %d canvases the cache holds %d stages", i+1, c.held)
		}
	}
	c.put("huge", 1, make([]store.Stage, stageListBudget+1))
	if _, ok := c.get("huge", 1); ok {
		t.Fatal("a list past the budget was kept")
	}
}
