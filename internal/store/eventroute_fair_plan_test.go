package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// fairPlanBacklog is the busy organization's backlog in
// TestFairClaimPlans, and fairPlanOthers how many other organizations have
// one pending event each.
const (
	fairPlanBacklog = 100_000
	fairPlanOthers  = 50
)

// TestFairClaimPlans: with a backlog of 100,000 pending events in one
// organization and one in each of 50 others, the routing claim (PostgreSQL's
// one statement, and the generic transaction's read on both databases)
// reads events on indexes only, never the whole table, and sorts no more
// than the ranked events; and its batch of 100 holds the 50 others' events
// and the busy organization's 50 oldest.
func TestFairClaimPlans(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		s := openPlanPostgres(t, "fairplan")
		busy, others := fairPlanData(t, s)
		now := time.Now()
		lease := now.Add(RouteLease)
		fast := `EXPLAIN (ANALYZE, FORMAT JSON) WITH RECURSIVE ` + s.fairPicked() + `, c AS (
			SELECT e.id, e.received_at, e.route_attempts FROM events e
			WHERE ` + s.pickedPending() + `
				AND (e.route_lease_until IS NULL OR e.route_lease_until <= ?)` + s.skipLockedOf("e") + `
		), claimed AS (UPDATE events u SET route_attempts = 1, route_lease_until = ? FROM c WHERE u.id = c.id RETURNING u.id)
		SELECT count(*) FROM claimed`
		generic := `EXPLAIN (ANALYZE, FORMAT JSON) WITH RECURSIVE ` + s.fairPicked() + `
			SELECT ` + eventColumns + eventFrom + `
			WHERE ` + s.pickedPending() + `
				AND (e.route_lease_until IS NULL OR e.route_lease_until <= ?)` +
			s.skipLockedOf("e")
		// On a fresh database, before autovacuum has analysed the table,
		// then with its statistics.
		for _, stats := range []string{"no statistics", "analysed"} {
			if stats == "analysed" {
				if _, err := s.sql.ExecContext(t.Context(), `ANALYZE events`); err != nil {
					t.Fatal(err)
				}
			}
			checkPostgresPlan(t, s, "one-statement claim, "+stats, fast, append(s.fairPickedArgs(now, 100), s.time(now), s.time(lease))...)
			checkPostgresPlan(t, s, "transaction's read, "+stats, generic, append(s.fairPickedArgs(now, 100), s.time(now))...)
		}
		checkFairBatch(t, s, busy, others)
	})
	t.Run("sqlite", func(t *testing.T) {
		st, err := Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "plan.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		s, ok := st.(*db)
		if !ok {
			t.Fatalf("Open returned %T, not *db", st)
		}
		busy, others := fairPlanData(t, s)
		query := `EXPLAIN QUERY PLAN WITH RECURSIVE ` + s.fairPicked() + `
			SELECT ` + eventColumns + eventFrom + `
			WHERE ` + s.pickedPending() + `
				AND (e.route_lease_until IS NULL OR e.route_lease_until <= ?)`
		plan := sqlitePlan(t, s, query, append(s.fairPickedArgs(time.Now(), 100), s.time(time.Now()))...)
		t.Logf("plan:\n%s", strings.Join(plan, "\n"))
		for _, step := range plan {
			// A SCAN of events other than events_pending_org's first
			// entry (the first organization, under LIMIT 1) would read
			// the backlog; SEARCH reads a range of an index.
			if (strings.HasPrefix(step, "SCAN e") || strings.HasPrefix(step, "SCAN p")) &&
				step != "SCAN p USING COVERING INDEX events_pending_org" {
				t.Errorf("plan step %q reads all the events", step)
			}
		}
		checkFairBatch(t, s, busy, others)

		// The sole server's read: the organizations' two probes and the
		// lowest organization's oldest (with and without events in
		// flight), and the span's probes alone, each a search of
		// events_pending_org in its order (no sort).
		type read struct {
			query string
			args  []any
		}
		for what, q := range map[string]read{
			"span": {`SELECT
				(SELECT p.org_id FROM events p WHERE p.state = ` + sqlEventPending + ` ORDER BY p.org_id, p.received_at, p.id LIMIT 1),
				(SELECT p.org_id FROM events p WHERE p.state = ` + sqlEventPending + ` ORDER BY p.org_id DESC, p.received_at DESC, p.id DESC LIMIT 1)`, nil},
			"one organization": {soleOneOrgRead("", 100), []any{s.time(time.Now())}},
			"one organization, events in flight": {soleOneOrgRead(` AND e.id NOT IN (?, ?)`, 100),
				[]any{s.time(time.Now()), uuid.NewString(), uuid.NewString()}},
		} {
			plan := sqlitePlan(t, s, `EXPLAIN QUERY PLAN `+q.query, q.args...)
			t.Logf("%s plan:\n%s", what, strings.Join(plan, "\n"))
			for _, step := range plan {
				if strings.Contains(step, "TEMP B-TREE") || (strings.HasPrefix(step, "SCAN") && step != "SCAN CONSTANT ROW" && !strings.Contains(step, "events_pending_org")) {
					t.Errorf("%s: plan step %q sorts or reads all the events", what, step)
				}
			}
		}
	})
}

// sqlitePlan answers the detail of each step of an EXPLAIN QUERY PLAN.
func sqlitePlan(t *testing.T, s *db, query string, args ...any) []string {
	t.Helper()
	rows, err := s.sql.QueryContext(t.Context(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// fairPlanData stores the busy organization's backlog and the others' one
// event each, oldest first the busy organization's, and returns the busy
// organization's id and the others' events' ids.
func fairPlanData(t *testing.T, s *db) (busy string, others map[string]bool) {
	t.Helper()
	ctx := t.Context()
	first := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	others = map[string]bool{}
	for i := range fairPlanOthers + 1 {
		org, c, es := newWebhookSource(t, s, fmt.Sprintf("org-%d", i), first)
		ev := Event{ID: uuid.NewString(), SourceID: es.ID, Type: "push", Raw: []byte(`{}`), Headers: []byte(`{}`),
			State: EventPending, ReceivedAt: first.Add(time.Duration(i) * time.Minute)}
		if _, _, err := s.InsertEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			busy = org.ID
			// The backlog, a millisecond apart, all older than the
			// others' events.
			insertFairPlanBacklog(t, s, org.ID, c.ID, es.ID, first)
			continue
		}
		others[ev.ID] = true
	}
	return busy, others
}

// insertFairPlanBacklog stores the busy organization's backlog, a
// millisecond apart, in transactions of 500-event statements.
func insertFairPlanBacklog(t *testing.T, s *db, orgID, canvasID, sourceID string, before time.Time) {
	t.Helper()
	ctx := t.Context()
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	const per = 500
	row := "(" + placeholders(10) + ")"
	for done := 1; done < fairPlanBacklog; done += per {
		var values []string
		var args []any
		for i := done; i < done+per && i < fairPlanBacklog; i++ {
			values = append(values, row)
			args = append(args, uuid.NewString(), orgID, canvasID, sourceID, "push", "", []byte(`{}`), []byte(`{}`), EventPending,
				s.time(before.Add(-time.Duration(i)*time.Millisecond)))
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO events (id, org_id, canvas_id, source_id, type, delivery_id, raw, headers, state, received_at)
			VALUES `+strings.Join(values, ", ")), args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// checkPostgresPlan runs EXPLAIN ANALYZE of query in a transaction rolled
// back and fails on a sequential scan of events, a read of more events or
// a sort of more rows than the ranked events (at most limit²/4).
func checkPostgresPlan(t *testing.T, s *db, what, query string, args ...any) {
	t.Helper()
	tx, err := s.sql.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	var out string
	if err := tx.QueryRowContext(t.Context(), s.q(query), args...).Scan(&out); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	walkPostgresPlan(t, what, out, func(n planNode) {
		if n.NodeType == "Seq Scan" && n.Relation == "events" {
			t.Errorf("%s: a sequential scan of events", what)
		}
		if (n.Relation == "events" || strings.HasPrefix(n.Index, "events_")) && n.ActualRows*n.ActualLoops > 2600 {
			t.Errorf("%s: %s read %.0f events", what, n.NodeType, n.ActualRows*n.ActualLoops)
		}
		if n.NodeType == "Sort" && n.ActualRows*n.ActualLoops > 2600 {
			t.Errorf("%s: a sort of %.0f rows", what, n.ActualRows*n.ActualLoops)
		}
	})
}

// checkFairBatch claims a batch of 100: the others' events and the busy
// organization's 50 oldest.
func checkFairBatch(t *testing.T, s *db, busy string, others map[string]bool) {
	t.Helper()
	claimed, _, err := s.claimEvents(t.Context(), time.Now(), time.Now().Add(RouteLease), 100)
	if err != nil {
		t.Fatal(err)
	}
	gotOthers, gotBusy := 0, 0
	for _, ev := range claimed {
		switch {
		case others[ev.ID]:
			gotOthers++
		case ev.OrgID == busy:
			gotBusy++
		}
	}
	if gotOthers != fairPlanOthers || gotBusy != 100-fairPlanOthers {
		t.Errorf("batch of 100 holds %d of the others' %d events and %d of the busy organization's; want all and %d",
			gotOthers, fairPlanOthers, gotBusy, 100-fairPlanOthers)
	}
}
