package storetest

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// expandFiltered is the rejections a FilteredRejection stands for, as the
// list answers them: one per stage.
func expandFiltered(f store.FilteredRejection) []store.Rejection {
	out := make([]store.Rejection, len(f.StageIDs))
	for i := range f.StageIDs {
		out[i] = store.Rejection{
			ID: store.FilteredRejectionID(f.ID, i, len(f.StageIDs)), OrgID: f.OrgID, CanvasID: f.CanvasID,
			TargetType: "TYPE_STAGE", TargetID: f.StageIDs[i], TargetName: f.StageNames[i], EventID: f.EventID,
			Reason: "REJECTION_REASON_FILTERED", Message: f.Message, CreatedAt: f.CreatedAt,
		}
	}
	return out
}

// newestFirst sorts rejections as the list does: created_at, then id,
// descending.
func newestFirst(rs []store.Rejection) {
	sort.Slice(rs, func(i, j int) bool {
		if c := rs[i].CreatedAt.Compare(rs[j].CreatedAt); c != 0 {
			return c > 0
		}
		return rs[i].ID > rs[j].ID
	})
}

// pageAll lists the canvas's rejections matching f page by page (the
// cursor of each page is its last rejection) and returns them all with the
// total of the first page.
func pageAll(t *testing.T, s store.Store, orgID, canvasID string, f store.RejectionFilter, limit int) ([]store.Rejection, int) {
	t.Helper()
	var all []store.Rejection
	page := store.Page{Limit: limit}
	first := -1
	for range 100 {
		got, total, err := s.ListRejections(t.Context(), orgID, canvasID, f, page)
		if err != nil {
			t.Fatalf("ListRejections(%+v, %+v): %v", f, page, err)
		}
		if first < 0 {
			first = total
		}
		if len(got) > limit {
			t.Fatalf("a page of %d holds %d rejections", limit, len(got))
		}
		all = append(all, got...)
		if len(got) < limit {
			return all, first
		}
		last := got[len(got)-1]
		page = store.Page{Limit: limit, BeforeTime: last.CreatedAt, BeforeID: last.ID}
	}
	t.Fatalf("paging did not end after 100 pages")
	return nil, 0
}

// testFilteredRejections: the rejections of FilteredRejections (one row an
// event naming the stages whose filters it did not pass) are listed,
// counted, filtered by stage, paged and pruned exactly as the same
// rejections stored one by one, interleaved with those in time and id.
func testFilteredRejections(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "busy")
	other := mustCanvas(t, s, org.ID, "other")
	stages := make([]string, 5)
	names := make([]string, 5)
	for i := range stages {
		stages[i], names[i] = uuid.NewString(), fmt.Sprintf("stage-%d", i)
	}
	t0 := now().Add(-time.Hour)
	var want []store.Rejection
	var rows []store.FilteredRejection
	// Four events: each rejected by a different set of stages; stage 4 by
	// the first event only.
	sets := [][]int{{0, 1, 2, 3, 4}, {1, 2}, {0, 1, 2, 3}, {3}}
	for e, set := range sets {
		f := store.FilteredRejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, EventID: uuid.NewString(),
			Message: fmt.Sprintf("event %d did not pass the filters", e), CreatedAt: t0.Add(time.Duration(e) * time.Second)}
		for _, i := range set {
			f.StageIDs, f.StageNames = append(f.StageIDs, stages[i]), append(f.StageNames, names[i])
		}
		rows = append(rows, f)
		want = append(want, expandFiltered(f)...)
	}
	// A canvas that is gone is skipped, not an error.
	gone := store.FilteredRejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: uuid.NewString(), Message: "gone",
		CreatedAt: t0, StageIDs: []string{stages[0]}, StageNames: []string{names[0]}}
	elsewhere := store.FilteredRejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: other.ID, Message: "other",
		CreatedAt: t0, StageIDs: []string{stages[0]}, StageNames: []string{names[0]}}
	if err := s.InsertFilteredRejections(ctx, append(rows, gone, elsewhere)); err != nil {
		t.Fatalf("InsertFilteredRejections: %v", err)
	}
	// Rejections stored one by one, at the same times as the rows (so the
	// ids decide the order) and between them, for the same stages.
	var single []store.Rejection
	for i := range 6 {
		at := t0.Add(time.Duration(i/2)*time.Second + time.Duration(i%2)*500*time.Millisecond)
		single = append(single, store.Rejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, TargetType: "TYPE_STAGE",
			TargetID: stages[i%4], TargetName: names[i%4], EventID: uuid.NewString(), Reason: "REJECTION_REASON_ERROR",
			Message: "an expression failed", CreatedAt: at})
	}
	single = append(single, store.Rejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID,
		TargetType: "TYPE_EVENT_SOURCE", TargetID: uuid.NewString(), TargetName: "github", Reason: "REJECTION_REASON_FILTERED",
		Message: "filtered", CreatedAt: t0.Add(2 * time.Second)})
	if err := s.InsertRejections(ctx, single); err != nil {
		t.Fatalf("InsertRejections: %v", err)
	}
	want = append(want, single...)
	newestFirst(want)

	all, total, err := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{}, store.Page{Limit: 100})
	if err != nil {
		t.Fatalf("ListRejections: %v", err)
	}
	if total != len(want) {
		t.Errorf("total = %d, want %d (12 filtered, one per stage, and 7 single)", total, len(want))
	}
	equal(t, "the canvas's rejections", all, want)
	for _, limit := range []int{1, 2, 3, 7} {
		paged, _ := pageAll(t, s, org.ID, c.ID, store.RejectionFilter{}, limit)
		equal(t, fmt.Sprintf("the canvas's rejections in pages of %d", limit), paged, want)
	}

	for i, st := range stages {
		var mine []store.Rejection
		for _, r := range want {
			if r.TargetID == st {
				mine = append(mine, r)
			}
		}
		for _, f := range []store.RejectionFilter{{TargetType: "TYPE_STAGE", TargetID: st}, {TargetID: st}} {
			got, total := pageAll(t, s, org.ID, c.ID, f, 2)
			if total != len(mine) {
				t.Errorf("stage %d (%+v): total %d, want %d", i, f, total, len(mine))
			}
			equal(t, fmt.Sprintf("stage %d's rejections (%+v) in pages of 2", i, f), got, mine)
		}
	}
	sources, total, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{TargetType: "TYPE_EVENT_SOURCE"}, store.Page{})
	if len(sources) != 1 || total != 1 || sources[0].ID != single[6].ID {
		t.Errorf("the source rejections = %+v (total %d), want only the one stored for the source", sources, total)
	}
	if got, total, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{TargetType: "TYPE_STAGE", TargetID: "stage-1"}, store.Page{}); len(got) != 0 || total != 0 {
		t.Errorf("a target id that is not a stage id matched %d rejections (total %d)", len(got), total)
	}
	globex := mustOrg(t, s, "globex")
	if got, total, _ := s.ListRejections(ctx, globex.ID, c.ID, store.RejectionFilter{}, store.Page{}); len(got) != 0 || total != 0 {
		t.Errorf("another organization lists %d rejections (total %d)", len(got), total)
	}
	if got, total, _ := s.ListRejections(ctx, org.ID, other.ID, store.RejectionFilter{}, store.Page{}); len(got) != 1 || total != 1 ||
		got[0].ID != store.FilteredRejectionID(elsewhere.ID, 0, 1) {
		t.Errorf("the other canvas lists %+v (total %d), want its one filtered rejection", got, total)
	}

	// Pruning keeps the newest 5 rejections of each table of a canvas: the
	// filtered rows whose rejections all lie beyond them go (events 1 and 0;
	// events 3 and 2 hold 1 and 4), and the 2 oldest single ones, at most a
	// row of each table in a batch of 1.
	removed, calls := 0, 0
	for range 10 {
		n, err := s.PruneRejections(ctx, t0.Add(-time.Hour), 5, 1)
		if err != nil || n > 2 {
			t.Fatalf("PruneRejections = %d, %v; want at most a row of each table", n, err)
		}
		if n == 0 {
			break
		}
		removed, calls = removed+n, calls+1
	}
	if removed != 4 || calls != 2 {
		t.Fatalf("pruning removed %d rows in %d batches, want 2 filtered and 2 single rows in 2", removed, calls)
	}
	left, total, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{}, store.Page{Limit: 100})
	var filtered int
	for _, r := range left {
		if r.Reason == "REJECTION_REASON_FILTERED" && r.TargetType == "TYPE_STAGE" {
			filtered++
			if r.EventID != rows[2].EventID && r.EventID != rows[3].EventID {
				t.Errorf("a rejection of event %s survived pruning beyond the cap", r.EventID)
			}
		}
	}
	if filtered != 5 || total != 5+5 || len(left) != 10 {
		t.Fatalf("after pruning %d filtered rejections are left (%d in all, total %d), want the 5 of events 2 and 3 and 5 single", filtered, len(left), total)
	}
	if n, _ := s.PruneRejections(ctx, t0.Add(2500*time.Millisecond), 100, 10); n < 2 {
		t.Fatalf("pruning by age removed %d rows, want event 2's and the other canvas's among them", n)
	}
	if got, _, _ := s.ListRejections(ctx, org.ID, other.ID, store.RejectionFilter{}, store.Page{}); len(got) != 0 {
		t.Errorf("the other canvas's old filtered rejection survived pruning by age")
	}
	left, _, _ = s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{TargetID: stages[3]}, store.Page{})
	if len(left) != 1 || left[0].EventID != rows[3].EventID {
		t.Errorf("after pruning by age stage 3 lists %+v, want event 3's rejection alone", left)
	}

	// A set of stages is stored once: events 4 and 5 reuse the sets of
	// events 1 (pruned with it, so written again) and 3; event 6 names stage
	// 3 renamed. Pruning event 3 by age keeps its set, which event 5 uses.
	reuse := func(e int, set []int, renamed string) store.FilteredRejection {
		f := store.FilteredRejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, EventID: uuid.NewString(),
			Message: fmt.Sprintf("event %d did not pass the filters", e), CreatedAt: t0.Add(time.Duration(e) * time.Second)}
		for _, i := range set {
			name := names[i]
			if renamed != "" {
				name = renamed
			}
			f.StageIDs, f.StageNames = append(f.StageIDs, stages[i]), append(f.StageNames, name)
		}
		return f
	}
	later := []store.FilteredRejection{reuse(4, sets[1], ""), reuse(5, sets[3], ""), reuse(6, sets[3], "stage-3-renamed")}
	if err := s.InsertFilteredRejections(ctx, later); err != nil {
		t.Fatalf("InsertFilteredRejections: %v", err)
	}
	if _, err := s.PruneRejections(ctx, t0.Add(3500*time.Millisecond), 100, 10); err != nil {
		t.Fatalf("PruneRejections: %v", err)
	}
	three, total, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{TargetID: stages[3]}, store.Page{})
	if len(three) != 2 || total != 2 || three[0].EventID != later[2].EventID || three[0].TargetName != "stage-3-renamed" ||
		three[1].EventID != later[1].EventID || three[1].TargetName != "stage-3" {
		t.Errorf("stage 3 after pruning event 3 lists %+v (total %d), want events 6 (renamed) and 5", three, total)
	}
	var wantLater []store.Rejection
	for _, f := range later {
		wantLater = append(wantLater, expandFiltered(f)...)
	}
	newestFirst(wantLater)
	got, total, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{TargetType: "TYPE_STAGE"}, store.Page{})
	if total != len(wantLater) {
		t.Errorf("total after pruning by age = %d, want %d", total, len(wantLater))
	}
	equal(t, "the rejections of events 4 to 6", got, wantLater)

	// Deleting the canvas deletes its rows.
	if err := s.DeleteCanvas(ctx, org.ID, c.ID); err != nil {
		t.Fatalf("DeleteCanvas: %v", err)
	}
	if got, total, _ := s.ListRejections(ctx, org.ID, c.ID, store.RejectionFilter{}, store.Page{}); len(got) != 0 || total != 0 {
		t.Errorf("a deleted canvas lists %d rejections (total %d)", len(got), total)
	}
}
