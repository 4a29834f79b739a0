package store

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestHookedSourcesIndexMatchesQuery: the reconciler's query spells the
// hooked source types out (sqlHookedSourceTypes) so that the planners can
// use the event_sources_hooks partial index, and the planners use it only
// when the query's list implies the index's predicate. Each new hooked type
// rebuilds the index in its own migration (gitlab in 0013, bitbucket in
// 0015, azure_devops in 0019), so the last migration of each dialect to create it must name the
// query's list exactly: a type left out of either is a source whose hook
// the reconciler never checks, or a scan of every source.
func TestHookedSourcesIndexMatchesQuery(t *testing.T) {
	create := regexp.MustCompile(`(?m)^CREATE INDEX event_sources_hooks ON event_sources \(id\) WHERE type IN (\([^)]*\));$`)
	for _, dialect := range []string{"sqlite", "postgres"} {
		files, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no migrations found: %v", dialect, err)
		}
		sort.Strings(files)
		last, list := "", ""
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if m := create.FindStringSubmatch(string(b)); m != nil {
				last, list = f, m[1]
			} else if strings.Contains(string(b), "event_sources_hooks") && !strings.Contains(string(b), "DROP INDEX") {
				t.Errorf("%s mentions event_sources_hooks in a form this test does not read", f)
			}
		}
		if last == "" {
			t.Fatalf("%s: no migration creates event_sources_hooks", dialect)
		}
		if list != sqlHookedSourceTypes {
			t.Errorf("%s: %s builds event_sources_hooks on type IN %s; the reconciler's query asks for %s",
				dialect, filepath.Base(last), list, sqlHookedSourceTypes)
		}
	}
}
