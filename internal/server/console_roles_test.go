package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestConsoleCanvasViewer: in the console, a member who is canvas viewer
// of a sees a only: b is missing from the list and its pages answer 404,
// as the API does; the organization's secrets are refused.
func TestConsoleCanvasViewer(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "alpha")
	createCanvas(t, e, "bravo")
	u := addMember(t, e, "ann")
	addCanvasMember(t, e, "owner", "alpha", u, api.RoleCanvasViewer).decode(t, &api.Empty{})
	c := consoleSignIn(t, e, "ann")
	list := c.send("GET", "/", nil)
	if list.status != http.StatusOK || !strings.Contains(list.body, "alpha") || strings.Contains(list.body, "bravo") {
		t.Fatalf("the canvas list of a viewer of alpha: %d, alpha shown %v, bravo shown %v", list.status,
			strings.Contains(list.body, "alpha"), strings.Contains(list.body, "bravo"))
	}
	if a := c.send("GET", "/canvases/alpha", nil); a.status != http.StatusOK {
		t.Fatalf("alpha's page: %d", a.status)
	}
	for _, path := range []string{"/canvases/bravo", "/secrets?canvas=bravo", "/integrations?canvas=bravo"} {
		if a := c.send("GET", path, nil); a.status != http.StatusNotFound || strings.Contains(a.body, "bravo\"") {
			t.Errorf("GET %s as a viewer of alpha: %d", path, a.status)
		}
	}
	if a := c.send("GET", "/secrets", nil); a.status != http.StatusForbidden {
		t.Errorf("the organization's secrets as a member: %d", a.status)
	}
}
