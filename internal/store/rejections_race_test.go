package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestRejectionWrittenBetweenPageAndCount: a rejection another server
// writes between a rejections list's page and its count (of the stored
// rejections, then of the filtered ones) is counted and not on the page:
// never on the page and missing from the count, which CI saw as "2 of 1"
// when the count came first (TestRejectionsAnswerWhyAStageDidNotRun). The
// hook puts the write exactly there, so this does not hang on a race.
func TestRejectionWrittenBetweenPageAndCount(t *testing.T) {
	ctx := t.Context()
	st, org, canvas, now := openAcmeCanvas(t, filepath.Join(t.TempDir(), "superplane.db"))
	var err error
	stage := uuid.NewString()
	rejection := func(at time.Time) Rejection {
		return Rejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, TargetType: "TYPE_EVENT_SOURCE",
			TargetID: uuid.NewString(), TargetName: "hook", EventID: uuid.NewString(), Reason: "REJECTION_REASON_ERROR",
			Message: "failed", CreatedAt: at}
	}
	filtered := func(at time.Time) FilteredRejection {
		return FilteredRejection{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, EventID: uuid.NewString(),
			Message: "did not pass the filters", CreatedAt: at, StageIDs: []string{stage}, StageNames: []string{"build"}}
	}
	if err := st.InsertRejections(ctx, []Rejection{rejection(now)}); err != nil {
		t.Fatal(err)
	}
	if err := st.InsertFilteredRejections(ctx, []FilteredRejection{filtered(now)}); err != nil {
		t.Fatal(err)
	}
	// The first call is the stored rejections' (ListRejections), the
	// second the filtered ones' (listFiltered): each gets one more of its
	// kind, newer than the page.
	calls := 0
	rejectionsPageRead = func() {
		calls++
		later := now.Add(time.Duration(calls) * time.Second)
		switch calls {
		case 1:
			err = st.InsertRejections(ctx, []Rejection{rejection(later)})
		case 2:
			err = st.InsertFilteredRejections(ctx, []FilteredRejection{filtered(later)})
		}
		if err != nil {
			t.Errorf("the write between the page and the count: %v", err)
		}
	}
	t.Cleanup(func() { rejectionsPageRead = nil })
	page, total, err := st.ListRejections(ctx, org.ID, canvas.ID, RejectionFilter{}, Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("the hook ran %d times, want 2 (the stored page's, the filtered page's)", calls)
	}
	if len(page) != 2 || total != 4 {
		t.Fatalf("%d rejections on the page of %d counted, want the 2 written before the page of 4: a rejection on the page must be counted", len(page), total)
	}
}
