package service_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// yielder is an engine that records, at each yield, whether the delivery's
// event was already stored and pending.
type yielder struct {
	routingWaker
	st     store.Store
	canvas string
	orgs   []string
	stored []bool
}

func (y *yielder) YieldRouting(ctx context.Context, org string) {
	y.orgs = append(y.orgs, org)
	n, _, err := y.st.CountEvents(ctx, store.EventFilter{OrgID: org, CanvasID: y.canvas, States: []string{store.EventPending}}, 10)
	y.stored = append(y.stored, err == nil && n == 1)
}

// TestDeliveryYieldsAfterItIsStored: a pending event's delivery yields to
// routing (the engine may hold its answer while the organization's events
// pile up, engine/backlog.go) once, with its organization, and only after
// the event is stored: a sender that gives up waiting has its event. A
// filtered delivery, which routing never sees, does not yield.
func TestDeliveryYieldsAfterItIsStored(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	y := &yielder{st: f.st}
	svc := service.New(f.st, f.sl, slog.New(slog.DiscardHandler), service.WithEngine(y))
	if _, err := svc.Canvases.Create(ctx, f.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	src, err := svc.EventSources.Create(ctx, f.p, "prod", api.EventSourceRequest{EventSource: &api.EventSource{
		Metadata: &api.EventSourceMetadata{Name: "hook"}, Spec: &api.EventSourceSpec{Type: "webhook", Events: []api.EventSourceEventType{{Type: "push"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	y.canvas = src.CanvasID
	for i, typ := range []string{"push", "ping"} {
		if _, _, err := svc.Events.Receive(ctx, service.Delivery{SourceID: src.ID, Type: typ, DeliveryID: "d-" + typ,
			Body: []byte(`{}`), Headers: map[string]string{}}); err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	// stored: the yield's organization has the delivery's event pending.
	if len(y.orgs) != 1 || y.orgs[0] != src.OrgID || !y.stored[0] {
		t.Errorf("yields: organizations %v, its event stored and pending at each %v; want one, of %s, after the store", y.orgs, y.stored, src.OrgID)
	}
}
