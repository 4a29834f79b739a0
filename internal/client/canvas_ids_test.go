package client

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestCanvasIDRememberedUntilDeleted: canvas secrets named by canvas name
// cost one lookup of the name, not one per call; a canvas the client
// deletes and creates again under the same name is looked up afresh, so
// the next secret call goes to the new canvas.
func TestCanvasIDRememberedUntilDeleted(t *testing.T) {
	const newCanvasID = "55555555-5555-5555-5555-555555555555"
	var replaced atomic.Bool
	current := func() api.CanvasResponse {
		cv := canvasBody("prod", "", testUserID, time.Now())
		if replaced.Load() {
			cv.Canvas.Metadata.ID = newCanvasID
		}
		return cv
	}
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.URL.Path == "/api/v1/canvases/"+nilUUID:
			writeJSON(w, 200, current())
		case r.Method == http.MethodDelete && r.URL.Path == "/api/v1/canvases/"+canvasID:
			replaced.Store(true)
			w.WriteHeader(http.StatusNoContent)
		default:
			if got := r.URL.Query().Get("domainId"); r.Method == http.MethodGet && got != current().Canvas.Metadata.ID {
				writeError(w, 404, api.CodeNotFound, "canvas "+got+" not found")
				return
			}
			writeJSON(w, 200, secretBody("db", []string{"password"}, 1, time.Now()))
		}
	})
	ctx := context.Background()
	for range 3 {
		if _, err := c.GetSecret(ctx, api.DomainTypeCanvas, "prod", "db"); err != nil {
			t.Fatal(err)
		}
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases/"+nilUUID); n != 1 {
		t.Errorf("canvas name looked up %d times for 3 secret reads, want 1", n)
	}
	if err := c.DeleteCanvas(ctx, canvasID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecret(ctx, api.DomainTypeCanvas, "prod", "db"); err != nil {
		t.Fatalf("secret of the canvas created again under its name: %v", err)
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases/"+nilUUID); n != 2 {
		t.Errorf("canvas name looked up %d times, want 2 (again after the delete)", n)
	}
}
