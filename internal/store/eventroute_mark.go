package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// leasedMarkingRouted returns which matched events are still pending and
// leased to this call (stillLeased), and, on PostgreSQL and for a batch
// read with no claim (SoleServer) outside the savepoint retry, marks
// processed in the same statement the events this
// transaction will route (no error, stages unchanged): marked holds them,
// and routeClaimed does not mark them again. On PostgreSQL the same
// statement writes their filtered rejections (at a version that holds):
// wroteFiltered holds the events whose rejections it wrote, which
// routeClaimed does not write again. The lease re-check and the
// processed mark were two round trips a batch, each a wait for a CPU under
// load (BENCHMARKS.md, PostgreSQL routing, round seven). If writing an
// event's stage events then fails, the transaction is rolled back with
// its mark. The other events (errors, rejections, stages changed: rare)
// are re-checked by stillLeased as before.
func (s *db) leasedMarkingRouted(ctx context.Context, tx *sql.Tx, matched []matchedEvent, versions map[string]int64,
	lease time.Time, inSavepoints bool) (ours, marked, wroteFiltered map[string]bool, err error) {
	if lease.IsZero() && inSavepoints {
		ours, err := s.stillPending(ctx, tx, matched)
		return ours, nil, nil, err
	}
	if (s.d.oneWriter && !lease.IsZero()) || inSavepoints {
		ours, err := s.stillLeased(ctx, tx, matched, lease)
		return ours, nil, nil, err
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
	var filteredOf []string
	if len(toMark) > 0 {
		// The lease alone tells the event is still this call's: routing
		// and rejecting clear it, and another claim sets its own; no
		// state in the statement, so that it stays a primary-key lookup
		// (stillLeased). A batch read with no claim (zero lease,
		// SoleServer) is this call's while pending, and counts its
		// attempt here. Its state is written in the statement, not
		// bound: SQLite prepares again, at every run, a statement whose
		// parameter it compared with a partial index's condition (state
		// = ? against events_pending_org's), ~15 µs an event at batches
		// of 10 (BENCHMARKS.md, round nine).
		mark := `UPDATE events SET state = ` + sqlEventProcessed + `, state_reason = '', state_message = '',
			route_lease_until = NULL WHERE route_lease_until = ? AND id IN (` + placeholders(len(toMark)) + `) RETURNING id`
		args := append([]any{s.time(lease)}, toMark...)
		if !s.d.oneWriter && !lease.IsZero() {
			// One text whatever the batch's size: pgx prepares each new
			// text on a connection in a round trip of its own, and an IN
			// list of each size is another; and the filtered rejections
			// of the events it marks are written by the same statement,
			// a round trip less (BENCHMARKS.md, PostgreSQL's routing round
			// trips, round ten).
			mark = `UPDATE events SET state = ` + sqlEventProcessed + `, state_reason = '', state_message = '',
				route_lease_until = NULL WHERE route_lease_until = ? AND id = ANY(?) RETURNING id`
			args = []any{s.time(lease), anyStrings(toMark)}
			var ps []preparedFiltered
			var routed []string
			for _, m := range matched {
				// Only at a version that holds: their canvas was found
				// and is locked, so the rows' key is there (canvasesFound).
				if m.err != nil || len(m.filtered) == 0 || !m.routed.StagesVersionKnown || !stagesVersionHolds(versions, m) {
					continue
				}
				for _, p := range m.filtered {
					ps, routed = append(ps, p), append(routed, m.ev.ID)
				}
				filteredOf = append(filteredOf, m.ev.ID)
			}
			if len(ps) > 0 {
				mark = `WITH m AS (` + mark + `), sets AS (` + pgFilteredSets + `), rows AS (` + pgFilteredOwnedRows + `)
					SELECT id FROM m`
				args = append(args, s.pgFilteredArgs(ps, routed)...)
			}
		}
		if lease.IsZero() {
			mark = `UPDATE events SET state = ` + sqlEventProcessed + `, state_reason = '', state_message = '',
				route_attempts = route_attempts + 1 WHERE state = ` + sqlEventPending + ` AND id IN (` + placeholders(len(toMark)) + `) RETURNING id`
			args = toMark
		}
		rows, err := tx.QueryContext(ctx, s.q(mark), s.plannedEachRun(args)...)
		if err != nil {
			return nil, nil, nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, nil, nil, err
			}
			id = strings.ToLower(id)
			ours[id], marked[id] = true, true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, nil, err
		}
		for _, id := range filteredOf {
			if marked[id] {
				if wroteFiltered == nil {
					wroteFiltered = map[string]bool{}
				}
				wroteFiltered[id] = true
			}
		}
	}
	if len(others) > 0 {
		check := s.stillLeased
		if lease.IsZero() {
			check = func(ctx context.Context, tx *sql.Tx, ms []matchedEvent, _ time.Time) (map[string]bool, error) {
				return s.stillPending(ctx, tx, ms)
			}
		}
		still, err := check(ctx, tx, others, lease)
		if err != nil {
			return nil, nil, nil, err
		}
		for id, ok := range still {
			ours[id] = ok
		}
	}
	return ours, marked, wroteFiltered, nil
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

// anyStrings is ids, strings held in anys, as one PostgreSQL array
// parameter (= ANY(?)).
func anyStrings(ids []any) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i], _ = id.(string)
	}
	return out
}
