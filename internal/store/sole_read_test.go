package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestSoleServerBatchStatements pins what a routing batch of the sole
// server sends SQLite while one organization has pending events (a busy
// canvas's every batch): the read, one statement that also finds the
// organizations with pending events (it was two: those first, then the
// read), and the routing transaction's begin, processed mark and commit.
func TestSoleServerBatchStatements(t *testing.T) {
	ctx := t.Context()
	n := &store.StatementCounter{}
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "superplane.db"), store.SoleServer(), store.CountStatements(n))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, es := soleSource(t, s)
	const events = 10
	for i := range events {
		if _, _, err := s.InsertEvent(ctx, benchEvent(es, "", c.CreatedAt.Add(time.Duration(i)*time.Millisecond))); err != nil {
			t.Fatal(err)
		}
	}
	for _, batch := range []int{events / 2, events / 2} {
		before := n.Count()
		b, err := s.RouteEventsBatch(ctx, time.Now(), batch, func(store.Event) (store.Routed, error) { return store.Routed{}, nil })
		statements := n.Count() - before
		if err != nil || b.Done != batch {
			t.Fatalf("RouteEventsBatch = %+v, %v; want %d routed", b, err, batch)
		}
		if statements != 4 {
			t.Errorf("a batch of %d took %d statements; want 4 (read, begin, mark, commit)", batch, statements)
		}
	}
}

// TestSoleServerReadsOtherOrgWhileOneIsInFlight: while a batch routes the
// only pending event of the organization first in order, the other
// routing worker's read still finds another organization's events (its
// one-organization read finds nothing of the first, whose event is in
// flight, and must not conclude that nothing is pending).
func TestSoleServerReadsOtherOrgWhileOneIsInFlight(t *testing.T) {
	ctx := t.Context()
	s := mustOpenSole(t, filepath.Join(t.TempDir(), "superplane.db"))
	at := time.Now().UTC().Truncate(time.Microsecond)
	sources := make([]store.EventSource, 2)
	for i, name := range []string{"acme", "globex"} {
		org, err := s.EnsureOrganization(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		c := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: at, UpdatedAt: at}
		if err := s.CreateCanvas(ctx, c); err != nil {
			t.Fatal(err)
		}
		sources[i] = store.EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
			KeyID: "k", KeyCiphertext: []byte("sealed"), KeyVersion: 1, CreatedAt: at, UpdatedAt: at}
		if err := s.CreateEventSource(ctx, sources[i]); err != nil {
			t.Fatal(err)
		}
	}
	// first is the organization whose events the read tries first (the
	// lowest id), other the one it must still find.
	first, other := sources[0], sources[1]
	if other.OrgID < first.OrgID {
		first, other = other, first
	}
	insert := func(es store.EventSource, at time.Time) store.Event {
		t.Helper()
		ev, inserted, err := s.InsertEvent(ctx, benchEvent(es, "", at))
		if err != nil || !inserted {
			t.Fatalf("InsertEvent: %v", err)
		}
		return ev
	}
	inFlight := insert(first, at)
	var others []string
	for i := range 3 {
		others = append(others, insert(other, at.Add(time.Duration(i+1)*time.Second)).ID)
	}
	var (
		firstRead    []string
		routedOthers []string
		inner        store.RoutedBatch
		innerErr     error
	)
	b, err := s.RouteEventsBatch(ctx, time.Now(), 1, func(ev store.Event) (store.Routed, error) {
		firstRead = append(firstRead, ev.ID)
		// The other worker, while this event is in flight.
		inner, innerErr = s.RouteEventsBatch(ctx, time.Now(), 10, func(ev store.Event) (store.Routed, error) {
			routedOthers = append(routedOthers, ev.ID)
			return store.Routed{}, nil
		})
		return store.Routed{}, nil
	})
	if err != nil || b.Done != 1 || len(firstRead) != 1 || firstRead[0] != inFlight.ID {
		t.Fatalf("RouteEventsBatch = %+v, %v, read %v; want the oldest event %s routed", b, err, firstRead, inFlight.ID)
	}
	if innerErr != nil || inner.Done != len(others) {
		t.Errorf("the other worker routed %+v, %v; want the other organization's %d events", inner, innerErr, len(others))
	}
	if fmt.Sprint(routedOthers) != fmt.Sprint(others) {
		t.Errorf("the other worker routed %v; want %v, oldest first", routedOthers, others)
	}
	for _, es := range []store.EventSource{first, other} {
		pending, _, err := s.CountEvents(context.Background(), store.EventFilter{OrgID: es.OrgID, CanvasID: es.CanvasID,
			States: []string{store.EventPending}}, 100)
		if err != nil || pending != 0 {
			t.Errorf("%d events of %s still pending, %v; want none", pending, es.OrgID, err)
		}
	}
}
