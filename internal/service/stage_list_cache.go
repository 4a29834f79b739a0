package service

import (
	"context"
	"sync"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// stageListBudget bounds the bytes of the stages the list cache holds
// (listSize), all canvases together; past it the cache starts again empty.
const stageListBudget = 16 << 20

// stageOverhead is what a kept stage costs besides its text and spec: the
// struct, its strings' headers and the slice's share.
const stageOverhead = 256

// listSize is about the memory stages hold.
func listSize(stages []store.Stage) int {
	n := 0
	for _, st := range stages {
		n += stageOverhead + len(st.ID) + len(st.OrgID) + len(st.CanvasID) + len(st.Name) + len(st.Description) +
			len(st.Spec) + len(st.CreatedBy)
	}
	return n
}

// stageListCache keeps each canvas's stages as ListStages read them, with
// the canvas's stages version (migration 0027) read before them. The
// version changes in the transaction that creates, deletes, renames or
// respecifies a stage, so while a list's version is the canvas's current
// one, its stages are the stored ones; one small statement then replaces
// reading every stage again, which was half of a 1,000-stage list's CPU in
// the server once its encoding was cut (BENCHMARKS.md, issue 17 round
// eight). The version is read first, so a list kept under a version is
// never older than it. The zero value is ready to use.
type stageListCache struct {
	mu       sync.Mutex
	byCanvas map[string]stageListEntry
	held     int
}

type stageListEntry struct {
	version int64
	stages  []store.Stage
	size    int
}

// get returns the stages kept at version for key (organization and
// canvas). They are shared: the caller must not change them.
func (c *stageListCache) get(key string, version int64) ([]store.Stage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byCanvas[key]
	if !ok || e.version != version {
		return nil, false
	}
	return e.stages, true
}

func (c *stageListCache) put(key string, version int64, stages []store.Stage) {
	size := listSize(stages)
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > stageListBudget {
		return
	}
	if old, ok := c.byCanvas[key]; ok {
		if old.version > version {
			return // a newer list is kept already
		}
		c.held -= old.size
		delete(c.byCanvas, key)
	}
	if c.byCanvas == nil || c.held+size > stageListBudget {
		c.byCanvas, c.held = map[string]stageListEntry{}, 0
	}
	c.byCanvas[key] = stageListEntry{version: version, stages: stages, size: size}
	c.held += size
}

// listStages returns the canvas's stages, from the cache when its stages
// version has not changed since they were read. A failed version read
// falls back to reading the stages.
func (s *Stages) listStages(ctx context.Context, orgID, canvasID string) ([]store.Stage, error) {
	version, err := s.Store.StagesVersion(ctx, orgID, canvasID)
	if err != nil {
		return s.Store.ListStages(ctx, orgID, canvasID)
	}
	// Keyed by the organization too: a canvas id is only ever looked up
	// in the organization it was found in, and a list never crosses one.
	key := orgID + "/" + canvasID
	if stages, ok := s.lists.get(key, version); ok {
		return stages, nil
	}
	stages, err := s.Store.ListStages(ctx, orgID, canvasID)
	if err != nil {
		return nil, err
	}
	s.lists.put(key, version, stages)
	return stages, nil
}
