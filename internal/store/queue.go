package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// QueueHeads returns, for up to limit stages of any organization, the oldest
// (CreatedAt, then id) stage event in state STATE_PENDING or STATE_WAITING,
// when the stage has no unfinished execution; the oldest heads come first,
// so that a small limit serves the stages that waited longest.
//
// The query walks the stages and, for each, makes one seek in the partial
// queue index and one in the unfinished-executions index: its cost grows
// with the number of stages, not with queue lengths or history.
func (s *db) QueueHeads(ctx context.Context, limit int) ([]StageEvent, error) {
	heads := []StageEvent{}
	if limit <= 0 {
		return heads, nil
	}
	rows, err := s.sql.QueryContext(ctx, s.q(`SELECT `+stageEventColumns+` FROM stages st
		JOIN stage_events se ON se.id = (
			SELECT q.id FROM stage_events q
			WHERE q.stage_id = st.id AND q.state IN ('STATE_PENDING', 'STATE_WAITING')
			ORDER BY q.created_at, q.id LIMIT 1)
		WHERE NOT EXISTS (SELECT 1 FROM executions ex WHERE ex.stage_id = st.id AND ex.state <> 'STATE_FINISHED')
		ORDER BY se.created_at, se.id LIMIT ?`), limit)
	if err != nil {
		return nil, wrap("queue heads", err)
	}
	defer rows.Close()
	for rows.Next() {
		ev, err := scanStageEvent(rows)
		if err != nil {
			return nil, wrap("queue heads", err)
		}
		heads = append(heads, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("queue heads", err)
	}
	return heads, nil
}

// StartExecution, in one transaction: checks that the stage event is still
// pending or waiting and that its stage has no unfinished execution, marks
// the event STATE_PROCESSED and inserts ex in state pending. OrgID,
// CanvasID, StageID and StageEventID are the event's, whatever ex says.
// ErrNotFound when the event does not exist; ErrConflict when it left the
// queue or the stage runs an execution (another server got there first).
// The unique index on unfinished executions is the backstop: of servers
// racing on different events of one stage, one inserts, the others fail.
func (s *db) StartExecution(ctx context.Context, stageEventID string, ex Execution) error {
	eventID, ok := canonicalID(stageEventID)
	if !ok {
		return NotFound("stage event %q not found", stageEventID)
	}
	id, ok := canonicalID(ex.ID)
	if !ok {
		return fmt.Errorf("store: execution id %q is not a UUID", ex.ID)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var org, canvas, stage, state, stageName string
		err := tx.QueryRowContext(ctx, s.q(`SELECT se.org_id, se.canvas_id, se.stage_id, se.state, st.name
			FROM stage_events se JOIN stages st ON st.id = se.stage_id WHERE se.id = ?`+s.lockOf("se")), eventID).
			Scan(&org, &canvas, &stage, &state, &stageName)
		if errors.Is(err, sql.ErrNoRows) {
			return NotFound("stage event %q not found", stageEventID)
		}
		if err != nil {
			return err
		}
		if state != StageEventPending && state != StageEventWaiting {
			return Conflict("stage event %q is no longer queued (%s)", stageEventID, state)
		}
		var running string
		err = tx.QueryRowContext(ctx, s.q(`SELECT id FROM executions WHERE stage_id = ? AND state <> 'STATE_FINISHED'`),
			stage).Scan(&running)
		if err == nil {
			return Conflict("stage %q already runs execution %q", stageName, running)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE stage_events SET state = 'STATE_PROCESSED', state_reason = ''
			WHERE id = ?`), eventID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO executions (id, org_id, canvas_id, stage_id, stage_event_id,
			state, result, result_reason, result_message, outputs, resources, lease_owner, created_at)
			VALUES (?, ?, ?, ?, ?, 'STATE_PENDING', '', '', '', ?, ?, '', ?)`),
			id, org, canvas, stage, eventID, blob(ex.Outputs), blob(ex.Resources), s.time(ex.CreatedAt))
		switch s.d.classify(err) {
		case uniqueViolation:
			return Conflict("stage %q already runs an execution", stageName)
		case primaryKeyViolation:
			return Conflict("execution id %q already exists", ex.ID)
		case foreignKeyViolation:
			return NotFound("stage %q not found", stageName)
		}
		return err
	})
	return wrap("start execution", err)
}

// ClaimExecution takes the oldest execution that is pending, or started
// with a lease that expired before now, for owner until leaseUntil: its
// state becomes started and StartedAt is set to now unless already set.
// PostgreSQL's SKIP LOCKED lets claimers take different executions at once;
// a claimer that reaches a row another just claimed sees its new lease and
// passes over it. ok is false when there is none.
func (s *db) ClaimExecution(ctx context.Context, owner string, now, leaseUntil time.Time) (Execution, bool, error) {
	var (
		out     Execution
		claimed bool
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, s.q(`SELECT ex.id FROM executions ex
			WHERE ex.state = 'STATE_PENDING' OR (ex.state = 'STATE_STARTED' AND ex.lease_expires_at < ?)
			ORDER BY ex.created_at, ex.id LIMIT 1`+s.skipLockedOf("ex")), s.time(now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE executions SET state = 'STATE_STARTED', lease_owner = ?,
			lease_expires_at = ?, started_at = COALESCE(started_at, ?) WHERE id = ?`),
			owner, s.time(leaseUntil), s.time(now), id); err != nil {
			return err
		}
		out, err = s.findExecutionByID(ctx, tx, id)
		claimed = err == nil
		return err
	})
	if err != nil {
		return Execution{}, false, wrap("claim execution", err)
	}
	return out, claimed, nil
}
