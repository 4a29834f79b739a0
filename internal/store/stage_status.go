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
// the pending and waiting events, and each stage's newest execution through
// the executions_stage_created index, one index probe per stage inside one
// statement.
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

	// The queues: every pending or waiting event of the canvas is numbered
	// within its stage, newest first, and counted; only the first
	// queueLimit of each stage come back, each carrying its stage's total.
	queueQuery := `SELECT ` + stageEventColumns + `, se.total FROM (
		SELECT q.*,
			ROW_NUMBER() OVER (PARTITION BY q.stage_id ORDER BY q.created_at DESC, q.id DESC) AS rn,
			COUNT(*) OVER (PARTITION BY q.stage_id) AS total
		FROM stage_events q
		WHERE q.org_id = ? AND q.canvas_id = ? AND q.state IN (` + sqlStageEventPending + `, ` + sqlStageEventWaiting + `)`
	args := []any{org, canvas}
	if stage != "" {
		queueQuery += ` AND q.stage_id = ?`
		args = append(args, stage)
	}
	queueQuery += `) se WHERE se.rn <= ? ORDER BY se.stage_id, se.created_at DESC, se.id DESC`
	args = append(args, rowsPerStage)
	rows, err := s.sql.QueryContext(ctx, s.q(queueQuery), args...)
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
	// row reads one entry of executions_stage_created.
	execQuery := `SELECT ` + executionColumns + ` FROM executions ex WHERE ex.id IN (
		SELECT (SELECT x.id FROM executions x WHERE x.stage_id = st.id ORDER BY x.created_at DESC, x.id DESC LIMIT 1)
		FROM stages st WHERE st.org_id = ? AND st.canvas_id = ?`
	args = []any{org, canvas}
	if stage != "" {
		execQuery += ` AND st.id = ?`
		args = append(args, stage)
	}
	execQuery += `)`
	rows, err = s.sql.QueryContext(ctx, s.q(execQuery), args...)
	if err != nil {
		return nil, wrap("stage statuses", err)
	}
	defer rows.Close()
	for rows.Next() {
		ex, err := scanExecution(rows)
		if err != nil {
			return nil, wrap("stage statuses", err)
		}
		st := out[ex.StageID]
		st.LastExecution = &ex
		out[ex.StageID] = st
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("stage statuses", err)
	}
	return out, nil
}
