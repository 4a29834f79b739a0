package store_test

import (
	"database/sql"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The rules of startIfFree that a probe's batch on PostgreSQL keeps now
// that its stage events and executions are written by the statement that
// marks its events, with no transaction around it (lockedStartsPG). Each
// case also checks that the batch took the claim and that one statement
// (2 round trips; 6 before), so that the rule is the statement's.

// startsFixture is a canvas of free stages on PostgreSQL, counting round
// trips, with a raw connection for what another server would do.
type startsFixture struct {
	t       *testing.T
	s       store.Store
	n       *store.StatementCounter
	raw     *sql.DB
	canvas  store.Canvas
	hook    store.EventSource
	stages  []string
	version int64
	at      time.Time
	counted bool // round trips checked (after the warm-up)
	// queued names the events whose stage events the router queues
	// (a stage with conditions), not StartIfFree.
	queued map[string]bool
}

func newStartsFixture(t *testing.T, stages int) *startsFixture {
	t.Helper()
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set")
	}
	ctx := t.Context()
	url := postgresURL(t)
	f := &startsFixture{t: t, n: &store.StatementCounter{}, at: time.Now().UTC().Truncate(time.Microsecond)}
	s, err := store.Open(ctx, url, store.CountRoundTrips(f.n))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.s = s
	if f.raw, err = sql.Open("pgx", url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.raw.Close() })
	f.canvas, f.hook = soleSource(t, s)
	for i := range stages {
		st := store.Stage{ID: uuid.NewString(), OrgID: f.canvas.OrgID, CanvasID: f.canvas.ID, Name: fmt.Sprintf("free-%d", i),
			Spec: []byte(`{}`), CreatedAt: f.at, UpdatedAt: f.at}
		if err := s.CreateStage(ctx, st); err != nil {
			t.Fatal(err)
		}
		f.stages = append(f.stages, st.ID)
	}
	warm := store.Stage{ID: uuid.NewString(), OrgID: f.canvas.OrgID, CanvasID: f.canvas.ID, Name: "warm",
		Spec: []byte(`{}`), CreatedAt: f.at, UpdatedAt: f.at}
	if err := s.CreateStage(ctx, warm); err != nil {
		t.Fatal(err)
	}
	if f.version, err = s.StagesVersion(ctx, f.canvas.OrgID, f.canvas.ID); err != nil {
		t.Fatal(err)
	}
	// A first batch has pgx describe the statements' texts on its
	// connection, a round trip each, once (the pool keeps one here).
	f.route(claimAll, map[string][]string{f.events(1)[0]: {warm.ID}}, nil)
	f.counted = true
	return f
}

// events inserts n pending events, oldest first.
func (f *startsFixture) events(n int) []string {
	var ids []string
	for i := range n {
		f.at = f.at.Add(time.Millisecond)
		ev, _, err := f.s.InsertEvent(f.t.Context(), store.Event{ID: uuid.NewString(), SourceID: f.hook.ID, Type: "webhook",
			Raw: fmt.Appendf(nil, `{"n":%d}`, i), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: f.at})
		if err != nil {
			f.t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

// stageEvent is what the router gives for ev at stage, free.
func (f *startsFixture) stageEvent(ev store.Event, stage string) store.StageEvent {
	return store.StageEvent{ID: uuid.NewString(), StageID: stage, Connection: "hook", TriggerSourceType: "TYPE_EVENT_SOURCE",
		TriggerSourceID: f.hook.ID, TriggerSourceName: f.hook.Name, TriggerEventID: ev.ID, TriggerType: "webhook",
		TriggerPayload: ev.Raw, TriggerHeaders: []byte(`{}`), State: store.StageEventPending, Inputs: []byte(`[]`),
		Approvals: []byte(`[]`), CreatedAt: ev.ReceivedAt, StartIfFree: true}
}

// route routes the pending events under rc, each to the stages to gives
// it (by event id), and returns the batch and its round trips.
func (f *startsFixture) route(rc store.RouteClaim, to map[string][]string, hook func(ev store.Event)) (store.RoutedBatch, int64) {
	f.t.Helper()
	ses := map[string][]store.StageEvent{}
	before := f.n.Count()
	b, err := f.s.RouteEventsBatch(store.WithRouteClaim(f.t.Context(), rc), f.at.Add(time.Second), 100, func(ev store.Event) (store.Routed, error) {
		if hook != nil {
			hook(ev)
		}
		r := store.Routed{StagesVersion: f.version, StagesVersionKnown: true}
		for _, st := range to[ev.ID] {
			se := f.stageEvent(ev, st)
			se.StartIfFree = !f.queued[ev.ID]
			r.StageEvents = append(r.StageEvents, se)
		}
		ses[ev.ID] = r.StageEvents
		return r, nil
	})
	trips := f.n.Count() - before
	if err != nil {
		f.t.Fatalf("RouteEventsBatch: %v", err)
	}
	if f.counted && trips > 2 {
		f.t.Errorf("the batch took %d round trips, want at most 2 (the claim, then one statement)", trips)
	}
	return b, trips
}

// queue is the stage's events in state, newest first.
func (f *startsFixture) queue(stage, state string) []store.StageEvent {
	f.t.Helper()
	evs, err := f.s.ListStageEvents(f.t.Context(), f.canvas.OrgID, f.canvas.ID, stage, []string{state}, store.Page{Limit: 10})
	if err != nil {
		f.t.Fatal(err)
	}
	return evs
}

func (f *startsFixture) executions(stage string) []store.Execution {
	f.t.Helper()
	exs, err := f.s.ListExecutions(f.t.Context(), f.canvas.OrgID, f.canvas.ID, stage, store.Page{Limit: 10})
	if err != nil {
		f.t.Fatal(err)
	}
	return exs
}

var claimAll = store.RouteClaim{Owner: "router", LeaseUntil: time.Now().Add(time.Hour), Max: 4, MaxPerOrg: 10}

// TestApartStartClaimsAsTheTransactionDid: the execution the statement
// claims is answered as the store reads it back, its stage event out of
// the queue, its event processed.
func TestApartStartClaimsAsTheTransactionDid(t *testing.T) {
	f := newStartsFixture(t, 1)
	ids := f.events(1)
	b, _ := f.route(claimAll, map[string][]string{ids[0]: {f.stages[0]}}, nil)
	if b.Done != 1 || b.Started != 1 || len(b.Claimed) != 1 {
		t.Fatalf("batch = %+v; want 1 done, 1 started, 1 claimed", b)
	}
	stored, err := f.s.FindExecution(t.Context(), f.canvas.OrgID, f.canvas.ID, f.stages[0], b.Claimed[0].ID)
	if err != nil || !reflect.DeepEqual(stored, b.Claimed[0]) {
		t.Errorf("claimed %+v\nstored  %+v, %v; want the same", b.Claimed[0], stored, err)
	}
	if q := f.queue(f.stages[0], store.StageEventProcessed); len(q) != 1 || q[0].ID != stored.StageEventID {
		t.Errorf("processed stage events %+v; want the started one", q)
	}
	ev, err := f.s.FindEvent(t.Context(), f.canvas.OrgID, f.canvas.ID, ids[0])
	if err != nil || ev.State != store.EventProcessed {
		t.Errorf("event %+v, %v; want processed", ev, err)
	}
}

// TestApartTwoEventsForOneFreeStage: of two events of one batch for a free
// stage the older starts and the newer waits in the queue (the statement
// does not see its own stage event's insert; it orders them itself).
func TestApartTwoEventsForOneFreeStage(t *testing.T) {
	f := newStartsFixture(t, 2)
	ids := f.events(2)
	b, _ := f.route(claimAll, map[string][]string{ids[0]: {f.stages[0]}, ids[1]: {f.stages[0]}}, nil)
	if b.Done != 2 || b.Started != 1 || len(b.Claimed) != 1 {
		t.Fatalf("batch = %+v; want 2 done, 1 started, 1 claimed", b)
	}
	waiting := f.queue(f.stages[0], store.StageEventPending)
	started := f.queue(f.stages[0], store.StageEventProcessed)
	if len(waiting) != 1 || len(started) != 1 || started[0].TriggerEventID != ids[0] || waiting[0].TriggerEventID != ids[1] {
		t.Errorf("started %+v, waiting %+v; want the older event's started, the newer's pending", started, waiting)
	}
	if exs := f.executions(f.stages[0]); len(exs) != 1 || exs[0].StageEventID != started[0].ID {
		t.Errorf("executions %+v; want one, the older's", exs)
	}
	// The older queued (not StartIfFree), the newer waits behind it.
	ids = f.events(2)
	f.queued = map[string]bool{ids[0]: true}
	b, _ = f.route(claimAll, map[string][]string{ids[0]: {f.stages[1]}, ids[1]: {f.stages[1]}}, nil)
	if b.Done != 2 || b.Started != 0 {
		t.Fatalf("batch with the older event queued = %+v; want 2 done, none started", b)
	}
	if q := f.queue(f.stages[1], store.StageEventPending); len(q) != 2 || len(f.executions(f.stages[1])) != 0 {
		t.Errorf("stage 1 queue %+v; want both events pending, no execution", q)
	}
}

// TestApartStageWithQueueWaits: a stage with a queued event, or running
// an execution, is not free: the probe's stage event waits behind it.
func TestApartStageWithQueueWaits(t *testing.T) {
	f := newStartsFixture(t, 2)
	queued := f.stageEvent(store.Event{ID: uuid.NewString(), Raw: []byte(`{}`), ReceivedAt: f.at}, f.stages[0])
	queued.OrgID, queued.CanvasID, queued.StartIfFree = f.canvas.OrgID, f.canvas.ID, false
	if err := f.s.InsertStageEvents(t.Context(), []store.StageEvent{queued}); err != nil {
		t.Fatal(err)
	}
	ids := f.events(1)
	b, _ := f.route(claimAll, map[string][]string{ids[0]: {f.stages[0]}}, nil)
	if b.Done != 1 || b.Started != 0 || len(b.Claimed) != 0 {
		t.Fatalf("batch for a stage with a queue = %+v; want 1 done, none started", b)
	}
	if q := f.queue(f.stages[0], store.StageEventPending); len(q) != 2 || len(f.executions(f.stages[0])) != 0 {
		t.Errorf("queue %d, executions %d; want both events pending, no execution", len(q), len(f.executions(f.stages[0])))
	}
	// Stage 1 runs the first event's execution; the second waits.
	ids = f.events(1)
	if b, _ := f.route(claimAll, map[string][]string{ids[0]: {f.stages[1]}}, nil); b.Started != 1 {
		t.Fatalf("first batch for stage 1 = %+v; want it started", b)
	}
	ids = f.events(1)
	if b, _ := f.route(claimAll, map[string][]string{ids[0]: {f.stages[1]}}, nil); b.Done != 1 || b.Started != 0 {
		t.Fatalf("batch for a stage running an execution = %+v; want 1 done, none started", b)
	}
	if q, exs := f.queue(f.stages[1], store.StageEventPending), f.executions(f.stages[1]); len(q) != 1 || len(exs) != 1 {
		t.Errorf("stage 1: %d pending, %d executions; want the second event pending behind the one execution", len(q), len(exs))
	}
}

// TestApartCapAndBudget: an organization at its cap gets its execution
// pending (started by the queue's claim later, out of the queue now), and
// a batch claims no more than its budget.
func TestApartCapAndBudget(t *testing.T) {
	f := newStartsFixture(t, 7)
	ids := f.events(1)
	if b, _ := f.route(claimAll, map[string][]string{ids[0]: {f.stages[0]}}, nil); len(b.Claimed) != 1 {
		t.Fatalf("first batch = %+v; want one claimed", b)
	}
	capped := claimAll
	capped.MaxPerOrg = 1
	ids = f.events(1)
	b, _ := f.route(capped, map[string][]string{ids[0]: {f.stages[1]}}, nil)
	if b.Started != 1 || len(b.Claimed) != 0 {
		t.Fatalf("batch at the cap = %+v; want 1 started, none claimed", b)
	}
	if exs := f.executions(f.stages[1]); len(exs) != 1 || exs[0].State != store.ExecutionPending || exs[0].LeaseOwner != "" {
		t.Errorf("executions at the cap %+v; want one pending, unleased", exs)
	}
	if q := f.queue(f.stages[1], store.StageEventPending); len(q) != 0 {
		t.Errorf("queue at the cap %+v; want its event out of it", q)
	}
	// Under a cap of 4 with two running (the warm-up's and stage 0's),
	// two of three probes of one batch are claimed, the third pending:
	// the statement counts its own.
	capped.MaxPerOrg = 4
	ids = f.events(3)
	b, _ = f.route(capped, map[string][]string{ids[0]: {f.stages[4]}, ids[1]: {f.stages[5]}, ids[2]: {f.stages[6]}}, nil)
	if b.Started != 3 || len(b.Claimed) != 2 || b.Claimed[0].StageID != f.stages[4] || b.Claimed[1].StageID != f.stages[5] {
		t.Fatalf("batch of three under a cap of 4 with two running = %+v; want 3 started, the older two claimed", b)
	}
	if exs := f.executions(f.stages[6]); len(exs) != 1 || exs[0].State != store.ExecutionPending {
		t.Errorf("the third's executions %+v; want one pending", exs)
	}
	one := claimAll
	one.Max = 1
	ids = f.events(2)
	b, _ = f.route(one, map[string][]string{ids[0]: {f.stages[2]}, ids[1]: {f.stages[3]}}, nil)
	if b.Started != 2 || len(b.Claimed) != 1 || b.Claimed[0].StageID != f.stages[2] {
		t.Fatalf("batch with a budget of 1 = %+v; want 2 started, the older claimed", b)
	}
	if exs := f.executions(f.stages[3]); len(exs) != 1 || exs[0].State != store.ExecutionPending {
		t.Errorf("the newer's executions %+v; want one pending", exs)
	}
}

// TestApartLeaseTakenOver: an event whose lease another server took while
// this one matched it gets nothing written: no stage event, no execution,
// and it stays the other server's.
func TestApartLeaseTakenOver(t *testing.T) {
	f := newStartsFixture(t, 2)
	ids := f.events(2)
	other := f.at.Add(time.Hour)
	b, _ := f.route(claimAll, map[string][]string{ids[0]: {f.stages[0]}, ids[1]: {f.stages[1]}}, func(ev store.Event) {
		if ev.ID != ids[0] {
			return
		}
		if _, err := f.raw.ExecContext(t.Context(), `UPDATE events SET route_lease_until = $1 WHERE id = $2`, other, ev.ID); err != nil {
			t.Fatal(err)
		}
	})
	if b.Done != 1 || b.Started != 1 || len(b.Claimed) != 1 || b.Claimed[0].StageID != f.stages[1] {
		t.Fatalf("batch = %+v; want the second event routed and started, the first left", b)
	}
	if q, exs := f.queue(f.stages[0], store.StageEventPending), f.executions(f.stages[0]); len(q) != 0 || len(exs) != 0 ||
		len(f.queue(f.stages[0], store.StageEventProcessed)) != 0 {
		t.Errorf("stage 0: %d queued, %d executions; want nothing for the event taken over", len(q), len(exs))
	}
	ev, err := f.s.FindEvent(t.Context(), f.canvas.OrgID, f.canvas.ID, ids[0])
	if err != nil || ev.State != store.EventPending {
		t.Errorf("event taken over %+v, %v; want pending, the other server's", ev, err)
	}
}

// TestApartCapSeesClaimsCommittedWhileItWaited: another server's claim of
// the organization, committed while the batch's statement waited for the
// organization's row, counts toward the cap: the statement's snapshot is
// older than its lock, so its checks read through functions that take a
// snapshot of their own (migration 0033).
func TestApartCapSeesClaimsCommittedWhileItWaited(t *testing.T) {
	f := newStartsFixture(t, 2)
	ctx := t.Context()
	// The other server's execution needs a stage event of its own.
	other := f.stageEvent(store.Event{ID: uuid.NewString(), Raw: []byte(`{}`), ReceivedAt: f.at}, f.stages[0])
	other.OrgID, other.CanvasID, other.StartIfFree, other.State = f.canvas.OrgID, f.canvas.ID, false, store.StageEventProcessed
	if err := f.s.InsertStageEvents(ctx, []store.StageEvent{other}); err != nil {
		t.Fatal(err)
	}
	tx, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, f.canvas.OrgID); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := tx.ExecContext(ctx, `INSERT INTO executions (id, org_id, canvas_id, stage_id, stage_event_id, state, result,
		result_reason, result_message, outputs, resources, lease_owner, lease_expires_at, created_at, started_at)
		VALUES ($1, $2, $3, $4, $5, 'STATE_STARTED', '', '', '', '', '', 'other', $6, $7, $7)`,
		uuid.NewString(), f.canvas.OrgID, f.canvas.ID, f.stages[0], other.ID, now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	// The warm-up's execution runs: with the other's, the cap of 2 is met.
	capped := claimAll
	capped.MaxPerOrg = 2
	ids := f.events(1)
	done := make(chan store.RoutedBatch, 1)
	go func() {
		b, _ := f.route(capped, map[string][]string{ids[0]: {f.stages[1]}}, nil)
		done <- b
	}()
	// Commit once the batch waits for the organization's row (bounded).
	for range 500 {
		var waiting int
		if err := f.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%route_org_running%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	b := <-done
	if b.Started != 1 || len(b.Claimed) != 0 {
		t.Fatalf("batch at a cap met by a claim committed while it waited = %+v; want 1 started, none claimed", b)
	}
	if exs := f.executions(f.stages[1]); len(exs) != 1 || exs[0].State != store.ExecutionPending {
		t.Errorf("executions %+v; want one pending", exs)
	}
}
