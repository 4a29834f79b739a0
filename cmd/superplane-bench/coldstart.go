package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// coldConfig holds the coldstart command's flags.
type coldConfig struct {
	serverBin   string
	databaseURL string
	events      int
	starts      int
	out         string
}

// runColdStart measures issue 17's goal 6: how long `serve` takes to answer
// GET /ready with 200 on an existing database of many events, and its
// memory when idle after that start. The database is built once (one real
// delivery, then copies of its row by one INSERT … SELECT, which is seconds
// instead of a minute of deliveries), the server stopped, and then started
// --starts times on it.
func runColdStart(ctx context.Context, command string, args []string, stdout, stderr io.Writer) error {
	cfg := coldConfig{}
	fs := newFlags("coldstart", stderr)
	fs.StringVar(&cfg.serverBin, "server-bin", "", "superplane-server binary to start")
	fs.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL server to create a fresh database on (default: SQLite in a temp dir)")
	fs.IntVar(&cfg.events, "events", 100_000, "events stored before the starts")
	fs.IntVar(&cfg.starts, "starts", 5, "starts timed")
	fs.StringVar(&cfg.out, "out", "", "JSON results file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.serverBin == "" {
		return errors.New("--server-bin is required")
	}
	if cfg.events < 1 || cfg.events > 10_000_000 || cfg.starts < 1 || cfg.starts > 50 {
		return errors.New("--events must be 1-10,000,000 and --starts 1-50")
	}
	rep := newReport("control", command)
	rep.Database = "sqlite"
	if cfg.databaseURL != "" {
		rep.Database = "postgres"
	}
	logf(stdout, "cold start on %s with %d events, load %s", rep.Database, cfg.events, rep.LoadBefore)
	if err := coldStart(ctx, cfg, rep, stdout); err != nil {
		return err
	}
	if err := rep.write(cfg.out); err != nil {
		return err
	}
	if cfg.out != "" {
		logf(stdout, "written to %s", cfg.out)
	}
	return nil
}

func coldStart(ctx context.Context, cfg coldConfig, rep *report, w io.Writer) error {
	srv, err := startServer(ctx, serverOptions{bin: cfg.serverBin, databaseURL: cfg.databaseURL})
	if err != nil {
		return err
	}
	defer srv.stop()
	c := &apiClient{base: srv.url, token: srv.token}
	src, err := createCanvasWithSource(ctx, c, "history", "history-hook", "history-")
	if err != nil {
		return err
	}
	if _, err := src.deliver(ctx, 0); err != nil {
		return err
	}
	if _, err := waitDrained(ctx, srv, 30*time.Second); err != nil {
		return err
	}
	srv.halt()
	fillStart := time.Now()
	if err := fillEvents(ctx, srv, cfg.events-1); err != nil {
		return err
	}
	n, err := countRows(ctx, srv, `SELECT count(*) FROM events`)
	if err != nil {
		return err
	}
	logf(w, "stored %d events in %.1fs", n, time.Since(fillStart).Seconds())

	var ready, listening []time.Duration
	var cpu []float64
	for i := range cfg.starts {
		load := loadAvg()
		start := time.Now()
		if err := srv.launch(); err != nil {
			return err
		}
		listened := time.Since(start)
		if err := waitReady(ctx, srv.url, 60*time.Second); err != nil {
			return err
		}
		took := time.Since(start)
		startCPU := srv.cpuSeconds()
		readyRSS, _ := srv.memory()
		// Idle: the engine ticking with nothing to do.
		time.Sleep(3 * time.Second)
		idleRSS, peak := srv.memory()
		rep.add(w, result{Name: fmt.Sprintf("cold start %d, %d events", i+1, n), Count: n, Load: load, Extra: map[string]any{
			"readyMs": ms(took), "listeningMs": ms(listened), "cpuToReadyMs": round(startCPU*1000, 0),
			"readyRSS": round(readyRSS, 1), "idleRSS": round(idleRSS, 1), "peakRSS": round(peak, 1)}})
		ready, listening, cpu = append(ready, took), append(listening, listened), append(cpu, startCPU)
		srv.halt()
	}
	slices.Sort(ready)
	slices.Sort(listening)
	slices.Sort(cpu)
	rep.add(w, result{Name: fmt.Sprintf("cold start to /ready 200, %d events (p50 of %d)", n, cfg.starts), Count: n,
		P50ms: ms(percentile(ready, 0.5)), P99ms: ms(ready[len(ready)-1]), Load: loadAvg(), Extra: map[string]any{
			"minMs": ms(ready[0]), "listeningP50Ms": ms(percentile(listening, 0.5)),
			"cpuToReadyP50Ms": round(cpu[len(cpu)/2]*1000, 0)}})
	// stop (deferred) must find a process to end: start it once more.
	return srv.launch()
}

// fillEvents stores n copies of the one event in the database, each with
// its own id, delivery id and a receipt time one millisecond apart, in one
// statement. The server is not running meanwhile.
func fillEvents(ctx context.Context, srv *serverProc, n int) error {
	rows, err := srv.db.QueryContext(ctx, `SELECT * FROM events LIMIT 1`)
	if err != nil {
		return err
	}
	cols, err := rows.Columns()
	_ = rows.Close()
	if err != nil {
		return err
	}
	id := `printf('%08x-0000-4000-8000-%012x', i, i)`
	delivery := `'fill-' || i`
	if srv.postgres {
		id = `(lpad(to_hex(i), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid`
		delivery = `'fill-' || i::text`
	}
	sel := make([]string, len(cols))
	for k, col := range cols {
		switch col {
		case "id":
			sel[k] = id
		case "delivery_id":
			sel[k] = delivery
		default:
			sel[k] = col
		}
	}
	query := fmt.Sprintf(`INSERT INTO events (%s)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
SELECT %s FROM n, (SELECT * FROM events LIMIT 1) e`, strings.Join(cols, ", "), n, strings.Join(sel, ", "))
	if _, err := srv.db.ExecContext(ctx, query); err != nil {
		return fmt.Errorf("filling events: %w", err)
	}
	if !srv.postgres {
		// A database at rest: the copies moved from the WAL into the file.
		if _, err := srv.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return err
		}
	} else if _, err := srv.db.ExecContext(ctx, `ANALYZE events`); err != nil {
		return err
	}
	return nil
}

// waitReady polls GET /ready every millisecond until it answers 200.
func waitReady(ctx context.Context, base string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/ready", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s/ready not 200 within %s", base, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}
