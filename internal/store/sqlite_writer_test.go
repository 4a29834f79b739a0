package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// waiters returns how many priority and ordinary writers wait for w.
func (w *writerLock) waiters() (high, low int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.high), len(w.low)
}

// waitFor polls until w has the waiters wanted, for at most 10 s.
func waitFor(t *testing.T, w *writerLock, high, low int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, l := w.waiters()
		if h == high && l == low {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("writer waiters: %d priority, %d ordinary; want %d and %d", h, l, high, low)
		}
		time.Sleep(time.Millisecond)
	}
}

// heldWriterFixture is a SQLite store on a temporary file, closed when the
// test ends, with the organization acme, its canvas prod and the webhook
// source hook: what the tests of SQLite's one writer deliver to while
// they hold it.
type heldWriterFixture struct {
	s      *db
	org    Organization
	canvas Canvas
	source EventSource
	now    time.Time
}

func newHeldWriterFixture(t *testing.T, opts ...OpenOption) *heldWriterFixture {
	t.Helper()
	f := openWithSource(t, "sqlite://"+filepath.Join(t.TempDir(), "superplane.db"), opts...)
	return &heldWriterFixture{s: f.s, org: f.org, canvas: f.canvas, source: f.source, now: f.now}
}

// sourceFixture is a store opened for a test with organization acme, its
// canvas prod and the webhook source hook in it.
type sourceFixture struct {
	s      *db
	org    Organization
	canvas Canvas
	source EventSource
	now    time.Time
}

// openWithSource opens url for the test (closed at its end) and creates
// acme, prod and hook.
func openWithSource(t *testing.T, url string, opts ...OpenOption) sourceFixture {
	t.Helper()
	ctx := t.Context()
	st, err := Open(ctx, url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, ok := st.(*db)
	if !ok {
		t.Fatalf("Open returned a %T", st)
	}
	org, err := s.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateCanvas(ctx, c); err != nil {
		t.Fatal(err)
	}
	es := EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "hook", Type: "webhook",
		KeyID: "k", KeyCiphertext: []byte("sealed"), KeyVersion: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateEventSource(ctx, es); err != nil {
		t.Fatal(err)
	}
	return sourceFixture{s: s, org: org, canvas: c, source: es, now: now}
}

// holdWriter takes SQLite's one writer with a transaction, as another
// (routing's) holds it, until release is called; the test's end releases
// it too.
func (f *heldWriterFixture) holdWriter(t *testing.T) (release func()) {
	t.Helper()
	held, err := f.s.sql.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { _ = held.Rollback() }) }
	t.Cleanup(release)
	return release
}

// TestEngineWriteGoesBeforeGroupCommit: with SQLite's one writer held, an
// execution's claim (the engine's) that arrives after a delivery's group
// commit began waiting still takes the writer first, so an execution that
// routing started does not wait behind the receivers' batches.
func TestEngineWriteGoesBeforeGroupCommit(t *testing.T) {
	ctx := t.Context()
	f := newHeldWriterFixture(t)
	s, org, c, es, now := f.s, f.org, f.canvas, f.source, f.now
	stage := Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "deploy", Spec: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
	if err := s.CreateStage(ctx, stage); err != nil {
		t.Fatal(err)
	}
	se := StageEvent{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, StageID: stage.ID, Connection: "hook",
		TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: es.ID, TriggerSourceName: "hook", TriggerEventID: uuid.NewString(),
		TriggerType: "webhook", TriggerPayload: []byte(`{}`), TriggerHeaders: []byte(`{}`), State: StageEventPending,
		Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: now}
	if err := s.InsertStageEvents(ctx, []StageEvent{se}); err != nil {
		t.Fatal(err)
	}
	if err := s.StartExecution(ctx, se.ID, Execution{ID: uuid.NewString(), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	// The order the writes take the writer in, as SQLite sees it.
	if _, err := s.sql.ExecContext(ctx, `CREATE TABLE write_order (n INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT NOT NULL);
		CREATE TRIGGER engine_wrote AFTER UPDATE ON executions BEGIN INSERT INTO write_order (who) VALUES ('engine'); END;
		CREATE TRIGGER receiver_wrote AFTER INSERT ON events BEGIN INSERT INTO write_order (who) VALUES ('receiver'); END;`); err != nil {
		t.Fatal(err)
	}
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var w *writerLock
	if err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*sqliteConn)
		if !ok {
			return fmt.Errorf("a connection is a %T", dc)
		}
		w = sc.writer
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()

	release := f.holdWriter(t)
	var wg sync.WaitGroup
	var deliveryErr, claimErr error
	var claimed bool
	wg.Go(func() {
		_, _, deliveryErr = s.InsertEvent(context.Background(), Event{ID: NewTimeOrderedID(), SourceID: es.ID, Type: "webhook",
			DeliveryID: "d-1", Raw: []byte(`{}`), Headers: []byte(`{}`), State: EventPending, ReceivedAt: now})
	})
	waitFor(t, w, 0, 1)
	wg.Go(func() {
		_, claimed, claimErr = s.ClaimExecution(context.Background(), "server-1", now, now.Add(time.Minute), 4)
	})
	waitFor(t, w, 1, 1)
	release()
	wg.Wait()
	if deliveryErr != nil || claimErr != nil || !claimed {
		t.Fatalf("delivery: %v; claim: claimed %v, %v", deliveryErr, claimed, claimErr)
	}
	order := writeOrder(t, s)
	if order != "[engine receiver]" {
		t.Errorf("writes in the order %v, want [engine receiver]: the engine's claim goes first", order)
	}
}

// TestWriterPriorityBounded: priority writers go first, but an ordinary
// writer waits for at most maxPriorityInARow of them, however many queue;
// each queue keeps its order of arrival.
func TestWriterPriorityBounded(t *testing.T) {
	w := &writerLock{}
	ctx := t.Context()
	if err := w.acquire(ctx, false); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	enqueue := func(name string, priority bool, high, low int) {
		wg.Go(func() {
			if err := w.acquire(ctx, priority); err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			w.release()
		})
		waitFor(t, w, high, low)
	}
	enqueue("r1", false, 0, 1)
	enqueue("r2", false, 0, 2)
	for i := range maxPriorityInARow + 2 {
		enqueue(fmt.Sprint("e", i+1), true, i+1, 2)
	}
	w.release()
	wg.Wait()
	if got, want := fmt.Sprint(order), "[e1 e2 e3 e4 r1 e5 e6 r2]"; got != want {
		t.Errorf("writers served in the order %s, want %s", got, want)
	}
	// Free again: the next writer takes it at once.
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := w.acquire(short, false); err != nil {
		t.Fatalf("acquire after all released: %v", err)
	}
	w.release()
}

// TestEmptyEngineRoundsTakeNoWriter: a claim that finds nothing to claim,
// and the connection groups' rounds with no field set due, answer without
// waiting for SQLite's one writer, held here by another transaction: the
// engine claims after every pass, finish and routing batch and runs the
// group rounds every pass, and each empty one was a turn of the writer the
// receivers' commits waited behind.
func TestEmptyEngineRoundsTakeNoWriter(t *testing.T) {
	f := newHeldWriterFixture(t)
	s := f.s
	f.holdWriter(t)
	short, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	now := time.Now().UTC()
	_, claimed, err := s.ClaimExecution(short, "server-1", now, now.Add(time.Minute), 4)
	if err != nil || claimed {
		t.Fatalf("ClaimExecution with nothing to claim, the writer held = claimed %v, %v; want nothing, at once", claimed, err)
	}
	if n, err := s.ExpireFieldSets(short, now, 100); n != 0 || err != nil {
		t.Fatalf("ExpireFieldSets with none due, the writer held = %d, %v; want 0, at once", n, err)
	}
	n, err := s.EmitFieldSets(short, 100, func(FieldSet) ([]StageEvent, error) {
		t.Error("EmitFieldSets built a field set where there is none")
		return nil, nil
	})
	if n != 0 || err != nil {
		t.Fatalf("EmitFieldSets with none to emit, the writer held = %d, %v; want 0, at once", n, err)
	}
}
