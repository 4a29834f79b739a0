package store

import "context"

// StageStatus is what a stage's listing shows besides its spec: the head of
// its queue and its newest execution.
type StageStatus struct {
	// Queue holds the newest pending or waiting events (at most the limit
	// asked for), newest first, ties on CreatedAt broken by id.
	Queue []StageEvent
	// QueueTotal counts every pending or waiting event, not only those in
	// Queue.
	QueueTotal int
	// LastExecution is the newest execution by CreatedAt (then id), nil
	// when the stage has run none.
	LastExecution *Execution
	// LastExecutionEvent is the stage event LastExecution ran (nil with
	// it): an execution's event is deleted only with it (the foreign key
	// cascades), so it is read in the same statement.
	LastExecutionEvent *StageEvent
}

// StageStatusStore reads the status of many stages at once.
type StageStatusStore interface {
	// StageStatuses returns the status of the canvas's stages, of the one
	// stage stageID when it is not empty, keyed by stage id, with queues cut
	// to queueLimit events. It makes two queries whatever the number of
	// stages, so that listing a canvas costs the same for 10 stages as for
	// 1,000; a stage with nothing queued and no execution has no entry.
	StageStatuses(ctx context.Context, orgID, canvasID, stageID string, queueLimit int) (map[string]StageStatus, error)
}

// StageStatuses returns the status of the canvas's stages (or of stageID's)
// in two queries: the queues' heads with their totals from one window over
// the pending and waiting events, and each stage's newest execution (with
// its stage event) through the executions_stage_created index, one index
// probe per stage inside one statement.
func (s *db) StageStatuses(ctx context.Context, orgID, canvasID, stageID string, queueLimit int) (map[string]StageStatus, error) {
	out := map[string]StageStatus{}
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return out, nil
	}
	var stage string
	if stageID != "" {
		var ok bool
		if stage, ok = canonicalID(stageID); !ok {
			return out, nil
		}
	}
	// At least each stage's first event comes back: it carries the total.
	rowsPerStage := max(queueLimit, 1)

	// The queues: the canvas's stages are walked through the queue's
	// partial index (stage_events_queue: the state test below is its
	// predicate), so the history of processed events is never read; each
	// queued event is numbered within its stage, newest first, and counted,
	// on ids only, and the first rowsPerStage of each stage are then read
	// whole, each carrying its stage's total.
	scope := `st.org_id = ? AND st.canvas_id = ?`
	scopeArgs := []any{org, canvas}
	if stage != "" {
		scope += ` AND st.id = ?`
		scopeArgs = append(scopeArgs, stage)
	}
	queueQuery := `WITH q AS (
		SELECT se.id AS id,
			ROW_NUMBER() OVER (PARTITION BY se.stage_id ORDER BY se.created_at DESC, se.id DESC) AS rn,
			COUNT(*) OVER (PARTITION BY se.stage_id) AS total
		FROM stages st JOIN stage_events se ON se.stage_id = st.id
		WHERE ` + scope + ` AND se.state IN (` + sqlStageEventPending + `, ` + sqlStageEventWaiting + `))
		SELECT ` + stageEventColumns + `, q.total FROM q JOIN stage_events se ON se.id = q.id
		WHERE q.rn <= ? ORDER BY se.stage_id, se.created_at DESC, se.id DESC`
	rows, err := s.sql.QueryContext(ctx, s.q(queueQuery), append(append([]any{}, scopeArgs...), rowsPerStage)...)
	if err != nil {
		return nil, wrap("stage statuses", err)
	}
	for rows.Next() {
		var (
			ev    StageEvent
			total int
		)
		if err := rows.Scan(append(stageEventDests(&ev), &total)...); err != nil {
			rows.Close()
			return nil, wrap("stage statuses", err)
		}
		st := out[ev.StageID]
		st.QueueTotal = total
		if queueLimit > 0 {
			st.Queue = append(st.Queue, ev)
		}
		out[ev.StageID] = st
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, wrap("stage statuses", err)
	}

	// The newest execution of each stage: a correlated subquery per stage
	// row reads one entry of executions_stage_created; its stage event
	// comes with it, one primary-key probe.
	execQuery := `SELECT ` + executionColumns + `, ` + stageEventColumns + ` FROM executions ex
		JOIN stage_events se ON se.id = ex.stage_event_id WHERE ex.id IN (
		SELECT (SELECT x.id FROM executions x WHERE x.stage_id = st.id ORDER BY x.created_at DESC, x.id DESC LIMIT 1)
		FROM stages st WHERE ` + scope + `)`
	rows, err = s.sql.QueryContext(ctx, s.q(execQuery), scopeArgs...)
	if err != nil {
		return nil, wrap("stage statuses", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			ex Execution
			ev StageEvent
		)
		if err := rows.Scan(append(executionDests(&ex), stageEventDests(&ev)...)...); err != nil {
			return nil, wrap("stage statuses", err)
		}
		st := out[ex.StageID]
		st.LastExecution, st.LastExecutionEvent = &ex, &ev
		out[ex.StageID] = st
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("stage statuses", err)
	}
	return out, nil
}
