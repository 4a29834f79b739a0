// Command busyfloor is the floor of BENCHMARKS.md's busy canvas (issue 17,
// goal 3): a server doing only the work a signed delivery into a canvas of
// 100 filtered stages cannot avoid on this stack, and nothing else.
//
// Per delivery: net/http reads the body, the HMAC-SHA256 signature
// (X-Signature-256, as a custom webhook source's) is checked against one
// key held in memory, the body is decoded once, 100 compiled expr-lang
// programs ($.environment == 'env-i', the bench's stage filters) are run on
// it, and the event row and one rejection row (naming the set of stages
// that refused it by a hash) are inserted in a transaction shared with the
// deliveries arriving at the same time (group commit), durable
// (synchronous=FULL on SQLite) before the answer. The event's delivery id
// is unique per source, so a redelivery stores nothing, as in the real
// server.
//
// What it leaves out is what the real server does on top: tokens,
// organizations and the source's row (read per delivery), key sealing, the
// header allow-list, routing in a second transaction (the event is inserted
// pending and routed by the engine, which marks it), queues, alerts and the
// rejection sets' bookkeeping. `superplane-bench floor` drives it with the
// busy phase's load generator.
//
// With --staged it is the floor of our design instead: the receiver stores
// the event pending (durable before the answer) and judges nothing; a
// router claims up to 100 pending events in a transaction of their own (the
// lease that counts an attempt), runs the filters, and marks them processed
// with their rejection rows in a second one. GET /pending answers how many
// events wait, so the bench can time the drain.
//
// Either way it times each delivery from its arrival (the handler's
// start) to the commit that ends its routing: unstaged, the receiver's own
// commit (delivery → stored is the whole latency); staged, the router's
// commit that marks it processed (delivery → routed: the floor of the real
// server's delivery → start, whose stage's execution is inserted in that
// commit). GET /latency answers the percentiles since the last call and
// starts again (latency.go).
//
// It is built by hand (go build -o bin/busyfloor ./bench/busyfloor) and
// never shipped; it imports nothing of the project's.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx"
	_ "modernc.org/sqlite"             // "sqlite"
)

// stages is how many filters a delivery is judged by (the bench's busyStages).
const stages = 100

// maxBatch bounds the deliveries sharing one commit.
const maxBatch = 128

func main() {
	addr := flag.String("listen", "127.0.0.1:0", "loopback address to listen on")
	dbURL := flag.String("database-url", "", "postgres:// URL of a fresh database, or a SQLite file path")
	key := flag.String("key", "", "the source's signing key")
	staged := flag.Bool("staged", false, "store events pending and route them in separate transactions, as the real server does")
	profile := flag.String("cpuprofile", "", "file to write a CPU profile to, ended by SIGTERM or SIGINT")
	flag.Parse()
	if *key == "" || *dbURL == "" {
		log.Fatal("busyfloor: --key and --database-url are required")
	}
	if *profile != "" {
		startProfile(*profile)
	}
	db, postgres, err := open(*dbURL)
	if err != nil {
		log.Fatal("busyfloor: ", err)
	}
	progs := make([]*vm.Program, stages)
	for i := range progs {
		// The bench's filter is $.environment == 'env-i': the payload's
		// field, looked up in the map the program runs on.
		if progs[i], err = expr.Compile(fmt.Sprintf("environment == 'env-%d'", i), expr.AsBool()); err != nil {
			log.Fatal("busyfloor: ", err)
		}
	}
	lat := newLatencies()
	w := &writer{db: db, postgres: postgres, in: make(chan *write, 1024), staged: *staged, wake: make(chan struct{}, 1), lat: lat}
	go w.run()
	if *staged {
		go (&router{w: w, progs: progs}).run()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal("busyfloor: ", err)
	}
	if !strings.HasPrefix(ln.Addr().String(), "127.0.0.1:") {
		log.Fatal("busyfloor: loopback only")
	}
	// The bench reads the address from this line.
	fmt.Printf("listening on http://%s\n", ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("GET /pending", func(rw http.ResponseWriter, r *http.Request) {
		var n int
		if err := db.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM events WHERE state <> 'processed'`).Scan(&n); err != nil {
			http.Error(rw, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprint(rw, n)
	})
	mux.HandleFunc("GET /latency", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(lat.take())
	})
	mux.Handle("POST /api/v1/sources/{id}", &handler{key: []byte(*key), progs: progs, w: w, staged: *staged})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}

// startProfile profiles the process until SIGTERM or SIGINT, then exits:
// the floor has nothing to shut down that a profile would miss.
func startProfile(name string) {
	f, err := os.Create(name) //nolint:gosec // A path the person profiling chose.
	if err != nil {
		log.Fatal("busyfloor: ", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal("busyfloor: ", err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-sig
		pprof.StopCPUProfile()
		_ = f.Close()
		os.Exit(0)
	}()
}

func open(dbURL string) (*sql.DB, bool, error) {
	if strings.HasPrefix(dbURL, "postgres://") {
		db, err := sql.Open("pgx", dbURL)
		if err != nil {
			return nil, false, err
		}
		_, err = db.Exec(`CREATE TABLE IF NOT EXISTS events (id uuid PRIMARY KEY, source_id uuid NOT NULL,
			delivery_id text NOT NULL, type text NOT NULL, raw bytea NOT NULL, headers bytea NOT NULL,
			state text NOT NULL, received_at timestamptz NOT NULL, UNIQUE (source_id, delivery_id));
			CREATE TABLE IF NOT EXISTS rejections (event_id uuid PRIMARY KEY, set_hash text NOT NULL,
			created_at timestamptz NOT NULL);
			CREATE INDEX IF NOT EXISTS events_pending ON events (received_at) WHERE state = 'pending'`)
		return db, true, err
	}
	// The real store's settings (internal/store/sqlite.go): WAL, durable
	// commits, one writer.
	db, err := sql.Open("sqlite", "file:"+dbURL+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"+
		"&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return nil, false, err
	}
	db.SetMaxOpenConns(1)
	_, err = db.Exec(`CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, source_id TEXT NOT NULL,
		delivery_id TEXT NOT NULL, type TEXT NOT NULL, raw BLOB NOT NULL, headers BLOB NOT NULL,
		state TEXT NOT NULL, received_at TEXT NOT NULL, UNIQUE (source_id, delivery_id)) STRICT;
		CREATE TABLE IF NOT EXISTS rejections (event_id TEXT PRIMARY KEY, set_hash TEXT NOT NULL,
		created_at TEXT NOT NULL) STRICT;
		CREATE INDEX IF NOT EXISTS events_pending ON events (received_at) WHERE state = 'pending'`)
	return db, false, err
}

type handler struct {
	key    []byte
	progs  []*vm.Program
	w      *writer
	staged bool // judge nothing here: the router does
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body", http.StatusRequestEntityTooLarge)
		return
	}
	sig, ok := strings.CutPrefix(r.Header.Get("X-Signature-256"), "sha256=")
	got, err := hex.DecodeString(sig)
	m := hmac.New(sha256.New, h.key)
	m.Write(body)
	if !ok || err != nil || !hmac.Equal(got, m.Sum(nil)) {
		http.Error(w, "refused", http.StatusUnauthorized)
		return
	}
	var payload map[string]any
	if err := json.Unmarshal(body, &payload); err != nil {
		http.Error(w, "not a JSON object", http.StatusBadRequest)
		return
	}
	set := ""
	if !h.staged {
		set = judge(h.progs, payload)
	}
	headers, _ := json.Marshal(map[string]string{"content-type": r.Header.Get("Content-Type")})
	wr := &write{id: uuid.NewString(), source: r.PathValue("id"), delivery: r.Header.Get("X-Delivery-Id"), body: body,
		headers: headers, set: set, arrived: arrived, done: make(chan error, 1)}
	h.w.in <- wr
	if err := <-wr.done; err != nil {
		log.Print("busyfloor: ", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"eventId":%q}`, wr.id)
}

// judge runs the filters on payload and names the stages whose filters
// refuse it by a hash of their indexes, as the real server names a set of
// stages.
func judge(progs []*vm.Program, payload map[string]any) string {
	refused := sha256.New()
	var idx [2]byte
	for i, p := range progs {
		out, err := expr.Run(p, payload)
		if pass, _ := out.(bool); err != nil || !pass {
			idx[0], idx[1] = byte(i>>8), byte(i)
			refused.Write(idx[:])
		}
	}
	return hex.EncodeToString(refused.Sum(nil))
}

// write is one delivery's rows, answered on done once committed.
type write struct {
	id, source, delivery, set string
	body, headers             []byte
	arrived                   time.Time // when the handler began
	done                      chan error
}

// writer commits the deliveries waiting when it is free in one
// transaction: group commit, as the real store's event batcher.
type writer struct {
	db       *sql.DB
	postgres bool
	in       chan *write
	staged   bool          // store events pending, without their rejection
	wake     chan struct{} // tells the router a commit stored events
	lat      *latencies
}

func (w *writer) run() {
	for first := range w.in {
		batch := []*write{first}
	more:
		for len(batch) < maxBatch {
			select {
			case wr := <-w.in:
				batch = append(batch, wr)
			default:
				break more
			}
		}
		stored, err := w.commit(batch)
		if err == nil {
			w.lat.stored(stored, w.staged)
		}
		for _, wr := range batch {
			wr.done <- err
		}
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// commit writes batch in one transaction and returns the deliveries it
// stored (not redeliveries).
func (w *writer) commit(batch []*write) ([]*write, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	state := "processed"
	if w.staged {
		state = "pending"
	}
	insEvent := `INSERT INTO events (id, source_id, delivery_id, type, raw, headers, state, received_at)
		VALUES (?, ?, ?, 'webhook', ?, ?, '` + state + `', ?) ON CONFLICT (source_id, delivery_id) DO NOTHING`
	insRejection := `INSERT INTO rejections (event_id, set_hash, created_at) VALUES (?, ?, ?)`
	if w.postgres {
		insEvent = `INSERT INTO events (id, source_id, delivery_id, type, raw, headers, state, received_at)
		VALUES ($1, $2, $3, 'webhook', $4, $5, '` + state + `', $6) ON CONFLICT (source_id, delivery_id) DO NOTHING`
		insRejection = `INSERT INTO rejections (event_id, set_hash, created_at) VALUES ($1, $2, $3)`
	}
	now := time.Now().UTC()
	var at any = now
	if !w.postgres {
		at = now.Format(time.RFC3339Nano)
	}
	stored := make([]*write, 0, len(batch))
	for _, wr := range batch {
		res, err := tx.ExecContext(ctx, insEvent, wr.id, wr.source, wr.delivery, wr.body, wr.headers, at)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			continue // a redelivery: nothing more to store
		}
		stored = append(stored, wr)
		if w.staged {
			continue // routed later
		}
		if _, err := tx.ExecContext(ctx, insRejection, wr.id, wr.set, at); err != nil {
			return nil, err
		}
	}
	return stored, tx.Commit()
}

// router routes pending events as the real engine does, in two
// transactions a batch: the claim (the lease that counts an attempt, so a
// crash while judging is one), then the batch marked processed with its
// rejection rows.
type router struct {
	w     *writer
	progs []*vm.Program
}

// run routes until the process ends, waking on each commit of new events
// and at least every 50 ms.
func (r *router) run() {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.w.wake:
		case <-tick.C:
		}
		for range 1000 { // bounded: 100,000 events, then wait for the next wake
			n, err := r.batch()
			if err != nil {
				log.Print("busyfloor: route: ", err)
			}
			if err != nil || n == 0 {
				break
			}
		}
	}
}

// batch claims up to 100 pending events and routes them; it returns how
// many it routed.
func (r *router) batch() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	claim := `UPDATE events SET state = 'routing' WHERE id IN
		(SELECT id FROM events WHERE state = 'pending' ORDER BY received_at LIMIT 100) RETURNING id, raw`
	done := `UPDATE events SET state = 'processed' WHERE id = ?`
	insRejection := `INSERT INTO rejections (event_id, set_hash, created_at) VALUES (?, ?, ?)`
	if r.w.postgres {
		claim = `UPDATE events SET state = 'routing' WHERE id IN
		(SELECT id FROM events WHERE state = 'pending' ORDER BY received_at LIMIT 100 FOR UPDATE SKIP LOCKED) RETURNING id, raw`
		done = `UPDATE events SET state = 'processed' WHERE id = $1`
		insRejection = `INSERT INTO rejections (event_id, set_hash, created_at) VALUES ($1, $2, $3)`
	}
	type claimed struct {
		id  string
		raw []byte
	}
	var got []claimed
	// One statement: on PostgreSQL its own transaction (one round trip
	// where begin, claim, commit were three); SQLite's takes the writer
	// first (immediate), as the real store's.
	var q interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	} = r.w.db
	var tx *sql.Tx
	if !r.w.postgres {
		var err error
		if tx, err = r.w.db.BeginTx(ctx, nil); err != nil {
			return 0, err
		}
		defer func() { _ = tx.Rollback() }()
		q = tx
	}
	var args []any
	if r.w.postgres {
		// Planned at every run, as the server's routing statements
		// (store.plannedEachRun): a generic plan kept from the first
		// batches, on a table of a few hundred rows, scanned the whole
		// table as it grew.
		args = []any{pgx.QueryExecModeCacheDescribe}
	}
	rows, err := q.QueryContext(ctx, claim, args...)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var c claimed
		if err := rows.Scan(&c.id, &c.raw); err != nil {
			_ = rows.Close()
			return 0, err
		}
		got = append(got, c)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	if len(got) == 0 {
		return 0, nil
	}
	sets := make([]string, len(got))
	for i, c := range got {
		var payload map[string]any
		_ = json.Unmarshal(c.raw, &payload)
		sets[i] = judge(r.progs, payload)
	}
	now := time.Now().UTC()
	var at any = now
	if !r.w.postgres {
		at = now.Format(time.RFC3339Nano)
	}
	ids := make([]string, len(got))
	for i, c := range got {
		ids[i] = c.id
	}
	if r.w.postgres {
		// One statement, one round trip, as the real server's mark since
		// round ten: two statements an event made the floor's routing
		// slower than the server's, and its latency a backlog.
		if _, err := r.w.db.ExecContext(ctx, `WITH m AS (UPDATE events SET state = 'processed' WHERE id = ANY($1::uuid[]))
			INSERT INTO rejections (event_id, set_hash, created_at)
			SELECT r.id, r.set_hash, $3::timestamptz FROM unnest($1::uuid[], $2::text[]) AS r (id, set_hash)`,
			pgx.QueryExecModeCacheDescribe, ids, sets, now); err != nil {
			return 0, err
		}
		r.w.lat.routed(ids)
		return len(got), nil
	}
	tx, err = r.w.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	for i, c := range got {
		if _, err := tx.ExecContext(ctx, done, c.id); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, insRejection, c.id, sets[i], at); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	r.w.lat.routed(ids)
	return len(got), nil
}
