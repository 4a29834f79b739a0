package client

import (
	"net/http"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestListAuditEventsRequest: the filters and the page reach the server as
// its query parameters, the answer comes back whole, and a viewer's 403 is
// a permission error.
func TestListAuditEventsRequest(t *testing.T) {
	at := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n > 1 {
			writeJSON(w, http.StatusForbidden, api.Error{Code: api.CodePermissionDenied, Message: "role viewer may not read the audit trail"})
			return
		}
		writeJSON(w, 200, api.ListAuditEventsResponse{AuditEvents: []api.AuditEvent{{ID: "e1", Action: "delete", At: &at}}, HasNextPage: true, LastTimestamp: &at})
	})
	ctx := t.Context()
	out, err := c.ListAuditEvents(ctx, AuditQuery{
		Actor: "ops@example.com", ObjectType: "secret", Object: "db", Canvas: "prod", Action: "delete", Outcome: "succeeded",
		Since: at.Add(-time.Hour), Until: at, Limit: 10, Before: at, BeforeID: "e0",
	})
	if err != nil || len(out.AuditEvents) != 1 || out.AuditEvents[0].Action != "delete" || !out.HasNextPage {
		t.Fatalf("ListAuditEvents = %+v, %v", out, err)
	}
	got := rec.requests()
	want := "action=delete&actor=ops%40example.com&before=2026-12-06T07%3A00%3A00Z&beforeId=e0&canvas=prod&limit=10&object=db&objectType=secret&outcome=succeeded&since=2026-12-06T06%3A00%3A00Z&until=2026-12-06T07%3A00%3A00Z"
	if len(got) != 1 || got[0].Method != "GET" || got[0].Path != api.AuditEventsPath || got[0].RawQuery != want {
		t.Fatalf("requests: %+v\nwant GET %s ?%s", got, api.AuditEventsPath, want)
	}
	if _, err := c.ListAuditEvents(ctx, AuditQuery{}); !IsPermissionDenied(err) {
		t.Fatalf("a viewer's 403: %v", err)
	}
}
