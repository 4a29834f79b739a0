package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// listCountingStore counts the listings of a canvas's stages.
type listCountingStore struct {
	store.Store
	lists atomic.Int64
}

func (s *listCountingStore) ListStages(ctx context.Context, orgID, canvasID string) ([]store.Stage, error) {
	s.lists.Add(1)
	return s.Store.ListStages(ctx, orgID, canvasID)
}

// TestRoutingSeesStageChanges: routing keeps a canvas's stages between
// passes (one listing for events routed in several passes), and still the
// next event routed after a stage is created, updated or deleted goes where
// the stages now say.
func TestRoutingSeesStageChanges(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, org, canvas := newCanvas(t, now)
	hook := webhookSource(t, st, canvas, now)
	spec := func(n int) []byte { return freeNoopStage(canvas, "", fmt.Sprintf("$.n == %d", n), now).Spec }
	ids := map[string]string{}
	create := func(name string, n int) {
		ids[name] = uuid.NewString()
		if err := st.CreateStage(ctx, store.Stage{ID: ids[name], OrgID: org.ID, CanvasID: canvas.ID, Name: name,
			Spec: spec(n), CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	create("zero", 0)
	create("one", 1)

	counted := &listCountingStore{Store: st}
	e := New(counted, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	// route sends an event with n and runs a pass; it returns the stages
	// (by name) whose queues it reached.
	route := func(n int) map[string]bool {
		t.Helper()
		ev, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
			Raw: fmt.Appendf(nil, `{"n":%d}`, n), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		e.enginePass(ctx)
		reached := map[string]bool{}
		for name, id := range ids {
			queued, err := st.ListStageEvents(ctx, org.ID, canvas.ID, id, nil, store.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, se := range queued {
				if se.TriggerEventID == ev.ID {
					reached[name] = true
				}
			}
		}
		return reached
	}
	check := func(what string, got map[string]bool, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: the event reached %v, want %v", what, got, want)
			return
		}
		for _, name := range want {
			if !got[name] {
				t.Errorf("%s: the event reached %v, want %v", what, got, want)
			}
		}
	}

	check("first event", route(0), "zero")
	check("second event", route(1), "one")
	check("third event", route(0), "zero")
	if n := counted.lists.Load(); n != 1 {
		t.Errorf("three passes listed the stages %d times, want once", n)
	}

	create("two", 0)
	check("after a stage was created", route(0), "zero", "two")
	if _, err := st.UpdateStage(ctx, org.ID, canvas.ID, "one", func(s *store.Stage) error { s.Spec = spec(0); return nil }); err != nil {
		t.Fatal(err)
	}
	check("after a stage's filter changed", route(0), "zero", "one", "two")
	if err := st.DeleteStage(ctx, org.ID, canvas.ID, "zero"); err != nil {
		t.Fatal(err)
	}
	delete(ids, "zero")
	check("after a stage was deleted", route(0), "one", "two")
	if n := counted.lists.Load(); n != 4 {
		t.Errorf("the stages were listed %d times, want 4: once, then after each change", n)
	}
}

// TestKeptStagesCarryTheirPrograms: a kept list of stages carries each
// stage's compiled programs (routing no longer looks each stage up in the
// programs' cache for every event), built from the very spec listed, and
// a changed stage's list carries its new programs.
func TestKeptStagesCarryTheirPrograms(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, org, canvas := newCanvas(t, now)
	spec := func(n int) []byte { return freeNoopStage(canvas, "", fmt.Sprintf("$.n == %d", n), now).Spec }
	for i, name := range []string{"zero", "one"} {
		if err := st.CreateStage(ctx, store.Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, Name: name,
			Spec: spec(i), CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	var sets stageSets
	check := func(what string) versionedStages {
		t.Helper()
		set, err := sets.stagesAt(ctx, st, org.ID, canvas.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(set.progs) != len(set.stages) || len(set.stages) != 2 {
			t.Fatalf("%s: %d programs for %d stages", what, len(set.progs), len(set.stages))
		}
		for i, stage := range set.stages {
			if set.progs[i] != stageProgramsOf(stage) {
				t.Errorf("%s: stage %s carries programs other than its spec's", what, stage.Name)
			}
		}
		return set
	}
	first := check("listed")
	if again := check("kept"); &again.progs[0] != &first.progs[0] {
		t.Error("the kept list's programs were built again")
	}
	if _, err := st.UpdateStage(ctx, org.ID, canvas.ID, "one", func(s *store.Stage) error { s.Spec = spec(5); return nil }); err != nil {
		t.Fatal(err)
	}
	changed := check("after a stage's filter changed")
	for i, stage := range changed.stages {
		if stage.Name == "one" {
			if p := changed.progs[i]; p.spec.Connections[0].Filters[0].Data.Expression != "$.n == 5" {
				t.Errorf("stage one's programs are for %q", p.spec.Connections[0].Filters[0].Data.Expression)
			}
		}
	}
}
