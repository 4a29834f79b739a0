package store

import (
	"strings"
	"testing"
	"time"
)

// TestAuditListQueryPlans: every filter GET /api/v1/audit-events offers,
// alone and with a page cursor, reads the organization's records newest
// first on audit_events_list and stops at the page's limit: no scan of the
// whole trail and no sort of it. The actor, object and canvas filters match
// an id or a name, which no one-column index serves, so migration 0026
// dropped the indexes that were never used for them; the test fails if a
// filter comes to need one (SQLite; PostgreSQL's plans were read with
// EXPLAIN on 200k records: audit_events_at or audit_events_list, backwards,
// under the LIMIT, for each filter).
func TestAuditListQueryPlans(t *testing.T) {
	s := openPlanSQLite(t)
	for _, gone := range []string{"audit_events_object", "audit_events_canvas", "audit_events_actor"} {
		var n int
		if err := s.sql.QueryRowContext(t.Context(), `SELECT count(*) FROM sqlite_master WHERE name = ?`, gone).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("index %s still exists: one more b-tree written per record", gone)
		}
	}
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	filters := map[string]AuditFilter{
		"none":        {},
		"actor":       {Actor: "ada@example.com"},
		"object":      {Object: "db-password"},
		"canvas":      {Canvas: "prod"},
		"object type": {ObjectType: "secret"},
		"action":      {Action: "create"},
		"outcome":     {Outcome: AuditSucceeded},
		"since until": {Since: at.Add(-time.Hour), Until: at},
		"all": {Actor: "a", Object: "o", Canvas: "c", ObjectType: "secret", Action: "create",
			Outcome: AuditSucceeded, Since: at.Add(-time.Hour), Until: at},
	}
	pages := map[string]Page{"first page": {Limit: 50}, "next page": {Limit: 50, BeforeTime: at, BeforeID: "0190d0f2-0000-7000-8000-000000000000"}}
	for fname, f := range filters {
		for pname, page := range pages {
			query, args, err := s.auditListQuery("0190d0f2-0000-7000-8000-000000000001", f, page)
			if err != nil {
				t.Fatal(err)
			}
			plan := sqlitePlan(t, s, `EXPLAIN QUERY PLAN `+s.q(query), args...)
			joined := strings.Join(plan, "; ")
			if len(plan) != 1 || !strings.HasPrefix(plan[0], "SEARCH audit_events USING INDEX audit_events_list (org_id=?") {
				t.Errorf("%s, %s: plan %q, want one search of audit_events_list by org_id (newest first, no sort)", fname, pname, joined)
			}
		}
	}
}
