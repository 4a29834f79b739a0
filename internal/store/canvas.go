package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Canvas groups a pipeline's objects.
type Canvas struct {
	ID          string
	OrgID       string
	Name        string
	Description string
	CreatedBy   string // user id
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CanvasStore is the part of Store that keeps canvases.
type CanvasStore interface {
	// CreateCanvas inserts c (ID, timestamps set by the caller). ErrConflict
	// when the name is taken in the organization.
	CreateCanvas(ctx context.Context, c Canvas) error
	// FindCanvas returns the canvas by id or name, or ErrNotFound.
	FindCanvas(ctx context.Context, orgID, idOrName string) (Canvas, error)
	// ListCanvases returns the organization's canvases ordered by name.
	ListCanvases(ctx context.Context, orgID string) ([]Canvas, error)
	// UpdateCanvas loads the canvas, lets fn change it and writes it back, in
	// one transaction. ErrNotFound when missing; fn's error aborts.
	UpdateCanvas(ctx context.Context, orgID, idOrName string, fn func(*Canvas) error) (Canvas, error)
	// DeleteCanvas deletes the canvas and everything in it (its secrets,
	// integrations, event sources and their events, stages with their
	// stage events and executions).
	// ErrNotFound when missing.
	DeleteCanvas(ctx context.Context, orgID, idOrName string) error
}

const canvasColumns = `id, org_id, name, description, created_by, created_at, updated_at`

// canvases are found by id or name in their scope.
var canvases = named[Canvas]{what: "canvas", table: "canvases", sel: `SELECT ` + canvasColumns + ` FROM canvases`, scan: scanCanvas}

func scanCanvas(row rowScanner) (Canvas, error) {
	var c Canvas
	err := row.Scan(&c.ID, &c.OrgID, &c.Name, &c.Description, &c.CreatedBy,
		timeColumn{&c.CreatedAt}, timeColumn{&c.UpdatedAt})
	return c, err
}

// CreateCanvas inserts c. ErrConflict when the name is taken in the
// organization; ErrNotFound when the organization does not exist.
func (s *db) CreateCanvas(ctx context.Context, c Canvas) error {
	id, ok := canonicalID(c.ID)
	if !ok {
		return fmt.Errorf("store: canvas id %q is not a UUID", c.ID)
	}
	org, ok := canonicalID(c.OrgID)
	if !ok {
		return NotFound("organization %q not found", c.OrgID)
	}
	_, err := s.sql.ExecContext(ctx, s.q(`INSERT INTO canvases (`+canvasColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		id, org, c.Name, c.Description, c.CreatedBy, s.time(c.CreatedAt), s.time(c.UpdatedAt))
	switch s.d.classify(err) {
	case uniqueViolation:
		return Conflict("canvas name %q is already taken", c.Name)
	case primaryKeyViolation:
		return Conflict("canvas id %q already exists", c.ID)
	case foreignKeyViolation:
		return NotFound("organization %q not found", c.OrgID)
	}
	return wrap("create canvas", err)
}

// findCanvas looks the canvas up in q; forUpdate locks its row until q's
// transaction ends.
func (s *db) findCanvas(ctx context.Context, q querier, orgID, idOrName string, forUpdate bool) (Canvas, error) {
	return canvases.find(ctx, s, q, orgScope(orgID), idOrName, forUpdate)
}

// FindCanvas returns the canvas by id or name, or ErrNotFound.
func (s *db) FindCanvas(ctx context.Context, orgID, idOrName string) (Canvas, error) {
	c, err := s.findCanvas(ctx, s.sql, orgID, idOrName, false)
	if err != nil {
		return Canvas{}, wrap("find canvas", err)
	}
	return c, nil
}

// ListCanvases returns the organization's canvases ordered by name.
func (s *db) ListCanvases(ctx context.Context, orgID string) ([]Canvas, error) {
	canvases := []Canvas{}
	org, ok := canonicalID(orgID)
	if !ok {
		return canvases, nil
	}
	rows, err := s.sql.QueryContext(ctx, s.q(`SELECT `+canvasColumns+` FROM canvases WHERE org_id = ? ORDER BY name`), org)
	if err != nil {
		return nil, wrap("list canvases", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCanvas(rows)
		if err != nil {
			return nil, wrap("list canvases", err)
		}
		canvases = append(canvases, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list canvases", err)
	}
	return canvases, nil
}

// UpdateCanvas loads the canvas, lets fn change it and writes it back, in one
// transaction. fn cannot move the canvas: ID, OrgID, CreatedBy and CreatedAt
// keep their stored values. ErrNotFound when missing, ErrConflict when fn
// renames it to a taken name; fn's error aborts and is returned unchanged.
func (s *db) UpdateCanvas(ctx context.Context, orgID, idOrName string, fn func(*Canvas) error) (Canvas, error) {
	var (
		out   Canvas
		fnErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := s.findCanvas(ctx, tx, orgID, idOrName, true)
		if err != nil {
			return err
		}
		c := stored
		if fnErr = fn(&c); fnErr != nil {
			return fnErr
		}
		c.ID, c.OrgID, c.CreatedBy, c.CreatedAt = stored.ID, stored.OrgID, stored.CreatedBy, stored.CreatedAt
		c.UpdatedAt = c.UpdatedAt.UTC().Truncate(time.Microsecond)
		_, err = tx.ExecContext(ctx, s.q(`UPDATE canvases SET name = ?, description = ?, updated_at = ? WHERE id = ?`),
			c.Name, c.Description, s.time(c.UpdatedAt), c.ID)
		if s.d.classify(err) == uniqueViolation {
			return Conflict("canvas name %q is already taken", c.Name)
		}
		out = c
		return err
	})
	if fnErr != nil {
		return Canvas{}, fnErr
	}
	if err != nil {
		return Canvas{}, wrap("update canvas", err)
	}
	return out, nil
}

// DeleteCanvas deletes the canvas; the foreign key from secrets deletes its
// secrets in the same statement. ErrNotFound when missing.
func (s *db) DeleteCanvas(ctx context.Context, orgID, idOrName string) error {
	return canvases.delete(ctx, s, s.sql, orgScope(orgID), idOrName)
}
