package server_test

import (
	"context"
	"net/http"
	"net/url"
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

// TestConsoleCanvasAdminOperates: in the console, a member who is canvas
// admin of prod sees prod's forms and may emit there, as the API lets it;
// on another canvas it gets 404. A member who is canvas viewer of prod sees
// no form and is refused a forged post, and an organization viewer who is
// also canvas admin of prod may act on prod only.
func TestConsoleCanvasAdminOperates(t *testing.T) {
	e := newEnv(t)
	consoleCanvas(t, e)
	createCanvas(t, e, "other")
	e.do("owner", "POST", "/api/v1/canvases/other/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	admin := addMember(t, e, "ada")
	addCanvasMember(t, e, "owner", "prod", admin, api.RoleCanvasAdmin).decode(t, &api.Empty{})
	viewer := addMember(t, e, "val")
	addCanvasMember(t, e, "owner", "prod", viewer, api.RoleCanvasViewer).decode(t, &api.Empty{})

	emit := func(c *consoleClient, canvas string) consoleAnswer {
		return c.send("POST", "/canvases/"+canvas+"/events", url.Values{"csrf": {c.csrf("/")}, "source": {"button"}, "payload": {`{"version":"2"}`}})
	}
	ada := consoleSignIn(t, e, "ada")
	if page := ada.send("GET", "/canvases/prod", nil); page.status != http.StatusOK || !strings.Contains(page.body, `id="emit"`) {
		t.Fatalf("a canvas admin of prod sees no emit form on prod: %d", page.status)
	}
	if a := emit(ada, "prod"); a.status != http.StatusSeeOther {
		t.Fatalf("a canvas admin of prod could not emit on prod: %d %s", a.status, a.body)
	}
	if a := emit(ada, "other"); a.status != http.StatusNotFound {
		t.Fatalf("a canvas admin of prod posted to canvas other: %d", a.status)
	}

	val := consoleSignIn(t, e, "val")
	if page := val.send("GET", "/canvases/prod", nil); page.status != http.StatusOK || strings.Contains(page.body, `id="emit"`) {
		t.Fatalf("a canvas viewer of prod: %d, emit form shown %v", page.status, strings.Contains(page.body, `id="emit"`))
	}
	if a := emit(val, "prod"); a.status != http.StatusForbidden || !strings.Contains(a.body, "may only read") {
		t.Fatalf("a canvas viewer of prod emitted: %d %s", a.status, a.body)
	}

	// An organization viewer with a canvas admin role on prod.
	vicID := addMember(t, e, "vic")
	org, err := e.store.EnsureOrganization(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetOrganizationRole(context.Background(), org.ID, vicID, api.RoleViewer); err != nil {
		t.Fatal(err)
	}
	addCanvasMember(t, e, "owner", "prod", vicID, api.RoleCanvasAdmin).decode(t, &api.Empty{})
	v := consoleSignIn(t, e, "vic")
	if a := emit(v, "prod"); a.status != http.StatusSeeOther {
		t.Fatalf("an organization viewer who is canvas admin of prod could not emit on prod: %d %s", a.status, a.body)
	}
	if a := emit(v, "other"); a.status != http.StatusForbidden {
		t.Fatalf("an organization viewer posted to canvas other: %d %s", a.status, a.body)
	}
}
