package storetest

import (
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testRouteEventsClaimAtRouting: with a claim budget (store.WithRouteClaim)
// the executions a routing transaction starts are claimed in it, on both
// databases: started (at the claim's Clock), leased to the owner, answered
// in RoutedBatch.Claimed. The budget and the per-organization cap hold:
// beyond either, they are pending for ClaimExecution.
func testRouteEventsClaimAtRouting(t *testing.T, s store.Store) {
	ctx := t.Context()
	capped := mustOrg(t, s, "capped")
	other := mustOrg(t, s, "other")
	cc := mustCanvas(t, s, capped.ID, "prod")
	oc := mustCanvas(t, s, other.ID, "prod")
	running := mustStage(t, s, capped.ID, cc.ID, "running")
	c1 := mustStage(t, s, capped.ID, cc.ID, "c1")
	c2 := mustStage(t, s, capped.ID, cc.ID, "c2")
	o1 := mustStage(t, s, other.ID, oc.ID, "o1")
	o2 := mustStage(t, s, other.ID, oc.ID, "o2")
	o3 := mustStage(t, s, other.ID, oc.ID, "o3")
	ces := mustEventSource(t, s, newEventSource(capped.ID, cc.ID, "push", "webhook", store.Integration{}))
	oes := mustEventSource(t, s, newEventSource(other.ID, oc.ID, "push", "webhook", store.Integration{}))

	base := now().Add(-time.Hour)
	// capped runs one execution already, under a live lease.
	startExecution(t, s, running, base.Add(-time.Minute))
	claim(t, s, "server-0", now(), now().Add(time.Hour))

	toCapped := mustInsertEvent(t, s, newEvent(ces, "", base))
	mustInsertEvent(t, s, newEvent(oes, "", base.Add(time.Second)))
	route := func(ev store.Event) (store.Routed, error) {
		v, err := s.StagesVersion(ctx, ev.OrgID, ev.CanvasID)
		if err != nil {
			return store.Routed{}, err
		}
		targets := []store.Stage{o1, o2, o3}
		if ev.ID == toCapped.ID {
			targets = []store.Stage{c1, c2}
		}
		evs := routeTo(ev, targets...)
		for i := range evs {
			evs[i].StartIfFree = true
		}
		return store.Routed{StageEvents: evs, StagesVersion: v, StagesVersionKnown: true}, nil
	}
	at := now()
	lease := at.Add(time.Minute)
	// Budget 3 and cap 2: capped's c1 (its second running), not c2 (the
	// cap); other's o1 and o2, not o3 (the budget).
	// Started when the transaction claims them (Clock), not at the match.
	startedAt := at.Add(3 * time.Second)
	rc := store.RouteClaim{Owner: "router-1", LeaseUntil: lease, Max: 3, MaxPerOrg: 2,
		Clock: func() time.Time { return startedAt }}
	b, err := s.RouteEventsBatch(store.WithRouteClaim(ctx, rc), at, 10, route)
	if err != nil || b.Done != 2 || b.Started != 5 {
		t.Fatalf("RouteEventsBatch = %+v, %v; want 2 done, 5 started", b, err)
	}
	want := map[string]bool{c1.ID: true, o1.ID: true, o2.ID: true}
	got := map[string]bool{}
	for _, ex := range b.Claimed {
		got[ex.StageID] = true
	}
	equal(t, "stages whose executions routing claimed", sorted(keys(got)...), sorted(keys(want)...))

	for _, st := range []store.Stage{c1, c2, o1, o2, o3} {
		exs, err := s.ListExecutions(ctx, st.OrgID, st.CanvasID, st.ID, store.Page{Limit: 10})
		if err != nil || len(exs) != 1 {
			t.Fatalf("ListExecutions(%s) = %d, %v; want one", st.Name, len(exs), err)
		}
		ex := exs[0]
		switch {
		case want[st.ID] && (ex.State != store.ExecutionStarted || ex.LeaseOwner != rc.Owner ||
			!ex.LeaseExpiresAt.Equal(lease) || !ex.StartedAt.Equal(startedAt)):
			t.Errorf("%s: execution %s leased to %q until %v, started %v; want started, leased to %s until %v, started %v",
				st.Name, ex.State, ex.LeaseOwner, ex.LeaseExpiresAt, ex.StartedAt, rc.Owner, lease, startedAt)
		case !want[st.ID] && (ex.State != store.ExecutionPending || ex.LeaseOwner != "" || !ex.StartedAt.IsZero()):
			t.Errorf("%s: execution %s leased to %q, started %v; want pending, unclaimed", st.Name, ex.State, ex.LeaseOwner, ex.StartedAt)
		}
	}

	// What routing left pending is the claim loop's: c2 and o3.
	left := map[string]bool{}
	for range 6 {
		ex, ok, err := s.ClaimExecution(ctx, "server-1", now(), now().Add(time.Hour), 0)
		if err != nil {
			t.Fatalf("ClaimExecution: %v", err)
		}
		if !ok {
			break
		}
		left[ex.StageID] = true
	}
	equal(t, "stages claimed after routing", sorted(keys(left)...), sorted(c2.ID, o3.ID))
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
