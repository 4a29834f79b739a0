package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// stageSets keeps each canvas's stages between routing batches (and for
// the stage events of finished executions and of connection groups), with
// the canvas's stages version they were read at. A batch reads the version (one
// row) and lists the stages again only when it changed: a stage created,
// updated or deleted is seen by the next batch routed, as when every batch
// listed them, on every replica (the version is in the database).
type stageSets struct {
	mu   sync.Mutex
	sets map[string]stageSet
}

type stageSet struct {
	version int64
	stages  []store.Stage
	progs   []*stagePrograms
}

// maxStageSets bounds the canvases whose stages are kept; past it the kept
// sets are dropped and read again as batches need them.
const maxStageSets = 1024

// stages returns the canvas's stages as ListStages would now. The version
// is read before the list, so a list kept under a version is never older
// than it: a write in between makes the next batch read the list again.
// The returned slice is shared and must not be changed.
func (c *stageSets) stages(ctx context.Context, st store.Store, orgID, canvasID string) ([]store.Stage, error) {
	set, err := c.stagesAt(ctx, st, orgID, canvasID)
	return set.stages, err
}

// versionedStages is a canvas's stages with the version they are no
// older than, when known (the canvas may be gone).
type versionedStages struct {
	stages []store.Stage
	// progs are the stages' compiled programs, progs[i] of stages[i], when
	// the list is kept: routing looked each stage up in the programs'
	// cache for every event, 100 locked lookups and spec comparisons an
	// event on the busy canvas (BENCHMARKS.md, round twelve). nil when not
	// kept; matchStages then looks them up.
	progs   []*stagePrograms
	version int64
	known   bool
}

// stagesAt is stages with the version: routing hands it to the store
// (store.Routed.StagesVersion), which writes an event's stage events only
// while it holds.
func (c *stageSets) stagesAt(ctx context.Context, st store.Store, orgID, canvasID string) (versionedStages, error) {
	v, err := st.StagesVersion(ctx, orgID, canvasID)
	if err != nil {
		// A canvas that is gone has no stages to keep; any other error is
		// left to the list, as before the version existed.
		stages, err := st.ListStages(ctx, orgID, canvasID)
		if err != nil {
			return versionedStages{}, fmt.Errorf("listing the canvas's stages: %w", err)
		}
		return versionedStages{stages: stages}, nil
	}
	return c.stagesAtVersion(ctx, st, orgID, canvasID, v)
}

// stagesAtVersion is stagesAt with the version already read (by the
// routing claim, store.Event.StagesVersion): the kept list if it was read
// at v, or the list read now, which is no older than v.
func (c *stageSets) stagesAtVersion(ctx context.Context, st store.Store, orgID, canvasID string, v int64) (versionedStages, error) {
	key := orgID + "/" + canvasID
	c.mu.Lock()
	set, ok := c.sets[key]
	c.mu.Unlock()
	if ok && set.version == v {
		return versionedStages{stages: set.stages, progs: set.progs, version: v, known: true}, nil
	}
	stages, err := st.ListStages(ctx, orgID, canvasID)
	if err != nil {
		return versionedStages{}, fmt.Errorf("listing the canvas's stages: %w", err)
	}
	// Built from the list just read, so each stage's programs are its
	// spec's, as the cache's lookup by spec would give.
	progs := make([]*stagePrograms, len(stages))
	for i, stage := range stages {
		progs[i] = stageProgramsOf(stage)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sets == nil || len(c.sets) >= maxStageSets {
		c.sets = map[string]stageSet{}
	}
	c.sets[key] = stageSet{version: v, stages: stages, progs: progs}
	return versionedStages{stages: stages, progs: progs, version: v, known: true}, nil
}
