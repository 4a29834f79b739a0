package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// engineConfig holds the engine command's flags.
type engineConfig struct {
	serverBin   string
	databaseURL string
	executions  int
	stages      int
	repeats     int
	out         string
}

// runEngine measures issue 17's goal 4: noop executions started and
// finished per second, with the per-organization cap of the hardening
// issue (the default, 4 running at once) and without it (0: no cap), each
// on a fresh server, alternately, so the cap's cost is read side by side.
func runEngine(ctx context.Context, command string, args []string, stdout, stderr io.Writer) error {
	cfg := engineConfig{}
	fs := newFlags("engine", stderr)
	fs.StringVar(&cfg.serverBin, "server-bin", "", "superplane-server binary to start")
	fs.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL server to create a fresh database on (default: SQLite in a temp dir)")
	fs.IntVar(&cfg.executions, "executions", 2000, "executions per run")
	fs.IntVar(&cfg.stages, "stages", 10, "noop stages connected to the source: each delivery starts one execution in each")
	fs.IntVar(&cfg.repeats, "repeats", 2, "runs of each variant")
	fs.StringVar(&cfg.out, "out", "", "JSON results file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.serverBin == "" {
		return errors.New("--server-bin is required")
	}
	if cfg.stages < 1 || cfg.stages > 100 || cfg.executions < cfg.stages || cfg.executions > 100_000 || cfg.repeats < 1 || cfg.repeats > 10 {
		return errors.New("--stages must be 1-100, --executions stages-100,000, --repeats 1-10")
	}
	rep := newReport("control", command)
	rep.Database = "sqlite"
	if cfg.databaseURL != "" {
		rep.Database = "postgres"
	}
	logf(stdout, "engine throughput on %s: %d noop executions over %d stages, load %s", rep.Database, cfg.executions, cfg.stages, rep.LoadBefore)
	variants := []struct{ name, cap string }{{"per-org cap 4 (default)", "4"}, {"no per-org cap", "0"}}
	for r := range cfg.repeats {
		for k := range variants {
			v := variants[(k+r)%len(variants)] // alternate which goes first
			if err := engineRun(ctx, cfg, rep, stdout, v.name, v.cap); err != nil {
				return err
			}
		}
	}
	if err := rep.write(cfg.out); err != nil {
		return err
	}
	if cfg.out != "" {
		logf(stdout, "written to %s", cfg.out)
	}
	return nil
}

// engineRun starts a server with the per-organization cap perOrg, connects
// cfg.stages noop stages to one source, sends executions/stages deliveries
// at concurrency 16 and waits until every execution finished.
func engineRun(ctx context.Context, cfg engineConfig, rep *report, w io.Writer, name, perOrg string) error {
	srv, err := startServer(ctx, serverOptions{bin: cfg.serverBin, databaseURL: cfg.databaseURL,
		env: []string{"SUPERPLANE_MAX_RUNNING_PER_ORG=" + perOrg}})
	if err != nil {
		return err
	}
	defer srv.stop()
	c := &apiClient{base: srv.url, token: srv.token}
	src, err := createCanvasWithSource(ctx, c, "engine", "engine-hook", "engine-")
	if err != nil {
		return err
	}
	for i := range cfg.stages {
		if err := c.call(ctx, "POST", "/api/v1/canvases/engine/stages", api.StageRequest{Stage: &api.Stage{
			Metadata: &api.StageMetadata{Name: fmt.Sprintf("noop-%d", i)},
			Spec: &api.StageSpec{
				Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "engine-hook"}},
				Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
			},
		}}, nil); err != nil {
			return err
		}
	}
	deliveries := cfg.executions / cfg.stages
	want := deliveries * cfg.stages
	load := loadAvg()
	cpu0 := srv.cpuSeconds()
	start := time.Now()
	p := runLoad(ctx, 16, deliveries, 5*time.Minute, func(ctx context.Context, i int) error {
		_, err := src.deliver(ctx, i)
		return err
	})
	if p.Errors > 0 || p.Count != deliveries {
		return fmt.Errorf("%d of %d deliveries failed or were not sent", p.Errors+deliveries-p.Count, deliveries)
	}
	delivered := time.Since(start)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, err := countRows(ctx, srv, `SELECT count(*) FROM executions WHERE state = 'STATE_FINISHED'`)
		if err != nil {
			return err
		}
		if n >= want {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d executions finished within 5 minutes", n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	cpu := srv.cpuSeconds() - cpu0
	rep.add(w, result{Name: "noop executions, " + name, Count: want, Concurrency: 16, Load: load,
		PerSecond: round(float64(want)/took.Seconds(), 1), ServerCPUus: round(cpu*1e6/float64(want), 1),
		Extra: map[string]any{"deliveriesSeconds": round(delivered.Seconds(), 2), "allFinishedSeconds": round(took.Seconds(), 2),
			"stages": cfg.stages}})
	return nil
}
