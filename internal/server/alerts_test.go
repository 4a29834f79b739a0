package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// waitRejections polls the rejections listing (query after the "?") until
// it has at least n.
func waitRejections(t *testing.T, e *env, query string, n int) api.ListEventRejectionsResponse {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var out api.ListEventRejectionsResponse
		e.do("viewer", "GET", "/api/v1/canvases/prod/rejections?"+query, nil).decode(t, &out)
		if len(out.Rejections) >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("rejections?%s: %d, want %d", query, len(out.Rejections), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func listAlerts(t *testing.T, e *env, query string) []api.Alert {
	t.Helper()
	var out api.ListAlertsResponse
	e.do("viewer", "GET", "/api/v1/canvases/prod/alerts"+query, nil).decode(t, &out)
	return out.Alerts
}

// waitAlerts polls the alerts until ok accepts them (or 60 s pass, when it
// returns the last answer for the test to judge): the engine raises an
// alert just after it finishes the execution or routes the event, so a test
// that saw that may look a moment too early.
func waitAlerts(t *testing.T, e *env, query string, ok func([]api.Alert) bool) []api.Alert {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		alerts := listAlerts(t, e, query)
		if ok(alerts) || time.Now().After(deadline) {
			return alerts
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRejectionsAnswerWhyAStageDidNotRun: an event the connection's filters
// refuse, and one whose input mapping fails at run time, each leave a
// rejection that one call, filtered by the stage's name, returns with the
// reason and the event; the failed mapping also raises an alert, and the
// stage that would have taken the rejected event is told why it did not.
func TestRejectionsAnswerWhyAStageDidNotRun(t *testing.T) {
	se := newStageEnv(t)
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL)).decode(t, &api.StageResponse{})
	mapping := httpStage("build", se.recvURL)
	mapping.Stage.Spec.InputMappings[0].Values[0].ValueFrom.EventData.Expression = "replace($.s, 'a', $.s)"
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", mapping).decode(t, &api.StageResponse{})

	se.post(t, `{"ref":"refs/heads/dev","after":"x"}`)
	filtered := newestEventID(t, se)
	waitEvent(t, se, filtered)
	se.post(t, `{"ref":"refs/heads/main","s":"`+strings.Repeat("a", 8000)+`"}`)
	failed := newestEventID(t, se)
	waitEvent(t, se, failed)

	why := waitRejections(t, se.env, "targetType=TYPE_STAGE&targetId=deploy", 2)
	if why.TotalCount != 2 || len(why.Rejections) != 2 {
		t.Fatalf("deploy's rejections: %d of %d, want 2 of 2", len(why.Rejections), why.TotalCount)
	}
	newest, oldest := why.Rejections[0], why.Rejections[1]
	if oldest.Reason != api.RejectionReasonFiltered || oldest.TargetName != "deploy" || oldest.TargetType != api.ConnectionTypeStage ||
		oldest.Event == nil || oldest.Event.ID != filtered || !strings.Contains(oldest.Message, "filters of connection hook") {
		t.Errorf("the filtered event's rejection: %+v", oldest)
	}
	if newest.Reason != api.RejectionReasonError || newest.Event == nil || newest.Event.ID != failed ||
		!strings.Contains(newest.Message, "stage build") || !strings.Contains(newest.Message, "inputMappings[0].values[0].valueFrom.eventData.expression") {
		t.Errorf("deploy's rejection of the event build's mapping failed on: %+v", newest)
	}

	build := waitRejections(t, se.env, "targetType=TYPE_STAGE&targetId=build", 2).Rejections
	if build[0].Reason != api.RejectionReasonError || build[0].EventID != failed || build[1].Reason != api.RejectionReasonFiltered {
		t.Errorf("build's rejections: %+v", build)
	}
	// By id, the contract's way, the same answer.
	var byID api.ListEventRejectionsResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/rejections?targetId="+build[0].TargetID, nil).decode(t, &byID)
	if byID.TotalCount != 2 {
		t.Errorf("by the stage's id: %d rejections, want 2", byID.TotalCount)
	}
	// Paging: the first of four, then the rest after its cursor.
	var first, rest api.ListEventRejectionsResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/rejections?limit=1", nil).decode(t, &first)
	if len(first.Rejections) != 1 || !first.HasNextPage || first.TotalCount != 4 || first.LastTimestamp == nil {
		t.Fatalf("first page: %+v", first)
	}
	se.do("viewer", "GET", "/api/v1/canvases/prod/rejections?before="+first.LastTimestamp.Format(time.RFC3339Nano)+
		"&beforeId="+first.Rejections[0].ID, nil).decode(t, &rest)
	if len(rest.Rejections) != 3 || rest.HasNextPage {
		t.Errorf("after the first page: %d rejections (more %v), want the other 3", len(rest.Rejections), rest.HasNextPage)
	}

	alerts := waitAlerts(t, se.env, "", func(a []api.Alert) bool { return len(a) > 0 })
	if len(alerts) != 1 || alerts[0].Kind != store.AlertKindExpression || alerts[0].SourceName != "build" ||
		alerts[0].SourceType != api.AlertSourceStage || alerts[0].Type != api.AlertTypeError || alerts[0].Acknowledged {
		t.Errorf("alerts after a failed mapping: %+v, want one expression error about build", alerts)
	}

	expectError(t, se.do("viewer", "GET", "/api/v1/canvases/prod/rejections?targetType=TYPE_STAGE&targetId=nope", nil), http.StatusNotFound, api.CodeNotFound, "nope")
	expectError(t, se.do("viewer", "GET", "/api/v1/canvases/prod/rejections?targetType=STAGE", nil), http.StatusBadRequest, api.CodeInvalidArgument, "targetType")
	expectError(t, se.do("viewer", "GET", "/api/v1/canvases/prod/rejections?limit=0", nil), http.StatusBadRequest, api.CodeInvalidArgument, "limit")
	expectError(t, se.do("viewer", "GET", "/api/v1/canvases/prod/alerts?includeAcked=maybe", nil), http.StatusBadRequest, api.CodeInvalidArgument, "includeAcked")
	expectError(t, se.do("viewer", "GET", "/api/v1/canvases/prod/alerts?before=yesterday", nil), http.StatusBadRequest, api.CodeInvalidArgument, "before")
}

// TestMissingSecretAlert: a secret gone when a stage runs fails the
// execution, raises one alert (repeats counted, not repeated) and leaves a
// rejection; no message shows a secret's value, even where the text it
// masks occurs (here a secret's value is also the name of the missing
// secret). Acknowledging hides the alert and keeps the first
// acknowledgement; the next failure opens a new one.
func TestMissingSecretAlert(t *testing.T) {
	se := newStageEnv(t)
	ctx := context.Background()
	// A secret whose name happens to be the value of the stage's other
	// secret, so the error naming it would show that value unmasked.
	se.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", deployToken, map[string]string{"k": "v"})).decode(t, &api.SecretResponse{})
	stage := httpStage("ship", se.recvURL+"/ship")
	stage.Stage.Spec.Secrets = append(stage.Stage.Spec.Secrets, api.ValueDefinition{Name: "OTHER",
		ValueFrom: &api.StageValueFrom{Secret: &api.ValueFromSecret{Name: deployToken, Key: "k"}}})
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", stage).decode(t, &api.StageResponse{})

	// The key goes behind the API's back (the API refuses to drop a key a
	// stage uses): a restore, a manual fix in the database.
	var canvas api.CanvasResponse
	se.do("owner", "GET", "/api/v1/canvases/prod", nil).decode(t, &canvas)
	if _, err := se.store.UpdateSecret(ctx, orgOf(t, se), store.DomainCanvas, canvas.Canvas.Metadata.ID, deployToken, func(s *store.Secret) error {
		s.Keys = []string{}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	se.post(t, `{"ref":"refs/heads/main","after":"a"}`)
	waitExecution(t, se.env, "ship", 1)
	se.post(t, `{"ref":"refs/heads/main","after":"b"}`)
	execs := waitExecution(t, se.env, "ship", 2)
	if execs[0].Result != api.ResultFailed || !strings.Contains(execs[0].ResultMessage, "secret OTHER") {
		t.Fatalf("execution with a missing secret: %+v", execs[0])
	}

	alerts := waitAlerts(t, se.env, "", func(a []api.Alert) bool { return len(a) == 1 && a[0].Count >= 2 })
	if len(alerts) != 1 {
		t.Fatalf("alerts: %+v, want one", alerts)
	}
	a := alerts[0]
	if a.Kind != store.AlertKindMissingSecret || a.Count != 2 || a.SourceName != "ship" || !strings.Contains(a.Message, "secret OTHER") {
		t.Errorf("alert: %+v, want missing_secret about ship, count 2", a)
	}
	rejections := waitRejections(t, se.env, "targetType=TYPE_STAGE&targetId=ship", 2)
	if rejections.Rejections[0].Reason != api.RejectionReasonError || !strings.Contains(rejections.Rejections[0].Message, "secret OTHER") {
		t.Errorf("rejection of a run with a missing secret: %+v", rejections.Rejections[0])
	}
	for _, body := range []any{alerts, rejections, execs} {
		b, _ := json.Marshal(body)
		if strings.Contains(string(b), deployToken) || strings.Contains(string(b), deployToken[:8]) {
			t.Fatalf("a secret's value shows: %s", b)
		}
		if !strings.Contains(string(b), "***") {
			t.Fatalf("nothing was masked, so the test shows nothing: %s", b)
		}
	}

	var me api.Me
	se.do("owner", "GET", "/api/v1/me", nil).decode(t, &me)
	var acked api.AcknowledgeAlertResponse
	se.do("owner", "PATCH", "/api/v1/canvases/prod/alerts/"+a.ID+"/acknowledge", nil).decode(t, &acked)
	if acked.Alert == nil || !acked.Alert.Acknowledged || acked.Alert.AcknowledgedAt == nil || acked.Alert.AcknowledgedBy != me.ID {
		t.Fatalf("acknowledged: %+v", acked.Alert)
	}
	var again api.AcknowledgeAlertResponse
	se.do("admin", "PATCH", "/api/v1/canvases/prod/alerts/"+a.ID+"/acknowledge", nil).decode(t, &again)
	if !again.Alert.AcknowledgedAt.Equal(*acked.Alert.AcknowledgedAt) || again.Alert.AcknowledgedBy != me.ID {
		t.Errorf("a second acknowledgement changed the first: %+v", again.Alert)
	}
	if got := listAlerts(t, se.env, ""); len(got) != 0 {
		t.Errorf("open alerts after the acknowledgement: %+v", got)
	}
	expectError(t, se.do("owner", "PATCH", "/api/v1/canvases/prod/alerts/"+canvas.Canvas.Metadata.ID+"/acknowledge", nil), http.StatusNotFound, api.CodeNotFound, "")

	se.post(t, `{"ref":"refs/heads/main","after":"c"}`)
	waitExecution(t, se.env, "ship", 3)
	// The executions listing counts all of them, whatever the page.
	var execPage api.ListExecutionsResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages/ship/executions?limit=1", nil).decode(t, &execPage)
	if len(execPage.Executions) != 1 || execPage.TotalCount != 3 || !execPage.HasNextPage {
		t.Errorf("a page of 1: %d executions, totalCount %d, more %v; want 1 of 3", len(execPage.Executions), execPage.TotalCount, execPage.HasNextPage)
	}
	open := waitAlerts(t, se.env, "", func(o []api.Alert) bool { return len(o) > 0 })
	if len(open) != 1 || open[0].ID == a.ID || open[0].Count != 1 {
		t.Errorf("after the acknowledgement a new failure shows %+v, want a new alert with count 1", open)
	}
	if all := listAlerts(t, se.env, "?includeAcked=true"); len(all) != 2 {
		t.Errorf("includeAcked lists %d alerts, want 2", len(all))
	}
}

// TestStageToStageRejection: a stage connected to another whose filter
// refuses the other's result is told why, with the execution whose end was
// the event.
func TestStageToStageRejection(t *testing.T) {
	se := newStageEnv(t)
	se.recv.respond = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL)).decode(t, &api.StageResponse{})
	after := api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "announce"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeStage, Name: "deploy", Filters: dataFilter("$.result == 'RESULT_PASSED'")}},
		Executor:    &api.Executor{Type: "noop", Spec: map[string]any{}},
	}}}
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", after).decode(t, &api.StageResponse{})

	se.post(t, `{"ref":"refs/heads/main","after":"a"}`)
	ex := waitExecution(t, se.env, "deploy", 1)[0]
	if ex.Result != api.ResultFailed {
		t.Fatalf("deploy: %+v, want failed", ex)
	}
	r := waitRejections(t, se.env, "targetType=TYPE_STAGE&targetId=announce", 1).Rejections[0]
	if r.Reason != api.RejectionReasonFiltered || r.EventID != ex.ID || r.Event != nil || !strings.Contains(r.Message, "from deploy") {
		t.Errorf("announce's rejection of deploy's failed execution: %+v", r)
	}
}

// TestIntegrationUnusableAlert: a GitHub Actions stage whose integration's
// token is gone from its secret when it runs fails before any call to
// GitHub and raises an integration_unusable alert naming the integration.
func TestIntegrationUnusableAlert(t *testing.T) {
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo"})
	gh.AddRepo("acme", "app", "octocat")
	gh.AddWorkflow("acme", "app", "deploy.yml", "success", 1)
	e := newEnv(t,
		withTools(fakeTools(gh.URL(), gh.URL())),
		withExecutors(executor.Config{GitHubAPIURL: gh.URL(), PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 20 * time.Millisecond})
	}()
	t.Cleanup(func() { cancel(); <-done })

	createCanvas(t, e, "prod")
	var sec api.SecretResponse
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "tokens", map[string]string{"github": goodGitHubToken})).decode(t, &sec)
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "gh", "github", "https://github.com/acme", "tokens", "github")).decode(t, &api.IntegrationResponse{})
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "actions"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
		Executor: &api.Executor{Type: "github", Integration: &api.IntegrationRef{Name: "gh"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
			Spec: map[string]any{"workflow": "deploy.yml", "ref": "main"}},
	}}}).decode(t, &api.StageResponse{})

	// The token's key goes from the secret behind the API's back (the API
	// refuses to drop a key an integration uses).
	var me api.Me
	e.do("owner", "GET", "/api/v1/me", nil).decode(t, &me)
	blob, keyID, err := sealer.New(e.keys).SealSecret(sec.Secret.Metadata.ID, map[string]string{"other": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.UpdateSecret(ctx, me.OrganizationID, store.DomainOrganization, me.OrganizationID, "tokens", func(s *store.Secret) error {
		s.Ciphertext, s.KeyID, s.Keys = blob, keyID, []string{"other"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	body := []byte(`{"version":"2.0.0"}`)
	if status, resp := deliver(t, e, "/api/v1/sources/"+src.EventSource.Metadata.ID, body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(src.Key), body)}); status != 200 {
		t.Fatalf("delivery: %d %s", status, resp)
	}
	ex := waitExecution(t, e, "actions", 1)[0]
	if ex.Result != api.ResultFailed || !strings.Contains(ex.ResultMessage, "integration gh") {
		t.Fatalf("execution: %+v, want failed naming the integration", ex)
	}
	alerts := waitAlerts(t, e, "", func(a []api.Alert) bool { return len(a) > 0 })
	if len(alerts) != 1 || alerts[0].Kind != store.AlertKindIntegrationUnusable || alerts[0].SourceName != "actions" ||
		!strings.Contains(alerts[0].Message, "integration gh") {
		t.Fatalf("alerts: %+v, want one integration_unusable alert about actions", alerts)
	}
}
