package store

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestStageSetReusedOnlyWhenEqual: a stage set equal to the last one
// encoded is taken from it, and any difference (a stage renamed, one more,
// the caller's slice changed afterwards) encodes the set anew, so a
// rejection never names the stages of another event's set.
func TestStageSetReusedOnlyWhenEqual(t *testing.T) {
	var b strings.Builder
	ids := []string{uuid.NewString(), uuid.NewString()}
	names := []string{"build", "deploy"}
	first, h1, err := encodeStageSet(&b, ids, names)
	if err != nil {
		t.Fatal(err)
	}
	if want := ids[0] + ids[1]; first.ids != want || first.names != `["build","deploy"]` || first.n != 2 {
		t.Fatalf("set = %+v, want the ids %s and the names", first, want)
	}
	again, h2, _ := encodeStageSet(&b, append([]string(nil), ids...), append([]string(nil), names...))
	if again != first || h2 != h1 {
		t.Fatalf("an equal set encoded as %+v (%s), want %+v (%s)", again, h2, first, h1)
	}
	names[1] = "ship" // the caller's slice, changed after the call
	renamed, h3, _ := encodeStageSet(&b, ids, names)
	if renamed.names != `["build","ship"]` || h3 == h1 {
		t.Fatalf("a renamed stage gave %+v (%s), want its new name and another hash", renamed, h3)
	}
	more, h4, _ := encodeStageSet(&b, append(ids, uuid.NewString()), append(names, "test"))
	if more.n != 3 || h4 == h3 {
		t.Fatalf("one more stage gave %+v (%s)", more, h4)
	}
	if _, _, err := encodeStageSet(&b, []string{"stage-1"}, []string{"x"}); err == nil || !strings.Contains(err.Error(), "stage-1") {
		t.Fatalf("a stage id that is not a UUID: %v, want an error naming it", err)
	}
}
