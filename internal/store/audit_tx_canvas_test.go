package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestAuditRecordCommitsWithStagesAndSources: a stage's and an event
// source's create made with an armed record commit it with the object
// (Written), naming the object and its canvas by id and name, so the
// server's wrapper writes no record of its own (one commit a create, not
// two); a record refused inside that transaction leaves neither object nor
// record, and the record to its wrapper. On both databases.
func TestAuditRecordCommitsWithStagesAndSources(t *testing.T) {
	for dialect, url := range dialectURLs(t) {
		t.Run(dialect, func(t *testing.T) {
			u := url(t)
			s, org, canvas, now := openAcmeProd(t, u)
			ctx := t.Context()
			sctx, sp := armedFor(ctx, org, "event_source", "create")
			es := auditSource(canvas, "hook", now)
			if err := s.CreateEventSource(sctx, es); err != nil {
				t.Fatal(err)
			}
			tctx, tp := armedFor(ctx, org, "stage", "create")
			st := auditStage(canvas, "deploy", now)
			if err := s.CreateStage(tctx, st); err != nil {
				t.Fatal(err)
			}
			if !sp.Written() || !tp.Written() {
				t.Fatalf("records written with the change: source %v, stage %v", sp.Written(), tp.Written())
			}
			got := records(t, s, org)
			want := []struct{ id, name string }{{es.ID, "hook"}, {st.ID, "deploy"}}
			if len(got) != len(want) {
				t.Fatalf("%d records, want %d: %+v", len(got), len(want), got)
			}
			for i, w := range want {
				g := got[i]
				if g.Action != "create" || g.ObjectID != w.id || g.ObjectName != w.name || g.CanvasID != canvas.ID ||
					g.CanvasName != "prod" || g.Status != 200 || g.Outcome != store.AuditSucceeded {
					t.Errorf("record %d: %+v, want %+v in canvas prod", i, g, w)
				}
			}

			// A conflict fails alone and leaves the record to the wrapper.
			cctx, cp := armedFor(ctx, org, "stage", "create")
			if err := s.CreateStage(cctx, auditStage(canvas, "deploy", now)); !errors.Is(err, store.ErrConflict) || cp.Written() {
				t.Fatalf("a stage whose name is taken: err %v, written %v", err, cp.Written())
			}

			refuseAudit(t, dialect, u)
			refusedCreate(t, ctx, org, "event_source",
				func(ctx context.Context) error {
					return s.CreateEventSource(ctx, auditSource(canvas, "refused-hook", now))
				},
				func() error { _, err := s.FindEventSource(ctx, org.ID, canvas.ID, "refused-hook"); return err })
			refusedCreate(t, ctx, org, "stage",
				func(ctx context.Context) error { return s.CreateStage(ctx, auditStage(canvas, "refused-deploy", now)) },
				func() error { _, err := s.FindStage(ctx, org.ID, canvas.ID, "refused-deploy"); return err })
			if n := len(records(t, s, org)); n != len(want) {
				t.Errorf("%d records after the refusals, want %d", n, len(want))
			}
		})
	}
}

// TestStageAndSourceCreatesShareABatch: stages and sources created at the
// same moment (one shared transaction on SQLite, with secrets' creates),
// some with their record refused and some with a name taken: those fail
// alone, and every other commits with exactly its record.
func TestStageAndSourceCreatesShareABatch(t *testing.T) {
	for dialect, url := range dialectURLs(t) {
		t.Run(dialect, func(t *testing.T) {
			u := url(t)
			s, org, canvas, now := openAcmeProd(t, u)
			ctx := t.Context()
			refuseAudit(t, dialect, u)
			const n = 48
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				errs []error
				ok   = map[string]string{}
			)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					name := fmt.Sprintf("o-%d", i)
					switch i % 4 {
					case 0:
						name = fmt.Sprintf("refused-%d", i)
					case 1:
						name = "taken" // one of these wins
					}
					var id string
					var err error
					var p *store.PendingAudit
					if i%2 == 0 {
						var actx context.Context
						actx, p = armedFor(ctx, org, "event_source", "create")
						es := auditSource(canvas, name, now)
						id, err = es.ID, s.CreateEventSource(actx, es)
					} else {
						var actx context.Context
						actx, p = armedFor(ctx, org, "stage", "create")
						st := auditStage(canvas, name, now)
						id, err = st.ID, s.CreateStage(actx, st)
					}
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil && p.Written() && i%4 != 0:
						ok[id] = name
					case err != nil && !p.Written() && (i%4 == 0 || errors.Is(err, store.ErrConflict)):
					default:
						errs = append(errs, fmt.Errorf("%s (%d): err %v, written %v", name, i, err, p.Written()))
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				t.Error(err)
			}
			sources, err := s.ListEventSources(ctx, org.ID, canvas.ID)
			if err != nil {
				t.Fatal(err)
			}
			stages, err := s.ListStages(ctx, org.ID, canvas.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(sources)+len(stages) != len(ok) {
				t.Errorf("%d sources and %d stages stored, want the %d created", len(sources), len(stages), len(ok))
			}
			got := records(t, s, org)
			if len(got) != len(ok) {
				t.Errorf("%d records, want %d", len(got), len(ok))
			}
			for _, r := range got {
				if ok[r.ObjectID] != r.ObjectName {
					t.Errorf("record of %s %q: no such create", r.ObjectID, r.ObjectName)
				}
				delete(ok, r.ObjectID)
			}
		})
	}
}

func auditSource(c store.Canvas, name string, at time.Time) store.EventSource {
	return store.EventSource{ID: uuid.NewString(), OrgID: c.OrgID, CanvasID: c.ID, Name: name, Type: "webhook",
		Events: []byte(`[]`), KeyID: "key-1", KeyCiphertext: make([]byte, 60), KeyVersion: 1, CreatedAt: at, UpdatedAt: at}
}

func auditStage(c store.Canvas, name string, at time.Time) store.Stage {
	return store.Stage{ID: uuid.NewString(), OrgID: c.OrgID, CanvasID: c.ID, Name: name,
		Spec: []byte(`{"executor":{"type":"noop"}}`), CreatedAt: at, UpdatedAt: at}
}

// openAcmeProd opens the store at url with organization acme and its
// canvas prod, and the time the canvas was created at.
func openAcmeProd(t *testing.T, url string) (store.Store, store.Organization, store.Canvas, time.Time) {
	t.Helper()
	s, org := openAcme(t, url)
	now := time.Now().UTC().Truncate(time.Microsecond)
	canvas := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateCanvas(t.Context(), canvas); err != nil {
		t.Fatal(err)
	}
	return s, org, canvas, now
}

// refusedCreate checks a create whose audit record the database refuses:
// create, given an armed record, fails without writing it, and find then
// answers ErrNotFound: the object did not commit without its record.
func refusedCreate(t *testing.T, ctx context.Context, org store.Organization, what string, create func(context.Context) error, find func() error) {
	t.Helper()
	rctx, rp := armedFor(ctx, org, what, "create")
	if err := create(rctx); err == nil || rp.Written() {
		t.Fatalf("a %s whose record was refused: err %v, written %v", what, err, rp.Written())
	}
	if err := find(); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the %s whose record was refused committed: %v", what, err)
	}
}
