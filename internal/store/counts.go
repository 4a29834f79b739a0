package store

import "context"

// CountStore counts the rows of a stage's lists, each in one bounded query.
type CountStore interface {
	// CountStageEvents counts the stage's events in the given states (all
	// when empty), reading at most limit+1: a count past limit is answered
	// as limit, capped.
	CountStageEvents(ctx context.Context, orgID, canvasID, stageID string, states []string, limit int) (n int64, capped bool, err error)
	// CountExecutions counts the stage's executions the same way.
	CountExecutions(ctx context.Context, orgID, canvasID, stageID string, limit int) (n int64, capped bool, err error)
}

// countBounded runs "SELECT COUNT(*) FROM (SELECT 1 <from> LIMIT limit+1)",
// where from is the FROM and WHERE of the rows to count: an index answers it,
// and a long history costs no more than limit+1 entries. A count past limit
// (at least 1) is answered as limit, capped.
func (s *db) countBounded(ctx context.Context, op, from string, args []any, limit int) (int64, bool, error) {
	limit = max(limit, 1)
	var n int64
	query := `SELECT COUNT(*) FROM (SELECT 1 ` + from + ` LIMIT ?) AS matching`
	if err := s.sql.QueryRowContext(ctx, s.q(query), append(args, limit+1)...).Scan(&n); err != nil {
		return 0, false, wrap(op, err)
	}
	if n > int64(limit) {
		return int64(limit), true, nil
	}
	return n, false, nil
}

// CountStageEvents counts the stage's events in states.
func (s *db) CountStageEvents(ctx context.Context, orgID, canvasID, stageID string, states []string, limit int) (int64, bool, error) {
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	if !ok {
		return 0, false, nil
	}
	from := `FROM stage_events se WHERE se.stage_id = ? AND se.org_id = ? AND se.canvas_id = ?`
	args := []any{stage, org, canvas}
	if len(states) > 0 {
		from += ` AND se.state IN (` + placeholders(len(states)) + `)`
		for _, state := range states {
			args = append(args, state)
		}
	}
	return s.countBounded(ctx, "count stage events", from, args, limit)
}

// CountExecutions counts the stage's executions.
func (s *db) CountExecutions(ctx context.Context, orgID, canvasID, stageID string, limit int) (int64, bool, error) {
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	if !ok {
		return 0, false, nil
	}
	// The scope is checked once, on the stage (its executions share its
	// organization and canvas), so the count walks the stage's index alone:
	// with org_id and canvas_id in the WHERE of each row, which the index
	// does not hold, it read every execution's row, and a page of 10 of a
	// history of 1,000 spent a third of its time counting. The ORDER BY
	// keeps it on that index in a generic plan too (see executionPageCount).
	return s.countBounded(ctx, "count executions",
		`FROM executions ex WHERE ex.stage_id = ? AND EXISTS (SELECT 1 FROM stages st WHERE st.id = ? AND st.org_id = ? AND st.canvas_id = ?)
		ORDER BY ex.created_at DESC, ex.id DESC`,
		[]any{stage, stage, org, canvas}, limit)
}
