package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// nilUUID fills the path of GET /api/v1/canvases/{id} when looking a canvas
// up by name: a real v1 server needs a UUID there and ignores it when
// ?name= is given.
const nilUUID = "00000000-0000-0000-0000-000000000000"

// clockSkew is how far the server's clock may run behind ours when a
// retried create checks that the object it found is the one it made.
const clockSkew = time.Minute

// ListCanvases returns the canvases of the token's organization.
func (c *Client) ListCanvases(ctx context.Context) ([]api.Canvas, error) {
	var out api.ListCanvasesResponse
	if _, err := c.do(ctx, request{op: "list canvases", method: http.MethodGet, path: "/api/v1/canvases"}, &out); err != nil {
		return nil, err
	}
	return out.Canvases, nil
}

// CreateCanvas creates a canvas. A taken name satisfies IsConflict, except
// when a retry meets the canvas an earlier attempt of this call created: then
// that canvas is returned.
func (c *Client) CreateCanvas(ctx context.Context, name, description string) (*api.Canvas, error) {
	started := time.Now()
	body := api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: name, Description: description}}}
	var out api.CanvasResponse
	c.made.try(nameKey("canvas", name))
	attempts, err := c.do(ctx, request{op: "create canvas", method: http.MethodPost, path: "/api/v1/canvases", body: body}, &out)
	if err != nil {
		if attempts > 1 && IsConflict(err) {
			if own := c.ownCanvas(ctx, name, description, started); own != nil {
				c.made.add(own.Metadata.ID)
				return own, nil
			}
		}
		return nil, err
	}
	cv, err := checkCanvas(&out, "create canvas")
	if err == nil {
		c.made.add(cv.Metadata.ID)
		c.canvasIDs.Store(cv.Metadata.Name, cv.Metadata.ID)
	}
	return cv, err
}

// ownCanvas returns the canvas called name if an earlier attempt of the
// create that started at started made it: same description, created by us,
// created after the call began (allowing for clock skew). Otherwise nil.
func (c *Client) ownCanvas(ctx context.Context, name, description string, started time.Time) *api.Canvas {
	me, err := c.cachedMe(ctx)
	if err != nil {
		return nil
	}
	cv, err := c.GetCanvas(ctx, name)
	if err != nil {
		return nil
	}
	m := cv.Metadata
	if m.Name != name || m.Description != description || m.CreatedBy == "" || m.CreatedBy != me.ID ||
		m.CreatedAt == nil || m.CreatedAt.Before(started.Add(-clockSkew)) {
		return nil
	}
	return cv
}

// GetCanvas returns a canvas by id or name. A UUID goes in the path; a name
// goes in ?name= with the nil UUID in the path, which both a real v1 server
// and this project's server understand. A missing canvas satisfies IsNotFound.
func (c *Client) GetCanvas(ctx context.Context, idOrName string) (*api.Canvas, error) {
	if idOrName == "" {
		return nil, errors.New("get canvas: an id or name is required")
	}
	r := request{op: "get canvas", method: http.MethodGet}
	if api.IsCanonicalID(idOrName) {
		r.path = "/api/v1/canvases/" + url.PathEscape(idOrName)
	} else {
		r.path = "/api/v1/canvases/" + nilUUID
		r.query = url.Values{"name": {idOrName}}
	}
	var out api.CanvasResponse
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	cv, err := checkCanvas(&out, "get canvas")
	if err != nil {
		return nil, err
	}
	// A server that ignored ?name= would hand back some other canvas (or
	// none); never return a canvas that is not the one asked for.
	if !api.IsCanonicalID(idOrName) && cv.Metadata.Name != idOrName {
		return nil, &APIError{StatusCode: http.StatusNotFound, Code: api.CodeNotFound, Message: fmt.Sprintf("canvas %q not found", idOrName)}
	}
	c.canvasIDs.Store(cv.Metadata.Name, cv.Metadata.ID)
	return cv, nil
}

// UpdateCanvas sets a canvas's description through the PATCH
// /api/v1/canvases/{idOrName} extension. A server without the extension
// answers 501, which satisfies IsUnsupported. A missing canvas satisfies
// IsNotFound.
func (c *Client) UpdateCanvas(ctx context.Context, idOrName, description string) (*api.Canvas, error) {
	if idOrName == "" {
		return nil, errors.New("update canvas: an id or name is required")
	}
	// The wire type has no "absent" for name, and a server may read the
	// empty name as a rename, which canvases refuse; so the body carries
	// the canvas's own name, looked up when only the id is known.
	name := idOrName
	if api.IsCanonicalID(idOrName) {
		cv, err := c.GetCanvas(ctx, idOrName)
		if err != nil {
			return nil, err
		}
		name = cv.Metadata.Name
	}
	body := api.UpdateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: name, Description: description}}}
	var out api.CanvasResponse
	if _, err := c.do(ctx, request{op: "update canvas", method: http.MethodPatch, path: "/api/v1/canvases/" + url.PathEscape(idOrName), body: body}, &out); err != nil {
		return nil, err
	}
	return checkCanvas(&out, "update canvas")
}

// DeleteCanvas deletes a canvas by id or name. A missing canvas satisfies
// IsNotFound.
func (c *Client) DeleteCanvas(ctx context.Context, idOrName string) error {
	if idOrName == "" {
		return errors.New("delete canvas: an id or name is required")
	}
	_, err := c.do(ctx, request{op: "delete canvas", method: http.MethodDelete, path: "/api/v1/canvases/" + url.PathEscape(idOrName)}, nil)
	c.forgetCanvas(idOrName)
	return err
}

// checkCanvas rejects a response without the canvas in it.
func checkCanvas(out *api.CanvasResponse, op string) (*api.Canvas, error) {
	if out.Canvas == nil || out.Canvas.Metadata == nil || out.Canvas.Metadata.ID == "" {
		return nil, fmt.Errorf("%s: the server's answer has no canvas metadata", op)
	}
	return out.Canvas, nil
}

// canvasID is the id of the canvas idOrName. A name is looked up once and
// remembered: a canvas's id never changes, and every canvas-scoped secret
// or integration call needs it (a second round trip each otherwise). A
// canvas this client deletes is forgotten, so one replaced within a run
// (deleted, then created again under its name) resolves to its new id.
func (c *Client) canvasID(ctx context.Context, idOrName string) (string, error) {
	if api.IsCanonicalID(idOrName) {
		return idOrName, nil
	}
	if v, ok := c.canvasIDs.Load(idOrName); ok {
		if id, ok := v.(string); ok {
			return id, nil
		}
	}
	cv, err := c.GetCanvas(ctx, idOrName)
	if err != nil {
		return "", err
	}
	return cv.Metadata.ID, nil
}

// forgetCanvas drops what canvasID remembers of the canvas idOrName.
func (c *Client) forgetCanvas(idOrName string) {
	c.canvasIDs.Range(func(name, id any) bool {
		if name == idOrName || id == idOrName {
			c.canvasIDs.Delete(name)
		}
		return true
	})
}
