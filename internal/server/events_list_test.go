package server_test

import (
	"fmt"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// TestEventsListCountsAndFiltersStates: totalCount is the number of
// matching events on all pages, not the page's length, and ?states= lists
// only events in those states (v1 ignored it and answered processed events
// to a client asking for pending ones).
func TestEventsListCountsAndFiltersStates(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	req := sourceBody("hook", api.EventSourceSpec{Type: "webhook", Events: []api.EventSourceEventType{{Type: "webhook",
		Filters: []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.ref == 'refs/heads/main'"}}}}}})
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", req).decode(t, &created)
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("other", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	path := "/api/v1/sources/" + created.EventSource.Metadata.ID
	for i := range 8 {
		ref := "refs/heads/main" // accepted: pending, no stage takes it
		if i%3 == 2 {
			ref = "refs/heads/dev" // filtered out: rejected
		}
		b := []byte(fmt.Sprintf(`{"ref":%q,"n":%d}`, ref, i))
		if status, resp := deliver(t, e, path, b, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(created.Key), b)}); status != 200 {
			t.Fatalf("delivery %d: %d %s", i, status, resp)
		}
	}
	e.do("owner", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"other","raw":{}}`).decode(t, &struct{}{})

	for _, tc := range []struct {
		query       string
		page, total int
		state       string // every event listed is in it, when set
	}{
		{"?limit=2", 2, 9, ""},
		{"", 9, 9, ""},
		{"?sourceId=hook&limit=3", 3, 8, ""},
		{"?states=STATE_REJECTED", 2, 2, api.EventStateRejected},
		{"?sourceId=hook&states=STATE_PENDING&limit=4", 4, 6, api.EventStatePending},
		{"?states=STATE_PENDING&states=STATE_REJECTED&limit=1", 1, 9, ""},
		{"?states=STATE_PENDING,STATE_REJECTED", 9, 9, ""},
		{"?states=STATE_PROCESSED", 0, 0, ""},
	} {
		got := listEvents(t, e, tc.query)
		if len(got.Events) != tc.page || got.TotalCount != int64(tc.total) || got.TotalCountCapped {
			t.Errorf("%s: %d events, totalCount %d (capped %v); want %d, %d", tc.query, len(got.Events), got.TotalCount, got.TotalCountCapped, tc.page, tc.total)
		}
		for _, ev := range got.Events {
			if tc.state != "" && ev.State != tc.state {
				t.Errorf("%s: event %s is %s", tc.query, ev.ID, ev.State)
			}
		}
		if got.HasNextPage != (tc.page < tc.total) {
			t.Errorf("%s: hasNextPage %v", tc.query, got.HasNextPage)
		}
	}
	for _, q := range []string{"?states=STATE_DONE", "?states=STATE_PENDING,pending"} {
		expectError(t, e.do("viewer", "GET", "/api/v1/canvases/prod/events"+q, nil), 400, api.CodeInvalidArgument, "states")
	}
}
