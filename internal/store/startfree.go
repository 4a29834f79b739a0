package store

import (
	"context"
	"database/sql"
	"time"
)

// The statements StartExecution and startIfFree share: one place for what
// starting a queued stage event writes.
const (
	// markStageEventStarted takes a queued stage event out of its queue.
	markStageEventStarted = `UPDATE stage_events SET state = ` + sqlStageEventProcessed + `, state_reason = '' WHERE id = ?`
	// insertPendingExecution inserts a stage event's execution, pending
	// (id, org, canvas, stage, stage event, outputs, resources, created).
	insertPendingExecution = `INSERT INTO executions (id, org_id, canvas_id, stage_id, stage_event_id,
			state, result, result_reason, result_message, outputs, resources, lease_owner, created_at)
			VALUES (?, ?, ?, ?, ?, ` + sqlExecutionPending + `, '', '', '', ?, ?, '', ?)`
)

// startIfFree starts, in tx, the execution of each stage event of evs (just
// inserted by the routing transaction) whose router set StartIfFree, when
// its stage has no other queued event and no unfinished execution: what
// the queue advance would do next (QueueHeads, then StartExecution), in
// the transaction that queued it, so that a free stage's event does not
// wait for two more transactions on SQLite's one writer. It returns how
// many it started.
//
// The rules stay the queue's: an older queued event goes first (the event
// then stays queued, for the advance), and the unique index of unfinished
// executions decides a race with another server's start, the insert doing
// nothing rather than failing (PostgreSQL would abort the whole routing
// transaction). Events are written in routing order, so of two events of
// one batch for a free stage the older starts and the newer waits.
//
// With claims (RouteClaim), the executions it starts are claimed while the
// budget lasts (insertExecution).
//
// On PostgreSQL a batch with nothing else to write keeps these rules in
// one statement instead (lockedStartsPG): a change here is one there.
func (s *db) startIfFree(ctx context.Context, tx *sql.Tx, claims *routeClaims, evs []StageEvent, org, canvas string, now time.Time) (int, error) {
	started := 0
	for _, ev := range evs {
		if !ev.StartIfFree {
			continue
		}
		id, okID := canonicalID(ev.ID)
		stage, okStage := canonicalID(ev.StageID)
		if ev.OrgID == "" {
			ev.OrgID = org
		}
		if ev.CanvasID == "" {
			ev.CanvasID = canvas
		}
		evOrg, okOrg := canonicalID(ev.OrgID)
		evCanvas, okCanvas := canonicalID(ev.CanvasID)
		if !okID || !okStage || !okOrg || !okCanvas {
			continue // the insert before refused it already
		}
		if s.d.oneWriter {
			// On PostgreSQL the execution's insert checks the queue and
			// marks its stage event (startIfFreePG).
			var other int
			err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM (SELECT 1 FROM stage_events q
				WHERE q.stage_id = ? AND q.state IN (`+sqlStageEventPending+`, `+sqlStageEventWaiting+`) AND q.id <> ? LIMIT 1) o`),
				stage, id).Scan(&other)
			if err != nil {
				return started, err
			}
			if other > 0 {
				continue
			}
		}
		// Created with its stage event, in the same transaction: never
		// before it (the router stamps its events after the batch's now).
		created := now
		if ev.CreatedAt.After(created) {
			created = ev.CreatedAt
		}
		inserted, err := s.insertExecution(ctx, tx, claims, evOrg, evCanvas, stage, id, created, now)
		if err != nil {
			return started, err
		}
		if !inserted {
			continue // the stage runs an execution (or, on PostgreSQL, has a queue)
		}
		if s.d.oneWriter {
			if _, err := tx.ExecContext(ctx, s.q(markStageEventStarted), id); err != nil {
				return started, err
			}
		}
		started++
	}
	return started, nil
}

// startIfFreePG is, for PostgreSQL, an execution's insert (claimed: the
// claimed columns are returned; pending: its id) guarded by startIfFree's
// queue check and followed by its stage event's mark, in one statement:
// the check, the insert and the mark were three round trips a start, each
// a wait for a CPU under load (BENCHMARKS.md, PostgreSQL's routing round
// trips, round ten). The check and the insert see the same snapshot as
// the statements did one after the other (READ COMMITTED: a queued event
// committed meanwhile by another transaction is missed either way; the
// unique index of unfinished executions is what decides a race). No row:
// the stage has a queue or runs an execution, and nothing was written.
// Arguments: the execution's id, org, canvas, stage, stage event,
// outputs, resources, then (claimed) lease owner, lease expiry, created,
// started or (pending) created, then the stage and stage event again.
func startIfFreePG(claimed bool) string {
	insert := `INSERT INTO executions (id, org_id, canvas_id, stage_id, stage_event_id, state, result, result_reason,
			result_message, outputs, resources, lease_owner, created_at)
		SELECT ?::uuid, ?::uuid, ?::uuid, ?::uuid, ?::uuid, ` + sqlExecutionPending + `, '', '', '', ?::bytea, ?::bytea, '', ?::timestamptz`
	returning := `id`
	if claimed {
		insert = `INSERT INTO executions (id, org_id, canvas_id, stage_id, stage_event_id, state, result, result_reason,
			result_message, outputs, resources, lease_owner, lease_expires_at, created_at, started_at)
		SELECT ?::uuid, ?::uuid, ?::uuid, ?::uuid, ?::uuid, ` + sqlExecutionStarted + `, '', '', '', ?::bytea, ?::bytea,
			?::text, ?::timestamptz, ?::timestamptz, ?::timestamptz`
		returning = claimedColumns
	}
	return `WITH ins AS (` + insert + `
		WHERE NOT EXISTS (SELECT 1 FROM stage_events q
			WHERE q.stage_id = ?::uuid AND q.state IN (` + sqlStageEventPending + `, ` + sqlStageEventWaiting + `) AND q.id <> ?::uuid)
		ON CONFLICT DO NOTHING RETURNING *
	), queued AS (
		UPDATE stage_events SET state = ` + sqlStageEventProcessed + `, state_reason = '' WHERE id = (SELECT stage_event_id FROM ins)
	)
	SELECT ` + returning + ` FROM ins`
}

// startIfFreeCappedPG is startIfFreePG(true) that claims only while the
// organization has fewer started executions under a live lease than a
// cap, and inserts the execution pending otherwise (insertCappedPG).
// Arguments: the organization, now and the cap, then startIfFreePG(true)'s.
var startIfFreeCappedPG = `WITH d AS (
		SELECT (SELECT COUNT(*) FROM executions WHERE org_id = ?::uuid AND state = ` + sqlExecutionStarted + `
			AND lease_expires_at >= ?::timestamptz) < ?::int AS ok
	), ins AS (
		INSERT INTO executions (id, org_id, canvas_id, stage_id, stage_event_id, state, result, result_reason,
			result_message, outputs, resources, lease_owner, lease_expires_at, created_at, started_at)
		SELECT ?::uuid, ?::uuid, ?::uuid, ?::uuid, ?::uuid,
			CASE WHEN d.ok THEN ` + sqlExecutionStarted + ` ELSE ` + sqlExecutionPending + ` END, '', '', '', ?::bytea, ?::bytea,
			CASE WHEN d.ok THEN ?::text ELSE '' END, CASE WHEN d.ok THEN ?::timestamptz END, ?::timestamptz,
			CASE WHEN d.ok THEN ?::timestamptz END
		FROM d
		WHERE NOT EXISTS (SELECT 1 FROM stage_events q
			WHERE q.stage_id = ?::uuid AND q.state IN (` + sqlStageEventPending + `, ` + sqlStageEventWaiting + `) AND q.id <> ?::uuid)
		ON CONFLICT DO NOTHING RETURNING *
	), queued AS (
		UPDATE stage_events SET state = ` + sqlStageEventProcessed + `, state_reason = '' WHERE id = (SELECT stage_event_id FROM ins)
	)
	SELECT ` + claimedColumns + ` FROM ins`
