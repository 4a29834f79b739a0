package store_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestMigrationStatesAreStoreConstants: the migrations must spell states
// literally (CHECK constraints and partial index predicates are frozen SQL),
// so they are the one place outside the store's constants where a state is
// written. Each one they name must be a state the store defines, or a
// query built from the constants would no longer match its index.
func TestMigrationStatesAreStoreConstants(t *testing.T) {
	known := map[string]bool{}
	for _, s := range []string{
		store.EventPending, store.EventProcessed, store.EventRejected,
		store.StageEventPending, store.StageEventWaiting, store.StageEventProcessed, store.StageEventDiscarded,
		store.ExecutionPending, store.ExecutionStarted, store.ExecutionFinished,
		store.ResultCancelled, store.ResultReasonUser, store.StateReasonError,
	} {
		known[s] = true
	}
	files, err := filepath.Glob(filepath.Join("migrations", "*", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	literal := regexp.MustCompile(`'((?:STATE|RESULT)_[A-Z_]+)'`)
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllSubmatch(b, -1) {
			seen++
			if !known[string(m[1])] {
				t.Errorf("%s names %s, which no store constant defines", f, m[1])
			}
		}
	}
	if seen == 0 {
		t.Fatal("the migrations name no state: the pattern is wrong")
	}
}
