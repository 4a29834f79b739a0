package service_test

import (
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
)

// routingWaker counts its two wakes apart.
type routingWaker struct{ all, routing atomic.Int32 }

func (w *routingWaker) Wake()        { w.all.Add(1) }
func (w *routingWaker) WakeRouting() { w.routing.Add(1) }

// TestDeliveryWakesRoutingOnly: with an engine that can wake its routing
// alone, a new pending event wakes only that, not a pass of every stage's
// queue: under a stream of deliveries those passes ran back to back beside
// routing, and routing wakes the queues itself when it queued something.
func TestDeliveryWakesRoutingOnly(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	wake := &routingWaker{}
	svc := service.New(f.st, f.sl, slog.New(slog.DiscardHandler), service.WithEngine(wake))
	if _, err := svc.Canvases.Create(ctx, f.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	src, err := svc.EventSources.Create(ctx, f.p, "prod", api.EventSourceRequest{EventSource: &api.EventSource{
		Metadata: &api.EventSourceMetadata{Name: "hook"}, Spec: &api.EventSourceSpec{Type: "webhook"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Events.Receive(ctx, service.Delivery{SourceID: src.ID, Type: "push", DeliveryID: "d-1",
		Body: []byte(`{}`), Headers: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	if r, a := wake.routing.Load(), wake.all.Load(); r != 1 || a != 0 {
		t.Errorf("a delivery woke routing %d times and the whole engine %d, want 1 and 0", r, a)
	}
}
