package engine

import (
	"context"
	"log/slog"
	"time"
)

// DefaultEventRetention is how long serve keeps events and stage history
// unless told otherwise (--event-retention).
const DefaultEventRetention = 90 * 24 * time.Hour

// pruneEvents removes up to pruneBatches batches of events, processed
// stage events and finished executions older than the event retention
// (store.PruneEvents says what a queue still needs and is kept). A backlog
// (a retention shortened, or a server that was off) is worked off over
// several passes, pruneEvery apart, rather than in one long delete.
func (e *Engine) pruneEvents(ctx context.Context, now time.Time) {
	if e.eventRetention <= 0 {
		return
	}
	for range pruneBatches {
		n, err := e.store.PruneEvents(ctx, now.Add(-e.eventRetention), pruneBatch)
		if err != nil {
			if ctx.Err() == nil {
				e.log.WarnContext(ctx, "engine: pruning old events", slog.String("error", err.Error()))
			}
			return
		}
		if n < pruneBatch {
			return
		}
	}
}
