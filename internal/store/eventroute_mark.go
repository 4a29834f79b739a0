package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// leasedMarkingRouted returns which matched events are still this call's:
// pending and leased to it (stillLeased), or, for a batch read with no
// claim (zero lease, SoleServer), pending (stillPending). For the latter
// outside the savepoint retry it marks processed, in the same statement,
// the events this transaction will route (no error, stages unchanged):
// marked holds them, and routeClaimed does not mark them again; the
// re-check and the mark were two round trips a batch (BENCHMARKS.md,
// PostgreSQL routing, round seven). If writing an event's stage events
// then fails, the transaction is rolled back with its mark. The other
// events (errors, rejections, stages changed: rare) are re-checked as
// before. PostgreSQL's claimed batches take this from lockedMark instead
// (lockedAndMarked).
func (s *db) leasedMarkingRouted(ctx context.Context, tx *sql.Tx, matched []matchedEvent, versions map[string]int64,
	lease time.Time, inSavepoints bool) (ours, marked map[string]bool, err error) {
	if lease.IsZero() && inSavepoints {
		ours, err := s.stillPending(ctx, tx, matched)
		return ours, nil, err
	}
	if !lease.IsZero() || inSavepoints {
		ours, err := s.stillLeased(ctx, tx, matched, lease)
		return ours, nil, err
	}
	var toMark []any
	var others []matchedEvent
	for _, m := range matched {
		if m.err == nil && (!m.routed.StagesVersionKnown || stagesVersionHolds(versions, m)) {
			toMark = append(toMark, m.ev.ID)
			continue
		}
		others = append(others, m)
	}
	ours = make(map[string]bool, len(matched))
	marked = make(map[string]bool, len(toMark))
	if len(toMark) > 0 {
		// This call's while pending; the attempt is counted here. The
		// state is written in the statement, not bound: SQLite prepares
		// again, at every run, a statement whose parameter it compared
		// with a partial index's condition (state = ? against
		// events_pending_org's), ~15 µs an event at batches of 10
		// (BENCHMARKS.md, round nine).
		mark := `UPDATE events SET state = ` + sqlEventProcessed + `, state_reason = '', state_message = '',
			route_attempts = route_attempts + 1 WHERE state = ` + sqlEventPending + ` AND id IN (` + placeholders(len(toMark)) + `) RETURNING id`
		rows, err := tx.QueryContext(ctx, s.q(mark), s.plannedEachRun(toMark)...)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, nil, err
			}
			id = strings.ToLower(id)
			ours[id], marked[id] = true, true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	if len(others) > 0 {
		still, err := s.stillPending(ctx, tx, others)
		if err != nil {
			return nil, nil, err
		}
		for id, ok := range still {
			ours[id] = ok
		}
	}
	return ours, marked, nil
}

// stagesVersionHolds tells whether the event was matched at its canvas's
// stages version read in this transaction.
func stagesVersionHolds(versions map[string]int64, m matchedEvent) bool {
	v, ok := versions[m.ev.OrgID+"/"+m.ev.CanvasID]
	return ok && v == m.routed.StagesVersion
}

// canvasesFound is the canvases whose stages version the routing
// transaction read (and, on PostgreSQL, locked), in writeFilteredKnown's
// terms: they exist until its commit.
func canvasesFound(versions map[string]int64) map[[2]string]bool {
	exists := make(map[[2]string]bool, len(versions))
	for key := range versions {
		org, canvas, _ := strings.Cut(key, "/")
		exists[[2]string{org, canvas}] = true
	}
	return exists
}
