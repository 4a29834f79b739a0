package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// fairOrg is an organization with pending events in a canvas of its own,
// its events oldest first.
type fairOrg struct {
	name   string
	events []store.Event
}

// fairOrgWithBacklog creates organization name with n pending events, the
// first received at first and the others a millisecond apart.
func fairOrgWithBacklog(t *testing.T, s store.Store, name string, n int, first time.Time) *fairOrg {
	t.Helper()
	org := mustOrg(t, s, name)
	c := mustCanvas(t, s, org.ID, "prod")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	o := &fairOrg{name: name}
	for i := range n {
		o.events = append(o.events, mustInsertEvent(t, s, newEvent(es, "", first.Add(time.Duration(i)*time.Millisecond))))
	}
	return o
}

// routeFair runs one routing batch of limit events routed nowhere and
// returns the events it was given, by organization name, each in the order
// route saw them, and how many it was given in all.
func routeFair(t *testing.T, s store.Store, limit int, orgs ...*fairOrg) (map[string][]string, int) {
	t.Helper()
	orgOf := map[string]string{}
	for _, o := range orgs {
		for _, ev := range o.events {
			orgOf[ev.ID] = o.name
		}
	}
	got := map[string][]string{}
	total := 0
	n, err := s.RouteEvents(t.Context(), now(), limit, func(ev store.Event) ([]store.StageEvent, error) {
		got[orgOf[ev.ID]] = append(got[orgOf[ev.ID]], ev.ID)
		total++
		return nil, nil
	})
	if err != nil || n != total {
		t.Fatalf("RouteEvents(%d) = %d, %v; want %d (the events it was given)", limit, n, err, total)
	}
	return got, total
}

func idsOf(evs []store.Event) []string {
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	return ids
}

// testRouteEventsFairAcrossOrgs: the routing claim takes the oldest pending
// events of each organization that has any, up to its share of the batch,
// rather than the oldest across all: an organization's backlog, however
// long, does not hold another's event back. Within an organization events
// are still taken oldest first, batch after batch, and an organization
// alone fills the batch.
func testRouteEventsFairAcrossOrgs(t *testing.T, s store.Store) {
	base := now().Add(-time.Hour)

	t.Run("one event beside a backlog", func(t *testing.T) {
		a := fairOrgWithBacklog(t, s, "backlog", 300, base)
		b := fairOrgWithBacklog(t, s, "quiet", 1, base.Add(time.Minute))
		got, total := routeFair(t, s, 10, a, b)
		if total != 10 {
			t.Fatalf("first batch of 10 held %d events", total)
		}
		equal(t, "quiet's events in the first batch", got["quiet"], idsOf(b.events))
		equal(t, "backlog's events in the first batch", got["backlog"], idsOf(a.events[:9]))
		// The rest of the backlog, a batch at a time, still oldest first.
		var rest []string
		for i := 0; i < 40 && len(rest) < 291; i++ {
			got, total := routeFair(t, s, 10, a, b)
			if total == 0 {
				break
			}
			rest = append(rest, got["backlog"]...)
		}
		equal(t, "backlog's events in the later batches", rest, idsOf(a.events[9:]))
	})

	t.Run("three organizations share a batch", func(t *testing.T) {
		a := fairOrgWithBacklog(t, s, "first", 300, base.Add(2*time.Minute))
		b := fairOrgWithBacklog(t, s, "second", 5, base.Add(3*time.Minute))
		c := fairOrgWithBacklog(t, s, "third", 1, base.Add(4*time.Minute))
		got, total := routeFair(t, s, 10, a, b, c)
		if total != 10 {
			t.Fatalf("batch of 10 held %d events", total)
		}
		// By rank within each organization, then age: the first (older)
		// takes the tenth place, a fifth event beside second's four.
		equal(t, "first's events", got["first"], idsOf(a.events[:5]))
		equal(t, "second's events", got["second"], idsOf(b.events[:4]))
		equal(t, "third's events", got["third"], idsOf(c.events))
	})

	t.Run("alone", func(t *testing.T) {
		// The other subtests' events are routed: this one is alone.
		for i := 0; i < 100; i++ {
			if _, total := routeFair(t, s, 100); total == 0 {
				break
			}
		}
		a := fairOrgWithBacklog(t, s, "alone", 30, base.Add(5*time.Minute))
		got, total := routeFair(t, s, 10, a)
		if total != 10 {
			t.Fatalf("batch of 10 held %d events", total)
		}
		equal(t, "the lone organization's batch", got["alone"], idsOf(a.events[:10]))
	})

	t.Run("order within each across batches", func(t *testing.T) {
		for i := 0; i < 100; i++ {
			if _, total := routeFair(t, s, 100); total == 0 {
				break
			}
		}
		orgs := []*fairOrg{
			fairOrgWithBacklog(t, s, "big", 120, base.Add(6*time.Minute)),
			fairOrgWithBacklog(t, s, "mid", 25, base.Add(6*time.Minute+30*time.Millisecond)),
			fairOrgWithBacklog(t, s, "small", 3, base.Add(7*time.Minute)),
		}
		seen := map[string][]string{}
		for i := 0; i < 40; i++ {
			got, total := routeFair(t, s, 7, orgs...)
			if total == 0 {
				break
			}
			if i == 0 && len(got["small"]) == 0 {
				t.Errorf("first batch %v holds none of small's events", got)
			}
			for name, ids := range got {
				seen[name] = append(seen[name], ids...)
			}
		}
		for _, o := range orgs {
			equal(t, fmt.Sprintf("%s's events over all batches", o.name), seen[o.name], idsOf(o.events))
		}
	})
}
