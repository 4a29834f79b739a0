package engine

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// stageChangingStore changes a stage once, right after the engine matched
// the first event routed and before the routing transaction: what a stage
// written by an API call in between does.
type stageChangingStore struct {
	store.Store
	t       *testing.T
	org     string
	canvas  string
	stage   string
	changed bool
}

func (s *stageChangingStore) RouteEventsBatch(ctx context.Context, now time.Time, limit int,
	route func(ev store.Event) (store.Routed, error),
) (store.RoutedBatch, error) {
	return s.Store.RouteEventsBatch(ctx, now, limit, func(ev store.Event) (store.Routed, error) {
		r, err := route(ev)
		if !s.changed {
			s.changed = true
			if _, err := s.UpdateStage(ctx, s.org, s.canvas, s.stage, func(st *store.Stage) error {
				st.Description = "changed while an event was matched"
				return nil
			}); err != nil {
				s.t.Errorf("UpdateStage: %v", err)
			}
		}
		return r, err
	})
}

// TestReleasedEventRecordsNothing: an event whose canvas's stages changed
// between its match and its routing transaction is left pending, matched
// again by the next pass, and what its first match found (here the group's
// rejection: the event lacks the groupBy field) is not recorded: the group
// lists one rejection for it, from the match that was written, not two.
func TestReleasedEventRecordsNothing(t *testing.T) {
	g := newGroupEnv(t, "")
	ctx := t.Context()
	ev := g.deliver(t, g.a, `{"other":"x"}`)
	rejections := func() int {
		t.Helper()
		list, _, err := g.st.ListRejections(ctx, g.org, g.canvas, store.RejectionFilter{TargetType: api.ConnectionTypeConnectionGroup}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	state := func() store.Event {
		t.Helper()
		got, err := g.st.FindEvent(ctx, g.org, g.canvas, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	changing := &stageChangingStore{Store: g.st, t: t, org: g.org, canvas: g.canvas, stage: g.stage.ID}
	g.engine(changing).enginePass(ctx)
	if got := state(); got.State != store.EventPending || got.RouteAttempts != 0 || got.StateMessage != "" {
		t.Fatalf("after its stages changed meanwhile the event is %s after %d attempts (%q); want pending, no attempt counted",
			got.State, got.RouteAttempts, got.StateMessage)
	}
	if n := rejections(); n != 0 {
		t.Fatalf("the released event's match recorded %d group rejections, want none", n)
	}

	g.engine(changing).enginePass(ctx)
	if got := state(); got.State != store.EventProcessed || got.RouteAttempts != 1 {
		t.Fatalf("the next pass left the event %s after %d attempts; want processed at the first", got.State, got.RouteAttempts)
	}
	if n := rejections(); n != 1 {
		t.Fatalf("the group lists %d rejections for the event, want 1", n)
	}
}

// panickingStore panics in the first listing of a canvas's connection
// groups, which routing does inside the engine's route callback.
type panickingStore struct {
	store.Store
	panicked bool
}

func (s *panickingStore) ListConnectionGroups(ctx context.Context, orgID, canvasID string) ([]store.ConnectionGroup, error) {
	if !s.panicked {
		s.panicked = true
		panic("a bug")
	}
	return s.Store.ListConnectionGroups(ctx, orgID, canvasID)
}

// TestRoutingPanicCostsOneEvent: a panic while matching an event (before
// the routing transaction) is that event's error: it stays pending with the
// panic as its message and its attempt counted, and the other events of
// its batch are routed.
func TestRoutingPanicCostsOneEvent(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, org, canvas := newCanvas(t, now)
	hook := webhookSource(t, st, canvas, now)
	var ids []string
	for i := range 3 {
		ev, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
			Raw: []byte(`{}`), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: now.Add(time.Duration(i) * time.Microsecond)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	New(&panickingStore{Store: st}, nil, slog.New(slog.NewTextHandler(io.Discard, nil))).enginePass(ctx)
	for i, id := range ids {
		got, err := st.FindEvent(ctx, org.ID, canvas.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if got.State != store.EventPending || got.RouteAttempts != 1 || !strings.Contains(got.StateMessage, "routing failed: a bug") {
				t.Errorf("the event whose match panicked: %s after %d attempts (%q); want pending with the panic, one attempt",
					got.State, got.RouteAttempts, got.StateMessage)
			}
			continue
		}
		if got.State != store.EventProcessed {
			t.Errorf("event %d of the batch is %s, want processed", i, got.State)
		}
	}
}
