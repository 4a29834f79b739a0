package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testCounts: a stage's events (by state) and executions are counted on
// all pages, not the page's length, only the stage's own, and a count past
// its bound is answered as the bound, marked capped.
func testCounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	neighbour := mustStage(t, s, org.ID, c.ID, "build")
	base := now().Add(-time.Hour)
	var evs []store.StageEvent
	for i := range 5 {
		evs = append(evs, newStageEvent(st, store.StageEventPending, base.Add(time.Duration(i)*time.Second)))
	}
	for i := range 3 {
		evs = append(evs, newStageEvent(st, store.StageEventProcessed, base.Add(time.Duration(i)*time.Second)))
	}
	evs = append(evs, newStageEvent(neighbour, store.StageEventPending, base))
	mustStageEvents(t, s, evs...)
	for i := range 3 {
		startExecution(t, s, neighbour, base.Add(time.Duration(i)*time.Minute))
		finish(t, s, claim(t, s, "server-1", now(), now().Add(time.Hour)), "server-1", "RESULT_PASSED", now())
	}

	for _, tc := range []struct {
		label  string
		states []string
		limit  int
		want   int64
		capped bool
	}{
		{"pending", []string{store.StageEventPending}, 100, 5, false},
		{"pending or processed", []string{store.StageEventPending, store.StageEventProcessed}, 100, 8, false},
		{"all", nil, 100, 8, false},
		{"all, bound 8", nil, 8, 8, false},
		{"all, bound 4", nil, 4, 4, true},
	} {
		n, capped, err := s.CountStageEvents(ctx, org.ID, c.ID, st.ID, tc.states, tc.limit)
		if err != nil || n != tc.want || capped != tc.capped {
			t.Errorf("CountStageEvents %s = %d, capped %v, %v; want %d, capped %v", tc.label, n, capped, err, tc.want, tc.capped)
		}
		// The list's page carries the same count, on every page and on
		// the empty one past the last, and the events ListStageEvents
		// lists.
		page := store.Page{Limit: 3}
		for range 5 {
			want, err := s.ListStageEvents(ctx, org.ID, c.ID, st.ID, tc.states, page)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.ListStageEventPage(ctx, org.ID, c.ID, st.ID, tc.states, page, tc.limit)
			if err != nil || got.Total != tc.want || got.Capped != tc.capped || !sameStageEvents(got.Events, want) {
				t.Errorf("ListStageEventPage %s, %+v = %d events, %d, capped %v, %v; want ListStageEvents' %d, %d, capped %v",
					tc.label, page, len(got.Events), got.Total, got.Capped, err, len(want), tc.want, tc.capped)
			}
			if len(want) == 0 {
				break
			}
			last := want[len(want)-1]
			page.BeforeTime, page.BeforeID = last.CreatedAt, last.ID
		}
	}
	if p, err := s.ListStageEventPage(ctx, org.ID, c.ID, st.ID, []string{"STATE_UNKNOWN"}, store.Page{}, 100); err != nil || len(p.Events) != 0 || p.Total != 0 {
		t.Errorf("ListStageEventPage of an unknown state = %d events, %d, %v; want none", len(p.Events), p.Total, err)
	}
	if n, capped, err := s.CountExecutions(ctx, org.ID, c.ID, neighbour.ID, 100); err != nil || n != 3 || capped {
		t.Errorf("CountExecutions = %d, capped %v, %v; want 3", n, capped, err)
	}
	if n, capped, err := s.CountExecutions(ctx, org.ID, c.ID, neighbour.ID, 2); err != nil || n != 2 || !capped {
		t.Errorf("CountExecutions, bound 2 = %d, capped %v, %v; want 2, capped", n, capped, err)
	}
	if n, _, err := s.CountExecutions(ctx, org.ID, c.ID, st.ID, 100); err != nil || n != 0 {
		t.Errorf("CountExecutions of a stage that never ran = %d, %v; want 0", n, err)
	}
	other := mustOrg(t, s, "globex")
	if n, _, err := s.CountStageEvents(ctx, other.ID, c.ID, st.ID, nil, 100); err != nil || n != 0 {
		t.Errorf("another organization counts %d stage events, %v; want 0", n, err)
	}
	if p, err := s.ListStageEventPage(ctx, other.ID, c.ID, st.ID, nil, store.Page{}, 100); err != nil || len(p.Events) != 0 || p.Total != 0 {
		t.Errorf("another organization lists %d stage events of %d, %v; want none", len(p.Events), p.Total, err)
	}
	// The executions' scope is checked on their stage.
	if n, _, err := s.CountExecutions(ctx, other.ID, c.ID, neighbour.ID, 100); err != nil || n != 0 {
		t.Errorf("another organization counts %d executions, %v; want 0", n, err)
	}
	if n, _, err := s.CountExecutions(ctx, org.ID, st.ID, neighbour.ID, 100); err != nil || n != 0 {
		t.Errorf("another canvas counts %d executions, %v; want 0", n, err)
	}
}

// sameStageEvents reports whether a and b are the same events, in order,
// with the same stored values.
func sameStageEvents(a, b []store.StageEvent) bool {
	return slices.EqualFunc(a, b, func(x, y store.StageEvent) bool { return reflect.DeepEqual(x, y) })
}
