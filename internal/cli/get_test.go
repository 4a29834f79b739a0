package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// decode parses a command's JSON output into v.
func decode(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
}

// rowOf returns the table line that starts with name, split in columns.
func rowOf(t *testing.T, table, name string) []string {
	t.Helper()
	for _, line := range strings.Split(table, "\n") {
		cols := strings.Fields(line)
		if len(cols) > 0 && cols[0] == name {
			return cols
		}
	}
	t.Fatalf("no row %q in:\n%s", name, table)
	return nil
}

// TestGetTablesAndJSON: every kind lists as an aligned table and as the
// API's JSON, and one object is found by name.
func TestGetTablesAndJSON(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	approvalStage(t, canvas, "deploy")

	out := c.ok("get", "canvases")
	if !strings.HasPrefix(out, "NAME ") || len(rowOf(t, out, canvas)) < 3 {
		t.Errorf("get canvases:\n%s", out)
	}
	// Columns line up: every line's second column starts where the header's does.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	col := strings.Index(lines[0], "ID")
	for _, l := range lines[1:] {
		if len(l) <= col || l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("column ID not aligned at %d in %q", col, l)
		}
	}
	var canvases api.ListCanvasesResponse
	decode(t, c.ok("get", "canvases", "-o", "json"), &canvases)
	found := false
	for _, cv := range canvases.Canvases {
		found = found || cv.Metadata.Name == canvas
	}
	if !found {
		t.Errorf("get canvases -o json has no %s", canvas)
	}
	var one api.CanvasResponse
	decode(t, c.ok("get", "canvas", canvas, "--output", "json"), &one)
	if one.Canvas.Metadata.Name != canvas || one.Canvas.Metadata.Description != "a canvas of the CLI tests" {
		t.Errorf("get canvas -o json: %+v", one.Canvas.Metadata)
	}

	row := rowOf(t, c.ok("get", "stages", "--canvas", canvas), "deploy")
	if row[1] != "release" || row[2] != "noop" || row[3] != "0" {
		t.Errorf("stage row: %v", row)
	}
	var stages api.ListStagesResponse
	decode(t, c.ok("get", "stages", "--canvas", canvas, "-o", "json"), &stages)
	if len(stages.Stages) != 1 || stages.Stages[0].Spec.Executor.Type != api.ExecutorNoop {
		t.Errorf("stages JSON: %+v", stages)
	}
	// The flag may come first, the canvas from the environment.
	c.env["SUPERPLANE_CANVAS"] = canvas
	if row := rowOf(t, c.ok("get", "event-sources"), "release"); row[1] != "manual" {
		t.Errorf("event source row: %v", row)
	}
	delete(c.env, "SUPERPLANE_CANVAS")
	var src api.EventSourceResponse
	decode(t, c.ok("get", "--canvas", canvas, "source", "release", "-o", "json"), &src)
	if src.EventSource.Spec.Type != api.EventSourceTypeManual || src.Key != "" {
		t.Errorf("event source JSON: %+v", src)
	}

	out = c.ok("describe", "stage", "deploy", "--canvas", canvas)
	for _, want := range []string{"Connection:", "release (event_source)", "1 approval(s)", "Input:", "version", "Executor:", "noop"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe stage lacks %q:\n%s", want, out)
		}
	}
	out = c.ok("describe", "canvas", canvas)
	if !strings.Contains(out, "Event sources (1):") || !strings.Contains(out, "Stages (1):") || len(rowOf(t, out, "deploy")) < 3 {
		t.Errorf("describe canvas:\n%s", out)
	}
}

// TestSecretsShowNoValues: secrets list and describe show keys and version,
// never a value, in tables and in JSON.
func TestSecretsShowNoValues(t *testing.T) {
	c := newCLI(t)
	name := randName("sec")
	value := "value-" + randName("v")
	if _, err := srv.owner.CreateSecret(ctx(t), api.DomainTypeOrganization, "", name, map[string]string{"token": value, "user": value + "u"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.owner.UpdateSecret(ctx(t), api.DomainTypeOrganization, "", name, name, map[string]string{"token": value + "2", "user": value + "u"}); err != nil {
		t.Fatal(err)
	}
	row := rowOf(t, c.ok("get", "secrets"), name)
	if row[1] != "token,user" || row[2] != "2" {
		t.Errorf("secret row: %v (want keys token,user and version 2)", row)
	}
	for _, args := range [][]string{
		{"get", "secrets"},
		{"get", "secrets", "-o", "json"},
		{"get", "secret", name, "-o", "json"},
		{"describe", "secret", name},
		{"describe", "secret", name, "-o", "json"},
	} {
		out := c.ok(args...)
		if strings.Contains(out, value) {
			t.Errorf("%v printed a secret value", args)
		}
	}
	var sec api.SecretResponse
	decode(t, c.ok("get", "secret", name, "-o", "json"), &sec)
	if got := client.SecretKeys(sec.Secret); len(got) != 2 || sec.Secret.Metadata.Version != 2 {
		t.Errorf("secret JSON: keys %v, version %d", got, sec.Secret.Metadata.Version)
	}
	if out := c.ok("describe", "secret", name); !strings.Contains(out, "token, user") || !strings.Contains(out, "Version:") {
		t.Errorf("describe secret:\n%s", out)
	}

	// An integration on that secret, whose value the fake GitHub refuses.
	in := randName("gh")
	if _, err := srv.owner.CreateIntegration(ctx(t), api.DomainTypeOrganization, "", client.IntegrationParams{
		Name: in, Type: api.IntegrationTypeGitHub, URL: "https://github.com/acme", SecretName: name, SecretKey: "token",
	}); err != nil {
		t.Fatal(err)
	}
	row = rowOf(t, c.ok("get", "integrations"), in)
	if row[1] != "github" || row[3] != api.IntegrationStateFailed {
		t.Errorf("integration row: %v", row)
	}
	out := c.ok("describe", "integration", in)
	if !strings.Contains(out, `key "token" of secret "`+name+`"`) || !strings.Contains(out, "failed") || strings.Contains(out, value) {
		t.Errorf("describe integration:\n%s", out)
	}
}

// TestNotFoundSaysWhatAndHow: a 404 names the missing object (the canvas,
// the stage or the object itself) and the command that lists its kind.
func TestNotFoundSaysWhatAndHow(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	approvalStage(t, canvas, "deploy")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"get", "canvas", "no-such-canvas"}, `canvas "no-such-canvas" not found: list them with "superplane get canvases"`},
		{[]string{"get", "stages", "--canvas", "no-such-canvas"}, `canvas "no-such-canvas" not found`},
		{[]string{"describe", "stage", "nope", "--canvas", canvas}, `stage "nope" not found in canvas "` + canvas + `": list them with "superplane get stages --canvas ` + canvas + `"`},
		{[]string{"get", "event-source", "nope", "--canvas", canvas}, `event-source "nope" not found in canvas "` + canvas + `": list them with "superplane get event-sources --canvas ` + canvas + `"`},
		{[]string{"get", "secret", "nope"}, `secret "nope" not found: list them with "superplane get secrets"`},
		{[]string{"executions", "--canvas", canvas, "--stage", "nope"}, `stage "nope" not found in canvas`},
		{[]string{"describe", "execution", "00000000-0000-0000-0000-000000000001", "--canvas", canvas}, `execution "00000000-0000-0000-0000-000000000001" not found in canvas "` + canvas + `"`},
		{[]string{"discard", "--canvas", canvas, "--stage", "deploy", "00000000-0000-0000-0000-000000000001"}, `stage event "00000000-0000-0000-0000-000000000001" not found in stage "deploy" of canvas "` + canvas + `": list them with "superplane events --canvas ` + canvas + ` --stage deploy"`},
		{[]string{"emit", "--canvas", canvas, "--source", "nope"}, `not found in canvas "` + canvas + `"`},
	}
	for _, tc := range cases {
		if msg := c.fails(1, tc.args...); !strings.Contains(msg, tc.want) {
			t.Errorf("%v:\n got %s\nwant %s", tc.args, msg, tc.want)
		}
	}
}

// TestRejectionsAndEventDetail: an event a stage's filter refuses shows as a
// rejection of that stage, described with the event's data; an event and
// a stage event are described by id; alerts list (none here) as a table
// and as JSON.
func TestRejectionsAndEventDetail(t *testing.T) {
	c := newCLI(t)
	canvas := canvasWithRelease(t)
	if _, err := srv.owner.CreateStage(ctx(t), canvas, client.StageParams{Name: "stable-only", Spec: api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "release", Filters: []api.Filter{
			{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.channel == 'stable'"}},
		}}},
		Executor: &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
	}}); err != nil {
		t.Fatal(err)
	}
	approvalStage(t, canvas, "deploy")
	c.ok("emit", "--canvas", canvas, "--source", "release", "--data", "channel=beta", "--data", "version=9.9.9")
	var rejections api.ListEventRejectionsResponse
	waitFor(t, "the rejection", func() bool {
		decode(t, c.ok("get", "rejections", "--canvas", canvas, "--stage", "stable-only", "-o", "json"), &rejections)
		return len(rejections.Rejections) == 1
	})
	rej := rejections.Rejections[0]
	if row := rowOf(t, c.ok("get", "rejections", "--canvas", canvas, "--stage", "stable-only"), rej.ID); row[1] != "stable-only" || row[2] != "filtered" {
		t.Errorf("rejection row: %v", row)
	}
	out := c.ok("describe", "rejection", rej.ID, "--canvas", canvas)
	if !strings.Contains(out, "filtered") || !strings.Contains(out, `"channel": "beta"`) {
		t.Errorf("describe rejection:\n%s", out)
	}
	// The stage with no filter took it; the filtered one did not.
	if len(stageEvents(t, canvas, "stable-only")) != 0 {
		t.Error("a filtered event reached the stage")
	}

	out = c.ok("describe", "event", rej.EventID, "--canvas", canvas)
	if !strings.Contains(out, "release") || !strings.Contains(out, `"version": "9.9.9"`) {
		t.Errorf("describe event:\n%s", out)
	}
	ev := waitingEvent(t, canvas, "deploy")
	out = c.ok("describe", "event", ev.ID, "--canvas", canvas, "--stage", "deploy")
	if !strings.Contains(out, "waiting") || !strings.Contains(out, "version=9.9.9") || !strings.Contains(out, rej.EventID) {
		t.Errorf("describe stage event:\n%s", out)
	}
	if out := c.ok("get", "alerts", "--canvas", canvas, "--acked"); !strings.HasPrefix(out, "ID ") {
		t.Errorf("get alerts:\n%s", out)
	}
	var alerts api.ListAlertsResponse
	decode(t, c.ok("get", "alerts", "--canvas", canvas, "-o", "json"), &alerts)
	if len(alerts.Alerts) != 0 {
		t.Errorf("alerts on a canvas with no error: %+v", alerts.Alerts)
	}
	if msg := c.fails(1, "describe", "alert", "00000000-0000-0000-0000-000000000002", "--canvas", canvas); !strings.Contains(msg, `alert "00000000-0000-0000-0000-000000000002" not found in canvas`) {
		t.Errorf("describe a missing alert: %s", msg)
	}
}
