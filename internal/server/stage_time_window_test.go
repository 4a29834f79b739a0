package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// waitingEvents polls a stage's waiting events until there are n.
func waitingEvents(t *testing.T, se *stageEnv, stage string, n int) []api.StageEvent {
	t.Helper()
	var queued api.ListStageEventsResponse
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		se.do("viewer", "GET", "/api/v1/canvases/prod/stages/"+stage+"/events?states=STATE_WAITING", nil).decode(t, &queued)
		if len(queued.Events) == n {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return queued.Events
}

// TestAllDayWindowOnChosenDays: a window from 00:00 to 24:00 on chosen days
// is accepted, reads back as written, and lets an event run at once on one
// of those days (today and tomorrow are chosen, so a test run across
// midnight holds too).
func TestAllDayWindowOnChosenDays(t *testing.T) {
	se := newStageEnv(t)
	now := time.Now().UTC()
	days := []string{strings.ToLower(now.Weekday().String()), strings.ToLower(now.AddDate(0, 0, 1).Weekday().String())}
	req := httpStage("allday", se.recvURL)
	req.Stage.Spec.Conditions = []api.Condition{{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{
		Start: "00:00", End: "24:00", WeekDays: days,
	}}}
	var created api.StageResponse
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", req).decode(t, &created)
	if tw := created.Stage.Spec.Conditions[0].TimeWindow; tw == nil || tw.Start != "00:00" || tw.End != "24:00" {
		t.Fatalf("created window: %+v", created.Stage.Spec.Conditions)
	}
	var read api.StageResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages/allday", nil).decode(t, &read)
	if tw := read.Stage.Spec.Conditions[0].TimeWindow; tw == nil || tw.End != "24:00" || len(tw.WeekDays) != 2 {
		t.Fatalf("read window: %+v", read.Stage.Spec.Conditions)
	}
	se.post(t, `{"ref":"refs/heads/main","after":"abc"}`)
	if ex := waitExecution(t, se.env, "allday", 1)[0]; ex.Result != api.ResultPassed {
		t.Fatalf("execution inside the all-day window: %+v", ex)
	}
}

// TestStoredWindowThatNeverOpens: a stage saved before the server refused a
// window ending at its start still reads and lists as stored, and routing
// keeps what it did: the event is queued, waiting for the time window (it
// never opens, so it waits until someone discards it or fixes the stage).
// Saving the stage again as it is answers 400 naming the field.
func TestStoredWindowThatNeverOpens(t *testing.T) {
	se := newStageEnv(t)
	old := httpStage("never", se.recvURL)
	old.Stage.Spec.Conditions = []api.Condition{{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "08:00", End: "08:00"}}}
	spec, err := json.Marshal(old.Stage.Spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	canvas, err := se.store.FindCanvas(ctx, orgOf(t, se), "prod")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := se.store.CreateStage(ctx, store.Stage{ID: uuid.NewString(), OrgID: canvas.OrgID, CanvasID: canvas.ID, Name: "never",
		Spec: spec, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	var read api.StageResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages/never", nil).decode(t, &read)
	if tw := read.Stage.Spec.Conditions[0].TimeWindow; tw == nil || tw.Start != "08:00" || tw.End != "08:00" {
		t.Fatalf("read: %+v", read.Stage.Spec.Conditions)
	}
	var list api.ListStagesResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages", nil).decode(t, &list)
	if len(list.Stages) != 1 || list.Stages[0].Metadata.Name != "never" {
		t.Fatalf("list: %+v", list.Stages)
	}

	se.post(t, `{"ref":"refs/heads/main","after":"abc"}`)
	if queued := waitingEvents(t, se, "never", 1); len(queued) != 1 || queued[0].StateReason != api.StageEventReasonTimeWindow {
		t.Fatalf("waiting events: %+v", queued)
	}
	if n := len(se.recv.received()); n != 0 {
		t.Fatalf("the never-opening window let %d requests through", n)
	}

	r := se.do("owner", "PATCH", "/api/v1/canvases/prod/stages/never", old)
	if r.status != 400 || !strings.Contains(r.err.Message, "stage.spec.conditions[0].timeWindow.end") {
		t.Fatalf("saving it again: %d %s; want 400 naming the window's end", r.status, r.body)
	}
}
