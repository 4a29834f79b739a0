package service_test

import (
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestCanvasDeleteRemovesItsSourcesHooksServiceToService wires the services
// as cmd does (service.New), with no server in between: deleting a canvas
// removes its github source's hook through EventSources, and when GitHub
// cannot be reached the canvas stays, with a 503-class error naming the
// source.
func TestCanvasDeleteRemovesItsSourcesHooksServiceToService(t *testing.T) {
	const good = "ghp_good0000000000000000000000000000000"
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(good, "octocat", []string{"repo", "admin:repo_hook", "workflow"})
	gh.AddRepo("acme", "app", "octocat")
	f := newFixture(t)
	ctx := t.Context()
	tools := &integration.Verifier{GitHubAPIURL: gh.URL(),
		Client: outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})}
	svc := service.New(f.st, f.sl, slog.New(slog.DiscardHandler), service.WithTools(tools), service.WithBaseURL("https://superplane.example/"))

	org := api.DomainTypeOrganization
	if _, err := svc.Secrets.Create(ctx, f.p, api.CreateSecretRequest{DomainType: org,
		Secret: &api.Secret{Metadata: &api.SecretMetadata{Name: "gh"},
			Spec: &api.SecretSpec{Local: &api.SecretLocal{Data: map[string]string{"token": good}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Integrations.Create(ctx, f.p, api.CreateIntegrationRequest{DomainType: org,
		Integration: &api.Integration{Metadata: &api.IntegrationMetadata{Name: "github"}, Spec: &api.IntegrationSpec{
			Type: "github", URL: "https://github.com/acme", Auth: &api.IntegrationAuth{Use: api.AuthTypeToken,
				Token: &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Name: "gh", Key: "token"}}}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Canvases.Create(ctx, f.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	src, err := svc.EventSources.Create(ctx, f.p, "prod", api.EventSourceRequest{EventSource: &api.EventSource{
		Metadata: &api.EventSourceMetadata{Name: "push"},
		Spec: &api.EventSourceSpec{Type: "github", Integration: &api.IntegrationRef{Name: "github"},
			Resource: &api.ResourceRef{Name: "app"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if hooks := gh.Hooks("acme", "app"); len(hooks) != 1 || src.HookState != "ready" ||
		src.WebhookURL != "https://superplane.example/api/v1/sources/"+src.ID+"/github" {
		t.Fatalf("after create: hooks %+v, state %q (%s), url %q", hooks, src.HookState, src.HookReason, src.WebhookURL)
	}

	// Nothing listens on port 1: the removal fails before reaching GitHub.
	tools.GitHubAPIURL = "http://127.0.0.1:1/"
	err = svc.Canvases.Delete(ctx, f.p, "prod", false)
	if code, msg := classOf(t, err); code != api.CodeUnavailable ||
		!strings.HasPrefix(msg, `cannot remove the webhook of event source "push" from github: `) {
		t.Fatalf("delete while GitHub refuses: %d %q", code, msg)
	}
	if _, err := svc.Canvases.Find(ctx, f.p, "prod"); err != nil {
		t.Fatalf("the canvas went although its hook stayed on GitHub: %v", err)
	}
	if hooks := gh.Hooks("acme", "app"); len(hooks) != 1 {
		t.Fatalf("hooks after the refused delete: %+v", hooks)
	}

	tools.GitHubAPIURL = gh.URL()
	if err := svc.Canvases.Delete(ctx, f.p, "prod", false); err != nil {
		t.Fatal(err)
	}
	if hooks := gh.Hooks("acme", "app"); len(hooks) != 0 {
		t.Fatalf("hooks left on GitHub after the canvas was deleted: %+v", hooks)
	}
	if _, err := svc.Canvases.Find(ctx, f.p, "prod"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("find after delete: %v", err)
	}
}

type countingWaker struct{ n atomic.Int32 }

func (w *countingWaker) Wake() { w.n.Add(1) }

// TestEventsReceiveFiltersAndRedeliveries stores deliveries as the
// receivers do, through Events.Receive: the source's event types decide the
// state, a redelivery is the first event, and only a new pending event
// wakes the engine. Posting by hand is for manual sources only.
func TestEventsReceiveFiltersAndRedeliveries(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	wake := &countingWaker{}
	svc := service.New(f.st, f.sl, slog.New(slog.DiscardHandler), service.WithEngine(wake))
	if _, err := svc.Canvases.Create(ctx, f.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	src, err := svc.EventSources.Create(ctx, f.p, "prod", api.EventSourceRequest{EventSource: &api.EventSource{
		Metadata: &api.EventSourceMetadata{Name: "hook"},
		Spec:     &api.EventSourceSpec{Type: "webhook", Events: []api.EventSourceEventType{{Type: "push"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if src.Key == "" {
		t.Fatal("create answered no key")
	}
	looked, err := svc.Events.Lookup(ctx, src.ID)
	if err != nil || len(looked.Keys) != 1 || string(looked.Keys[0]) != src.Key {
		t.Fatalf("lookup: %d keys, %v", len(looked.Keys), err)
	}
	if _, err := svc.Events.Lookup(ctx, "00000000-0000-4000-8000-000000000000"); !strings.Contains(err.Error(), "not found") {
		t.Fatalf("lookup of an unknown id: %v", err)
	}

	receive := func(typ, deliveryID string) (string, bool) {
		t.Helper()
		id, dup, err := svc.Events.Receive(ctx, service.Delivery{SourceID: src.ID, Type: typ, DeliveryID: deliveryID,
			Body: []byte(`{"ref":"main"}`), Headers: map[string]string{}})
		if err != nil {
			t.Fatal(err)
		}
		return id, dup
	}
	first, dup := receive("push", "d-1")
	if dup || wake.n.Load() != 1 {
		t.Fatalf("first delivery: duplicate %v, wakes %d", dup, wake.n.Load())
	}
	if again, dup := receive("push", "d-1"); again != first || !dup || wake.n.Load() != 1 {
		t.Fatalf("redelivery: %s (first %s), duplicate %v, wakes %d", again, first, dup, wake.n.Load())
	}
	filtered, _ := receive("ping", "d-2")
	list, err := svc.Events.List(ctx, f.p, "prod", service.EventQuery{SourceID: "hook"})
	events, more := list.Events, list.More
	if err != nil || more || len(events) != 2 {
		t.Fatalf("list: %d events, more %v, %v", len(events), more, err)
	}
	states := map[string]store.Event{}
	for _, ev := range events {
		states[ev.ID] = ev
	}
	if states[first].State != api.EventStatePending || states[filtered].State != api.EventStateRejected ||
		states[filtered].StateReason != service.EventReasonFiltered || wake.n.Load() != 1 {
		t.Fatalf("states: %+v, wakes %d", states, wake.n.Load())
	}

	_, err = svc.Events.Create(ctx, f.p, "prod", api.CreateEventRequest{SourceID: "hook"})
	if code, msg := classOf(t, err); code != api.CodeInvalidArgument ||
		msg != `sourceId: event source "hook" is a webhook source; events are posted by hand only to manual sources` {
		t.Fatalf("post to a webhook source: %d %q", code, msg)
	}
	_, err = svc.Events.List(ctx, f.p, "prod", service.EventQuery{Limit: "501"})
	if code, _ := classOf(t, err); code != api.CodeInvalidArgument {
		t.Fatalf("limit over the maximum: code %d", code)
	}
}
