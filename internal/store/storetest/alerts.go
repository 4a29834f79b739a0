package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func newAlert(c store.Canvas, stageID, kind string, at time.Time) store.Alert {
	return store.Alert{
		ID: uuid.NewString(), OrgID: c.OrgID, CanvasID: c.ID, SourceType: "EVENT_SOURCE_TYPE_STAGE",
		SourceID: stageID, SourceName: "deploy", Kind: kind, Type: "ALERT_TYPE_ERROR",
		Message: kind + " at " + at.Format(time.RFC3339Nano), CreatedAt: at,
	}
}

// testAlerts: a repeated alert is counted, not stored again, until it is
// acknowledged; lists are newest first, scoped to the canvas, and hide
// acknowledged alerts unless asked.
func testAlerts(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "chain")
	other := mustCanvas(t, s, org.ID, "other")
	stage := uuid.NewString()
	t0 := now()

	first, err := s.RaiseAlert(ctx, newAlert(c, stage, store.AlertKindMissingSecret, t0))
	if err != nil {
		t.Fatalf("RaiseAlert: %v", err)
	}
	equal(t, "count of a new alert", first.Count, 1)
	again, err := s.RaiseAlert(ctx, newAlert(c, stage, store.AlertKindMissingSecret, t0.Add(time.Second)))
	if err != nil {
		t.Fatalf("RaiseAlert again: %v", err)
	}
	equal(t, "id of a repeated alert", again.ID, first.ID)
	equal(t, "count of a repeated alert", again.Count, 2)
	equal(t, "created_at of a repeated alert", again.CreatedAt, t0)
	equal(t, "last_seen_at of a repeated alert", again.LastSeenAt, t0.Add(time.Second))
	if again.Message == first.Message {
		t.Errorf("a repeated alert kept the first message %q", again.Message)
	}

	// Concurrent repeats still leave one open alert.
	for _, err := range concurrently(func(i int) error {
		_, err := s.RaiseAlert(ctx, newAlert(c, stage, store.AlertKindMissingSecret, t0.Add(2*time.Second)))
		return err
	}) {
		if err != nil {
			t.Fatalf("concurrent RaiseAlert: %v", err)
		}
	}
	list, err := s.ListAlerts(ctx, org.ID, c.ID, false, store.Page{})
	if err != nil {
		t.Fatalf("ListAlerts: %v", err)
	}
	if len(list) != 1 || list[0].Count != 2+Concurrency {
		t.Fatalf("after %d repeats the list is %+v, want one alert with count %d", Concurrency, list, 2+Concurrency)
	}

	// Another kind for the same stage is another alert, newer, so first.
	spec, err := s.RaiseAlert(ctx, newAlert(c, stage, store.AlertKindExecutorSpec, t0.Add(3*time.Second)))
	if err != nil {
		t.Fatalf("RaiseAlert: %v", err)
	}
	list, _ = s.ListAlerts(ctx, org.ID, c.ID, false, store.Page{})
	if len(list) != 2 || list[0].ID != spec.ID || list[1].ID != first.ID {
		t.Fatalf("ListAlerts = %+v, want the executor-spec alert, then the missing-secret one", list)
	}
	page, _ := s.ListAlerts(ctx, org.ID, c.ID, false, store.Page{Limit: 1, BeforeTime: spec.CreatedAt, BeforeID: spec.ID})
	if len(page) != 1 || page[0].ID != first.ID {
		t.Fatalf("second page = %+v, want the missing-secret alert", page)
	}
	if got, _ := s.ListAlerts(ctx, org.ID, other.ID, true, store.Page{}); len(got) != 0 {
		t.Errorf("another canvas lists %+v", got)
	}
	globex := mustOrg(t, s, "globex")
	if got, _ := s.ListAlerts(ctx, globex.ID, c.ID, true, store.Page{}); len(got) != 0 {
		t.Errorf("another organization lists %+v", got)
	}

	// Acknowledged: hidden by default, listed on request, and the next
	// occurrence opens a new alert.
	user := uuid.NewString()
	acked, err := s.AcknowledgeAlert(ctx, org.ID, c.ID, first.ID, user, t0.Add(4*time.Second))
	if err != nil {
		t.Fatalf("AcknowledgeAlert: %v", err)
	}
	equal(t, "acknowledged_by", acked.AcknowledgedBy, user)
	equal(t, "acknowledged_at", acked.AcknowledgedAt, t0.Add(4*time.Second))
	twice, err := s.AcknowledgeAlert(ctx, org.ID, c.ID, first.ID, uuid.NewString(), t0.Add(5*time.Second))
	if err != nil {
		t.Fatalf("AcknowledgeAlert twice: %v", err)
	}
	equal(t, "a second acknowledgement", twice, acked)
	_, err = s.AcknowledgeAlert(ctx, globex.ID, c.ID, first.ID, user, t0)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.AcknowledgeAlert(ctx, org.ID, other.ID, first.ID, user, t0)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.AcknowledgeAlert(ctx, org.ID, c.ID, "not-an-id", user, t0)
	wantErr(t, err, store.ErrNotFound)

	if got, _ := s.ListAlerts(ctx, org.ID, c.ID, false, store.Page{}); len(got) != 1 || got[0].ID != spec.ID {
		t.Errorf("open alerts after an acknowledgement = %+v, want only the executor-spec one", got)
	}
	reopened, err := s.RaiseAlert(ctx, newAlert(c, stage, store.AlertKindMissingSecret, t0.Add(6*time.Second)))
	if err != nil {
		t.Fatalf("RaiseAlert after acknowledgement: %v", err)
	}
	if reopened.ID == first.ID || reopened.Count != 1 {
		t.Errorf("after an acknowledgement the repeat is %+v, want a new alert with count 1", reopened)
	}
	if got, _ := s.ListAlerts(ctx, org.ID, c.ID, true, store.Page{}); len(got) != 3 {
		t.Errorf("with includeAcked the list has %d alerts, want 3", len(got))
	}

	// The canvas takes its alerts with it.
	_, err = s.RaiseAlert(ctx, newAlert(store.Canvas{ID: uuid.NewString(), OrgID: org.ID}, stage, "x", t0))
	wantErr(t, err, store.ErrNotFound)
	if err := s.DeleteCanvas(ctx, org.ID, c.ID); err != nil {
		t.Fatalf("DeleteCanvas: %v", err)
	}
	if got, _ := s.ListAlerts(ctx, org.ID, c.ID, true, store.Page{}); len(got) != 0 {
		t.Errorf("a deleted canvas still lists %d alerts", len(got))
	}
}

// testRejections: listed newest first with filters and a total count;
// pruning removes the old and those beyond the per-canvas cap, in batches.
func testRejections(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "chain")
	other := mustCanvas(t, s, org.ID, "other")
	build, deploy := uuid.NewString(), uuid.NewString()
	t0 := now().Add(-time.Hour)
	var rs []store.Rejection
	for i := range 6 {
		target := build
		if i%2 == 1 {
			target = deploy
		}
		rs = append(rs, store.Rejection{
			ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, TargetType: "TYPE_STAGE", TargetID: target,
			TargetName: "stage", EventID: uuid.NewString(), Reason: "REJECTION_REASON_FILTERED",
			Message: "filtered", CreatedAt: t0.Add(time.Duration(i) * time.Second),
		})
	}
	// One for a canvas that is gone: skipped, not an error.
	rs = append(rs, store.Rejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: uuid.NewString(),
		TargetType: "TYPE_STAGE", TargetID: build, Reason: "REJECTION_REASON_ERROR", CreatedAt: t0})
	if err := s.InsertRejections(ctx, rs); err != nil {
		t.Fatalf("InsertRejections: %v", err)
	}
	if err := s.InsertRejections(ctx, []store.Rejection{{ID: uuid.NewString(), OrgID: org.ID, CanvasID: other.ID,
		TargetType: "TYPE_EVENT_SOURCE", TargetID: uuid.NewString(), Reason: "REJECTION_REASON_FILTERED", CreatedAt: t0}}); err != nil {
		t.Fatalf("InsertRejections: %v", err)
	}

	all, total, err := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{}, store.Page{})
	if err != nil {
		t.Fatalf("ListRejections: %v", err)
	}
	if len(all) != 6 || total != 6 || all[0].ID != rs[5].ID || all[5].ID != rs[0].ID {
		t.Fatalf("ListRejections = %d (total %d), want the canvas's 6 newest first", len(all), total)
	}
	equal(t, "a stored rejection", all[0], rs[5])

	deployOnly, total, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{TargetType: "TYPE_STAGE", TargetID: deploy}, store.Page{Limit: 2})
	if len(deployOnly) != 2 || total != 3 || deployOnly[0].ID != rs[5].ID || deployOnly[1].ID != rs[3].ID {
		t.Fatalf("deploy's first page = %+v (total %d), want rejections 5 and 3 of 3", deployOnly, total)
	}
	next, _, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{TargetID: deploy},
		store.Page{Limit: 2, BeforeTime: deployOnly[1].CreatedAt, BeforeID: deployOnly[1].ID})
	if len(next) != 1 || next[0].ID != rs[1].ID {
		t.Fatalf("deploy's second page = %+v, want rejection 1", next)
	}
	if got, total, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{TargetType: "TYPE_EVENT_SOURCE"}, store.Page{}); len(got) != 0 || total != 0 {
		t.Errorf("no source rejections in this canvas, got %d (total %d)", len(got), total)
	}
	globex := mustOrg(t, s, "globex")
	if got, _, _ := s.ListRejections(ctx, globex.ID, c.ID, store.RejectionFilter{}, store.Page{}); len(got) != 0 {
		t.Errorf("another organization lists %d rejections", len(got))
	}

	// Keep the newest 4 per canvas, in batches of 1: rejections 0 and 1 go,
	// one per call; the other canvas's single one stays.
	n, err := s.PruneRejections(ctx, t0.Add(-time.Hour), 4, 1)
	if err != nil || n != 1 {
		t.Fatalf("PruneRejections = %d, %v; want 1 (the batch)", n, err)
	}
	if n, _ := s.PruneRejections(ctx, t0.Add(-time.Hour), 4, 10); n != 1 {
		t.Fatalf("second PruneRejections removed %d, want the other 1", n)
	}
	left, _, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{}, store.Page{})
	if len(left) != 4 || left[3].ID != rs[2].ID {
		t.Fatalf("after pruning %d rejections are left (oldest %v), want 4 down to rejection 2", len(left), left)
	}
	// By age: everything before t0+3s goes, across canvases.
	if n, _ := s.PruneRejections(ctx, t0.Add(3*time.Second), 100, 10); n != 2 {
		t.Fatalf("pruning by age removed %d, want 2 (rejection 2 and the other canvas's)", n)
	}
	if got, _, _ := s.ListRejections(ctx, org.ID, other.ID, store.RejectionFilter{}, store.Page{}); len(got) != 0 {
		t.Errorf("the other canvas's old rejection survived pruning by age")
	}

	// Acknowledged alerts past the retention go too; open ones never.
	open, _ := s.RaiseAlert(ctx, newAlert(c, build, store.AlertKindRunError, t0))
	acked, _ := s.RaiseAlert(ctx, newAlert(c, deploy, store.AlertKindRunError, t0))
	if _, err := s.AcknowledgeAlert(ctx, org.ID, c.ID, acked.ID, "u", t0); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PruneRejections(ctx, t0.Add(time.Minute), 100, 10); n != 4 {
		t.Fatalf("pruning removed %d, want the 3 old rejections and the acknowledged alert", n)
	}
	got, _ := s.ListAlerts(ctx, org.ID, c.ID, true, store.Page{})
	if len(got) != 1 || got[0].ID != open.ID {
		t.Errorf("after pruning the alerts are %+v, want only the open one", got)
	}
}

// testRejectionsInBulk: a batch as a busy canvas makes it (hundreds of
// rejections, more than one INSERT holds on PostgreSQL, with some of a
// canvas deleted meanwhile among them) stores every row of the existing
// canvases and none of the other.
func testRejectionsInBulk(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "busy")
	gone := uuid.NewString()
	t0 := now().Add(-time.Minute)
	var rs []store.Rejection
	for i := range 250 {
		canvas := c.ID
		if i%100 == 7 {
			canvas = gone
		}
		rs = append(rs, store.Rejection{
			ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas, TargetType: "TYPE_STAGE", TargetID: uuid.NewString(),
			TargetName: fmt.Sprintf("stage-%d", i), EventID: uuid.NewString(), Reason: "REJECTION_REASON_FILTERED",
			Message: "filtered", CreatedAt: t0.Add(time.Duration(i) * time.Millisecond),
		})
	}
	if err := s.InsertRejections(ctx, rs); err != nil {
		t.Fatalf("InsertRejections: %v", err)
	}
	got, total, err := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{}, store.Page{Limit: 500})
	if err != nil {
		t.Fatalf("ListRejections: %v", err)
	}
	if total != 247 || len(got) != 247 {
		t.Fatalf("ListRejections = %d (total %d), want the 247 of the existing canvas", len(got), total)
	}
	equal(t, "the newest rejection", got[0], rs[249])
	equal(t, "the oldest rejection", got[246], rs[0])
}
