package store

import (
	"context"
	"time"
)

// RetentionStore is the part of Store that forgets old history.
type RetentionStore interface {
	// PruneEvents deletes one bounded batch of history older than before: at
	// most limit stage events that are processed or discarded and have no
	// unfinished execution, with their (finished) executions, then at most
	// limit events that are no longer pending, that no pending or waiting
	// stage event was made from, and that are not an event source's last
	// event. Returns how many stage events and events went; a caller
	// repeats while it is limit or more.
	PruneEvents(ctx context.Context, before time.Time, limit int) (int, error)
}

// PruneEvents deletes a batch of old stage events (their executions go by
// the foreign key's cascade) and a batch of old events. Stage events go
// first so that the events they were made from are free on the same pass.
// Nothing a queue still needs goes: a stage event in the queue or with a
// running execution stays, and so does the event a queued stage event was
// made from. A source's last event stays too, so the source still shows
// what it last received however long ago that was. The states are spelt
// out in the text so that the partial indexes of migration 0010 apply.
func (s *db) PruneEvents(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM stage_events WHERE id IN (
		SELECT se.id FROM stage_events se
		WHERE se.state IN (`+sqlStageEventProcessed+`, `+sqlStageEventDiscarded+`) AND se.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM executions x WHERE x.stage_event_id = se.id AND x.state <> `+sqlExecutionFinished+`)
		LIMIT ?)`), s.time(before), limit)
	if err != nil {
		return 0, wrap("prune stage events", err)
	}
	n, _ := res.RowsAffected()
	res, err = s.sql.ExecContext(ctx, s.q(`DELETE FROM events WHERE id IN (
		SELECT e.id FROM events e
		WHERE e.state <> `+sqlEventPending+` AND e.received_at < ?
		AND NOT EXISTS (SELECT 1 FROM event_sources es WHERE es.last_event_id = e.id)
		AND NOT EXISTS (SELECT 1 FROM stage_events q WHERE q.trigger_event_id = CAST(e.id AS TEXT)
			AND q.state IN (`+sqlStageEventPending+`, `+sqlStageEventWaiting+`))
		LIMIT ?)`), s.time(before), limit)
	if err != nil {
		return int(n), wrap("prune events", err)
	}
	m, _ := res.RowsAffected()
	return int(n + m), nil
}
