package cli

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// TestGetServiceAccounts: service accounts list and show as a table and
// as the API's JSON; describe lists the account's tokens by name and id,
// never a token's value; a missing one says how to list them.
func TestGetServiceAccounts(t *testing.T) {
	c := newCLI(t)
	name := randName("ci")
	if _, err := srv.owner.CreateServiceAccount(ctx(t), client.ServiceAccountParams{Name: name, Description: "the CI robot", Role: api.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	tok, value, err := srv.owner.CreateServiceAccountToken(ctx(t), name, "deploys", nil)
	if err != nil {
		t.Fatal(err)
	}

	if row := rowOf(t, c.ok("get", "service-accounts"), name); row[1] != "admin" {
		t.Errorf("service account row: %v", row)
	}
	var list api.ListServiceAccountsResponse
	decode(t, c.ok("get", "service-accounts", "-o", "json"), &list)
	found := false
	for _, a := range list.ServiceAccounts {
		found = found || a.Metadata.Name == name
	}
	if !found {
		t.Errorf("get service-accounts -o json has no %s", name)
	}
	var one api.ServiceAccountResponse
	decode(t, c.ok("get", "sa", name, "-o", "json"), &one)
	if one.ServiceAccount.Spec.Role != api.RoleAdmin || one.ServiceAccount.Metadata.Description != "the CI robot" {
		t.Errorf("get sa -o json: %+v", one.ServiceAccount)
	}

	desc := c.ok("describe", "service-account", name)
	for _, want := range []string{"Role", "admin", "Tokens", "deploys", tok.ID} {
		if !strings.Contains(desc, want) {
			t.Errorf("describe service-account lacks %q:\n%s", want, desc)
		}
	}
	var full struct {
		ServiceAccount api.ServiceAccount        `json:"serviceAccount"`
		Tokens         []api.ServiceAccountToken `json:"tokens"`
	}
	js := c.ok("describe", "service-account", name, "-o", "json")
	decode(t, js, &full)
	if len(full.Tokens) != 1 || full.Tokens[0].Name != "deploys" || full.ServiceAccount.Metadata.Name != name {
		t.Errorf("describe service-account -o json: %s", js)
	}
	if strings.Contains(desc+js, value) {
		t.Error("describe shows a token's value")
	}

	if msg := c.fails(1, "describe", "service-account", "no-such-robot"); !strings.Contains(msg, `service account "no-such-robot" not found`) || !strings.Contains(msg, "superplane get service-accounts") {
		t.Errorf("a missing service account: %s", msg)
	}
}

// TestGetAuditEvents: the audit trail lists newest first as a table and as
// the API's JSON, narrowed by --canvas, --action, --object-type, --actor
// and --since; one record shows and describes by id; a viewer is told it
// needs an owner or admin token, and a bad --since what to give.
func TestGetAuditEvents(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	approvalStage(t, canvas, "deploy")

	out := c.ok("get", "audit-events", "--canvas", canvas)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "AT ") || len(lines) != 4 {
		t.Fatalf("get audit-events --canvas: want the header and 3 records (canvas, source, stage):\n%s", out)
	}
	for i, want := range []string{"stage deploy", "event_source release", "canvas " + canvas} {
		if !strings.Contains(lines[i+1], want) || !strings.Contains(lines[i+1], "create") || !strings.Contains(lines[i+1], "owner@") || !strings.Contains(lines[i+1], "succeeded (200)") {
			t.Errorf("record %d: %q, want the owner's creation of %s", i+1, lines[i+1], want)
		}
	}

	var page api.ListAuditEventsResponse
	decode(t, c.ok("get", "audit", "--canvas", canvas, "--object-type", "stage", "--action", "create", "--since", "1h", "-o", "json"), &page)
	if len(page.AuditEvents) != 1 || page.AuditEvents[0].ObjectName != "deploy" || page.AuditEvents[0].CanvasName != canvas {
		t.Fatalf("get audit --object-type stage -o json: %+v", page.AuditEvents)
	}
	id := page.AuditEvents[0].ID
	decode(t, c.ok("get", "audit-events", "--canvas", canvas, "--actor", "viewer@example.com", "-o", "json"), &page)
	if len(page.AuditEvents) != 0 {
		t.Errorf("--actor viewer@example.com lists %+v", page.AuditEvents)
	}
	decode(t, c.ok("get", "audit-events", "--canvas", canvas, "--since", "2999-01-01T00:00:00Z", "-o", "json"), &page)
	if len(page.AuditEvents) != 0 {
		t.Errorf("--since the future lists %+v", page.AuditEvents)
	}

	if got := c.ok("get", "audit-event", id); !strings.Contains(got, id) || !strings.Contains(got, "stage deploy") {
		t.Errorf("get audit-event %s:\n%s", id, got)
	}
	desc := c.ok("describe", "audit-event", id)
	for _, want := range []string{"Action", "create", "stage deploy", "POST /api/v1/canvases/{canvasIdOrName}/stages", "API token"} {
		if !strings.Contains(desc, want) {
			t.Errorf("describe audit-event lacks %q:\n%s", want, desc)
		}
	}
	if msg := c.fails(1, "describe", "audit-event", "00000000-0000-4000-8000-000000000000", "--canvas", canvas); !strings.Contains(msg, "not found among the newest") || !strings.Contains(msg, "superplane get audit-events") {
		t.Errorf("a missing audit event: %s", msg)
	}
	if msg := c.fails(2, "get", "audit-events", "--since", "yesterday"); !strings.Contains(msg, "--since must be a duration") {
		t.Errorf("a bad --since: %s", msg)
	}
	if msg := c.as(srv.viewerToken).fails(1, "get", "audit-events"); !strings.Contains(msg, "permission denied: to read the audit trail you need a token with role owner or admin") {
		t.Errorf("a viewer's audit trail: %s", msg)
	}
}
