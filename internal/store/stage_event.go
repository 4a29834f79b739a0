package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

var _ StageStore = (*db)(nil)

const stageColumns = `st.id, st.org_id, st.canvas_id, st.name, st.description, st.spec, st.created_by,
	st.created_at, st.updated_at`

func scanStage(row rowScanner) (Stage, error) {
	var st Stage
	err := row.Scan(&st.ID, &st.OrgID, &st.CanvasID, &st.Name, &st.Description, blobColumn{&st.Spec},
		&st.CreatedBy, timeColumn{&st.CreatedAt}, timeColumn{&st.UpdatedAt})
	return st, err
}

const stageEventColumns = `se.id, se.org_id, se.canvas_id, se.stage_id, se.connection, se.trigger_source_type,
	se.trigger_source_id, se.trigger_source_name, se.trigger_event_id, se.trigger_type, se.trigger_payload,
	se.trigger_headers, se.state, se.state_reason, se.inputs, se.approvals, se.discarded_by, se.discarded_at,
	se.created_at`

func scanStageEvent(row rowScanner) (StageEvent, error) {
	var ev StageEvent
	err := row.Scan(stageEventDests(&ev)...)
	return ev, err
}

// stageEventDests are the scan destinations of stageEventColumns.
func stageEventDests(ev *StageEvent) []any {
	return []any{&ev.ID, &ev.OrgID, &ev.CanvasID, &ev.StageID, &ev.Connection, &ev.TriggerSourceType,
		&ev.TriggerSourceID, &ev.TriggerSourceName, &ev.TriggerEventID, &ev.TriggerType,
		blobColumn{&ev.TriggerPayload}, blobColumn{&ev.TriggerHeaders}, &ev.State, &ev.StateReason,
		blobColumn{&ev.Inputs}, blobColumn{&ev.Approvals}, &ev.DiscardedBy, nullTimeColumn{&ev.DiscardedAt},
		timeColumn{&ev.CreatedAt}}
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

// Results and reasons the store itself writes, when RequestCancel finishes a
// pending execution.
const (
	resultCancelled  = "RESULT_CANCELLED"
	resultReasonUser = "RESULT_REASON_USER"
)

// lockOf ends a SELECT whose rows of alias the transaction then updates
// (PostgreSQL; SQLite's immediate transactions already run one writer at a
// time). Naming the alias lets the SELECT join other tables.
func (s *db) lockOf(alias string) string {
	return strings.Replace(s.d.forUpdate, "FOR UPDATE", "FOR UPDATE OF "+alias, 1)
}

// skipLockedOf ends a SELECT that takes rows of alias as work: PostgreSQL
// locks them and passes over the rows another transaction holds, so
// concurrent workers take different rows instead of queueing on the same.
func (s *db) skipLockedOf(alias string) string {
	if s.d.forUpdate == "" {
		return ""
	}
	return s.lockOf(alias) + " SKIP LOCKED"
}

// pageLimit is the size of a page the caller asked limit for.
func pageLimit(limit int) int {
	switch {
	case limit <= 0:
		return defaultEventPage
	case limit > maxEventPage:
		return maxEventPage
	}
	return limit
}

// keyset appends page's cursor and limit to a query of alias's rows, newest
// first. The row-value comparison is a range bound on the (created_at DESC,
// id DESC) index, so a page costs the same however deep it is.
func (s *db) keyset(query string, args []any, alias string, page Page) (string, []any, error) {
	if !page.BeforeTime.IsZero() {
		// The nil UUID sorts before every id: without BeforeID, the page
		// starts strictly before BeforeTime.
		before := nilUUID
		if page.BeforeID != "" {
			var ok bool
			if before, ok = canonicalID(page.BeforeID); !ok {
				return "", nil, fmt.Errorf("store: page cursor id %q is not a UUID", page.BeforeID)
			}
		}
		query += ` AND (` + alias + `.created_at, ` + alias + `.id) < (?, ?)`
		args = append(args, s.time(page.BeforeTime), before)
	}
	query += ` ORDER BY ` + alias + `.created_at DESC, ` + alias + `.id DESC LIMIT ?`
	return query, append(args, pageLimit(page.Limit)), nil
}

// keepIfNil is the argument of "column = COALESCE(?, column)" for a NOT
// NULL bytes column: nil keeps the stored bytes (the caller has nothing
// new), anything else, empty included, replaces them.
func keepIfNil(b []byte) any {
	if b == nil {
		return nil
	}
	return blob(b)
}

// placeholders is "?, ?, ..." for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
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

// stageEventInserter inserts stage events in one transaction, preparing its
// statement once: a routing batch inserts hundreds, and SQLite would
// otherwise parse the INSERT again for each.
type stageEventInserter struct {
	s    *db
	tx   *sql.Tx
	stmt *sql.Stmt
}

// close releases the prepared statement, if any.
func (in *stageEventInserter) close() {
	if in.stmt != nil {
		_ = in.stmt.Close()
	}
}

// insert inserts evs. An empty OrgID or CanvasID is taken from org and
// canvas (the trigger's), when given.
func (in *stageEventInserter) insert(ctx context.Context, org, canvas string, evs []StageEvent) error {
	s := in.s
	for _, ev := range evs {
		id, ok := canonicalID(ev.ID)
		if !ok {
			return fmt.Errorf("store: stage event id %q is not a UUID", ev.ID)
		}
		if ev.OrgID == "" {
			ev.OrgID = org
		}
		if ev.CanvasID == "" {
			ev.CanvasID = canvas
		}
		evOrg, okOrg := canonicalID(ev.OrgID)
		evCanvas, okCanvas := canonicalID(ev.CanvasID)
		stage, okStage := canonicalID(ev.StageID)
		if !okOrg || !okCanvas || !okStage {
			return NotFound("stage %q not found in canvas %q", ev.StageID, ev.CanvasID)
		}
		if in.stmt == nil {
			var err error
			in.stmt, err = in.tx.PrepareContext(ctx, s.q(`INSERT INTO stage_events (id, org_id, canvas_id, stage_id,
				connection, trigger_source_type, trigger_source_id, trigger_source_name, trigger_event_id,
				trigger_type, trigger_payload, trigger_headers, state, state_reason, inputs, approvals,
				discarded_by, discarded_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
			if err != nil {
				return err
			}
		}
		_, err := in.stmt.ExecContext(ctx, id, evOrg, evCanvas, stage, ev.Connection, ev.TriggerSourceType,
			ev.TriggerSourceID, ev.TriggerSourceName, ev.TriggerEventID, ev.TriggerType, blob(ev.TriggerPayload),
			blob(ev.TriggerHeaders), ev.State, ev.StateReason, blob(ev.Inputs), blob(ev.Approvals), ev.DiscardedBy,
			s.nullTime(ev.DiscardedAt), s.time(ev.CreatedAt))
		switch s.d.classify(err) {
		case primaryKeyViolation:
			return Conflict("stage event id %q already exists", ev.ID)
		case foreignKeyViolation:
			// Deleted, or in another canvas than the event's.
			return NotFound("stage %q not found in canvas %q", ev.StageID, ev.CanvasID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// insertStageEvents inserts evs in tx; see stageEventInserter.insert.
func (s *db) insertStageEvents(ctx context.Context, tx *sql.Tx, org, canvas string, evs []StageEvent) error {
	in := &stageEventInserter{s: s, tx: tx}
	defer in.close()
	return in.insert(ctx, org, canvas, evs)
}

// InsertStageEvents inserts evs in one transaction: all or none. ErrNotFound
// when a stage does not exist in the event's canvas; ErrConflict on a taken
// id.
func (s *db) InsertStageEvents(ctx context.Context, evs []StageEvent) error {
	if len(evs) == 0 {
		return nil
	}
	return wrap("insert stage events", s.inTx(ctx, func(tx *sql.Tx) error {
		return s.insertStageEvents(ctx, tx, "", "", evs)
	}))
}

// findStageEvent looks the stage's event up in q; forUpdate locks its row
// until q's transaction ends.
func (s *db) findStageEvent(ctx context.Context, q querier, orgID, canvasID, stageID, id string, forUpdate bool) (StageEvent, error) {
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	eventID, okID := canonicalID(id)
	if !ok || !okID {
		return StageEvent{}, NotFound("stage event %q not found", id)
	}
	query := `SELECT ` + stageEventColumns + ` FROM stage_events se
		WHERE se.org_id = ? AND se.canvas_id = ? AND se.stage_id = ? AND se.id = ?`
	if forUpdate {
		query += s.d.forUpdate
	}
	ev, err := scanStageEvent(q.QueryRowContext(ctx, s.q(query), org, canvas, stage, eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return StageEvent{}, NotFound("stage event %q not found", id)
	}
	return ev, err
}

// FindStageEvent returns the stage's event, or ErrNotFound.
func (s *db) FindStageEvent(ctx context.Context, orgID, canvasID, stageID, id string) (StageEvent, error) {
	ev, err := s.findStageEvent(ctx, s.sql, orgID, canvasID, stageID, id, false)
	return ev, wrap("find stage event", err)
}

// ListStageEvents returns a page of the stage's events in the given states
// (all when empty), newest first, ties on CreatedAt broken by id.
func (s *db) ListStageEvents(ctx context.Context, orgID, canvasID, stageID string, states []string, page Page) ([]StageEvent, error) {
	events := []StageEvent{}
	org, canvas, stage, ok := stageScope(orgID, canvasID, stageID)
	if !ok {
		return events, nil
	}
	query := `SELECT ` + stageEventColumns + ` FROM stage_events se
		WHERE se.stage_id = ? AND se.org_id = ? AND se.canvas_id = ?`
	args := []any{stage, org, canvas}
	if len(states) > 0 {
		query += ` AND se.state IN (` + placeholders(len(states)) + `)`
		for _, state := range states {
			args = append(args, state)
		}
	}
	query, args, err := s.keyset(query, args, "se", page)
	if err != nil {
		return nil, err
	}
	rows, err := s.sql.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, wrap("list stage events", err)
	}
	defer rows.Close()
	for rows.Next() {
		ev, err := scanStageEvent(rows)
		if err != nil {
			return nil, wrap("list stage events", err)
		}
		events = append(events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list stage events", err)
	}
	return events, nil
}

// UpdateStageEvent loads the stage event, lets fn change it and writes it
// back in one transaction; the row stays locked meanwhile. Only State,
// StateReason, Inputs, Approvals, DiscardedBy and DiscardedAt are written:
// the event's place and its trigger are history. ErrNotFound when missing;
// fn's error aborts and is returned unchanged.
func (s *db) UpdateStageEvent(ctx context.Context, orgID, canvasID, stageID, id string, fn func(*StageEvent) error) (StageEvent, error) {
	var (
		out   StageEvent
		fnErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findStageEvent(ctx, tx, orgID, canvasID, stageID, id, true)
		if err != nil {
			return err
		}
		ev := stored
		ev.TriggerPayload = append([]byte(nil), stored.TriggerPayload...)
		ev.TriggerHeaders = append([]byte(nil), stored.TriggerHeaders...)
		ev.Inputs = append([]byte(nil), stored.Inputs...)
		ev.Approvals = append([]byte(nil), stored.Approvals...)
		if fnErr = fn(&ev); fnErr != nil {
			return fnErr
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE stage_events SET state = ?, state_reason = ?, inputs = ?,
			approvals = ?, discarded_by = ?, discarded_at = ? WHERE id = ?`),
			ev.State, ev.StateReason, blob(ev.Inputs), blob(ev.Approvals), ev.DiscardedBy, s.nullTime(ev.DiscardedAt),
			stored.ID)
		if err != nil {
			return err
		}
		// Whatever changed (an approval, a discard), the engine looks at
		// the stage's queue at its next pass.
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE stages SET queue_recheck_at = NULL
			WHERE id = ? AND queue_recheck_at IS NOT NULL`), stored.StageID); err != nil {
			return err
		}
		out, err = s.findStageEvent(ctx, tx, stored.OrgID, stored.CanvasID, stored.StageID, stored.ID, false)
		return err
	})
	if fnErr != nil {
		return StageEvent{}, fnErr
	}
	if err != nil {
		return StageEvent{}, wrap("update stage event", err)
	}
	return out, nil
}

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
		WHERE id = ? AND lease_owner = ? AND state = 'STATE_STARTED' RETURNING cancel_requested`),
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
	id, ok := canonicalID(ex.ID)
	if !ok {
		return Conflict("execution %q is not held by %q", ex.ID, owner)
	}
	if ex.FinishedAt.IsZero() {
		return fmt.Errorf("store: finishing execution %q without a finish time", ex.ID)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var org, canvas string
		err := tx.QueryRowContext(ctx, s.q(`UPDATE executions SET state = 'STATE_FINISHED', result = ?,
			result_reason = ?, result_message = ?, outputs = ?, resources = COALESCE(?, resources), finished_at = ?,
			cancelled_at = ?
			WHERE id = ? AND lease_owner = ? AND state = 'STATE_STARTED' RETURNING org_id, canvas_id`),
			ex.Result, ex.ResultReason, ex.ResultMessage, blob(ex.Outputs), keepIfNil(ex.Resources),
			s.time(ex.FinishedAt), s.nullTime(ex.CancelledAt), id, owner).Scan(&org, &canvas)
		if errors.Is(err, sql.ErrNoRows) {
			return Conflict("execution %q is not held by %q", ex.ID, owner)
		}
		if err != nil {
			return err
		}
		return s.insertStageEvents(ctx, tx, org, canvas, downstream)
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
			_, err = tx.ExecContext(ctx, s.q(`UPDATE executions SET state = 'STATE_FINISHED', result = ?,
				result_reason = ?, finished_at = ?, cancelled_at = ? WHERE id = ?`),
				resultCancelled, resultReasonUser, s.time(now), s.time(now), ex.ID)
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
		WHERE ex.stage_id = ? AND ex.org_id = ? AND ex.canvas_id = ?`, []any{stage, org, canvas}, "ex", page)
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
		WHERE ex.stage_id = ? AND ex.state = 'STATE_FINISHED'`
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
