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
// Spec is the JSON of api.StageSpec, validated by the server; each layer
// decodes it in one place with DecodeJSON, and the store refuses to write
// one it cannot read (it checks the spec's references).
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

// StageStore is the part of Store that keeps stages.
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
	// StagesVersion returns a value that changes, in the same transaction,
	// whenever one of the canvas's stages is created, deleted or has its
	// name, description or spec changed (migration 0027's triggers): read
	// before ListStages, it says whether a list read earlier still holds.
	// ErrNotFound when the canvas does not exist.
	StagesVersion(ctx context.Context, orgID, canvasID string) (int64, error)
	// UpdateStage loads, lets fn change and writes back the stage in one
	// transaction. fn must not call the store, and cannot change ID, OrgID,
	// CanvasID, CreatedBy or CreatedAt. ErrNotFound, ErrConflict on a taken
	// name; fn's error aborts and is returned unchanged.
	UpdateStage(ctx context.Context, orgID, canvasID, idOrName string, fn func(*Stage) error) (Stage, error)
	// DeleteStage deletes the stage with its queue and executions.
	// ErrNotFound when missing.
	DeleteStage(ctx context.Context, orgID, canvasID, idOrName string) error
}

const stageColumns = `st.id, st.org_id, st.canvas_id, st.name, st.description, st.spec, st.created_by,
	st.created_at, st.updated_at`

func scanStage(row rowScanner) (Stage, error) {
	var st Stage
	err := row.Scan(&st.ID, &st.OrgID, &st.CanvasID, &st.Name, &st.Description, blobColumn{&st.Spec},
		&st.CreatedBy, timeColumn{&st.CreatedAt}, timeColumn{&st.UpdatedAt})
	return st, err
}

// stages are found by id or name in their scope.
var stages = named[Stage]{what: "stage", table: "stages", alias: "st", sel: `SELECT ` + stageColumns + ` FROM stages st`, scan: scanStage}

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
	// On SQLite concurrent creates share a transaction and its commit
	// (writeBatcher: an apply creates stages ten at a time), and the
	// request's audit record, when it has one, commits with the stage
	// (PendingAudit) instead of in a commit of its own after it.
	pa := takePendingAudit(ctx, auditStage)
	err := s.writes.doTx(ctx, s, func(ctx context.Context, q querier) error {
		if err := s.lockCanvasForStages(ctx, q, org, canvas); err != nil {
			return err
		}
		if err := s.checkStageRefs(ctx, q, org, canvas, id, st.Spec); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, s.q(`INSERT INTO stages (id, org_id, canvas_id, name, description, spec,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, org, canvas, st.Name, st.Description, blob(st.Spec), st.CreatedBy, s.time(st.CreatedAt), s.time(st.UpdatedAt)); err != nil {
			return err
		}
		return s.recordInTx(ctx, q, pa, id, st.Name, canvas)
	})
	pa.done(err)
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
	return stages.find(ctx, s, q, canvasScope(orgID, canvasID), idOrName, forUpdate)
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
// lockCanvasForStages takes the canvas's row (FOR NO KEY UPDATE, which
// deliveries' inserts referencing the canvas do not wait for) before a
// transaction changes one of its stages on PostgreSQL. Migration 0027's
// triggers update that row after the stage's; without this, a stage
// changed while its canvas is deleted (the canvas's row, then its stages by
// cascade) would take the two rows in the opposite order and deadlock.
// SQLite has one writer at a time.
func (s *db) lockCanvasForStages(ctx context.Context, q querier, orgID, canvasID string) error {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if s.d.forUpdate == "" || !okOrg || !okCanvas {
		return nil
	}
	_, err := q.ExecContext(ctx, s.q(`SELECT 1 FROM canvases WHERE org_id = ? AND id = ? FOR NO KEY UPDATE`), org, canvas)
	return err
}

func (s *db) StagesVersion(ctx context.Context, orgID, canvasID string) (int64, error) {
	org, okOrg := canonicalID(orgID)
	canvas, okCanvas := canonicalID(canvasID)
	if !okOrg || !okCanvas {
		return 0, NotFound("canvas %q not found", canvasID)
	}
	var v int64
	err := s.sql.QueryRowContext(ctx, s.q(`SELECT stages_version FROM canvases WHERE org_id = ? AND id = ?`), org, canvas).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, NotFound("canvas %q not found", canvasID)
	}
	return v, wrap("stages version", err)
}

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
	// The request's audit record, when it has one, commits with the change
	// (PendingAudit), as a create's does.
	pa := takePendingAudit(ctx, auditStage)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockCanvasForStages(ctx, tx, orgID, canvasID); err != nil {
			return err
		}
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
		if err := s.checkStageRefs(ctx, tx, st.OrgID, st.CanvasID, st.ID, st.Spec); err != nil {
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
		if out, err = s.findStage(ctx, tx, st.OrgID, st.CanvasID, st.ID, false); err != nil {
			return err
		}
		return s.recordInTx(ctx, tx, pa, out.ID, out.Name, out.CanvasID)
	})
	pa.done(err)
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
	// On PostgreSQL the canvas's row first, as every stage write takes it:
	// migration 0027's trigger updates it.
	// The request's audit record, when it has one, commits with the
	// deletion and names the stage it deleted.
	pa := takePendingAudit(ctx, auditStage)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockCanvasForStages(ctx, tx, orgID, canvasID); err != nil {
			return err
		}
		if pa == nil {
			return stages.delete(ctx, s, tx, canvasScope(orgID, canvasID), idOrName)
		}
		st, err := s.findStage(ctx, tx, orgID, canvasID, idOrName, true)
		if err != nil {
			return err
		}
		if err := stages.delete(ctx, s, tx, canvasScope(orgID, canvasID), st.ID); err != nil {
			return err
		}
		return s.recordInTx(ctx, tx, pa, st.ID, st.Name, st.CanvasID)
	})
	pa.done(err)
	return wrap("delete stage", err)
}
