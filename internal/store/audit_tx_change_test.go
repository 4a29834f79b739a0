package store_test

import (
	"errors"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestAuditRecordCommitsWithStageAndSourceChanges: a stage's and an event
// source's update and delete made with an armed record commit it with the
// change, naming the object as it is after an update and as it was before
// a deletion; a record refused inside that transaction leaves the object
// as it was and the record to the wrapper; and a record armed for another
// type of object is not taken (the request is about something else). On
// both databases.
func TestAuditRecordCommitsWithStageAndSourceChanges(t *testing.T) {
	for dialect, url := range dialectURLs(t) {
		t.Run(dialect, func(t *testing.T) {
			u := url(t)
			s, org, canvas, now := openAcmeProd(t, u)
			ctx := t.Context()
			st, es := auditStage(canvas, "deploy", now), auditSource(canvas, "hook", now)
			keep, gone := auditStage(canvas, "refused-keep", now), auditSource(canvas, "refused-gone", now)
			for _, err := range []error{s.CreateStage(ctx, st), s.CreateEventSource(ctx, es),
				s.CreateStage(ctx, keep), s.CreateEventSource(ctx, gone)} {
				if err != nil {
					t.Fatal(err)
				}
			}

			// Another object's record stays the wrapper's.
			octx, op := armedFor(ctx, org, "secret", "update")
			if _, err := s.UpdateStage(octx, org.ID, canvas.ID, st.ID, func(st *store.Stage) error { return nil }); err != nil || op.Written() {
				t.Fatalf("a stage written for a secret's request: err %v, took its record %v", err, op.Written())
			}

			uctx, up := armedFor(ctx, org, "stage", "update")
			if _, err := s.UpdateStage(uctx, org.ID, canvas.ID, "deploy", func(st *store.Stage) error {
				st.Name = "ship"
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			vctx, vp := armedFor(ctx, org, "event_source", "update")
			if _, err := s.UpdateEventSource(vctx, org.ID, canvas.ID, "hook", func(es *store.EventSource) error {
				es.Name = "push"
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			dctx, dp := armedFor(ctx, org, "stage", "delete")
			if err := s.DeleteStage(dctx, org.ID, canvas.ID, st.ID); err != nil {
				t.Fatal(err)
			}
			ectx, ep := armedFor(ctx, org, "event_source", "delete")
			if err := s.DeleteEventSource(ectx, org.ID, canvas.ID, "push"); err != nil {
				t.Fatal(err)
			}
			for i, p := range []*store.PendingAudit{up, vp, dp, ep} {
				if !p.Written() {
					t.Errorf("change %d: its record was not written with it", i)
				}
			}
			got := records(t, s, org)
			want := []struct{ action, id, name string }{
				{"update", st.ID, "ship"}, {"update", es.ID, "push"}, {"delete", st.ID, "ship"}, {"delete", es.ID, "push"},
			}
			if len(got) != len(want) {
				t.Fatalf("%d records, want %d: %+v", len(got), len(want), got)
			}
			for i, w := range want {
				g := got[i]
				if g.Action != w.action || g.ObjectID != w.id || g.ObjectName != w.name || g.CanvasID != canvas.ID ||
					g.CanvasName != "prod" || g.Status != 200 || g.Outcome != store.AuditSucceeded {
					t.Errorf("record %d: %+v, want %+v in canvas prod", i, g, w)
				}
			}

			// Refused records: the changes roll back with them.
			refuseAudit(t, dialect, u)
			rctx, rp := armedFor(ctx, org, "stage", "update")
			if _, err := s.UpdateStage(rctx, org.ID, canvas.ID, keep.ID, func(st *store.Stage) error {
				st.Description = "changed"
				return nil
			}); err == nil || rp.Written() {
				t.Fatalf("an update whose record was refused: err %v, written %v", err, rp.Written())
			}
			if got, err := s.FindStage(ctx, org.ID, canvas.ID, keep.ID); err != nil || got.Description != "" {
				t.Fatalf("the update whose record was refused committed: %q, %v", got.Description, err)
			}
			rctx, rp = armedFor(ctx, org, "stage", "delete")
			if err := s.DeleteStage(rctx, org.ID, canvas.ID, keep.ID); err == nil || rp.Written() {
				t.Fatalf("a stage deletion whose record was refused: err %v, written %v", err, rp.Written())
			}
			if _, err := s.FindStage(ctx, org.ID, canvas.ID, keep.ID); err != nil {
				t.Fatalf("the stage whose deletion's record was refused is gone: %v", err)
			}
			rctx, rp = armedFor(ctx, org, "event_source", "delete")
			if err := s.DeleteEventSource(rctx, org.ID, canvas.ID, gone.ID); err == nil || rp.Written() {
				t.Fatalf("a source deletion whose record was refused: err %v, written %v", err, rp.Written())
			}
			if _, err := s.FindEventSource(ctx, org.ID, canvas.ID, gone.ID); err != nil {
				t.Fatalf("the source whose deletion's record was refused is gone: %v", err)
			}
			// A deletion of nothing fails as before and records nothing.
			nctx, np := armedFor(ctx, org, "stage", "delete")
			if err := s.DeleteStage(nctx, org.ID, canvas.ID, "missing"); !errors.Is(err, store.ErrNotFound) || np.Written() {
				t.Fatalf("deleting a missing stage: err %v, written %v", err, np.Written())
			}
			if n := len(records(t, s, org)); n != len(want) {
				t.Errorf("%d records after the refusals, want %d", n, len(want))
			}
		})
	}
}
