package server

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
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
	cs, err := s.canvases.List(r.Context(), p)
	if err != nil {
		return err
	}
	// A member sees the canvases it holds a role on, no others.
	if cs, err = s.authz.VisibleCanvases(r.Context(), p, cs); err != nil {
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
	c, err := s.canvases.Create(r.Context(), p, req)
	if err != nil {
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
	c, err := s.canvases.Find(r.Context(), p, key)
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
	var m *service.CanvasPatch
	if req.Canvas != nil && req.Canvas.Metadata != nil {
		m = &service.CanvasPatch{Name: req.Canvas.Metadata.Name, Description: req.Canvas.Metadata.Description}
	}
	c, err := s.canvases.Update(r.Context(), p, r.PathValue("idOrName"), m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.CanvasResponse{Canvas: ptr(canvasToAPI(c))})
	return nil
}

// deleteCanvas deletes the canvas with everything in it; ?force=true skips
// removing its sources' webhooks from their tools (see service.Canvases).
func (s *Server) deleteCanvas(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	if err := s.canvases.Delete(r.Context(), p, r.PathValue("idOrName"), r.URL.Query().Get("force") == "true"); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

func ptr[T any](v T) *T { return &v }
