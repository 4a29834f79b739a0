package server

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func canvasToAPI(c store.Canvas) api.Canvas {
	created, updated := c.CreatedAt, c.UpdatedAt
	return api.Canvas{Metadata: &api.CanvasMetadata{
		ID:          c.ID,
		Name:        c.Name,
		Description: c.Description,
		CreatedBy:   c.CreatedBy,
		CreatedAt:   &created,
		UpdatedAt:   &updated,
	}}
}

func (s *Server) listCanvases(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	cs, err := s.store.ListCanvases(r.Context(), p.Organization.ID)
	if err != nil {
		return err
	}
	out := api.ListCanvasesResponse{Canvases: make([]api.Canvas, 0, len(cs))}
	for _, c := range cs {
		out.Canvases = append(out.Canvases, canvasToAPI(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createCanvas(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.CreateCanvasRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Canvas == nil || req.Canvas.Metadata == nil {
		return invalid("canvas.metadata.name is required")
	}
	m := req.Canvas.Metadata
	if err := validateName("canvas.metadata.name", m.Name); err != nil {
		return err
	}
	if len(m.Description) > maxDescriptionLen {
		return invalid("canvas.metadata.description must be at most %d characters", maxDescriptionLen)
	}
	now := s.timestamp()
	c := store.Canvas{
		ID:          uuid.NewString(),
		OrgID:       p.Organization.ID,
		Name:        m.Name,
		Description: m.Description,
		CreatedBy:   p.User.ID,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if err := s.store.CreateCanvas(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.CanvasResponse{Canvas: ptr(canvasToAPI(c))})
	return nil
}

// describeCanvas serves GET /api/v1/canvases/{id}. As on a v1 server,
// ?name= finds the canvas by name and the path is then ignored; unlike v1,
// a name in the path works too.
func (s *Server) describeCanvas(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	key := r.PathValue("idOrName")
	if name := r.URL.Query().Get("name"); name != "" {
		key = name
	}
	c, err := s.store.FindCanvas(r.Context(), p.Organization.ID, key)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.CanvasResponse{Canvas: ptr(canvasToAPI(c))})
	return nil
}

// updateCanvasRequest mirrors api.UpdateCanvasRequest with pointers, so an
// absent description is told apart from an empty one.
type updateCanvasRequest struct {
	Canvas *struct {
		Metadata *struct {
			Name        *string `json:"name"`
			Description *string `json:"description"`
		} `json:"metadata"`
	} `json:"canvas"`
}

func (s *Server) updateCanvas(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req updateCanvasRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Canvas == nil || req.Canvas.Metadata == nil {
		return invalid("canvas.metadata is required")
	}
	m := req.Canvas.Metadata
	if m.Description != nil && len(*m.Description) > maxDescriptionLen {
		return invalid("canvas.metadata.description must be at most %d characters", maxDescriptionLen)
	}
	now := s.timestamp()
	c, err := s.store.UpdateCanvas(r.Context(), p.Organization.ID, r.PathValue("idOrName"), func(c *store.Canvas) error {
		// "" is an unpopulated field (clients built on the contract's types
		// send every field), not a request to rename.
		if m.Name != nil && *m.Name != "" && *m.Name != c.Name {
			return invalid("canvas.metadata.name cannot be changed")
		}
		if m.Description != nil && *m.Description != c.Description {
			c.Description = *m.Description
			c.UpdatedAt = now
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.CanvasResponse{Canvas: ptr(canvasToAPI(c))})
	return nil
}

// deleteCanvas deletes the canvas with everything in it. The webhooks its
// sources provisioned on external tools go first: if one cannot be removed,
// the canvas stays, rather than leave hooks on the tool that nothing
// removes, unless ?force=true.
func (s *Server) deleteCanvas(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	c, err := s.store.FindCanvas(r.Context(), p.Organization.ID, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("force") != "true" {
		sources, err := s.store.ListEventSources(r.Context(), p.Organization.ID, c.ID)
		if err != nil {
			return err
		}
		for _, es := range sources {
			if err := s.deprovision(r.Context(), es); err != nil {
				return err
			}
		}
	}
	if err := s.store.DeleteCanvas(r.Context(), p.Organization.ID, c.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

// timestamp is now at the precision both databases keep, so what a create
// returns equals what a later read returns.
func (s *Server) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

func ptr[T any](v T) *T { return &v }
