package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Execution is one run of a stage's executor for one stage event.
type Execution struct {
	ID            string
	OrgID         string
	CanvasID      string
	StageID       string
	StageEventID  string
	State         string // Execution*
	Result        string // RESULT_PASSED, RESULT_FAILED, RESULT_CANCELLED, "" until finished
	ResultReason  string
	ResultMessage string
	Outputs       []byte // JSON []KeyValue (DecodeOutputs)
	Resources     []byte // JSON []Resource: what the executor started (DecodeResources)
	// The lease: the server running the execution and until when. A started
	// execution whose lease expired belongs to a server that died; another
	// claims it and resumes or fails it.
	LeaseOwner      string
	LeaseExpiresAt  time.Time
	CancelRequested bool
	CreatedAt       time.Time
	StartedAt       time.Time
	FinishedAt      time.Time
	CancelledAt     time.Time
}

// ExecutionStore is the part of Store that keeps executions: started from
// a queue head, claimed, leased, finished or cancelled.
type ExecutionStore interface {
	// StartExecution, in one transaction: checks that the stage event is
	// still pending or waiting and that its stage has no unfinished
	// execution, marks the event STATE_PROCESSED and inserts ex (state
	// pending; OrgID, CanvasID, StageID and StageEventID are the event's).
	// ErrNotFound when the event does not exist; ErrConflict when another
	// server got there first.
	StartExecution(ctx context.Context, stageEventID string, ex Execution) error
	// ClaimExecution takes one execution that is pending, or started with an
	// expired lease (its server died), for owner until leaseUntil: state
	// becomes started, StartedAt is kept or set. ok is false when there is
	// none. Two servers never claim the same execution. With maxPerOrg > 0,
	// organizations that have maxPerOrg started executions under a live
	// lease (on any server) are passed over, even with concurrent claimers;
	// the organization with the fewest running goes first, then the oldest
	// execution.
	ClaimExecution(ctx context.Context, owner string, now, leaseUntil time.Time, maxPerOrg int) (ex Execution, ok bool, err error)
	// RenewLease extends owner's lease and stores resources (what the
	// executor started so far; nil keeps the stored ones). It returns whether
	// a cancel was requested, and ErrConflict when owner no longer holds the
	// execution.
	RenewLease(ctx context.Context, id, owner string, leaseUntil time.Time, resources []byte) (cancelRequested bool, err error)
	// FinishExecution records the end of owner's execution (result, reason,
	// message, outputs, resources unless nil, FinishedAt, CancelledAt when
	// cancelled) and inserts the stage events it triggers downstream (an
	// empty OrgID or CanvasID is the execution's), in one transaction.
	// ErrConflict when owner no longer holds it; ErrNotFound when a
	// downstream stage is not in its canvas (nothing is written).
	FinishExecution(ctx context.Context, ex Execution, owner string, downstream []StageEvent) error
	// RequestCancel marks the stage's execution for cancellation and returns
	// it: a pending one is finished at once (RESULT_CANCELLED,
	// RESULT_REASON_USER, FinishedAt and CancelledAt now), a started one gets
	// CancelRequested (its server learns it from RenewLease), a finished one
	// is unchanged. ErrNotFound when missing.
	RequestCancel(ctx context.Context, orgID, canvasID, stageID, id string, now time.Time) (Execution, error)
	// FindExecution returns the stage's execution, or ErrNotFound.
	FindExecution(ctx context.Context, orgID, canvasID, stageID, id string) (Execution, error)
	// ListExecutions returns a page of the stage's executions, newest first
	// (CreatedAt, then ID).
	ListExecutions(ctx context.Context, orgID, canvasID, stageID string, page Page) ([]Execution, error)
	// LastExecution returns the stage's newest (FinishedAt, then ID) finished
	// execution whose result is one of results (any when empty), with its
	// stage event, or ErrNotFound.
	LastExecution(ctx context.Context, stageID string, results []string) (Execution, StageEvent, error)
}

const executionColumns = `ex.id, ex.org_id, ex.canvas_id, ex.stage_id, ex.stage_event_id, ex.state, ex.result,
	ex.result_reason, ex.result_message, ex.outputs, ex.resources, ex.lease_owner, ex.lease_expires_at,
	ex.cancel_requested, ex.created_at, ex.started_at, ex.finished_at, ex.cancelled_at`

func scanExecution(row rowScanner) (Execution, error) {
	var ex Execution
	err := row.Scan(executionDests(&ex)...)
	return ex, err
}

// executionDests are the scan destinations of executionColumns.
func executionDests(ex *Execution) []any {
	return []any{&ex.ID, &ex.OrgID, &ex.CanvasID, &ex.StageID, &ex.StageEventID, &ex.State, &ex.Result,
		&ex.ResultReason, &ex.ResultMessage, blobColumn{&ex.Outputs}, blobColumn{&ex.Resources}, &ex.LeaseOwner,
		nullTimeColumn{&ex.LeaseExpiresAt}, &ex.CancelRequested, timeColumn{&ex.CreatedAt},
		nullTimeColumn{&ex.StartedAt}, nullTimeColumn{&ex.FinishedAt}, nullTimeColumn{&ex.CancelledAt}}
}

// Execution states: the wire's values (the server's
// TestStoreStatesAreTheWire checks them against package api's), defined
// here once for the store.
const (
	ExecutionPending  = "STATE_PENDING"
	ExecutionStarted  = "STATE_STARTED"
	ExecutionFinished = "STATE_FINISHED"
)

// The execution states as SQL literals, for the queries that must match a
// partial index of the migrations (executions_one_unfinished, the finished
// executions' index) or share a statement with those that do; see
// sqlStageEventPending.
const (
	sqlExecutionPending  = "'" + ExecutionPending + "'"
	sqlExecutionStarted  = "'" + ExecutionStarted + "'"
	sqlExecutionFinished = "'" + ExecutionFinished + "'"
)

// Results and reasons the store itself writes, when RequestCancel finishes a
// pending execution.
const (
	ResultCancelled  = "RESULT_CANCELLED"
	ResultReasonUser = "RESULT_REASON_USER"
)

// findExecutionByID reads the execution with this canonical id in q.
func (s *db) findExecutionByID(ctx context.Context, q querier, id string) (Execution, error) {
	ex, err := scanExecution(q.QueryRowContext(ctx, s.q(`SELECT `+executionColumns+` FROM executions ex WHERE ex.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Execution{}, NotFound("execution %q not found", id)
	}
	return ex, err
}

// RenewLease extends owner's lease on the started execution id to
// leaseUntil and stores resources (nil keeps the stored ones), in one
// statement. It returns whether a cancel was requested. ErrConflict when
// owner no longer holds the execution: another server claimed it, it
// finished, or it was deleted.
func (s *db) RenewLease(ctx context.Context, id, owner string, leaseUntil time.Time, resources []byte) (bool, error) {
	canonical, ok := canonicalID(id)
	if !ok {
		return false, Conflict("execution %q is not held by %q", id, owner)
	}
	var cancelRequested bool
	err := s.sql.QueryRowContext(ctx, s.q(`UPDATE executions SET lease_expires_at = ?, resources = COALESCE(?, resources)
		WHERE id = ? AND lease_owner = ? AND state = `+sqlExecutionStarted+` RETURNING cancel_requested`),
		s.time(leaseUntil), keepIfNil(resources), canonical, owner).Scan(&cancelRequested)
	if errors.Is(err, sql.ErrNoRows) {
		return false, Conflict("execution %q is not held by %q", id, owner)
	}
	if err != nil {
		return false, wrap("renew lease", err)
	}
	return cancelRequested, nil
}

// FinishExecution records the end of owner's started execution ex.ID
// (Result, ResultReason, ResultMessage, Outputs, Resources unless nil,
// FinishedAt, CancelledAt) and inserts downstream, in one transaction. An empty OrgID or
// CanvasID of a downstream event is the execution's. ErrConflict when owner
// no longer holds the execution; ErrNotFound when a downstream stage does
// not exist in its canvas (nothing is written).
func (s *db) FinishExecution(ctx context.Context, ex Execution, owner string, downstream []StageEvent) error {
	return s.finishExecution(ctx, ex, owner, Routed{StageEvents: downstream}, ex.FinishedAt)
}

// finishExecution is FinishExecution with group arrivals and starts (see
// FinishExecutionRouted). A free downstream stage's execution is started
// here rather than by the queue advance, which on the chain stage → stage
// cost a read of every queue head and a transaction of its own before the
// claim (BENCHMARKS.md, chains start at finish, round nine).
func (s *db) finishExecution(ctx context.Context, ex Execution, owner string, downstream Routed, now time.Time) error {
	id, ok := canonicalID(ex.ID)
	if !ok {
		return Conflict("execution %q is not held by %q", ex.ID, owner)
	}
	if ex.FinishedAt.IsZero() {
		return fmt.Errorf("store: finishing execution %q without a finish time", ex.ID)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// What routing takes first, in its order, before the execution's
		// row (orglock.go): the organization and the canvas when it may
		// start downstream executions, then the field sets of its
		// arrivals. A routing transaction that holds a field set and
		// waits on this execution's update (its insert into the stage)
		// would otherwise wait for a finish that waits for that field set.
		start, err := s.lockForFinish(ctx, tx, ex, downstream)
		if err != nil {
			return err
		}
		for _, a := range downstream.Arrivals {
			if err := s.addArrival(ctx, tx, a, now); err != nil {
				return err
			}
		}
		var org, canvas string
		err = tx.QueryRowContext(ctx, s.q(`UPDATE executions SET state = `+sqlExecutionFinished+`, result = ?,
			result_reason = ?, result_message = ?, outputs = ?, resources = COALESCE(?, resources), finished_at = ?,
			cancelled_at = ?
			WHERE id = ? AND lease_owner = ? AND state = `+sqlExecutionStarted+` RETURNING org_id, canvas_id`),
			ex.Result, ex.ResultReason, ex.ResultMessage, blob(ex.Outputs), keepIfNil(ex.Resources),
			s.time(ex.FinishedAt), s.nullTime(ex.CancelledAt), id, owner).Scan(&org, &canvas)
		if errors.Is(err, sql.ErrNoRows) {
			return Conflict("execution %q is not held by %q", ex.ID, owner)
		}
		if err != nil {
			return err
		}
		in := &stageEventInserter{s: s, tx: tx}
		defer in.close()
		if err := in.insert(ctx, org, canvas, downstream.StageEvents); err != nil {
			return err
		}
		// A free downstream stage starts its execution here, as routing
		// would (startIfFree), when the stages it was matched against are
		// still the canvas's: a condition added meanwhile is then not
		// missed. Otherwise the queue advance starts it.
		if start && org == ex.OrgID && canvas == ex.CanvasID {
			_, err = s.startIfFree(ctx, tx, nil, downstream.StageEvents, org, canvas, now)
		}
		return err
	})
	return wrap("finish execution", err)
}

// findExecution looks the stage's execution up in q; forUpdate locks its row
// until q's transaction ends.
func (s *db) findExecution(ctx context.Context, q querier, orgID, canvasID, stageID, id string, forUpdate bool) (Execution, error) {
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	exID, okID := canonicalID(id)
	if !ok || !okID {
		return Execution{}, NotFound("execution %q not found", id)
	}
	query := `SELECT ` + executionColumns + ` FROM executions ex
		WHERE ex.org_id = ? AND ex.canvas_id = ? AND ex.stage_id = ? AND ex.id = ?`
	if forUpdate {
		query += s.d.forUpdate
	}
	ex, err := scanExecution(q.QueryRowContext(ctx, s.q(query), org, canvas, stage, exID))
	if errors.Is(err, sql.ErrNoRows) {
		return Execution{}, NotFound("execution %q not found", id)
	}
	return ex, err
}

// RequestCancel marks the stage's execution for cancellation and returns it
// as stored: a pending one is finished at once (RESULT_CANCELLED,
// RESULT_REASON_USER, FinishedAt and CancelledAt now); a started one gets
// CancelRequested, which its server learns at its next RenewLease; a
// finished one is returned unchanged. ErrNotFound when missing.
func (s *db) RequestCancel(ctx context.Context, orgID, canvasID, stageID, id string, now time.Time) (Execution, error) {
	var out Execution
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ex, err := s.findExecution(ctx, tx, orgID, canvasID, stageID, id, true)
		if err != nil {
			return err
		}
		switch ex.State {
		case ExecutionPending:
			_, err = tx.ExecContext(ctx, s.q(`UPDATE executions SET state = `+sqlExecutionFinished+`, result = ?,
				result_reason = ?, finished_at = ?, cancelled_at = ? WHERE id = ?`),
				ResultCancelled, ResultReasonUser, s.time(now), s.time(now), ex.ID)
		case ExecutionStarted:
			_, err = tx.ExecContext(ctx, s.q(`UPDATE executions SET cancel_requested = TRUE WHERE id = ?`), ex.ID)
		default:
			out = ex
			return nil
		}
		if err != nil {
			return err
		}
		out, err = s.findExecutionByID(ctx, tx, ex.ID)
		return err
	})
	if err != nil {
		return Execution{}, wrap("request cancel", err)
	}
	return out, nil
}

// FindExecution returns the stage's execution, or ErrNotFound.
func (s *db) FindExecution(ctx context.Context, orgID, canvasID, stageID, id string) (Execution, error) {
	ex, err := s.findExecution(ctx, s.sql, orgID, canvasID, stageID, id, false)
	return ex, wrap("find execution", err)
}

// ListExecutions returns a page of the stage's executions, newest first
// (by CreatedAt, ties broken by id).
func (s *db) ListExecutions(ctx context.Context, orgID, canvasID, stageID string, page Page) ([]Execution, error) {
	executions := []Execution{}
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	if !ok {
		return executions, nil
	}
	query, args, err := s.keyset(`SELECT `+executionColumns+` FROM executions ex
		WHERE ex.stage_id = ? AND ex.org_id = ? AND ex.canvas_id = ?`, []any{stage, org, canvas}, "ex.created_at", "ex.id", page)
	if err != nil {
		return nil, err
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, wrap("list executions", err)
	}
	defer rows.Close()
	for rows.Next() {
		ex, err := scanExecution(rows)
		if err != nil {
			return nil, wrap("list executions", err)
		}
		executions = append(executions, ex)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list executions", err)
	}
	return executions, nil
}

// LastExecution returns the stage's newest finished execution (by
// FinishedAt, ties broken by id) whose result is one of results (any when
// empty), with its stage event, or ErrNotFound.
func (s *db) LastExecution(ctx context.Context, stageID string, results []string) (Execution, StageEvent, error) {
	stage, ok := canonicalID(stageID)
	if !ok {
		return Execution{}, StageEvent{}, NotFound("stage %q has no finished execution", stageID)
	}
	// The stage event is joined, not read by a second query, so that both
	// come from one snapshot without a transaction (which, with SQLite,
	// would take the write lock).
	query := `SELECT ` + executionColumns + `, ` + stageEventColumns + ` FROM executions ex
		JOIN stage_events se ON se.id = ex.stage_event_id
		WHERE ex.stage_id = ? AND ex.state = ` + sqlExecutionFinished
	args := []any{stage}
	if len(results) > 0 {
		query += ` AND ex.result IN (` + placeholders(len(results)) + `)`
		for _, r := range results {
			args = append(args, r)
		}
	}
	query += ` ORDER BY ex.finished_at DESC, ex.id DESC LIMIT 1`
	var (
		ex Execution
		ev StageEvent
	)
	err := s.sql.QueryRowContext(ctx, s.q(query), args...).Scan(append(executionDests(&ex), stageEventDests(&ev)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return Execution{}, StageEvent{}, NotFound("stage %q has no finished execution", stageID)
	}
	if err != nil {
		return Execution{}, StageEvent{}, wrap("last execution", err)
	}
	return ex, ev, nil
}
