package engine

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestBacklogDoesNotDelayAnotherOrganization: one organization's backlog of
// events, older than another organization's one delivery, does not hold
// that delivery back: the next routing batch queues it in its stage while
// most of the backlog is still pending. Before the claim was fair across
// organizations it waited for the three batches ahead of it.
func TestBacklogDoesNotDelayAnotherOrganization(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, busyOrg, busy := newCanvas(t, now)
	busyHook := webhookSource(t, st, busy, now)
	// The busy canvas's stage takes none of its events: they are routed
	// nowhere, as a busy canvas's filtered stages leave most.
	if err := st.CreateStage(ctx, freeNoopStage(busy, "filtered", "$.n == 0", now)); err != nil {
		t.Fatal(err)
	}
	quietOrg, err := st.EnsureOrganization(ctx, "quiet")
	if err != nil {
		t.Fatal(err)
	}
	quiet := store.Canvas{ID: uuid.NewString(), OrgID: quietOrg.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateCanvas(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	quietHook := webhookSource(t, st, quiet, now)
	take := freeNoopStage(quiet, "take", "", now)
	if err := st.CreateStage(ctx, take); err != nil {
		t.Fatal(err)
	}

	const backlog = 300
	for i := range backlog {
		if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: busyHook.ID, Type: "webhook",
			Raw: []byte(`{"n":1}`), Headers: []byte(`{}`), State: store.EventPending,
			ReceivedAt: now.Add(time.Duration(i) * time.Microsecond)}); err != nil {
			t.Fatal(err)
		}
	}
	delivery, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: quietHook.ID, Type: "webhook",
		Raw: []byte(`{"n":0}`), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: now.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}

	e := New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	n, _, _, err := e.routeOneBatch(ctx, nil)
	if err != nil || n != routeBatch {
		t.Fatalf("routeOneBatch = %d, %v; want a full batch of %d", n, err, routeBatch)
	}
	got, err := st.FindEvent(ctx, quietOrg.ID, quiet.ID, delivery.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State == store.EventPending {
		t.Fatalf("the quiet organization's delivery is still pending after the first batch")
	}
	queued, err := st.ListStageEvents(ctx, quietOrg.ID, quiet.ID, take.ID, nil, store.Page{Limit: 10})
	if err != nil || len(queued) != 1 || queued[0].TriggerEventID != delivery.ID {
		t.Fatalf("stage take's events = %+v, %v; want the delivery's", queued, err)
	}
	left, _, err := st.CountEvents(ctx, store.EventFilter{OrgID: busyOrg.ID, CanvasID: busy.ID, States: []string{store.EventPending}}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(backlog - routeBatch + 1); left != want {
		t.Errorf("%d of the backlog's events pending after the first batch, want %d (its oldest share of it routed)", left, want)
	}
}
