package cli

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// TestConnectionGroupsGetAndDescribe: a canvas's connection groups list as
// a table and as the API's JSON; describe shows the group's connections,
// key and timeout, and the keys still waiting for a connection with what
// arrived and what is missing (table and JSON); a stage connected to the
// group names it; a missing group says how to list them.
func TestConnectionGroupsGetAndDescribe(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	if _, _, err := srv.owner.CreateEventSource(ctx(t), canvas, client.EventSourceParams{Name: "tests", Spec: api.EventSourceSpec{Type: api.EventSourceTypeManual}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.owner.CreateConnectionGroup(ctx(t), canvas, client.ConnectionGroupParams{Name: "ready", Description: "built and tested", Spec: api.ConnectionGroupSpec{
		Connections: []api.Connection{
			{Type: api.ConnectionTypeEventSource, Name: "release"},
			{Type: api.ConnectionTypeEventSource, Name: "tests", Filters: []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.passed == true"}}}},
		},
		GroupBy:         &api.GroupBy{Fields: []api.GroupByField{{Name: "version", Expression: "$.version"}}},
		Timeout:         3600,
		TimeoutBehavior: api.TimeoutBehaviorEmit,
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.owner.CreateStage(ctx(t), canvas, client.StageParams{Name: "deploy", Spec: api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeConnectionGroup, Name: "ready"}},
		Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
	}}); err != nil {
		t.Fatal(err)
	}

	row := rowOf(t, c.ok("get", "connection-groups", "--canvas", canvas), "ready")
	if strings.Join(row[1:], " ") != "release, tests version 1h0m0s emit" {
		t.Errorf("group row: %v", row)
	}
	var list api.ListConnectionGroupsResponse
	decode(t, c.ok("get", "groups", "--canvas", canvas, "-o", "json"), &list)
	if len(list.ConnectionGroups) != 1 || list.ConnectionGroups[0].Spec.GroupBy.Fields[0].Expression != "$.version" {
		t.Errorf("groups JSON: %+v", list)
	}
	var one api.ConnectionGroupResponse
	decode(t, c.ok("get", "connection-group", "ready", "--canvas", canvas, "-o", "json"), &one)
	if one.ConnectionGroup.Metadata.Description != "built and tested" || one.ConnectionGroup.Spec.Timeout != 3600 {
		t.Errorf("group JSON: %+v", one.ConnectionGroup)
	}
	if row := rowOf(t, c.ok("get", "stages", "--canvas", canvas), "deploy"); row[1] != "ready" || row[2] != "(group)" {
		t.Errorf("a stage on a group: %v", row)
	}
	out := c.ok("describe", "canvas", canvas)
	if !strings.Contains(out, "Connection groups (1):") || len(rowOf(t, out, "ready")) < 3 {
		t.Errorf("describe canvas:\n%s", out)
	}

	// Nothing waits yet.
	out = c.ok("describe", "connection-group", "ready", "--canvas", canvas)
	for _, want := range []string{"release (event_source)", "tests (event_source) if data: $.passed == true", "version = $.version", "1h0m0s", "emit", "Pending:"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe connection-group lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Pending field sets") {
		t.Errorf("describe shows field sets of a group that has heard nothing:\n%s", out)
	}

	// A build arrives for 1.4.2: the key waits for its tests.
	c.ok("emit", "--canvas", canvas, "--source", "release", "--data", "version=1.4.2")
	var desc groupDescription
	waitFor(t, "a pending field set", func() bool {
		decode(t, c.ok("describe", "connection-group", "ready", "--canvas", canvas, "-o", "json"), &desc)
		return len(desc.FieldSets) == 1
	})
	fs := desc.FieldSets[0]
	if desc.ConnectionGroup.Metadata.Name != "ready" || fs.State != api.FieldSetStatePending || len(fs.Fields) != 1 || fs.Fields[0].Value != "1.4.2" {
		t.Errorf("describe -o json: %+v", desc)
	}
	out = c.ok("describe", "group", "ready", "--canvas", canvas)
	if !strings.Contains(out, "Pending field sets (1):") {
		t.Errorf("describe connection-group with a waiting key:\n%s", out)
	}
	if row := rowOf(t, out, fs.ID); row[1] != "version=1.4.2" || row[2] != "release" || row[3] != "tests" {
		t.Errorf("pending field set row: %v (want the key, release arrived, tests missing)", row)
	}

	if msg := c.fails(1, "describe", "connection-group", "nope", "--canvas", canvas); !strings.Contains(msg,
		`connection-group "nope" not found in canvas "`+canvas+`": list them with "superplane get connection-groups --canvas `+canvas+`"`) {
		t.Errorf("a missing group: %s", msg)
	}
	if msg := c.fails(1, "get", "connection-groups", "--canvas", "no-such-canvas"); !strings.Contains(msg, `canvas "no-such-canvas" not found`) {
		t.Errorf("groups of a missing canvas: %s", msg)
	}
	if msg := c.fails(2, "get", "connection-groups"); !strings.Contains(msg, "--canvas") {
		t.Errorf("groups without a canvas: %s", msg)
	}
}
