package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestStageEventCountPlans: at 110,000 stage events on PostgreSQL (100,000
// processed, 20 pending and 30 discarded in one stage, 10,000 in another, 7
// in a small one), the count of a stage's events, alone (CountStageEvents)
// and in its list's page (ListStageEventPage), reads no more than the
// count's bound of the stage's index entries and never the whole table, for
// every state filter (discarded alone on its own index, migration 0032:
// before it, 100,000 entries walked), in the generic plan PostgreSQL may choose
// for a cached statement and in the plan it chose after six executions
// for another stage. With the stage (and org and canvas) bound for
// equality and the states bound as parameters, the generic plan scanned
// the table: 9-39 ms for the small stage, and 14-32 ms chosen by itself
// after six executions (BENCHMARKS.md, leftovers, round eleven). On
// SQLite, each searches the stage's index (the queue's for queued states,
// the discarded one's for discarded) with no sort.
func TestStageEventCountPlans(t *testing.T) {
	t.Run("postgres", testStageEventCountPlansPostgres)
	t.Run("sqlite", testStageEventCountPlansSQLite)
}

// testStageEventCountPlansSQLite: on SQLite, each count and each page
// searches the stage's index, stage_events_queue for the queued states and
// stage_events_discarded for discarded alone, with no sort.
func testStageEventCountPlansSQLite(t *testing.T) {
	s := openPlanSQLite(t)
	id := uuid.NewString()
	for _, states := range [][]string{nil, {StageEventPending}, {StageEventWaiting}, {StageEventPending, StageEventWaiting},
		{StageEventProcessed}, {StageEventDiscarded}, {StageEventProcessed, StageEventPending}} {
		from, _ := stageEventsCounted("se", states, ` AND EXISTS (SELECT 1 FROM stages st WHERE st.id = ? AND st.org_id = ? AND st.canvas_id = ?)`)
		page, args, _, err := s.stageEventPageQuery(id, id, id, states, Page{Limit: 50}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		queued := len(states) > 0 && !slices.ContainsFunc(states, func(st string) bool { return st != StageEventPending && st != StageEventWaiting })
		for what, plan := range map[string][]string{
			"count": sqlitePlan(t, s, `EXPLAIN QUERY PLAN `+boundedCount(from), id, id, id, id, id, 1001),
			"page":  sqlitePlan(t, s, `EXPLAIN QUERY PLAN `+page, args...),
		} {
			joined := strings.Join(plan, "; ")
			index := "stage_events_stage_created"
			if queued {
				index = "stage_events_queue"
			}
			if slices.Equal(states, []string{StageEventDiscarded}) {
				index = "stage_events_discarded"
			}
			if strings.Contains(joined, "TEMP B-TREE") || strings.Contains(joined, "SCAN se") || strings.Contains(joined, "SCAN cnt") ||
				!strings.Contains(joined, "USING COVERING INDEX "+index) && !strings.Contains(joined, "USING INDEX "+index) {
				t.Errorf("%s of %v: plan %q, want a search of %s, no sort", what, states, joined, index)
			}
		}
	}
}

// testStageEventCountPlansPostgres is TestStageEventCountPlans on
// PostgreSQL.
func testStageEventCountPlansPostgres(t *testing.T) {
	s := openPlanPostgres(t, "fairplan")
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	org, err := s.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	canvas := Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateCanvas(ctx, canvas); err != nil {
		t.Fatal(err)
	}
	stages := map[string]string{}
	for _, name := range []string{"big", "other", "small"} {
		st := Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, Name: name, Spec: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
		if err := s.CreateStage(ctx, st); err != nil {
			t.Fatal(err)
		}
		stages[name] = st.ID
	}
	for _, seed := range []struct {
		stage, state string
		n            int
	}{{"big", StageEventProcessed, 100_000}, {"big", StageEventPending, 20}, {"big", StageEventDiscarded, 30}, {"other", StageEventProcessed, 10_000},
		{"small", StageEventProcessed, 5}, {"small", StageEventPending, 2}} {
		if _, err := s.sql.ExecContext(ctx, `INSERT INTO stage_events (id, org_id, canvas_id, stage_id, connection,
			trigger_source_type, trigger_source_id, trigger_source_name, trigger_event_id, trigger_type, trigger_payload,
			trigger_headers, state, state_reason, inputs, approvals, created_at)
			SELECT gen_random_uuid(), $1, $2, $3, 'hook', 'TYPE_EVENT_SOURCE', gen_random_uuid()::text, 'hook',
				gen_random_uuid()::text, 'push', '\x7b7d', '\x7b7d', $4, '', '\x5b5d', '\x5b5d',
				now() - interval '2 days' + g * interval '1 millisecond'
			FROM generate_series(1, $5::int) g`, org.ID, canvas.ID, stages[seed.stage], seed.state, seed.n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.sql.ExecContext(ctx, `ANALYZE stage_events; ANALYZE stages`); err != nil {
		t.Fatal(err)
	}
	const bound = 1000
	for label, states := range map[string][]string{"all": nil, "pending": {StageEventPending}, "processed": {StageEventProcessed},
		"queued": {StageEventPending, StageEventWaiting}, "processed or discarded": {StageEventProcessed, StageEventDiscarded},
		"discarded": {StageEventDiscarded}} {
		from, _ := stageEventsCounted("se", states,
			` AND EXISTS (SELECT 1 FROM stages st WHERE st.id = ? AND st.org_id = ? AND st.canvas_id = ?)`)
		count := boundedCount(from)
		countArgs := func(stage string) []any { return []any{stage, stage, stage, org.ID, canvas.ID, bound + 1} }
		pageArgs := func(stage string) []any {
			q, args, _, err := s.stageEventPageQuery(org.ID, canvas.ID, stage, states, Page{Limit: 50}, bound)
			if err != nil {
				t.Fatal(err)
			}
			if q == "" {
				t.Fatal("no page query")
			}
			return args
		}
		page, _, _, err := s.stageEventPageQuery(org.ID, canvas.ID, stages["small"], states, Page{Limit: 50}, bound)
		if err != nil {
			t.Fatal(err)
		}
		for _, probe := range []string{"small", "big"} {
			checkPreparedPlan(t, s, fmt.Sprintf("count, %s, %s stage, generic", label, probe), count, "force_generic_plan", nil, countArgs(stages[probe]))
			checkPreparedPlan(t, s, fmt.Sprintf("page, %s, %s stage, generic", label, probe), page, "force_generic_plan", nil, pageArgs(stages[probe]))
		}
		checkPreparedPlan(t, s, fmt.Sprintf("count, %s, small stage after six of other", label), count, "auto", countArgs(stages["other"]), countArgs(stages["small"]))
		checkPreparedPlan(t, s, fmt.Sprintf("page, %s, small stage after six of other", label), page, "auto", pageArgs(stages["other"]), pageArgs(stages["small"]))
	}
}

// checkPreparedPlan prepares query on one connection with plan_cache_mode
// mode, executes it six times with warm (unless nil), then explains its
// execution with args: no sequential scan of stage_events, and no node
// reading more of its rows than a count's bound and a page.
func checkPreparedPlan(t *testing.T, s *db, what, query, mode string, warm, args []any) {
	t.Helper()
	ctx := t.Context()
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	literal := func(args []any) string {
		out := make([]string, len(args))
		for i, a := range args {
			switch v := a.(type) {
			case int:
				out[i] = fmt.Sprint(v)
			case string:
				out[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
			default:
				t.Fatalf("%s: argument %T", what, a)
			}
		}
		return strings.Join(out, ", ")
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `DEALLOCATE plan_probe; RESET plan_cache_mode`)
	}()
	if _, err := conn.ExecContext(ctx, `SET plan_cache_mode = `+mode); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `PREPARE plan_probe AS `+s.q(query)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if warm != nil {
		for range 6 {
			rows, err := conn.QueryContext(ctx, `EXECUTE plan_probe(`+literal(warm)+`)`)
			if err != nil {
				t.Fatal(err)
			}
			_ = rows.Close()
		}
	}
	var out string
	if err := conn.QueryRowContext(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE plan_probe(`+literal(args)+`)`).Scan(&out); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	walkPostgresPlan(t, what, out, func(n planNode) {
		read := (n.ActualRows + n.RemovedByFilter) * n.ActualLoops
		if n.NodeType == "Seq Scan" && n.Relation == "stage_events" {
			t.Errorf("%s: a sequential scan of stage_events", what)
		}
		if (n.Relation == "stage_events" || strings.HasPrefix(n.Index, "stage_events_")) && read > 1100 {
			t.Errorf("%s: %s read %.0f stage events", what, n.NodeType, read)
		}
	})
}
