package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Stage is a step of a canvas: it listens to event sources or other stages,
// turns events into inputs, waits for its conditions and runs an executor.
// Spec is the JSON of api.StageSpec, validated by the server.
type Stage struct {
	ID          string
	OrgID       string
	CanvasID    string
	Name        string
	Description string
	Spec        []byte
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// StageStore is the part of Store that keeps stages, their queues and their
// executions. Like every bytes field of the store, empty bytes read back as
// nil.
type StageStore interface {
	// CreateStage inserts st. ErrConflict when the name is taken in the
	// canvas; ErrNotFound when the canvas does not exist.
	CreateStage(ctx context.Context, st Stage) error
	// FindStage returns the canvas's stage by id or name, or ErrNotFound.
	FindStage(ctx context.Context, orgID, canvasID, idOrName string) (Stage, error)
	// FindStageByID returns the stage with this id in any organization, or
	// ErrNotFound.
	FindStageByID(ctx context.Context, id string) (Stage, error)
	// ListStages returns the canvas's stages ordered by name.
	ListStages(ctx context.Context, orgID, canvasID string) ([]Stage, error)
	// UpdateStage loads, lets fn change and writes back the stage in one
	// transaction. fn must not call the store, and cannot change ID, OrgID,
	// CanvasID, CreatedBy or CreatedAt. ErrNotFound, ErrConflict on a taken
	// name; fn's error aborts and is returned unchanged.
	UpdateStage(ctx context.Context, orgID, canvasID, idOrName string, fn func(*Stage) error) (Stage, error)
	// DeleteStage deletes the stage with its queue and executions.
	// ErrNotFound when missing.
	DeleteStage(ctx context.Context, orgID, canvasID, idOrName string) error

	// RouteEvents takes up to limit events in state STATE_PENDING, oldest
	// first, that no other server is routing, and for each calls route, which
	// returns the stage events it becomes (possibly none). Each event's stage
	// events are inserted and the event is marked STATE_PROCESSED in the same
	// transaction, so an event is routed exactly once even with several
	// servers. A stage event's empty OrgID or CanvasID is the event's. route
	// must not call the store.
	//
	// One event never holds up the others, nor the engine: before route is
	// called, the attempt is counted (and the event leased for RouteLease
	// from now) in a transaction of its own, so even a crash during route
	// counts. route's error, or a stage event the store refuses, leaves that
	// event pending with the error as its StateMessage, to be tried again at
	// the next call; an event already tried MaxRouteAttempts times is marked
	// STATE_REJECTED (STATE_REASON_ERROR, the last error in StateMessage)
	// instead. A *RejectError from route rejects the event at once with its
	// reason. When the store refuses some stage events, route may be called
	// a second time for the events of that batch. Returns how many events were routed or rejected; limit <= 0
	// routes none.
	RouteEvents(ctx context.Context, now time.Time, limit int, route func(ev Event) ([]StageEvent, error)) (int, error)
	// InsertStageEvents inserts stage events (used for tests and manual
	// triggers), all or none. ErrNotFound when a stage is not in the event's
	// canvas; ErrConflict on a taken id.
	InsertStageEvents(ctx context.Context, evs []StageEvent) error
	// FindStageEvent returns the stage's event, or ErrNotFound.
	FindStageEvent(ctx context.Context, orgID, canvasID, stageID, id string) (StageEvent, error)
	// ListStageEvents returns a page of the stage's events in the given
	// states (all when empty), newest first (CreatedAt, then ID).
	ListStageEvents(ctx context.Context, orgID, canvasID, stageID string, states []string, page Page) ([]StageEvent, error)
	// UpdateStageEvent loads, lets fn change and writes back a stage event in
	// one transaction (approve, discard). fn must not call the store; only
	// State, StateReason, Inputs, Approvals, DiscardedBy and DiscardedAt are
	// written. ErrNotFound when missing; fn's error aborts and is returned
	// unchanged.
	UpdateStageEvent(ctx context.Context, orgID, canvasID, stageID, id string, fn func(*StageEvent) error) (StageEvent, error)
	// QueueHeads returns the heads of up to limit queues due at now: for
	// each stage without an unfinished execution, the oldest (CreatedAt,
	// then ID) stage event in state STATE_PENDING or STATE_WAITING, unless
	// the queue waits (WaitStageEvent) until after now. Organizations take turns
	// (every organization's first head before any second one), and so do
	// the canvases of an organization; each turn is oldest first.
	QueueHeads(ctx context.Context, now time.Time, limit int) ([]StageEvent, error)
	// WaitStageEvent marks the queued event seen STATE_WAITING for reason
	// and has QueueHeads pass over its stage's queue until recheckAt (zero:
	// due at once),
	// provided its approvals are still seen's and its stage's spec is still
	// stageSpec; ErrConflict otherwise, with nothing written. UpdateStageEvent
	// of the event and UpdateStage of its stage make it due again at once.
	WaitStageEvent(ctx context.Context, seen StageEvent, stageSpec []byte, reason string, recheckAt time.Time) error
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

var _ StageStore = (*db)(nil)

const stageColumns = `st.id, st.org_id, st.canvas_id, st.name, st.description, st.spec, st.created_by,
	st.created_at, st.updated_at`

func scanStage(row rowScanner) (Stage, error) {
	var st Stage
	err := row.Scan(&st.ID, &st.OrgID, &st.CanvasID, &st.Name, &st.Description, blobColumn{&st.Spec},
		&st.CreatedBy, timeColumn{&st.CreatedAt}, timeColumn{&st.UpdatedAt})
	return st, err
}

// stageScope validates the organization, canvas and stage ids a stage's
// queue and executions are looked up by.
func stageScope(orgID, canvasID, stageID string) (org, canvas, stage string, ok bool) {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	stage, okStage := canonicalID(stageID)
	return org, canvas, stage, okOrg && okCanvas && okStage
}

// CreateStage inserts st. ErrConflict when the name is taken in the canvas;
// ErrNotFound when the canvas does not exist in the organization, or a
// secret or integration its spec names does not (see checkStageRefs).
func (s *db) CreateStage(ctx context.Context, st Stage) error {
	id, ok := canonicalID(st.ID)
	if !ok {
		return fmt.Errorf("store: stage id %q is not a UUID", st.ID)
	}
	org, okOrg := canonicalID(st.OrgID)
	canvas, okCanvas := canonicalID(st.CanvasID)
	if !okOrg || !okCanvas {
		return NotFound("canvas %q not found", st.CanvasID)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkStageRefs(ctx, tx, org, canvas, st.Spec); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO stages (id, org_id, canvas_id, name, description, spec,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, org, canvas, st.Name, st.Description, blob(st.Spec), st.CreatedBy, s.time(st.CreatedAt), s.time(st.UpdatedAt))
		return err
	})
	switch s.d.classify(err) {
	case uniqueViolation:
		return Conflict("stage name %q is already taken", st.Name)
	case primaryKeyViolation:
		return Conflict("stage id %q already exists", st.ID)
	case foreignKeyViolation:
		// The composite key to canvases also refuses another
		// organization's canvas.
		return NotFound("canvas %q not found", st.CanvasID)
	}
	return wrap("create stage", err)
}

// findStage looks the canvas's stage up in q; forUpdate locks its row until
// q's transaction ends.
func (s *db) findStage(ctx context.Context, q querier, orgID, canvasID, idOrName string, forUpdate bool) (Stage, error) {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return Stage{}, NotFound("stage %q not found", idOrName)
	}
	column, value := lookup(idOrName)
	query := `SELECT ` + stageColumns + ` FROM stages st WHERE st.org_id = ? AND st.canvas_id = ? AND st.` + column + ` = ?`
	if forUpdate {
		query += s.d.forUpdate
	}
	st, err := scanStage(q.QueryRowContext(ctx, s.q(query), org, canvas, value))
	if errors.Is(err, sql.ErrNoRows) {
		return Stage{}, NotFound("stage %q not found", idOrName)
	}
	return st, err
}

// FindStage returns the canvas's stage by id or name, or ErrNotFound.
func (s *db) FindStage(ctx context.Context, orgID, canvasID, idOrName string) (Stage, error) {
	st, err := s.findStage(ctx, s.sql, orgID, canvasID, idOrName, false)
	return st, wrap("find stage", err)
}

// FindStageByID returns the stage with this id in any organization, or
// ErrNotFound (a non-UUID included).
func (s *db) FindStageByID(ctx context.Context, id string) (Stage, error) {
	canonical, ok := canonicalID(id)
	if !ok {
		return Stage{}, NotFound("stage %q not found", id)
	}
	st, err := scanStage(s.sql.QueryRowContext(ctx, s.q(`SELECT `+stageColumns+` FROM stages st WHERE st.id = ?`), canonical))
	if errors.Is(err, sql.ErrNoRows) {
		return Stage{}, NotFound("stage %q not found", id)
	}
	return st, wrap("find stage", err)
}

// ListStages returns the canvas's stages ordered by name (byte order).
func (s *db) ListStages(ctx context.Context, orgID, canvasID string) ([]Stage, error) {
	stages := []Stage{}
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return stages, nil
	}
	rows, err := s.sql.QueryContext(ctx, s.q(`SELECT `+stageColumns+` FROM stages st
		WHERE st.org_id = ? AND st.canvas_id = ? ORDER BY st.name`), org, canvas)
	if err != nil {
		return nil, wrap("list stages", err)
	}
	defer rows.Close()
	for rows.Next() {
		st, err := scanStage(rows)
		if err != nil {
			return nil, wrap("list stages", err)
		}
		stages = append(stages, st)
	}
	return stages, wrap("list stages", rows.Err())
}

// UpdateStage loads the stage, lets fn change it and writes it back in one
// transaction; the row stays locked meanwhile. fn cannot move the stage or
// rewrite its creation: ID, OrgID, CanvasID, CreatedBy and CreatedAt keep
// their stored values. ErrNotFound when missing, ErrConflict on a taken
// name; fn's error aborts and is returned unchanged.
func (s *db) UpdateStage(ctx context.Context, orgID, canvasID, idOrName string, fn func(*Stage) error) (Stage, error) {
	var (
		out   Stage
		fnErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findStage(ctx, tx, orgID, canvasID, idOrName, true)
		if err != nil {
			return err
		}
		st := stored
		st.Spec = append([]byte(nil), stored.Spec...)
		if fnErr = fn(&st); fnErr != nil {
			return fnErr
		}
		st.ID, st.OrgID, st.CanvasID = stored.ID, stored.OrgID, stored.CanvasID
		st.CreatedBy, st.CreatedAt = stored.CreatedBy, stored.CreatedAt
		if err := s.checkStageRefs(ctx, tx, st.OrgID, st.CanvasID, st.Spec); err != nil {
			return err
		}
		// The conditions may have changed: the engine looks at the queue
		// at its next pass (queue_recheck_at cleared).
		_, err = tx.ExecContext(ctx, s.q(`UPDATE stages SET name = ?, description = ?, spec = ?, updated_at = ?,
			queue_recheck_at = NULL WHERE id = ?`), st.Name, st.Description, blob(st.Spec), s.time(st.UpdatedAt), st.ID)
		if s.d.classify(err) == uniqueViolation {
			return Conflict("stage name %q is already taken", st.Name)
		}
		if err != nil {
			return err
		}
		out, err = s.findStage(ctx, tx, st.OrgID, st.CanvasID, st.ID, false)
		return err
	})
	if fnErr != nil {
		return Stage{}, fnErr
	}
	if err != nil {
		return Stage{}, wrap("update stage", err)
	}
	return out, nil
}

// DeleteStage deletes the stage; the foreign keys delete its stage events and
// executions in the same statement. ErrNotFound when missing.
func (s *db) DeleteStage(ctx context.Context, orgID, canvasID, idOrName string) error {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return NotFound("stage %q not found", idOrName)
	}
	column, value := lookup(idOrName)
	res, err := s.sql.ExecContext(ctx, s.q(`DELETE FROM stages WHERE org_id = ? AND canvas_id = ? AND `+column+` = ?`),
		org, canvas, value)
	if err != nil {
		return wrap("delete stage", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap("delete stage", err)
	} else if n == 0 {
		return NotFound("stage %q not found", idOrName)
	}
	return nil
}
