package store

import (
	"database/sql"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"

	sqlite3 "modernc.org/sqlite/lib"
)

// stmtStatuses reads SQLite's counters of every statement cached on the
// idle connections of s: by SQL text, how many times SQLite compiled it
// again (SQLITE_STMTSTATUS_REPREPARE) and ran it. modernc's statement
// keeps its handle unexported, so it is read by reflection: this is a
// test's look inside the driver, nothing the store relies on.
func stmtStatuses(t *testing.T, s *db) (reprepares, runs map[string]int) {
	t.Helper()
	reprepares, runs = map[string]int{}, map[string]int{}
	eachIdleConn(t, s, func(sc *sqliteConn) {
		for q, cs := range sc.stmts {
			rp, rn := stmtStatus(t, cs.stmt)
			reprepares[q] += rp
			runs[q] += rn
		}
	})
	return reprepares, runs
}

// eachIdleConn calls f with each connection open in s's pool, holding
// them all at once so that every one is visited exactly once (a pool
// hands back the connection just returned otherwise).
func eachIdleConn(t *testing.T, s *db, f func(*sqliteConn)) {
	t.Helper()
	visit := func(dc any) error {
		sc, ok := dc.(*sqliteConn)
		if !ok {
			return fmt.Errorf("a connection is a %T", dc)
		}
		f(sc)
		return nil
	}
	n := s.sql.Stats().OpenConnections
	if s.txs != nil {
		// The transactions' connection (txConn), held by txConn rather
		// than idle in the pool: visited while no transaction runs.
		s.txs.mu.Lock()
		pinned, w := s.txs.conn, s.txs.writer
		s.txs.mu.Unlock()
		if pinned != nil {
			if err := w.acquire(t.Context(), false); err != nil {
				t.Fatal(err)
			}
			defer w.release()
			n--
			if err := pinned.Raw(visit); err != nil {
				t.Fatal(err)
			}
		}
	}
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range n {
		c, err := s.sql.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if err := c.Raw(visit); err != nil {
			t.Fatal(err)
		}
	}
}

// stmtStatus is one modernc statement's reprepare and run counts.
func stmtStatus(t *testing.T, st any) (reprepares, runs int) {
	t.Helper()
	v := reflect.ValueOf(st)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		t.Fatalf("a cached statement is a %T", st)
	}
	v = v.Elem()
	pstmt := v.FieldByName("pstmt")
	conn := v.FieldByName("c")
	if !pstmt.IsValid() || !conn.IsValid() || conn.IsNil() {
		t.Fatalf("modernc's statement has no pstmt or c field: %v", v.Type())
	}
	tlsField := conn.Elem().FieldByName("tls")
	if !tlsField.IsValid() {
		t.Fatalf("modernc's connection has no tls field")
	}
	tls := reflect.NewAt(tlsField.Type(), unsafe.Pointer(tlsField.UnsafeAddr())).Elem()
	status := reflect.ValueOf(sqlite3.Xsqlite3_stmt_status)
	get := func(op int32) int {
		out := status.Call([]reflect.Value{tls, reflect.ValueOf(uintptr(pstmt.Uint())), reflect.ValueOf(op), reflect.ValueOf(int32(0))})
		return int(out[0].Int())
	}
	if pstmt.Uint() == 0 { // a script: compiled at every run, never cached
		return 0, 0
	}
	return get(sqlite3.SQLITE_STMTSTATUS_REPREPARE), get(sqlite3.SQLITE_STMTSTATUS_RUN)
}

// compilations is what the connections of s compiled so far: the texts
// they gave SQLite to compile (sqliteConn.compiles) and the times SQLite
// compiled a cached statement again (its reprepare counter), summed over
// the idle connections.
func compilations(t *testing.T, s *db) (compiles, reprepares int, which map[string]int) {
	t.Helper()
	which, _ = stmtStatuses(t, s)
	for _, n := range which {
		reprepares += n
	}
	eachIdleConn(t, s, func(sc *sqliteConn) { compiles += sc.compiles })
	return compiles, reprepares, which
}

// TestBusyRoutingCompilesNothingOnceWarm: on the sole server, the busy
// canvas's routing rounds (deliveries, a batch that matches while the
// other routing worker's batch reads past its events in flight, stage
// events inserted, the engine's field-set probe) compile no statement
// once each text has been seen: neither a text handed to SQLite again
// (the field-set probe has no argument, and statements without arguments
// were not cached; the stage events' INSERT is prepared by its owner,
// and such statements were not cached) nor a cached statement SQLite
// compiles again because a bound value it planned with changed (the read
// bound its LIMIT as the batch plus the events in flight, which differed
// from read to read).
func TestBusyRoutingCompilesNothingOnceWarm(t *testing.T) {
	ctx := t.Context()
	f := newHeldWriterFixture(t, SoleServer())
	s, org, c, es, now := f.s, f.org, f.canvas, f.source, f.now
	// Two connections, the transactions' (txConn) and one for the
	// reads: what each compiled once, it has cached.
	s.sql.SetMaxOpenConns(2)
	stage := Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, Name: "deploy", Spec: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
	if err := s.CreateStage(ctx, stage); err != nil {
		t.Fatal(err)
	}
	deliveries := 0
	deliver := func(n int) {
		t.Helper()
		for range n {
			deliveries++
			if _, _, err := s.InsertEvent(ctx, Event{ID: NewTimeOrderedID(), SourceID: es.ID, Type: "webhook",
				DeliveryID: fmt.Sprintf("d-%d", deliveries), Raw: []byte(`{}`), Headers: []byte(`{}`), State: EventPending,
				ReceivedAt: now.Add(time.Duration(deliveries) * time.Millisecond)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	toStage := func(ev Event) (Routed, error) {
		return Routed{StageEvents: []StageEvent{{ID: uuid.NewString(), OrgID: org.ID, CanvasID: c.ID, StageID: stage.ID,
			Connection: "hook", TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: es.ID, TriggerSourceName: "hook",
			TriggerEventID: ev.ID, TriggerType: "webhook", TriggerPayload: []byte(`{}`), TriggerHeaders: []byte(`{}`),
			State: StageEventPending, Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: now}}}, nil
	}
	// round: a batch of first events is in flight (matching) while the
	// other worker's batch reads and routes the next; first alternates
	// between 3 and 4 (and 33 and 34), so the second read's text (4 ids
	// left out, or 64) is the same and its LIMIT was not.
	round := func(first int) {
		t.Helper()
		deliver(first)
		matching, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			var once sync.Once
			b, err := s.RouteEventsBatch(ctx, time.Now(), 100, func(ev Event) (Routed, error) {
				once.Do(func() { close(matching); <-release })
				return toStage(ev)
			})
			if err == nil && b.Done != first {
				err = fmt.Errorf("the first batch routed %d of %d", b.Done, first)
			}
			done <- err
		}()
		select {
		case <-matching:
		case err := <-done:
			t.Fatalf("the first batch ended before matching: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("the first batch did not match within 10s")
		}
		deliver(2)
		b, err := s.RouteEventsBatch(ctx, time.Now(), 100, toStage)
		close(release)
		if err != nil || b.Done != 2 {
			t.Fatalf("the second batch: %+v, %v; want the 2 events not in flight routed", b, err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the first batch did not end within 10s of its release")
		}
		if _, err := s.EmitFieldSets(ctx, 10, func(FieldSet) ([]StageEvent, error) { return nil, nil }); err != nil {
			t.Fatal(err)
		}
	}
	// 33 and 34 in flight: a list of 64, past the 31 parameters SQLite
	// tracks one by one (any bound value it planned with beyond those
	// expires the statement at every new binding of any of them).
	firsts := []int{3, 4, 33, 34}
	for _, first := range firsts { // warm: every text seen once
		round(first)
	}
	compiles0, reprepares0, which0 := compilations(t, s)
	for i := range 8 {
		round(firsts[i%len(firsts)])
	}
	compiles, reprepares, which := compilations(t, s)
	if compiles != compiles0 {
		t.Errorf("warm routing rounds gave SQLite %d texts to compile; want none", compiles-compiles0)
	}
	if reprepares != reprepares0 {
		for q, n := range which {
			if n > which0[q] {
				t.Logf("compiled again %d times: %.300s", n-which0[q], q)
			}
		}
		t.Errorf("SQLite compiled cached statements %d times again in warm routing rounds; want none", reprepares-reprepares0)
	}
}
