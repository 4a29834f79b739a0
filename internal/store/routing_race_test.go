package store_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestRoutingRacesStageChanges: events routed while their canvas's stages
// are created, changed and deleted (and, in half the rounds, the canvas
// deleted) are each routed at their first attempt, never charged an
// attempt or left with an error because a stage changed between their
// match and their routing transaction (that transaction checks the
// canvas's stages version, FOR SHARE on PostgreSQL), and nothing deadlocks
// (it takes the canvas's row before the events', as a canvas's deletion
// and a stage's write do).
func TestRoutingRacesStageChanges(t *testing.T) {
	for name, url := range dialectURLs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, org := openAcme(t, url(t))
			now := time.Now().UTC().Truncate(time.Microsecond)
			spec := []byte(`{"executor":{"type":"noop"}}`)
			match := func(ev store.Event) (store.Routed, error) {
				v, err := st.StagesVersion(ctx, ev.OrgID, ev.CanvasID)
				if err != nil {
					return store.Routed{}, err
				}
				stages, err := st.ListStages(ctx, ev.OrgID, ev.CanvasID)
				if err != nil {
					return store.Routed{}, err
				}
				var out []store.StageEvent
				for _, s := range stages {
					out = append(out, store.StageEvent{ID: uuid.NewString(), StageID: s.ID, Connection: "hook",
						TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: ev.SourceID, TriggerSourceName: ev.SourceName,
						TriggerEventID: ev.ID, TriggerType: ev.Type, TriggerPayload: ev.Raw, TriggerHeaders: ev.Headers,
						State: store.StageEventPending, Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: now})
				}
				return store.Routed{StageEvents: out, StagesVersion: v, StagesVersionKnown: true}, nil
			}
			for round := range 6 {
				deleteCanvas := round%2 == 1
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
				es := store.EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
					Events: []byte(`[{"type":"push"}]`), KeyID: "k", KeyCiphertext: []byte("sealed"), KeyVersion: 1,
					CreatedAt: now, UpdatedAt: now}
				if err := st.CreateEventSource(ctx, es); err != nil {
					t.Fatal(err)
				}
				const events = 40
				var ids []string
				for i := range events {
					ev, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: es.ID, Type: "push",
						Raw: []byte(`{}`), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: now.Add(time.Duration(i) * time.Microsecond)})
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, ev.ID)
				}
				pending := func() int {
					n, _, err := st.CountEvents(ctx, store.EventFilter{OrgID: org.ID, CanvasID: c.ID, States: []string{store.EventPending}}, 1000)
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						t.Error(err)
					}
					return int(n)
				}
				var wg sync.WaitGroup
				errs := make(chan error, 64)
				wg.Go(func() {
					for range 200 { // bounded: each call routes, or releases events a stage change moved
						if _, err := st.RouteEventsBatch(ctx, time.Now(), 5, match); err != nil {
							errs <- err
							return
						}
						if pending() == 0 {
							return
						}
					}
				})
				for i := range 3 {
					wg.Go(func() {
						for j := range 4 {
							name := "s" + strconv.Itoa(i)
							var err error
							switch (i + j) % 3 {
							case 0:
								_, err = st.UpdateStage(ctx, org.ID, c.ID, name, func(s *store.Stage) error { s.Description = strconv.Itoa(j); return nil })
							case 1:
								err = st.DeleteStage(ctx, org.ID, c.ID, name)
							default:
								err = st.CreateStage(ctx, store.Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID,
									Name: name, Spec: spec, CreatedAt: now, UpdatedAt: now})
							}
							if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
								errs <- err
							}
						}
					})
				}
				if deleteCanvas {
					wg.Go(func() {
						if err := st.DeleteCanvas(ctx, org.ID, c.ID); err != nil {
							errs <- err
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Errorf("round %d: %v", round, err)
				}
				if deleteCanvas {
					continue
				}
				for _, id := range ids {
					ev, err := st.FindEvent(context.WithoutCancel(ctx), org.ID, c.ID, id)
					if err != nil {
						t.Fatal(err)
					}
					if ev.State != store.EventProcessed || ev.RouteAttempts != 1 || ev.StateMessage != "" {
						t.Errorf("round %d: event %s after %d attempts (%q), want processed at the first",
							round, ev.State, ev.RouteAttempts, ev.StateMessage)
					}
				}
			}
		})
	}
}
