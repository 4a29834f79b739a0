package service

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Canvases holds the rules for canvases.
type Canvases struct {
	Store store.Store
	// Now is the clock; Timestamp rounds it to what the databases keep.
	Now func() time.Time
	// Deprovision removes the webhook an event source provisioned on its
	// tool; it fails when the tool cannot be told. New wires it to
	// EventSources.Deprovision.
	Deprovision func(ctx context.Context, es store.EventSource) error
}

// List returns the canvases of the principal's organization.
func (c *Canvases) List(ctx context.Context, p store.Principal) ([]store.Canvas, error) {
	return c.Store.ListCanvases(ctx, p.Organization.ID)
}

// Create creates a canvas from a v1 create request.
func (c *Canvases) Create(ctx context.Context, p store.Principal, req api.CreateCanvasRequest) (store.Canvas, error) {
	if req.Canvas == nil || req.Canvas.Metadata == nil {
		return store.Canvas{}, Invalid("canvas.metadata.name is required")
	}
	m := req.Canvas.Metadata
	if err := ValidateName("canvas.metadata.name", m.Name); err != nil {
		return store.Canvas{}, err
	}
	if len(m.Description) > MaxDescriptionLen {
		return store.Canvas{}, Invalid("canvas.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	now := Timestamp(c.Now)
	cv := store.Canvas{
		ID:          uuid.NewString(),
		OrgID:       p.Organization.ID,
		Name:        m.Name,
		Description: m.Description,
		CreatedBy:   p.User.ID,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if err := c.Store.CreateCanvas(ctx, cv); err != nil {
		return store.Canvas{}, err
	}
	return cv, nil
}

// Find returns the canvas with the id or name idOrName.
func (c *Canvases) Find(ctx context.Context, p store.Principal, idOrName string) (store.Canvas, error) {
	return c.Store.FindCanvas(ctx, p.Organization.ID, idOrName)
}

// CanvasPatch is the metadata of an update; a nil field is absent, so an
// absent description is told apart from an empty one.
type CanvasPatch struct {
	Name        *string
	Description *string
}

// Update changes a canvas's description; m nil means the request had no
// metadata. The name cannot change.
func (c *Canvases) Update(ctx context.Context, p store.Principal, idOrName string, m *CanvasPatch) (store.Canvas, error) {
	if m == nil {
		return store.Canvas{}, Invalid("canvas.metadata is required")
	}
	if m.Description != nil && len(*m.Description) > MaxDescriptionLen {
		return store.Canvas{}, Invalid("canvas.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	now := Timestamp(c.Now)
	return c.Store.UpdateCanvas(ctx, p.Organization.ID, idOrName, func(cv *store.Canvas) error {
		// "" is an unpopulated field (clients built on the v1 types send
		// every field), not a request to rename.
		if m.Name != nil && *m.Name != "" && *m.Name != cv.Name {
			return Invalid("canvas.metadata.name cannot be changed")
		}
		if m.Description != nil && *m.Description != cv.Description {
			cv.Description = *m.Description
			cv.UpdatedAt = now
		}
		return nil
	})
}

// Delete deletes the canvas with everything in it. The webhooks its sources
// provisioned on external tools go first: if one cannot be removed, the
// canvas stays, rather than leave hooks on the tool that nothing removes,
// unless force.
func (c *Canvases) Delete(ctx context.Context, p store.Principal, idOrName string, force bool) error {
	cv, err := c.Store.FindCanvas(ctx, p.Organization.ID, idOrName)
	if err != nil {
		return err
	}
	if !force {
		sources, err := c.Store.ListEventSources(ctx, p.Organization.ID, cv.ID)
		if err != nil {
			return err
		}
		for _, es := range sources {
			if err := c.Deprovision(ctx, es); err != nil {
				return err
			}
		}
	}
	return c.Store.DeleteCanvas(ctx, p.Organization.ID, cv.ID)
}

// Timestamp is now at the precision both databases keep, so what a create
// returns equals what a later read returns.
func Timestamp(now func() time.Time) time.Time {
	return now().UTC().Truncate(time.Microsecond)
}
