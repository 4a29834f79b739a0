package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// The fixture of TestAuthorizationMatrix: one canvas with an object of
// every kind, built through the API, and the snapshots that prove a
// refused call changed nothing.

// matrixStageBody is a noop stage listening to source "hook", waiting for
// approvals when approvals > 0. An empty name keeps the stage's name (update).
func matrixStageBody(name string, approvals int) string {
	conditions := "[]"
	if approvals > 0 {
		conditions = fmt.Sprintf(`[{"type":"CONDITION_TYPE_APPROVAL","approval":{"count":%d}}]`, approvals)
	}
	return fmt.Sprintf(`{"stage":{"metadata":{"name":%q},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook"}],"conditions":%s,"executor":{"type":"noop","spec":{}}}}}`, name, conditions)
}

// matrixGroupBody is a connection group of sources hook and button; its
// key is a constant, so that no event is ever rejected by it (a rejection
// written while a snapshot is taken would look like a change). An empty
// name keeps the group's name (update).
func matrixGroupBody(name string) string {
	return fmt.Sprintf(`{"connectionGroup":{"metadata":{"name":%q},"spec":{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook"},{"type":"TYPE_EVENT_SOURCE","name":"button"}],"groupBy":{"fields":[{"name":"all","expression":"'all'"}]}}}}`, name)
}

// newMatrixEnv is a server with fake GitHub and Semaphore and its engine
// running, so stages queue and run events.
func newMatrixEnv(t *testing.T) *env {
	t.Helper()
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo", "admin:repo_hook", "workflow"})
	gh.AddRepo("acme", "app", "octocat")
	sem := semaphore.New(t)
	e := newEnv(t, withTools(fakeTools(gh.URL(), sem.URL())))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 10 * time.Millisecond, Lease: testLease})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// newMatrixFixture builds canvas name with one of everything, as owner, and
// waits until the engine has queued gate's event and run's execution has
// finished, so nothing changes under the test afterwards.
func newMatrixFixture(t *testing.T, e *env, name string) matrixFixture {
	t.Helper()
	var f matrixFixture
	f.canvas = createCanvas(t, e, name).Metadata.ID

	var sec api.SecretResponse
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, f.canvas, "plain", map[string]string{"k": "v"})).decode(t, &sec)
	f.secret = sec.Secret.Metadata.ID
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, f.canvas, "gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	var in api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeCanvas, f.canvas, "github", "github", "https://github.com/acme", "gh", "token")).decode(t, &in)
	f.integration = in.Integration.Metadata.ID
	// The github source has an integration of its own, so that f.integration
	// stays unused and can be deleted.
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeCanvas, f.canvas, "hooks", "github", "https://github.com/acme", "gh", "token")).decode(t, &api.IntegrationResponse{})

	var hook, spare, hooked api.EventSourceResponse
	sources := "/api/v1/canvases/" + f.canvas + "/event-sources"
	e.do("owner", "POST", sources, sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &hook)
	e.do("owner", "POST", sources, sourceBody("spare", api.EventSourceSpec{Type: "webhook"})).decode(t, &spare)
	e.do("owner", "POST", sources, sourceBody("repo", api.EventSourceSpec{
		Type: "github", Integration: &api.IntegrationRef{Name: "hooks"}, Resource: &api.ResourceRef{Name: "app"},
	})).decode(t, &hooked)
	if st := hooked.EventSource.Status.Webhook.State; st != "ready" {
		t.Fatalf("fixture %s: the github source's hook is %q, not ready", name, st)
	}
	f.hooked = hooked.EventSource.Metadata.ID
	e.do("owner", "POST", sources, sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	f.spare = spare.EventSource.Metadata.ID

	var gate, run api.StageResponse
	stages := "/api/v1/canvases/" + f.canvas + "/stages"
	e.do("owner", "POST", stages, matrixStageBody("gate", 2)).decode(t, &gate)
	e.do("owner", "POST", stages, matrixStageBody("run", 0)).decode(t, &run)
	f.gate, f.run = gate.Stage.Metadata.ID, run.Stage.Metadata.ID
	var group api.ConnectionGroupResponse
	e.do("owner", "POST", "/api/v1/canvases/"+f.canvas+"/connection-groups", matrixGroupBody("pair")).decode(t, &group)
	f.group = group.ConnectionGroup.Metadata.ID

	body := []byte(`{"ref":"refs/heads/main"}`)
	if status, resp := deliver(t, e, "/api/v1/sources/"+hook.EventSource.Metadata.ID, body, map[string]string{
		"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(hook.Key), body),
	}); status != http.StatusOK {
		t.Fatalf("delivery: %d %s", status, resp)
	}
	deadline := time.Now().Add(60 * time.Second)
	for f.stageEvent == "" || f.execution == "" {
		if time.Now().After(deadline) {
			t.Fatalf("fixture %s did not settle: stage event %q, execution %q", name, f.stageEvent, f.execution)
		}
		time.Sleep(10 * time.Millisecond)
		var queued api.ListStageEventsResponse
		e.do("owner", "GET", stages+"/gate/events?states=STATE_WAITING", nil).decode(t, &queued)
		if len(queued.Events) == 1 {
			f.stageEvent = queued.Events[0].ID
		}
		var execs api.ListExecutionsResponse
		e.do("owner", "GET", stages+"/run/executions", nil).decode(t, &execs)
		if len(execs.Executions) == 1 && execs.Executions[0].State == api.ExecutionStateFinished {
			f.execution = execs.Executions[0].ID
		}
	}
	addMatrixFindings(t, e, &f)
	f.account, f.token = addMatrixAccount(t, e, name)
	f.provider = addMatrixAuthProvider(t, e, name)
	addMatrixRoles(t, e, &f, name)
	return f
}

// addMatrixFindings gives the fixture an open alert and a rejection of its
// event, both about stage run, as the engine records them (the engine's
// own tests show when it does).
func addMatrixFindings(t *testing.T, e *env, f *matrixFixture) {
	t.Helper()
	ctx := context.Background()
	org, err := e.store.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	var events api.ListEventsResponse
	e.do("owner", "GET", "/api/v1/canvases/"+f.canvas+"/events", nil).decode(t, &events)
	if len(events.Events) != 1 {
		t.Fatalf("fixture: %d events, want 1", len(events.Events))
	}
	now := time.Now()
	a, err := e.store.RaiseAlert(ctx, store.Alert{
		ID: uuid.NewString(), OrgID: org.ID, CanvasID: f.canvas, SourceType: api.AlertSourceStage, SourceID: f.run,
		SourceName: "run", Kind: store.AlertKindMissingSecret, Type: api.AlertTypeError, Message: "secret gone", CreatedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.alert = a.ID
	if err := e.store.InsertRejections(ctx, []store.Rejection{{
		ID: uuid.NewString(), OrgID: org.ID, CanvasID: f.canvas, TargetType: api.ConnectionTypeStage, TargetID: f.run,
		TargetName: "run", EventID: events.Events[0].ID, Reason: api.RejectionReasonFiltered, Message: "filtered", CreatedAt: now,
	}}); err != nil {
		t.Fatal(err)
	}
}

// canvasSnapshot is everything acme's owner can read about the fixture's
// canvas, to show that refused calls changed nothing.
func canvasSnapshot(t *testing.T, e *env, f matrixFixture) []byte {
	t.Helper()
	return snapshot(t, e, fixturePaths(f))
}

// fixturePaths are the reads that show everything in a fixture's canvas.
func fixturePaths(f matrixFixture) []string {
	c := "/api/v1/canvases/" + f.canvas
	paths := []string{
		c, "/api/v1/secrets" + f.q(), "/api/v1/integrations" + f.q(),
		c + "/event-sources", c + "/events", c + "/stages",
		c + "/stages/" + f.gate + "/events", c + "/stages/" + f.run + "/executions",
		c + "/alerts?includeAcked=true", c + "/rejections",
		c + "/connection-groups",
		"/api/v1/service-accounts/" + f.account, "/api/v1/service-accounts/" + f.account + "/tokens",
	}
	return append(paths, roleFixturePaths(f)...)
}

// snapshotDiff shows the lines of two snapshots that differ.
func snapshotDiff(before, after []byte) string {
	b, a := bytes.Split(before, []byte("\n")), bytes.Split(after, []byte("\n"))
	var out bytes.Buffer
	for i := 0; i < max(len(a), len(b)); i++ {
		var lb, la []byte
		if i < len(b) {
			lb = b[i]
		}
		if i < len(a) {
			la = a[i]
		}
		if !bytes.Equal(lb, la) {
			fmt.Fprintf(&out, "- %s\n+ %s\n", lb, la)
		}
	}
	return out.String()
}

func snapshot(t *testing.T, e *env, paths []string) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, p := range paths {
		r := e.do("owner", "GET", p, nil)
		fmt.Fprintf(&out, "%s %d %s\n", p, r.status, r.body)
	}
	return out.Bytes()
}
