package client

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

const groupID = "99999999-9999-9999-9999-999999999999"

var pairParams = ConnectionGroupParams{
	Name: "pair", Description: "joins builds",
	Spec: api.ConnectionGroupSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "a"}, {Type: api.ConnectionTypeStage, Name: "build"}},
		GroupBy:     &api.GroupBy{Fields: []api.GroupByField{{Name: "version", Expression: "$.version"}}},
		Timeout:     600, TimeoutBehavior: api.TimeoutBehaviorEmit,
	},
}

func groupAnswer(p ConnectionGroupParams, createdAt time.Time) api.ConnectionGroupResponse {
	g := p.request().ConnectionGroup
	g.Metadata.ID, g.Metadata.CanvasID, g.Metadata.CreatedAt = groupID, canvasID, &createdAt
	return api.ConnectionGroupResponse{ConnectionGroup: g}
}

// TestConnectionGroupRequests: the client sends the contract's body and
// paths, and the field-sets listing its states.
func TestConnectionGroupRequests(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.Method == http.MethodDelete:
			writeJSON(w, 200, api.Empty{})
		case r.URL.Path == "/api/v1/canvases/prod/connection-groups/pair/field-sets":
			writeJSON(w, 200, api.ListConnectionGroupFieldSetsResponse{})
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/canvases/prod/connection-groups":
			writeJSON(w, 200, api.ListConnectionGroupsResponse{})
		default:
			writeJSON(w, 200, groupAnswer(pairParams, time.Now()))
		}
	})
	ctx := context.Background()
	g, err := c.CreateConnectionGroup(ctx, "prod", pairParams)
	if err != nil || g.Metadata.ID != groupID || g.Spec.Timeout != 600 {
		t.Fatalf("CreateConnectionGroup = %+v, %v", g, err)
	}
	if _, err := c.UpdateConnectionGroup(ctx, "prod", groupID, pairParams); err != nil {
		t.Fatal(err)
	}
	if list, err := c.ListConnectionGroups(ctx, "prod"); err != nil || list == nil {
		t.Errorf("ListConnectionGroups = %v, %v; want an empty list", list, err)
	}
	if sets, err := c.ListFieldSets(ctx, "prod", "pair", []string{api.FieldSetStatePending, api.FieldSetStateDiscarded}); err != nil || sets == nil {
		t.Errorf("ListFieldSets = %v, %v; want an empty list", sets, err)
	}
	if err := c.DeleteConnectionGroup(ctx, "prod", "pair"); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	create := reqs[0]
	if create.Method != http.MethodPost || create.Path != "/api/v1/canvases/prod/connection-groups" {
		t.Fatalf("create went to %s %s", create.Method, create.Path)
	}
	if m := field(t, create.Body, "connectionGroup", "metadata"); m["name"] != "pair" || m["description"] != "joins builds" {
		t.Errorf("create metadata = %v", m)
	}
	if s := field(t, create.Body, "connectionGroup", "spec"); s["timeoutBehavior"] != api.TimeoutBehaviorEmit || s["timeout"] != float64(600) {
		t.Errorf("create spec = %v", s)
	}
	if u := reqs[1]; u.Method != http.MethodPatch || u.Path != "/api/v1/canvases/prod/connection-groups/"+groupID {
		t.Errorf("update went to %s %s", u.Method, u.Path)
	}
	if q := reqs[3].RawQuery; q != "states=STATE_PENDING&states=STATE_DISCARDED" {
		t.Errorf("field sets query %q", q)
	}
}

// TestCreateConnectionGroupRetry: a create whose first answer was lost (503)
// and whose retry meets the name taken returns the group the first attempt
// made; one created before the call is a conflict.
func TestCreateConnectionGroupRetry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		created  time.Time
		wantMine bool
	}{
		{"made by the first attempt", time.Now().Add(time.Second), true},
		{"someone else's, older", time.Now().Add(-time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, n int) {
				switch {
				case r.Method == http.MethodPost && n == 1:
					writeJSON(w, 503, api.Error{Code: api.CodeUnavailable, Message: "try again"})
				case r.Method == http.MethodPost:
					writeJSON(w, 409, api.Error{Code: api.CodeAlreadyExists, Message: `connection group name "pair" is already taken`})
				default:
					writeJSON(w, 200, groupAnswer(pairParams, tc.created))
				}
			})
			g, err := c.CreateConnectionGroup(context.Background(), "prod", pairParams)
			if tc.wantMine && (err != nil || g.Metadata.ID != groupID) {
				t.Fatalf("CreateConnectionGroup = %+v, %v; want the group the first attempt made", g, err)
			}
			if !tc.wantMine && !IsConflict(err) {
				t.Fatalf("CreateConnectionGroup = %+v, %v; want a conflict", g, err)
			}
		})
	}
}
