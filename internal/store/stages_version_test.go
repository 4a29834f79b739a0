package store_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestStagesVersion: a canvas's stages version changes with every stage
// created, updated or deleted in it, not with another canvas's stages, and
// a canvas that does not exist (or no longer does) has none. The engine
// keeps a canvas's stages while it holds, so a change it missed would route
// events to stages as they were.
func TestStagesVersion(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, org := openAcme(t, url(t))
			now := time.Now().UTC().Truncate(time.Microsecond)
			newCanvas := func(name string) store.Canvas {
				c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: name, CreatedAt: now, UpdatedAt: now}
				if err := st.CreateCanvas(ctx, c); err != nil {
					t.Fatal(err)
				}
				return c
			}
			prod, other := newCanvas("prod"), newCanvas("other")
			newStage := func(c store.Canvas, name string) {
				if err := st.CreateStage(ctx, store.Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: name,
					Spec: []byte(`{"executor":{"type":"noop"}}`), CreatedAt: now, UpdatedAt: now}); err != nil {
					t.Fatal(err)
				}
			}
			last, err := st.StagesVersion(ctx, org.ID, prod.ID)
			if err != nil {
				t.Fatal(err)
			}
			step := func(what string, changes bool) {
				t.Helper()
				v, err := st.StagesVersion(ctx, org.ID, prod.ID)
				if err != nil {
					t.Fatalf("after %s: %v", what, err)
				}
				if changed := v != last; changed != changes {
					t.Errorf("after %s the version went from %d to %d; want a change: %v", what, last, v, changes)
				}
				last = v
			}
			newStage(prod, "a")
			step("a stage created", true)
			newStage(prod, "b")
			step("another stage created", true)
			newStage(other, "a")
			step("a stage created in another canvas", false)
			if _, err := st.UpdateStage(ctx, org.ID, prod.ID, "a", func(s *store.Stage) error {
				s.Spec = []byte(`{"executor":{"type":"noop"},"conditions":[]}`)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			step("a stage updated", true)
			if err := st.DeleteStage(ctx, org.ID, prod.ID, "b"); err != nil {
				t.Fatal(err)
			}
			step("a stage deleted", true)
			step("nothing", false)

			if err := st.DeleteCanvas(ctx, org.ID, prod.ID); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{prod.ID, uuid.NewString(), "not-an-id"} {
				if _, err := st.StagesVersion(ctx, org.ID, id); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("StagesVersion of canvas %s: %v, want ErrNotFound", id, err)
				}
			}
		})
	}
}

// TestStageChangesRaceCanvasDeletion: stages changed, created and deleted
// while their canvas is deleted end in success or not-found, never in a
// deadlock (migration 0027's triggers update the canvas's row; the store
// takes it first).
func TestStageChangesRaceCanvasDeletion(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, org := openAcme(t, url(t))
			now := time.Now().UTC().Truncate(time.Microsecond)
			spec := []byte(`{"executor":{"type":"noop"}}`)
			for round := range 10 {
				c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "c" + strconv.Itoa(round), CreatedAt: now, UpdatedAt: now}
				if err := st.CreateCanvas(ctx, c); err != nil {
					t.Fatal(err)
				}
				for i := range 4 {
					if err := st.CreateStage(ctx, store.Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID,
						Name: "s" + strconv.Itoa(i), Spec: spec, CreatedAt: now, UpdatedAt: now}); err != nil {
						t.Fatal(err)
					}
				}
				var wg sync.WaitGroup
				errs := make(chan error, 8)
				for i := range 4 {
					wg.Go(func() {
						name := "s" + strconv.Itoa(i)
						var err error
						switch i % 3 {
						case 0:
							_, err = st.UpdateStage(ctx, org.ID, c.ID, name, func(s *store.Stage) error { s.Description = "x"; return nil })
						case 1:
							err = st.DeleteStage(ctx, org.ID, c.ID, name)
						default:
							err = st.CreateStage(ctx, store.Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID,
								Name: "new" + strconv.Itoa(i), Spec: spec, CreatedAt: now, UpdatedAt: now})
						}
						errs <- err
					})
				}
				wg.Go(func() { errs <- st.DeleteCanvas(ctx, org.ID, c.ID) })
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Errorf("round %d: %v", round, err)
					}
				}
			}
		})
	}
}
