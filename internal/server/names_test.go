package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// uuidForms spells one UUID in every form uuid.Parse accepts.
func uuidForms(id string) map[string]string {
	hex := strings.ReplaceAll(id, "-", "")
	return map[string]string{
		"canonical":       id,
		"upper case":      strings.ToUpper(id),
		"32 hex":          hex,
		"32 hex upper":    strings.ToUpper(hex),
		"braces":          "{" + id + "}",
		"urn:uuid prefix": "urn:uuid:" + id,
	}
}

// namedObject is one kind of object with a name: how to create one, and
// where it lives (its path for a lookup by id or name).
type namedObject struct {
	kind  string
	field string // the JSON path of the name
	// create posts an object called name; rename patches object "orig" to
	// name ("" when the object cannot be renamed).
	create, rename func(e *env, name string) response
	// path is the object's URL for an id or a name.
	path func(idOrName string) string
	// id reads the id from a create's answer.
	id func(t *testing.T, r response) string
}

func noopStage(name string) string {
	return fmt.Sprintf(`{"stage":{"metadata":{"name":%q},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook"}],"executor":{"type":"noop","spec":{}}}}}`, name)
}

// namedObjects lists every object type with a name. The env has canvas
// "prod", organization secret "gh", canvas secret "cgh" (both holding a
// good GitHub token) and event source "hook" in "prod"; each type has an
// object "orig" to rename.
func namedObjects() []namedObject {
	secretID := func(t *testing.T, r response) string {
		var out api.SecretResponse
		r.decode(t, &out)
		return out.Secret.Metadata.ID
	}
	integrationID := func(t *testing.T, r response) string {
		var out api.IntegrationResponse
		r.decode(t, &out)
		return out.Integration.Metadata.ID
	}
	const orgQ, canvasQ = "?domainType=DOMAIN_TYPE_ORGANIZATION", "?domainType=DOMAIN_TYPE_CANVAS&domainId=prod"
	renameBody := func(kind, name string) string {
		return fmt.Sprintf(`{%q:{"metadata":{"name":%q}}}`, kind, name)
	}
	return []namedObject{
		{
			kind: "canvas", field: "canvas.metadata.name",
			create: func(e *env, name string) response {
				return e.do("owner", "POST", "/api/v1/canvases", fmt.Sprintf(`{"canvas":{"metadata":{"name":%q}}}`, name))
			},
			path: func(s string) string { return "/api/v1/canvases/" + s },
			id: func(t *testing.T, r response) string {
				var out api.CanvasResponse
				r.decode(t, &out)
				return out.Canvas.Metadata.ID
			},
		},
		{
			kind: "organization secret", field: "secret.metadata.name",
			create: func(e *env, name string) response {
				return e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", name, map[string]string{"k": "v"}))
			},
			rename: func(e *env, name string) response {
				return e.do("owner", "PATCH", "/api/v1/secrets/orig"+orgQ, renameBody("secret", name))
			},
			path: func(s string) string { return "/api/v1/secrets/" + s + orgQ },
			id:   secretID,
		},
		{
			kind: "canvas secret", field: "secret.metadata.name",
			create: func(e *env, name string) response {
				return e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", name, map[string]string{"k": "v"}))
			},
			rename: func(e *env, name string) response {
				return e.do("owner", "PATCH", "/api/v1/secrets/orig"+canvasQ, renameBody("secret", name))
			},
			path: func(s string) string { return "/api/v1/secrets/" + s + canvasQ },
			id:   secretID,
		},
		{
			kind: "organization integration", field: "integration.metadata.name",
			create: func(e *env, name string) response {
				return e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", name, "github", "https://github.com/acme", "gh", "token"))
			},
			rename: func(e *env, name string) response {
				return e.do("owner", "PATCH", "/api/v1/integrations/orig"+orgQ, renameBody("integration", name))
			},
			path: func(s string) string { return "/api/v1/integrations/" + s + orgQ },
			id:   integrationID,
		},
		{
			kind: "canvas integration", field: "integration.metadata.name",
			create: func(e *env, name string) response {
				return e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeCanvas, "prod", name, "github", "https://github.com/acme", "cgh", "token"))
			},
			rename: func(e *env, name string) response {
				return e.do("owner", "PATCH", "/api/v1/integrations/orig"+canvasQ, renameBody("integration", name))
			},
			path: func(s string) string { return "/api/v1/integrations/" + s + canvasQ },
			id:   integrationID,
		},
		{
			kind: "event source", field: "eventSource.metadata.name",
			create: func(e *env, name string) response {
				return e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody(name, api.EventSourceSpec{Type: "webhook"}))
			},
			rename: func(e *env, name string) response {
				return e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/orig", fmt.Sprintf(`{"eventSource":{"metadata":{"name":%q},"spec":{"type":"webhook"}}}`, name))
			},
			path: func(s string) string { return "/api/v1/canvases/prod/event-sources/" + s },
			id: func(t *testing.T, r response) string {
				var out api.EventSourceResponse
				r.decode(t, &out)
				return out.EventSource.Metadata.ID
			},
		},
		{
			kind: "stage", field: "stage.metadata.name",
			create: func(e *env, name string) response {
				return e.do("owner", "POST", "/api/v1/canvases/prod/stages", noopStage(name))
			},
			rename: func(e *env, name string) response {
				return e.do("owner", "PATCH", "/api/v1/canvases/prod/stages/orig", noopStage(name))
			},
			path: func(s string) string { return "/api/v1/canvases/prod/stages/" + s },
			id: func(t *testing.T, r response) string {
				var out api.StageResponse
				r.decode(t, &out)
				return out.Stage.Metadata.ID
			},
		},
	}
}

func namesEnv(t *testing.T) *env {
	t.Helper()
	e, _, _ := integrationEnv(t)
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "cgh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &api.EventSourceResponse{})
	return e
}

// TestNamesAreNeverUUIDs: a UUID in any form uuid.Parse accepts is refused
// as the name of every object type, at create and at rename, with 400
// naming the field; nothing is created or renamed.
func TestNamesAreNeverUUIDs(t *testing.T) {
	e := namesEnv(t)
	for _, obj := range namedObjects() {
		if obj.rename != nil {
			if r := obj.create(e, "orig"); r.status != http.StatusOK {
				t.Fatalf("%s: create orig: %d %s", obj.kind, r.status, r.body)
			}
		}
		for form, name := range uuidForms(uuid.NewString()) {
			t.Run(obj.kind+"/"+form, func(t *testing.T) {
				r := obj.create(e, name)
				if r.status != http.StatusBadRequest || r.err.Code != api.CodeInvalidArgument ||
					!strings.Contains(r.err.Message, obj.field) || !strings.Contains(r.err.Message, "UUID") {
					t.Errorf("create named %q: %d %s; want 400 naming %s and saying UUID", name, r.status, r.body, obj.field)
				}
				if obj.rename == nil {
					return
				}
				r = obj.rename(e, name)
				if r.status != http.StatusBadRequest || !strings.Contains(r.err.Message, obj.field) {
					t.Errorf("rename to %q: %d %s; want 400 naming %s", name, r.status, r.body, obj.field)
				}
				if got := e.do("viewer", "GET", obj.path("orig"), nil); got.status != http.StatusOK {
					t.Errorf("after the refused rename, orig: %d %s", got.status, got.body)
				}
			})
		}
	}
}

// TestLookupsTakeOnlyCanonicalIDs: another spelling of an object's id
// (32 hex digits, upper case, braces, urn:uuid:) is a name, not that id:
// a DELETE with it answers 404 and deletes nothing, for every object type
// looked up by id or name. The canonical id still finds the object.
func TestLookupsTakeOnlyCanonicalIDs(t *testing.T) {
	e := namesEnv(t)
	for _, obj := range namedObjects() {
		t.Run(obj.kind, func(t *testing.T) {
			victim := obj.id(t, obj.create(e, "victim"))
			for form, spelling := range uuidForms(victim) {
				if form == "canonical" {
					continue
				}
				if r := e.do("owner", "DELETE", obj.path(spelling), nil); r.status != http.StatusNotFound {
					t.Errorf("DELETE by %s of the id: %d %s; want 404", form, r.status, r.body)
				}
				if r := e.do("viewer", "GET", obj.path(spelling), nil); r.status != http.StatusNotFound {
					t.Errorf("GET by %s of the id: %d %s; want 404", form, r.status, r.body)
				}
			}
			if r := e.do("viewer", "GET", obj.path("victim"), nil); r.status != http.StatusOK {
				t.Fatalf("victim after the deletes by other spellings: %d %s; want it kept", r.status, r.body)
			}
			if got := obj.id(t, e.do("viewer", "GET", obj.path(victim), nil)); got != victim {
				t.Fatalf("GET by the canonical id found %q, want %q", got, victim)
			}
		})
	}
}
