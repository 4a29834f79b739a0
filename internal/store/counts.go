package store

import (
	"context"
	"slices"
)

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
	query := boundedCount(from)
	if err := s.sql.QueryRowContext(ctx, s.q(query), append(args, limit+1)...).Scan(&n); err != nil {
		return 0, false, wrap(op, err)
	}
	if n > int64(limit) {
		return int64(limit), true, nil
	}
	return n, false, nil
}

// boundedCount is countBounded's statement, its last argument the limit
// plus one.
func boundedCount(from string) string {
	return `SELECT COUNT(*) FROM (SELECT 1 ` + from + ` LIMIT ?) AS matching`
}

// CountStageEvents counts the stage's events in states, its scope checked
// once, on the stage, as CountExecutions does.
func (s *db) CountStageEvents(ctx context.Context, orgID, canvasID, stageID string, states []string, limit int) (int64, bool, error) {
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	if !ok {
		return 0, false, nil
	}
	from, ok := stageEventsCounted("se", states,
		` AND EXISTS (SELECT 1 FROM stages st WHERE st.id = ? AND st.org_id = ? AND st.canvas_id = ?)`)
	if !ok {
		return 0, false, nil
	}
	return s.countBounded(ctx, "count stage events", from, []any{stage, stage, stage, org, canvas}, limit)
}

// stageEventsCounted is the FROM, WHERE and ORDER BY of a count of a
// stage's events in states (alias names stage_events; ok is false when
// states match none), scope added to the WHERE; its arguments are the stage
// twice, then scope's. Whatever the statistics, each plan reads the
// stage's own index entries, at most the count's bound of them, never the
// table: the generic plan PostgreSQL may choose for a cached statement
// does not know the stage, and with the stage bound for equality it
// scanned the whole table for a stage of 7 events among 110,000 (28-80 ms;
// 400 ms walking stage_events_age, whose order the ORDER BY then matched
// but for the id). So the stage is a range of one value (an equality
// would drop it from the ORDER BY), ordered first: only the stage's
// indexes hold that order, stage_events_stage_created forwards, for
// discarded alone stage_events_discarded forwards, or for queued states
// stage_events_queue backwards (the states are spelled out:
// stageEventStates). TestStageEventCountPlans pins the plans
// (BENCHMARKS.md, leftovers, round eleven).
func stageEventsCounted(alias string, states []string, scope string) (string, bool) {
	cond, ok := stageEventStates(alias, states)
	if !ok {
		return "", false
	}
	stageOrder := alias + `.stage_id`
	if len(states) > 0 && !slices.ContainsFunc(states, func(st string) bool { return st != StageEventPending && st != StageEventWaiting }) {
		stageOrder += ` DESC`
	}
	return `FROM stage_events ` + alias + ` WHERE ` + alias + `.stage_id >= ? AND ` + alias + `.stage_id <= ?` + cond + scope + `
		ORDER BY ` + stageOrder + `, ` + alias + `.created_at DESC, ` + alias + `.id DESC`, true
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
