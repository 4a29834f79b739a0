package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// openTestDB opens the store at url, closed when the test ends, as the
// *db whose statements and plans a test reaches into.
func openTestDB(t testing.TB, url string) *db {
	t.Helper()
	st, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, ok := st.(*db)
	if !ok {
		t.Fatalf("Open returned %T, not *db", st)
	}
	return s
}

// openPlanSQLite opens the store on a temporary SQLite file.
func openPlanSQLite(t *testing.T) *db {
	t.Helper()
	return openTestDB(t, "sqlite://"+filepath.Join(t.TempDir(), "plan.db"))
}

// openPlanPostgres opens the store on a schema of its own, dropped when the
// test ends (pgtest), or skips the test when no server is configured.
func openPlanPostgres(t *testing.T, schema string) *db {
	t.Helper()
	return openTestDB(t, pgtest.SchemaURL(t, schema))
}

// newWebhookSource stores an organization named org, a canvas and a webhook
// source in it, created at.
func newWebhookSource(t testing.TB, s *db, org string, at time.Time) (Organization, Canvas, EventSource) {
	t.Helper()
	ctx := t.Context()
	o, err := s.EnsureOrganization(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	c := Canvas{ID: uuid.NewString(), OrgID: o.ID, Name: "prod", CreatedBy: uuid.NewString(), CreatedAt: at, UpdatedAt: at}
	if err := s.CreateCanvas(ctx, c); err != nil {
		t.Fatal(err)
	}
	es := EventSource{ID: uuid.NewString(), OrgID: o.ID, CanvasID: c.ID, Name: "push", Type: "webhook",
		Events: []byte(`[{"type":"push","filters":[]}]`), KeyID: "key-1", KeyCiphertext: []byte("sealed"), KeyVersion: 1,
		CreatedBy: uuid.NewString(), CreatedAt: at, UpdatedAt: at}
	if err := s.CreateEventSource(ctx, es); err != nil {
		t.Fatal(err)
	}
	return o, c, es
}

// planNode is a node of PostgreSQL's plan as EXPLAIN (ANALYZE, FORMAT
// JSON) writes it; RemovedByFilter counts the rows a filter read and
// dropped, which ActualRows does not.
type planNode struct {
	NodeType        string     `json:"Node Type"`
	Relation        string     `json:"Relation Name"`
	Index           string     `json:"Index Name"`
	ActualRows      float64    `json:"Actual Rows"`
	ActualLoops     float64    `json:"Actual Loops"`
	RemovedByFilter float64    `json:"Rows Removed by Filter"`
	TotalTime       float64    `json:"Actual Total Time"`
	Plans           []planNode `json:"Plans"`
}

// walkPostgresPlan decodes EXPLAIN's JSON answer out, calls check on each
// node of its plan, and logs the tree.
func walkPostgresPlan(t *testing.T, what, out string, check func(planNode)) {
	t.Helper()
	var plans []struct {
		Plan          planNode `json:"Plan"`
		ExecutionTime float64  `json:"Execution Time"`
	}
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("%s: plan %s: %v", what, out, err)
	}
	var lines []string
	var walk func(n planNode, depth int)
	walk = func(n planNode, depth int) {
		lines = append(lines, fmt.Sprintf("%s%s %s %s rows=%.0f removed=%.0f loops=%.0f %.3f ms", strings.Repeat("  ", depth),
			n.NodeType, n.Relation, n.Index, n.ActualRows, n.RemovedByFilter, n.ActualLoops, n.TotalTime))
		check(n)
		for _, c := range n.Plans {
			walk(c, depth+1)
		}
	}
	walk(plans[0].Plan, 0)
	t.Logf("%s, %.1f ms:\n%s", what, plans[0].ExecutionTime, strings.Join(lines, "\n"))
}
