package engine

import (
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestRouteBatchesSmallUntilABacklog: while routing keeps up, a batch
// claims routeBatchSmall events, so that an event arriving in a burst does
// not wait for the claim, matching and marks of a batch of 100; each batch
// that comes back full doubles the next one up to routeBatch, so that a
// backlog is routed in full batches; a short batch makes the next one
// twice its size (small again once the backlog is routed, large after
// one that drained most of it). A pass goes on after a full batch of any
// size: the routing of 100 pending events does not wait for a wake or the
// tick after its first 32.
func TestRouteBatchesSmallUntilABacklog(t *testing.T) {
	for _, db := range []struct {
		name     string
		postgres bool
	}{{"sqlite", false}, {"postgres", true}} {
		t.Run(db.name, func(t *testing.T) {
			ctx := t.Context()
			now := time.Now().UTC().Truncate(time.Microsecond)
			st := openTestStore(t, db.postgres)
			org, err := st.EnsureOrganization(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			canvas := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "busy", CreatedAt: now, UpdatedAt: now}
			if err := st.CreateCanvas(ctx, canvas); err != nil {
				t.Fatal(err)
			}
			hook := webhookSource(t, st, canvas, now)
			if err := st.CreateStage(ctx, freeNoopStage(canvas, "filtered", "$.n == 0", now)); err != nil {
				t.Fatal(err)
			}
			at := 0
			insert := func(k int) {
				t.Helper()
				for range k {
					at++
					if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
						Raw: []byte(`{"n":1}`), Headers: []byte(`{}`), State: store.EventPending,
						ReceivedAt: now.Add(time.Duration(at) * time.Microsecond)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			e := New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
			batches := func(k int) []int {
				t.Helper()
				var sizes []int
				for range k {
					n, _, _, _, err := e.routeOneBatch(ctx)
					if err != nil {
						t.Fatal(err)
					}
					sizes = append(sizes, n)
				}
				return sizes
			}
			insert(300)
			if got, want := batches(6), []int{32, 64, 100, 100, 4, 0}; !slices.Equal(got, want) {
				t.Errorf("a backlog of 300 routed in batches of %v, want %v", got, want)
			}
			insert(40)
			if got, want := batches(3), []int{32, 8, 0}; !slices.Equal(got, want) {
				t.Errorf("after the backlog, 40 events routed in batches of %v, want %v", got, want)
			}
			insert(100)
			if more := e.routePass(ctx, false); more {
				t.Errorf("routePass says events may be left after routing all")
			}
			left, _, err := st.CountEvents(ctx, store.EventFilter{OrgID: org.ID, CanvasID: canvas.ID, States: []string{store.EventPending}}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if left != 0 {
				t.Errorf("%d of 100 events pending after one routing pass, want 0", left)
			}
			insert(150)
			if got, want := batches(3), []int{32, 64, 54}; !slices.Equal(got, want) {
				t.Errorf("150 events routed in batches of %v, want %v", got, want)
			}
			insert(100)
			if got, want := batches(1), []int{100}; !slices.Equal(got, want) {
				t.Errorf("after a batch of 54 of 100, 100 events routed in batches of %v, want %v", got, want)
			}
		})
	}
}
