package store

import "context"

// DepthStore measures the work waiting across every organization, for the
// server's metrics: totals only, so a scrape names no organization or canvas.
type DepthStore interface {
	// QueueDepths counts the events not yet routed, the stage events
	// queued (pending and waiting) and the executions not finished
	// (pending and started). Each count reads at most limit+1 index
	// entries: a count past limit is answered as limit, and Capped is set.
	QueueDepths(ctx context.Context, limit int) (QueueDepths, error)
}

// QueueDepths is the work waiting, across every organization.
type QueueDepths struct {
	EventsUnrouted     int64
	StageEventsPending int64
	StageEventsWaiting int64
	ExecutionsPending  int64
	ExecutionsStarted  int64
	// Capped is set when a count reached the limit.
	Capped bool
}

// QueueDepths counts each kind of waiting work with one bounded query
// answered by a partial or leading-state index (events_pending_org,
// stage_events_queued_trigger, executions_claim).
func (s *db) QueueDepths(ctx context.Context, limit int) (QueueDepths, error) {
	var d QueueDepths
	for _, c := range []struct {
		into *int64
		from string
	}{
		{&d.EventsUnrouted, `FROM events WHERE state = ` + sqlEventPending},
		{&d.StageEventsPending, `FROM stage_events WHERE state = ` + sqlStageEventPending},
		{&d.StageEventsWaiting, `FROM stage_events WHERE state = ` + sqlStageEventWaiting},
		{&d.ExecutionsPending, `FROM executions WHERE state = ` + sqlExecutionPending},
		{&d.ExecutionsStarted, `FROM executions WHERE state = ` + sqlExecutionStarted},
	} {
		n, capped, err := s.countBounded(ctx, "queue depths", c.from, nil, limit)
		if err != nil {
			return QueueDepths{}, err
		}
		*c.into, d.Capped = n, d.Capped || capped
	}
	return d, nil
}
