package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// routeBatch is how many events a routing batch claims, and
// maxRouteBatches how many batches a routing pass runs at most.
const (
	routeBatch      = 100
	maxRouteBatches = 100
)

// routeTurns orders one server's routing workers. Batches are claimed and
// matched one at a time (match), and their routing transactions run one at
// a time (write) in the same order: a worker takes the write turn before
// it gives up the match turn. So a batch's claim and matching overlap the
// previous batch's transaction, whose round trips are most of a batch's
// time on PostgreSQL under load (BENCHMARKS.md, PostgreSQL routing, round
// seven), while a server still matches and commits its batches in the
// order it claimed them: stage events are created (and so queued) in the
// order their events were received, and one is never committed before an
// older one of the same server, which a free stage could otherwise start
// first.
type routeTurns struct {
	match sync.Mutex
	write sync.Mutex
}

// routeLoop routes pending events in its own loop, beside Run's loop that
// advances queues and claims executions, until ctx ends. Under a steady
// stream of deliveries one loop did both in turn: each routing batch that
// queued something ended the pass, and the next batch waited for the
// queue advance, the claims and the pruning (BENCHMARKS.md, the busy
// canvas, round six). Both loops coordinate only through the database, as
// two servers do, so running them side by side is what several replicas
// already do.
//
// Each loop routes on a PostgreSQL connection of its own, held until it
// ends (store.RouteConn): a batch never waits for a backend dialed in a
// burst. The pool (store.maxConns, 32) keeps the rest: with the most
// loops --route-workers allows (8), 24.
func (e *Engine) routeLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	held := store.NewRouteConn()
	defer held.Release()
	for {
		// A pass cut short by its batch bound with events left goes on
		// at once; a quiet one waits for a delivery's Wake or the tick.
		if e.routePass(ctx, false, held) && ctx.Err() == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.routeWake:
		}
	}
}

// routePass routes pending events, up to maxRouteBatches batches, and
// tells whether events may be left. A batch that put events in stage
// queues wakes the queue advance, one that started executions the claims.
// With untilQueued, either batch also ends the pass (enginePass: one loop
// advances the queues after it, and an event whose stage was free must not
// wait for thousands of others to be routed first: BENCHMARKS.md, the busy
// canvas, round four). held, when not nil, is the loop's connection
// (routeLoop).
func (e *Engine) routePass(ctx context.Context, untilQueued bool, held *store.RouteConn) (more bool) {
	for range maxRouteBatches {
		// A batch that started executions woke the claims itself.
		n, queued, started, err := e.routeOneBatch(ctx, held)
		if queued {
			e.wakeAdvance()
		}
		if err != nil {
			if ctx.Err() == nil {
				e.log.ErrorContext(ctx, "engine: routing events", slog.String("error", err.Error()))
			}
			return false
		}
		if n < e.routeBatch {
			return false
		}
		if (queued || started) && untilQueued {
			return true
		}
	}
	return true
}

// routeOneBatch routes one batch of pending events: n is how many were
// routed or rejected, queued whether any went into a stage queue or a
// connection group and was not started at once, started whether the
// routing transaction started executions (store.StageEvent.StartIfFree).
func (e *Engine) routeOneBatch(ctx context.Context, held *store.RouteConn) (n int, queued, started bool, err error) {
	// One listing of a canvas's stages serves all its events of a batch.
	stagesOf := map[string]versionedStages{}
	// What each event's routing found, by event. The store calls route
	// once an event, before its routing transaction; only the findings
	// of the events whose routing it then wrote (Ended) are kept: an
	// event left pending (an error, its stages changed meanwhile, its
	// lease taken over) is judged again when it is routed.
	found := map[string]*findings{}
	groups := groupsOf{}
	stageEvents := 0
	// The batch's events by organization, taken off the receivers'
	// counts once it is written (backlog.go); not counted with no bound
	// (SQLite's default).
	var byOrg map[string]int
	if e.backlog.at > 0 {
		byOrg = map[string]int{}
	}
	// The match turn first; once the batch is matched, the write turn,
	// then the match turn goes to the next worker (routeTurns).
	e.routeTurns.match.Lock()
	matching, writing := true, false
	endTurns := func() {
		if matching {
			e.routeTurns.match.Unlock()
			matching = false
		}
		if writing {
			e.routeTurns.write.Unlock()
			writing = false
		}
	}
	defer endTurns()
	routeCtx := store.WithRouteMatched(ctx, func() {
		e.routeTurns.write.Lock()
		writing = true
		e.routeTurns.match.Unlock()
		matching = false
	})
	if held != nil {
		routeCtx = store.WithRouteConn(routeCtx, held)
	}
	// Run slots for what the routing transaction starts: claimed in it
	// (store.RouteClaim), they run without a claim transaction of their own.
	now := e.timestamp()
	claim, reserved := e.reserveRunSlots(now)
	if reserved > 0 {
		routeCtx = store.WithRouteClaim(routeCtx, claim)
	}
	b, err := e.store.RouteEventsBatch(routeCtx, now, e.routeBatch, func(ev store.Event) (_ store.Routed, err error) {
		f := &findings{}
		found[ev.ID] = f
		if byOrg != nil {
			byOrg[ev.OrgID]++
		}
		// A bug must cost one event, not the engine: a panic is this
		// event's error, and after a few the store sets it aside.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("routing failed: %v", r)
			}
		}()
		evs, set, err := e.routeEvent(ctx, ev, stagesOf, f)
		if err != nil {
			return store.Routed{}, err
		}
		var gs []store.ConnectionGroup
		if !ev.NoConnectionGroups {
			// The claim did not say the canvas has none (SQLite's read,
			// a claim transaction): listed, once a batch.
			gs, err = e.canvasGroups(ctx, groups, ev.OrgID, ev.CanvasID)
			if err != nil {
				return store.Routed{}, err
			}
		}
		arrivals := e.groupArrivals(ctx, gs, arrival{typ: api.ConnectionTypeEventSource, name: ev.SourceName,
			sourceID: ev.SourceID, eventID: ev.ID, raw: ev.Raw, headers: ev.Headers, at: ev.ReceivedAt}, f)
		stageEvents += len(evs)
		queued = queued || len(arrivals) > 0
		// The filtered rejections of an event routed are written with
		// it, in the routing transaction; the rest (rare) after it.
		filtered := f.filtered
		f.filtered = nil
		return store.Routed{StageEvents: evs, Arrivals: arrivals, Filtered: filtered,
			StagesVersion: set.version, StagesVersionKnown: set.known}, nil
	})
	endTurns()
	// An error may leave events pending: counted as routed, they are at
	// worst a batch's worth under the bound until the next short batch.
	e.backlog.routed(byOrg, err == nil && b.Done < e.routeBatch)
	if b.RetriedAfter != nil {
		// A refused stage event or a deadlock: the batch went through
		// event by event, but it should not recur.
		e.log.WarnContext(ctx, "engine: routing ran again in savepoints", slog.String("error", b.RetriedAfter.Error()))
	}
	e.runRouteClaimed(ctx, b.Claimed, reserved)
	if b.Started > len(b.Claimed) {
		// Before the findings' write: the executions wait for a claim only.
		e.wakeClaim()
	}
	// One transaction for the batch's other rejections and alerts.
	all := &findings{}
	for _, id := range b.Ended {
		if f := found[id]; f != nil {
			all.add(f)
		}
	}
	e.write(ctx, all)
	// Stage events not started (their stage busy, or with conditions)
	// wait for the queue advance; counted over the whole batch, an event
	// left pending may wake it for nothing, which costs one pass.
	return b.Done, queued || stageEvents > b.Started, b.Started > 0, err
}
