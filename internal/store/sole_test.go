package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/store/storetest"
)

// TestSQLiteSoleServer runs the suite on the store serve opens: SQLite
// held by one process (store.SoleServer), whose routing reads its events
// with no claim transaction. The routing tests (one event routed once,
// concurrently; quarantine of failing events; stages changed meanwhile)
// then prove the read claim. Three tests have another premise.
func TestSQLiteSoleServer(t *testing.T) {
	storetest.RunSkipping(t, func(t *testing.T) store.Store { return mustOpenSole(t, sqliteURL(t)) }, map[string]string{
		"RouteEventsQuarantine":               "a crash is the process's end here, not a lease's: TestSoleServerQuarantine",
		"RouteEventsLeaseTakenOver":           "no other server routes a database one process holds: TestSoleServerRefusesSecondServe",
		"RouteEventsMarkedOnlyLeaseTakenOver": "as RouteEventsLeaseTakenOver",
	})
}

func mustOpenSole(t testing.TB, databaseURL string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), databaseURL, store.SoleServer())
	if err != nil {
		t.Fatalf("Open(SoleServer): %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestSoleServerRefusesSecondServe: while one serve holds a SQLite
// database, a second is refused with a message naming the database, the
// token and keys commands (no SoleServer) still open it, and once the first
// has stopped the next serve starts.
func TestSoleServerRefusesSecondServe(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "data", "superplane.db")
	first, err := store.Open(ctx, path, store.SoleServer())
	if err != nil {
		t.Fatal(err)
	}
	org, err := first.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}

	second, err := store.Open(ctx, "sqlite://"+path, store.SoleServer())
	if err == nil {
		_ = second.Close()
		t.Fatal("a second serve opened the database the first holds")
	}
	if !errors.Is(err, store.ErrHeldByAnotherServer) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second serve: %v; want ErrHeldByAnotherServer naming %s", err, path)
	}

	cli, err := store.Open(ctx, path, store.ExistingOnly())
	if err != nil {
		t.Fatalf("a token command beside the serve: %v", err)
	}
	if got, err := cli.EnsureOrganization(ctx, "acme"); err != nil || got.ID != org.ID {
		t.Fatalf("a token command beside the serve read %+v, %v", got, err)
	}
	if err := cli.Close(); err != nil {
		t.Fatal(err)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	next, err := store.Open(ctx, path, store.SoleServer())
	if err != nil {
		t.Fatalf("serve after the first stopped: %v", err)
	}
	if err := next.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSoleServerQuarantine: with no claim transaction, an event whose
// routing kills the server is still set aside after MaxRouteAttempts
// server lives (the journal in the lock file counts the attempt at the
// next start), its batch's other event is routed, and an event that fails
// with an error every time is rejected after MaxRouteAttempts tries, as
// with claims.
func TestSoleServerQuarantine(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "superplane.db")
	s, err := store.Open(ctx, path, store.SoleServer())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	c, es := soleSource(t, s)
	at := c.CreatedAt
	insert := func(ev store.Event) store.Event {
		t.Helper()
		got, inserted, err := s.InsertEvent(ctx, ev)
		if err != nil || !inserted {
			t.Fatalf("InsertEvent: %v", err)
		}
		return got
	}
	poison := insert(benchEvent(es, "", at.Add(-time.Hour)))
	innocent := insert(benchEvent(es, "", at.Add(-time.Hour+time.Second)))

	var routed []string
	route := func(ev store.Event) ([]store.StageEvent, error) {
		if ev.ID == poison.ID {
			panic("the server dies here") // as a fatal out-of-memory would
		}
		routed = append(routed, ev.ID)
		return nil, nil
	}
	// A server life: route until it dies, then the process ends (Close,
	// as the kernel does for it), and the next serve starts.
	life := func() (n int, died bool) {
		t.Helper()
		func() {
			defer func() { died = recover() != nil }()
			n, err = s.RouteEvents(ctx, time.Now(), 10, route)
			if err != nil {
				t.Fatalf("RouteEvents: %v", err)
			}
		}()
		if !died {
			return n, false
		}
		_ = s.Close()
		if s, err = store.Open(ctx, path, store.SoleServer()); err != nil {
			t.Fatalf("the next serve: %v", err)
		}
		return n, true
	}
	find := func(id string) store.Event {
		t.Helper()
		ev, err := s.FindEvent(ctx, c.OrgID, c.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	for i := range store.MaxRouteAttempts {
		if _, died := life(); !died {
			t.Fatalf("server life %d did not die", i+1)
		}
		if i == 0 {
			if p, in := find(poison.ID), find(innocent.ID); p.RouteAttempts != 1 || in.RouteAttempts != 1 || p.State != store.EventPending {
				t.Fatalf("after the first death: %s/%d, %s/%d; want both pending with one attempt",
					p.State, p.RouteAttempts, in.State, in.RouteAttempts)
			}
		}
	}
	if len(routed) != 0 {
		t.Fatalf("routed %v while the poison was being tried alone", routed)
	}
	if n, died := life(); died || n != 2 {
		t.Fatalf("after %d deaths: routed %d, died %v; want 2 (one rejected, one routed)", store.MaxRouteAttempts, n, died)
	}
	p := find(poison.ID)
	if p.State != store.EventRejected || !strings.Contains(p.StateMessage, "routing failed 3 times; last: the server stopped while routing it") {
		t.Errorf("the poison is %s %q; want rejected after 3 attempts, the server stopped", p.State, p.StateMessage)
	}
	if in := find(innocent.ID); in.State != store.EventProcessed || len(routed) != 1 || routed[0] != innocent.ID {
		t.Errorf("the innocent event is %s, routed %v; want processed, routed once", in.State, routed)
	}

	// An error every time: tried MaxRouteAttempts times, then rejected
	// with the last error.
	failing := insert(benchEvent(es, "", at))
	tries := 0
	fail := func(store.Event) ([]store.StageEvent, error) { tries++; return nil, errors.New("no stages today") }
	for i := range store.MaxRouteAttempts + 1 {
		if _, err := s.RouteEvents(ctx, time.Now(), 10, fail); err != nil {
			t.Fatalf("failing attempt %d: %v", i+1, err)
		}
	}
	if f := find(failing.ID); tries != store.MaxRouteAttempts || f.State != store.EventRejected || !strings.Contains(f.StateMessage, "no stages today") {
		t.Errorf("the failing event was tried %d times and is %s %q; want %d tries, rejected with the last error",
			tries, f.State, f.StateMessage, store.MaxRouteAttempts)
	}
}

// TestSoleServerFailingTransactionQuarantined: a routing transaction that
// fails as a whole every time (here a trigger refuses the batch's
// filtered-rejection rows) still counts its events' attempts with no claim
// transaction, so the event is set aside after MaxRouteAttempts tries with
// the error, not retried at every pass for ever.
func TestSoleServerFailingTransactionQuarantined(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "superplane.db")
	s := mustOpenSole(t, path)
	c, es := soleSource(t, s)
	at := c.CreatedAt
	st := store.Stage{ID: uuid.NewString(), OrgID: c.OrgID, CanvasID: c.ID, Name: "deploy",
		Spec: []byte(`{"executor":{"type":"noop"}}`), CreatedAt: at, UpdatedAt: at}
	if err := s.CreateStage(ctx, st); err != nil {
		t.Fatal(err)
	}
	ev, inserted, err := s.InsertEvent(ctx, benchEvent(es, "", at))
	if err != nil || !inserted {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER refuse_filtered BEFORE INSERT ON filter_rejections BEGIN SELECT RAISE(ABORT, 'no rejections today'); END`); err != nil {
		t.Fatal(err)
	}

	tries := 0
	route := func(e store.Event) (store.Routed, error) {
		tries++
		return store.Routed{Filtered: []store.FilteredRejection{{ID: store.NewTimeOrderedID(), OrgID: e.OrgID, CanvasID: e.CanvasID,
			EventID: e.ID, CreatedAt: time.Now(), StageIDs: []string{st.ID}, StageNames: []string{st.Name},
			Message: "push event from hook did not pass the filters of connection hook"}}}, nil
	}
	for i := range store.MaxRouteAttempts + 1 {
		b, err := s.RouteEventsBatch(ctx, time.Now(), 10, route)
		if i < store.MaxRouteAttempts && (err == nil || !strings.Contains(err.Error(), "no rejections today")) {
			t.Fatalf("attempt %d: %+v, %v; want the trigger's error", i+1, b, err)
		}
		if i == store.MaxRouteAttempts && (err != nil || b.Done != 1) {
			t.Fatalf("after %d failures: %+v, %v; want the event rejected", store.MaxRouteAttempts, b, err)
		}
	}
	got, err := s.FindEvent(ctx, c.OrgID, c.ID, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tries != store.MaxRouteAttempts || got.State != store.EventRejected || !strings.Contains(got.StateMessage, "no rejections today") {
		t.Errorf("tried %d times, the event is %s %q; want %d tries, rejected with the error", tries, got.State, got.StateMessage, store.MaxRouteAttempts)
	}
}

// soleSource creates, in s, the quarantine tests' organization "acme", a
// canvas and a webhook source on it.
func soleSource(t *testing.T, s store.Store) (store.Canvas, store.EventSource) {
	t.Helper()
	ctx := t.Context()
	org, err := s.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: at, UpdatedAt: at}
	if err := s.CreateCanvas(ctx, c); err != nil {
		t.Fatal(err)
	}
	es := store.EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
		KeyID: "k", KeyCiphertext: []byte("sealed"), KeyVersion: 1, CreatedAt: at, UpdatedAt: at}
	if err := s.CreateEventSource(ctx, es); err != nil {
		t.Fatal(err)
	}
	return c, es
}
