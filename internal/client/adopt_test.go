package client

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestCreateInFlightOutlivesCancel: Terraform cancels the requests in flight
// on Ctrl-C. A create the server is already processing must still deliver
// its answer, or the object exists and no state knows it.
func TestCreateInFlightOutlivesCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		cancel() // the interrupt arrives while the server works on it
		time.Sleep(50 * time.Millisecond)
		writeJSON(w, 200, canvasBody("app", "", testUserID, time.Now()))
	})
	cv, err := c.CreateCanvas(ctx, "app", "")
	if err != nil {
		t.Fatalf("create interrupted in flight: %v, want the canvas", err)
	}
	if cv.Metadata.ID != canvasID {
		t.Errorf("id = %q", cv.Metadata.ID)
	}
	// A new POST is not started once the context ended.
	if _, err := c.CreateCanvas(ctx, "other", ""); err == nil {
		t.Fatal("a create after the cancel was sent")
	}
	if n := rec.count(http.MethodPost, "/api/v1/canvases"); n != 1 {
		t.Errorf("POSTs = %d, want 1", n)
	}
}

// TestGetInFlightStopsOnCancel: reads change nothing, so they stop at once.
func TestGetInFlightStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		cancel()
		<-release
	})
	if _, err := c.ListCanvases(ctx); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("err = %v, want canceled", err)
	}
}

// adoptServer answers: 409 on create, the existing canvas (created by
// createdBy) on GET, and the update on PATCH.
func adoptServer(createdBy string) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.URL.Path == "/api/v1/me":
			meHandler(w)
		case r.Method == http.MethodPost:
			writeError(w, 409, api.CodeAlreadyExists, `canvas name "app" is already taken`)
		case r.Method == http.MethodGet:
			writeJSON(w, 200, canvasBody("app", "old", createdBy, time.Now().Add(-time.Hour)))
		case r.Method == http.MethodPatch:
			writeJSON(w, 200, canvasBody("app", "new", createdBy, time.Now().Add(-time.Hour)))
		}
	}
}

func TestAdoptCanvas(t *testing.T) {
	t.Run("OurOrphan", func(t *testing.T) {
		c, rec := newTestClient(t, adoptServer(testUserID))
		_, err := c.CreateCanvas(context.Background(), "app", "new")
		if !IsConflict(err) {
			t.Fatalf("create: %v, want the name taken", err)
		}
		cv, err := c.AdoptCanvas(context.Background(), "app", "new")
		if err != nil {
			t.Fatal(err)
		}
		if cv.Metadata.Description != "new" || rec.count(http.MethodPatch, "/api/v1/canvases/"+canvasID) != 1 {
			t.Errorf("adopted canvas not updated to the configuration: %+v", cv.Metadata)
		}
	})
	t.Run("SomeoneElses", func(t *testing.T) {
		c, rec := newTestClient(t, adoptServer("99999999-9999-9999-9999-999999999999"))
		if _, err := c.AdoptCanvas(context.Background(), "app", "new"); err == nil {
			t.Fatal("adopted another user's canvas")
		}
		if n := rec.count(http.MethodPatch, "/api/v1/canvases/"+canvasID); n != 0 {
			t.Errorf("%d updates of another user's canvas", n)
		}
	})
	t.Run("RacingCreateOfTheSameName", func(t *testing.T) {
		// Another create of this client asked for the name and has not
		// had its answer yet: the canvas may well be its.
		c, _ := newTestClient(t, adoptServer(testUserID))
		c.made.try(nameKey("canvas", "app"))
		if _, err := c.CreateCanvas(context.Background(), "app", "new"); !IsConflict(err) {
			t.Fatalf("create: %v, want the name taken", err)
		}
		if _, err := c.AdoptCanvas(context.Background(), "app", "new"); err == nil {
			t.Fatal("adopted a canvas another create of this client asked for")
		}
	})
	t.Run("MadeByThisClient", func(t *testing.T) {
		c, _ := newTestClient(t, adoptServer(testUserID))
		c.made.add(canvasID)
		if _, err := c.AdoptCanvas(context.Background(), "app", "new"); err == nil {
			t.Fatal("adopted a canvas this client created (two resources with one name)")
		}
	})
}
