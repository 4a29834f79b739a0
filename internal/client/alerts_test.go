package client

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestAlertAndRejectionRequests: the three calls send the contract's paths
// and query parameters, and the answers come back whole.
func TestAlertAndRejectionRequests(t *testing.T) {
	at := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/acknowledge"):
			writeJSON(w, 200, api.AcknowledgeAlertResponse{Alert: &api.Alert{ID: "a1", Acknowledged: true, AcknowledgedAt: &at}})
		case strings.HasSuffix(r.URL.Path, "/alerts"):
			writeJSON(w, 200, api.ListAlertsResponse{Alerts: []api.Alert{{ID: "a1", Kind: "missing_secret", Count: 3}}})
		default:
			writeJSON(w, 200, api.ListEventRejectionsResponse{Rejections: []api.EventRejection{{ID: "r1", Reason: api.RejectionReasonFiltered}}, TotalCount: 7, HasNextPage: true})
		}
	})
	ctx := t.Context()
	alerts, err := c.ListAlerts(ctx, "prod canvas", AlertQuery{IncludeAcknowledged: true, Limit: 5, Before: at, BeforeID: "a0"})
	if err != nil || len(alerts.Alerts) != 1 || alerts.Alerts[0].Count != 3 {
		t.Fatalf("ListAlerts = %+v, %v", alerts, err)
	}
	a, err := c.AcknowledgeAlert(ctx, "prod canvas", "a1")
	if err != nil || !a.Acknowledged || !a.AcknowledgedAt.Equal(at) {
		t.Fatalf("AcknowledgeAlert = %+v, %v", a, err)
	}
	rs, err := c.ListRejections(ctx, "prod canvas", RejectionQuery{TargetType: api.ConnectionTypeStage, TargetID: "deploy"})
	if err != nil || len(rs.Rejections) != 1 || rs.TotalCount != 7 || !rs.HasNextPage {
		t.Fatalf("ListRejections = %+v, %v", rs, err)
	}
	want := []struct{ method, path, query string }{
		{"GET", "/api/v1/canvases/prod canvas/alerts", "before=2026-12-06T07%3A00%3A00Z&beforeId=a0&includeAcked=true&limit=5"},
		{"PATCH", "/api/v1/canvases/prod canvas/alerts/a1/acknowledge", ""},
		{"GET", "/api/v1/canvases/prod canvas/rejections", "targetId=deploy&targetType=TYPE_STAGE"},
	}
	got := rec.requests()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Method != w.method || got[i].Path != w.path || got[i].RawQuery != w.query {
			t.Errorf("request %d: %s %s ?%s; want %s %s ?%s", i, got[i].Method, got[i].Path, got[i].RawQuery, w.method, w.path, w.query)
		}
	}
	if _, err := c.ListRejections(ctx, "", RejectionQuery{}); err == nil {
		t.Error("ListRejections without a canvas: no error")
	}
}
