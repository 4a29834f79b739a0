package service_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestCorruptColumnsAreNotEmpty: a stored JSON column that does not decode
// is the store's error naming it, never an empty value: approving does not
// overwrite the approvals it cannot read, a source a damaged stage may use
// is not deleted, and a source whose events cannot be read rejects a
// delivery with the reason instead of accepting everything.
func TestCorruptColumnsAreNotEmpty(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	svc := service.New(f.st, f.sl, slog.New(slog.DiscardHandler))
	c, err := svc.Canvases.Create(ctx, f.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	src, err := svc.EventSources.Create(ctx, f.p, "prod", api.EventSourceRequest{EventSource: &api.EventSource{
		Metadata: &api.EventSourceMetadata{Name: "push"},
		Spec:     &api.EventSourceSpec{Type: "webhook", Events: []api.EventSourceEventType{{Type: "push"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	build, err := svc.Stages.Create(ctx, f.p, "prod", stageRequest("build", api.ConnectionTypeEventSource, "push"))
	if err != nil {
		t.Fatal(err)
	}

	// Approvals.
	damaged := []byte(`[{"approvedBy":"someone"`)
	ev := store.StageEvent{
		ID: uuid.NewString(), OrgID: f.p.Organization.ID, CanvasID: c.ID, StageID: build.ID, Connection: "push",
		TriggerSourceType: api.ConnectionTypeEventSource, TriggerSourceID: src.ID, TriggerSourceName: "push",
		TriggerEventID: uuid.NewString(), TriggerType: "push", TriggerPayload: []byte(`{}`), TriggerHeaders: []byte(`{}`),
		State: store.StageEventWaiting, Inputs: []byte(`[]`), Approvals: damaged, CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	if err := f.st.InsertStageEvents(ctx, []store.StageEvent{ev}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Stages.Approve(ctx, f.p, "prod", "build", ev.ID)
	if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), "stage event "+ev.ID+": approvals") {
		t.Fatalf("approving an event whose approvals do not decode: %v; want the store's error naming them", err)
	}
	stored, err := f.st.FindStageEvent(ctx, f.p.Organization.ID, c.ID, build.ID, ev.ID)
	if err != nil || !bytes.Equal(stored.Approvals, damaged) {
		t.Fatalf("the approvals were rewritten to %s (%v)", stored.Approvals, err)
	}

	// A stage's spec (the store refuses to write one that does not decode,
	// so the damage is read through a store that returns it).
	if _, err := f.st.UpdateStage(ctx, f.p.Organization.ID, c.ID, build.ID, func(st *store.Stage) error {
		st.Spec = []byte(`{"connections":[`)
		return nil
	}); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("writing a spec that does not decode: %v; want ErrCorrupt", err)
	}
	damagedSvc := service.New(damagedSpecs{Store: f.st}, f.sl, slog.New(slog.DiscardHandler))
	err = damagedSvc.EventSources.Delete(ctx, f.p, "prod", "push", false)
	if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), "stage "+build.ID+": spec") {
		t.Fatalf("deleting a source a damaged stage may use: %v; want the store's error naming the spec", err)
	}
	if _, err := f.st.FindEventSource(ctx, f.p.Organization.ID, c.ID, src.ID); err != nil {
		t.Fatalf("the source is gone: %v", err)
	}

	// A source's events.
	if _, err := f.st.UpdateEventSource(ctx, f.p.Organization.ID, c.ID, src.ID, func(es *store.EventSource) error {
		es.Events = []byte(`[{"type":"push"`)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	id, _, err := svc.Events.Receive(ctx, service.Delivery{SourceID: src.ID, Type: "push", DeliveryID: "d-1", Body: []byte(`{}`), Headers: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.st.FindEvent(ctx, f.p.Organization.ID, c.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != api.EventStateRejected || got.StateReason != store.StateReasonError ||
		!strings.Contains(got.StateMessage, "event source "+src.ID+": events: corrupt column") {
		t.Fatalf("a delivery to a source whose events do not decode: %s %s %q; want rejected naming the events", got.State, got.StateReason, got.StateMessage)
	}
}

// damagedSpecs is a store whose stages' specs read back truncated.
type damagedSpecs struct{ store.Store }

func (d damagedSpecs) ListStages(ctx context.Context, orgID, canvasID string) ([]store.Stage, error) {
	list, err := d.Store.ListStages(ctx, orgID, canvasID)
	for i := range list {
		list[i].Spec = list[i].Spec[:len(list[i].Spec)/2]
	}
	return list, err
}
