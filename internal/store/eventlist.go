package store

import (
	"context"
	"strings"
)

// EventFilter selects events of one canvas: all of them, or those of one
// source (SourceID), in some states (States, any state when empty).
type EventFilter struct {
	OrgID, CanvasID string
	// SourceID is an event source's id; "" selects every source.
	SourceID string
	// States are event states (STATE_PENDING, ...); empty selects all.
	States []string
}

// where returns the FROM and WHERE clauses of the events f selects and
// their arguments; ok is false when no event can match (an id that is not
// a UUID). With joined, the events are joined to their sources (eventFrom,
// for eventColumns); without, only the events table is read, which is all
// a count needs: the canvas's index then answers it without reading a row.
func (f EventFilter) where(joined bool) (clause string, args []any, ok bool) {
	org, okOrg := canonicalID(f.OrgID)
	canvas, okCanvas := canonicalID(f.CanvasID)
	if !okOrg || !okCanvas {
		return "", nil, false
	}
	from := ` FROM events e `
	if joined {
		from = eventFrom
	}
	switch {
	case f.SourceID == "":
		clause = from + `WHERE e.org_id = ? AND e.canvas_id = ?`
		args = append(args, org, canvas)
	case joined:
		source, ok := canonicalID(f.SourceID)
		if !ok {
			return "", nil, false
		}
		// The organization and canvas are checked on the source, so that
		// the planner walks the per-source index, not the canvas's.
		clause = from + `WHERE e.source_id = ? AND es.org_id = ? AND es.canvas_id = ?`
		args = append(args, source, org, canvas)
	default:
		source, ok := canonicalID(f.SourceID)
		if !ok {
			return "", nil, false
		}
		// The source is checked once (the subquery does not depend on the
		// row), so the per-source index alone answers the count.
		clause = from + `WHERE e.source_id = ? AND EXISTS (SELECT 1 FROM event_sources es WHERE es.id = ? AND es.org_id = ? AND es.canvas_id = ?)`
		args = append(args, source, source, org, canvas)
	}
	if len(f.States) > 0 {
		clause += ` AND e.state IN (?` + strings.Repeat(`, ?`, len(f.States)-1) + `)`
		for _, st := range f.States {
			args = append(args, st)
		}
	}
	return clause, args, true
}

// ListEventsWhere returns a page of the events f selects, newest first,
// ties on ReceivedAt broken by id. A zero page.BeforeTime asks for the
// first page; otherwise the page starts after the event (BeforeTime,
// BeforeID), which need not exist any more. Limit <= 0 means
// DefaultPageLimit; more than MaxPageLimit means MaxPageLimit.
//
// The equality prefix and the (received_at, id) order match an index, and
// the cursor is a range bound on it, so a page costs the same however long
// the history is. A states filter is checked on the rows the index walks:
// a page of a rare state reads past the others.
func (s *db) ListEventsWhere(ctx context.Context, f EventFilter, page Page) ([]Event, error) {
	events := []Event{}
	where, args, ok := f.where(true)
	if !ok {
		return events, nil
	}
	query, args, err := s.keyset(`SELECT `+eventColumns+where, args, "e.received_at", "e.id", page)
	if err != nil {
		return nil, err
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, wrap("list events", err)
	}
	defer rows.Close()
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, wrap("list events", err)
		}
		events = append(events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list events", err)
	}
	return events, nil
}

// CountEvents counts the events f selects in one query, reading at most
// limit+1 of them: a canvas with a long history costs a bounded count, and
// a count past limit is reported as limit, capped. A limit below 1 counts
// as 1.
func (s *db) CountEvents(ctx context.Context, f EventFilter, limit int) (int64, bool, error) {
	where, args, ok := f.where(false)
	if !ok {
		return 0, false, nil
	}
	return s.countBounded(ctx, "count events", where, args, limit)
}
