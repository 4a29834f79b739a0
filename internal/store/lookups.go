package store

import (
	"context"
	"database/sql"
)

// BatchStore reads many records by id in a few queries, so that a list
// whose every row shows a related record (an event source's last event, an
// execution's stage event) costs a fixed number of queries, not one per
// row.
type BatchStore interface {
	// FindEventsByID returns the canvas's events with the given ids, keyed
	// by id; ids that are missing, not canonical or of another canvas are
	// absent.
	FindEventsByID(ctx context.Context, orgID, canvasID string, ids []string) (map[string]Event, error)
	// FindStageEventsByID returns the stage's events with the given ids,
	// keyed by id, as FindEventsByID.
	FindStageEventsByID(ctx context.Context, orgID, canvasID, stageID string, ids []string) (map[string]StageEvent, error)
}

// lookupChunk bounds the ids of one IN list: every dialect takes it, and a
// canvas with more rows is read in several queries, still not one per row.
const lookupChunk = 500

// canonicalIDs keeps the canonical, distinct ids of ids.
func canonicalIDs(ids []string) []any {
	seen := make(map[string]bool, len(ids))
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		if c, ok := canonicalID(id); ok && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// inChunks runs query once per chunk of ids, appended to args and joined in
// the IN list that ends query ("... IN (" + the placeholders + ")").
func (s *db) inChunks(ctx context.Context, query string, args []any, ids []any, each func(*sql.Rows) error) error {
	for start := 0; start < len(ids); start += lookupChunk {
		chunk := ids[start:min(start+lookupChunk, len(ids))]
		rows, err := s.sql.QueryContext(ctx, s.q(query+placeholders(len(chunk))+`)`), append(append([]any{}, args...), chunk...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// FindEventsByID returns the canvas's events with the given ids.
func (s *db) FindEventsByID(ctx context.Context, orgID, canvasID string, ids []string) (map[string]Event, error) {
	out := map[string]Event{}
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return out, nil
	}
	err := s.inChunks(ctx, `SELECT `+eventColumns+eventFrom+`WHERE e.org_id = ? AND e.canvas_id = ? AND e.id IN (`,
		[]any{org, canvas}, canonicalIDs(ids), func(rows *sql.Rows) error {
			ev, err := scanEvent(rows)
			if err == nil {
				out[ev.ID] = ev
			}
			return err
		})
	if err != nil {
		return nil, wrap("find events", err)
	}
	return out, nil
}

// FindStageEventsByID returns the stage's events with the given ids.
func (s *db) FindStageEventsByID(ctx context.Context, orgID, canvasID, stageID string, ids []string) (map[string]StageEvent, error) {
	out := map[string]StageEvent{}
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	if !ok {
		return out, nil
	}
	err := s.inChunks(ctx, `SELECT `+stageEventColumns+` FROM stage_events se
		WHERE se.stage_id = ? AND se.org_id = ? AND se.canvas_id = ? AND se.id IN (`,
		[]any{stage, org, canvas}, canonicalIDs(ids), func(rows *sql.Rows) error {
			ev, err := scanStageEvent(rows)
			if err == nil {
				out[ev.ID] = ev
			}
			return err
		})
	if err != nil {
		return nil, wrap("find stage events", err)
	}
	return out, nil
}
