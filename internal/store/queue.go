package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// QueueHeads returns the heads of up to limit queues that are due at now:
// for each stage without an unfinished execution, its oldest (CreatedAt,
// then id) stage event in state STATE_PENDING or STATE_WAITING, unless the
// stage's queue waits (WaitStageEvent) until a recheck time after now. A
// queue whose head waits for an approval or a time window is not in the
// batch at all, so any number of them cannot crowd out the queues that can
// move.
//
// Organizations take turns: the batch holds every organization's first
// head before any organization's second, and within an organization its
// canvases take turns the same way; each turn is oldest first. One
// organization's backlog therefore fills at most its share of a batch.
//
// The query walks the stages and passes over those whose queue waits on
// the stage's own row; for each other stage it makes one seek in the
// partial queue index and one in the unfinished-executions index: its cost
// grows with the number of stages that can move, not with queue lengths,
// history, or the number of queues waiting for an approval.
func (s *db) QueueHeads(ctx context.Context, now time.Time, limit int) ([]StageEvent, error) {
	heads := []StageEvent{}
	if limit <= 0 {
		return heads, nil
	}
	rows, err := s.sql.QueryContext(ctx, s.q(`WITH heads AS (
			SELECT se.id AS id, se.org_id AS org_id, se.created_at AS created_at,
				ROW_NUMBER() OVER (PARTITION BY se.org_id, se.canvas_id ORDER BY se.created_at, se.id) AS canvas_turn
			FROM stages st
			JOIN stage_events se ON se.id = (
				SELECT q.id FROM stage_events q
				WHERE q.stage_id = st.id AND q.state IN (`+sqlStageEventPending+`, `+sqlStageEventWaiting+`)
				ORDER BY q.created_at, q.id LIMIT 1)
			WHERE (st.queue_recheck_at IS NULL OR st.queue_recheck_at <= ?)
				AND NOT EXISTS (SELECT 1 FROM executions ex WHERE ex.stage_id = st.id AND ex.state <> `+sqlExecutionFinished+`)
		), turns AS (
			SELECT h.id AS id, ROW_NUMBER() OVER (PARTITION BY h.org_id ORDER BY h.canvas_turn, h.created_at, h.id) AS org_turn
			FROM heads h
		)
		SELECT `+stageEventColumns+` FROM turns t JOIN stage_events se ON se.id = t.id
		ORDER BY t.org_turn, se.created_at, se.id LIMIT ?`), s.time(now), limit)
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

// WaitStageEvent marks the queued event seen STATE_WAITING for reason and
// has QueueHeads pass over its stage's queue until recheckAt, in one
// transaction that holds only if nothing the caller decided on changed
// since it read them: the event is still queued with the approvals of seen,
// and its stage's spec is still stageSpec. Otherwise (approved, discarded,
// started, or the stage was edited meanwhile) ErrConflict, and nothing is
// written: the queue stays due at the next pass. An approval or discard
// through UpdateStageEvent, or an edit of the stage through UpdateStage,
// makes the queue due again at once.
//
// The recheck time is the stage's, not the event's: the scan then passes
// over a waiting queue by reading its stage's row alone.
func (s *db) WaitStageEvent(ctx context.Context, seen StageEvent, stageSpec []byte, reason string, recheckAt time.Time) error {
	id, ok := canonicalID(seen.ID)
	if !ok {
		return NotFound("stage event %q not found", seen.ID)
	}
	stage, ok := canonicalID(seen.StageID)
	if !ok {
		return NotFound("stage %q not found", seen.StageID)
	}
	stale := Conflict("stage event %q or its stage changed since they were read", seen.ID)
	return wrap("wait stage event", s.inTx(ctx, func(tx *sql.Tx) error {
		// The event's row first, as UpdateStageEvent does: an approval
		// racing with this either commits first (and the approvals differ)
		// or waits and clears the recheck time after it is set.
		res, err := tx.ExecContext(ctx, s.q(`UPDATE stage_events SET state = `+sqlStageEventWaiting+`, state_reason = ?
			WHERE id = ? AND stage_id = ? AND state IN (`+sqlStageEventPending+`, `+sqlStageEventWaiting+`) AND approvals = ?`),
			reason, id, stage, blob(seen.Approvals))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return stale
		}
		res, err = tx.ExecContext(ctx, s.q(`UPDATE stages SET queue_recheck_at = ? WHERE id = ? AND spec = ?`),
			s.nullTime(recheckAt), stage, blob(stageSpec))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return stale
		}
		return nil
	}))
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
		err = tx.QueryRowContext(ctx, s.q(`SELECT id FROM executions WHERE stage_id = ? AND state <> `+sqlExecutionFinished),
			stage).Scan(&running)
		if err == nil {
			return Conflict("stage %q already runs execution %q", stageName, running)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(markStageEventStarted), eventID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(insertPendingExecution),
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

// errOrgAtCap aborts a claim whose organization reached its cap while the
// claim was being made (PostgreSQL, concurrent claimers): the claim is
// tried again, and the new snapshot passes over that organization.
var errOrgAtCap = errors.New("store: the organization reached its cap of running executions")

// ClaimExecution takes an execution that is pending, or started with a
// lease that expired before now, for owner until leaseUntil: its state
// becomes started and StartedAt is set to now unless already set.
//
// With maxPerOrg > 0, an organization that already has maxPerOrg started
// executions under a live lease (on any server) is passed over, so one
// organization's executions, however many and however slow, cannot take
// every server's capacity. Among the rest, the organization with the fewest
// running executions goes first, then the oldest execution. On PostgreSQL
// the claim locks the organization's row, then counts again and locks the
// organization's oldest claimable execution, so concurrent claimers (and
// routing transactions that claim, which hold the same row) never exceed
// the cap; SQLite runs one writer at a time.
//
// PostgreSQL's SKIP LOCKED lets claimers take different executions at once;
// a claimer that reaches a row another just claimed sees its new lease and
// passes over it. ok is false when there is none.
func (s *db) ClaimExecution(ctx context.Context, owner string, now, leaseUntil time.Time, maxPerOrg int) (Execution, bool, error) {
	// A read first, with no transaction: every round of claims ends with
	// one that finds nothing, and the engine claims after each pass, each
	// finish and each routing batch that started executions. Found empty,
	// it costs no write transaction (on SQLite, no turn of the one writer
	// the receivers wait for). An execution committed after this read
	// wakes the claims again (whoever writes it wakes them).
	if found, err := s.exists(ctx, `SELECT 1 WHERE EXISTS (SELECT 1 FROM executions WHERE state = `+sqlExecutionPending+`)
		OR EXISTS (SELECT 1 FROM executions WHERE state = `+sqlExecutionStarted+` AND lease_expires_at < ?)`, s.time(now)); err != nil || !found {
		return Execution{}, false, wrap("claim execution", err)
	}
	// The claim goes before the receivers' group commit (withWritePriority).
	ctx = withWritePriority(ctx)
	for range 3 { // bounded: each retry follows a claim another server made
		ex, ok, err := s.claimExecution(ctx, owner, now, leaseUntil, maxPerOrg)
		if !errors.Is(err, errOrgAtCap) {
			return ex, ok, err
		}
	}
	return Execution{}, false, nil
}

func (s *db) claimExecution(ctx context.Context, owner string, now, leaseUntil time.Time, maxPerOrg int) (Execution, bool, error) {
	var (
		out     Execution
		claimed bool
	)
	query := `SELECT ex.id, ex.org_id FROM executions ex
		LEFT JOIN (SELECT r.org_id AS org_id, COUNT(*) AS n FROM executions r
			WHERE r.state = ` + sqlExecutionStarted + ` AND r.lease_expires_at >= ? GROUP BY r.org_id) running
		ON running.org_id = ex.org_id
		WHERE (ex.state = ` + sqlExecutionPending + ` OR (ex.state = ` + sqlExecutionStarted + ` AND ex.lease_expires_at < ?))`
	args := []any{s.time(now), s.time(now)}
	if maxPerOrg > 0 {
		query += ` AND COALESCE(running.n, 0) < ?`
		args = append(args, maxPerOrg)
	}
	query += ` ORDER BY COALESCE(running.n, 0), ex.created_at, ex.id LIMIT 1`
	// On PostgreSQL with a cap, the organization's row is taken before any
	// execution's (lockOrgsForStarts: every holder of that row takes it
	// first), so the candidate is read unlocked and locked after.
	orgFirst := maxPerOrg > 0 && s.d.forUpdate != ""
	if !orgFirst {
		query += s.skipLockedOf("ex")
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var id, org string
		err := tx.QueryRowContext(ctx, s.q(query), args...).Scan(&id, &org)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if orgFirst {
			// Claimers of one organization queue here; each counts what
			// the ones before it committed. NO KEY: rows that merely
			// reference the organization are not held up.
			if _, err := tx.ExecContext(ctx, s.q(`SELECT id FROM organizations WHERE id = ? FOR NO KEY UPDATE`), org); err != nil {
				return err
			}
			// A statement after the lock, so its snapshot holds what the
			// claims before it committed: the organization's oldest
			// claimable execution no one holds, and its running count.
			var running int
			err = tx.QueryRowContext(ctx, s.q(`SELECT ex.id, (SELECT COUNT(*) FROM executions r
				WHERE r.org_id = ex.org_id AND r.state = `+sqlExecutionStarted+` AND r.lease_expires_at >= ?)
				FROM executions ex WHERE ex.org_id = ?
				AND (ex.state = `+sqlExecutionPending+` OR (ex.state = `+sqlExecutionStarted+` AND ex.lease_expires_at < ?))
				ORDER BY ex.created_at, ex.id LIMIT 1`+s.skipLockedOf("ex")), s.time(now), org, s.time(now)).Scan(&id, &running)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && running >= maxPerOrg) {
				return errOrgAtCap // or claimed meanwhile: look again
			}
			if err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE executions SET state = `+sqlExecutionStarted+`, lease_owner = ?,
			lease_expires_at = ?, started_at = COALESCE(started_at, ?) WHERE id = ?`),
			owner, s.time(leaseUntil), s.time(now), id); err != nil {
			return err
		}
		out, err = s.findExecutionByID(ctx, tx, id)
		claimed = err == nil
		return err
	})
	if errors.Is(err, errOrgAtCap) {
		return Execution{}, false, err
	}
	if err != nil {
		return Execution{}, false, wrap("claim execution", err)
	}
	return out, claimed, nil
}

// exists runs query, a SELECT of one row or none, outside any transaction,
// and tells whether it found the row.
func (s *db) exists(ctx context.Context, query string, args ...any) (bool, error) {
	err := s.sql.QueryRowContext(ctx, s.q(query), args...).Scan(new(int))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
