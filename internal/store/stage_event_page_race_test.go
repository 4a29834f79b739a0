package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// TestStageEventLeavingItsStatesBetweenPageAndCount: a stage event that
// leaves the listed states (pending, then discarded) once the page's rows
// are read is counted as the page shows it. Counted by a statement of its
// own after the page, it was not: the answer listed 3 pending events of 2
// (a console showing "3 of 2").
func TestStageEventLeavingItsStatesBetweenPageAndCount(t *testing.T) {
	for _, database := range []string{"sqlite", "postgres"} {
		t.Run(database, func(t *testing.T) {
			ctx := t.Context()
			url := "sqlite://" + filepath.Join(t.TempDir(), "superplane.db")
			if database == "postgres" {
				url = pgtest.SchemaURL(t, "sepage")
			}
			st, org, canvas, now := openAcmeCanvas(t, url)
			stage := Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, Name: "deploy", Spec: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
			if err := st.CreateStage(ctx, stage); err != nil {
				t.Fatal(err)
			}
			var evs []StageEvent
			for i := range 3 {
				evs = append(evs, StageEvent{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, StageID: stage.ID,
					Connection: "hook", TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: uuid.NewString(), TriggerSourceName: "hook",
					TriggerEventID: uuid.NewString(), TriggerType: "push", TriggerPayload: []byte(`{}`), TriggerHeaders: []byte(`{}`),
					State: StageEventPending, Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: now.Add(time.Duration(i) * time.Second)})
			}
			if err := st.InsertStageEvents(ctx, evs); err != nil {
				t.Fatal(err)
			}
			calls := 0
			stageEventsPageRead = func() {
				calls++
				if calls > 1 {
					return
				}
				if _, err := st.UpdateStageEvent(ctx, org.ID, canvas.ID, stage.ID, evs[0].ID, func(ev *StageEvent) error {
					ev.State, ev.DiscardedBy, ev.DiscardedAt = StageEventDiscarded, "someone", now
					return nil
				}); err != nil {
					t.Errorf("the discard between the page and the count: %v", err)
				}
			}
			t.Cleanup(func() { stageEventsPageRead = nil })
			page, err := st.ListStageEventPage(ctx, org.ID, canvas.ID, stage.ID, []string{StageEventPending}, Page{Limit: 10}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if calls != 1 {
				t.Fatalf("the hook ran %d times, want once (after the page's rows)", calls)
			}
			if len(page.Events) != 3 || page.Total != 3 || page.Capped {
				t.Fatalf("%d pending events listed of %d counted (capped %v), want the 3 on the page counted: "+
					"an event on the page must be in the count", len(page.Events), page.Total, page.Capped)
			}
			// The next read sees the discard in both.
			page, err = st.ListStageEventPage(ctx, org.ID, canvas.ID, stage.ID, []string{StageEventPending}, Page{Limit: 10}, 1000)
			if err != nil || len(page.Events) != 2 || page.Total != 2 {
				t.Fatalf("after the discard: %d listed of %d, %v; want 2 of 2", len(page.Events), page.Total, err)
			}
		})
	}
}

// openAcmeCanvas opens a store at url, closed when the test ends, with the
// organization acme and its canvas prod, created now (returned).
func openAcmeCanvas(t *testing.T, url string) (Store, Organization, Canvas, time.Time) {
	t.Helper()
	ctx := t.Context()
	st, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	canvas := Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateCanvas(ctx, canvas); err != nil {
		t.Fatal(err)
	}
	return st, org, canvas, now
}
