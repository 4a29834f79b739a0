package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func newAuditEvent(orgID string, at time.Time, action, objectType, objectID, objectName string) store.AuditEvent {
	return store.AuditEvent{
		ID: uuid.NewString(), OrgID: orgID, At: at, ActorType: store.AuditActorUser, ActorID: uuid.NewString(),
		ActorEmail: "ops@example.com", TokenID: uuid.NewString(), Action: action, ObjectType: objectType,
		ObjectID: objectID, ObjectName: objectName, Method: "POST", Route: "POST /api/v1/canvases",
		Status: 200, Outcome: store.AuditSucceeded, ClientIP: "192.0.2.7", UserAgent: "Terraform/1.10",
		RequestID: "req-1",
	}
}

// testAuditEvents: a record comes back whole; lists are newest first,
// scoped to the organization, filtered and paged by the keyset cursor;
// pruning goes in batches and keeps what is newer than its bound.
func testAuditEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "globex")
	t0 := now().Add(-time.Hour)

	first := newAuditEvent(org.ID, t0, "create", "canvas", uuid.NewString(), "chain")
	first.CanvasID, first.CanvasName = first.ObjectID, "chain"
	if err := s.InsertAuditEvent(ctx, first); err != nil {
		t.Fatalf("InsertAuditEvent: %v", err)
	}
	got, err := s.ListAuditEvents(ctx, org.ID, store.AuditFilter{}, store.Page{})
	if err != nil {
		t.Fatalf("ListAuditEvents: %v", err)
	}
	equal(t, "the stored record", got, []store.AuditEvent{first})

	// Ten more, a second apart, of alternating kinds; one in another
	// organization.
	secret := uuid.NewString()
	for i := 1; i <= 10; i++ {
		e := newAuditEvent(org.ID, t0.Add(time.Duration(i)*time.Second), "update", "secret", secret, "db")
		if i%2 == 0 {
			e.Action, e.Outcome, e.Status = "delete", store.AuditFailed, 409
		}
		if err := s.InsertAuditEvent(ctx, e); err != nil {
			t.Fatalf("InsertAuditEvent %d: %v", i, err)
		}
	}
	if err := s.InsertAuditEvent(ctx, newAuditEvent(other.ID, t0, "create", "canvas", uuid.NewString(), "chain")); err != nil {
		t.Fatalf("InsertAuditEvent in another organization: %v", err)
	}

	count := func(f store.AuditFilter) int {
		t.Helper()
		list, err := s.ListAuditEvents(ctx, org.ID, f, store.Page{Limit: store.MaxPageLimit})
		if err != nil {
			t.Fatalf("ListAuditEvents %+v: %v", f, err)
		}
		return len(list)
	}
	equal(t, "all of the organization", count(store.AuditFilter{}), 11)
	equal(t, "by object id", count(store.AuditFilter{Object: secret}), 10)
	equal(t, "by object name", count(store.AuditFilter{Object: "db"}), 10)
	equal(t, "by object type", count(store.AuditFilter{ObjectType: "canvas"}), 1)
	equal(t, "by action", count(store.AuditFilter{Action: "delete"}), 5)
	equal(t, "by outcome", count(store.AuditFilter{Outcome: store.AuditFailed}), 5)
	equal(t, "by canvas name", count(store.AuditFilter{Canvas: "chain"}), 1)
	equal(t, "by canvas id", count(store.AuditFilter{Canvas: first.CanvasID}), 1)
	equal(t, "by actor email", count(store.AuditFilter{Actor: "ops@example.com"}), 11)
	equal(t, "by actor id", count(store.AuditFilter{Actor: first.ActorID}), 1)
	equal(t, "since", count(store.AuditFilter{Since: t0.Add(5 * time.Second)}), 6)
	equal(t, "until", count(store.AuditFilter{Until: t0.Add(5 * time.Second)}), 5)
	equal(t, "since and until", count(store.AuditFilter{Since: t0.Add(2 * time.Second), Until: t0.Add(4 * time.Second)}), 2)
	equal(t, "not an organization id", func() int {
		list, err := s.ListAuditEvents(ctx, "acme", store.AuditFilter{}, store.Page{})
		if err != nil {
			t.Fatalf("ListAuditEvents by a name: %v", err)
		}
		return len(list)
	}(), 0)

	// Pages of four, newest first, meet every record once.
	var seen []time.Time
	page := store.Page{Limit: 4}
	for range 10 {
		list, err := s.ListAuditEvents(ctx, org.ID, store.AuditFilter{}, page)
		if err != nil {
			t.Fatalf("ListAuditEvents page: %v", err)
		}
		for _, e := range list {
			seen = append(seen, e.At)
		}
		if len(list) < 4 {
			break
		}
		last := list[len(list)-1]
		page.BeforeTime, page.BeforeID = last.At, last.ID
	}
	equal(t, "records over the pages", len(seen), 11)
	for i := 1; i < len(seen); i++ {
		if !seen[i].Before(seen[i-1]) {
			t.Fatalf("page order: %v after %v", seen[i], seen[i-1])
		}
	}

	// Pruning: the records before t0+5s (first and four more) go, in
	// batches of two, in every organization; the rest stay.
	total := 0
	for range 10 {
		n, err := s.PruneAuditEvents(ctx, t0.Add(5*time.Second), 2)
		if err != nil {
			t.Fatalf("PruneAuditEvents: %v", err)
		}
		if n > 2 {
			t.Fatalf("PruneAuditEvents removed %d, more than its batch of 2", n)
		}
		total += n
		if n < 2 {
			break
		}
	}
	equal(t, "records pruned", total, 6)
	equal(t, "records kept", count(store.AuditFilter{}), 6)
}

// testAuditEventsConcurrently writes records from many goroutines at once
// (on SQLite they share transactions: writeBatcher), among them records of
// one whose id is taken: each of those fails alone, and every other record
// is stored, once.
func testAuditEventsConcurrently(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	taken := newAuditEvent(org.ID, now(), "create", "canvas", uuid.NewString(), "c")
	if err := s.InsertAuditEvent(ctx, taken); err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 10
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs = map[bool]int{}
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := newAuditEvent(org.ID, now(), "create", "secret", uuid.NewString(), "s")
				bad := (w*each+i)%7 == 0
				if bad {
					e.ID = taken.ID // the primary key refuses it
				}
				err := s.InsertAuditEvent(ctx, e)
				mu.Lock()
				errs[bad == (err != nil)]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if errs[false] != 0 {
		t.Fatalf("%d writes failed when they should have succeeded, or succeeded when they should have failed", errs[false])
	}
	got, err := s.ListAuditEvents(ctx, org.ID, store.AuditFilter{}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	want := 1 // taken
	for n := range writers * each {
		if n%7 != 0 {
			want++
		}
	}
	equal(t, "records stored", len(got), want)
}
