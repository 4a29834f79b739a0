package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// listReads is how many times each list is read, one after another.
const listReads = 50

// lists measures issue 17's goal 1: listing a canvas's stages, event
// sources and connection groups, and a stage's executions, at each size
// (10, 300 and 1,000 by default), p50 and p99 of listReads reads in a row,
// with the server's CPU per read. Stages are noop stages connected to one
// of the canvas's sources, connection groups join its first two sources;
// executions are executionLists'. Integrations are not listed: creating
// one verifies its credentials with the tool, which is not on loopback.
func lists(ctx context.Context, cfg controlConfig, rep *report, w io.Writer, srv *serverProc, c *apiClient) error {
	for _, n := range cfg.listSizes {
		canvas := fmt.Sprintf("list-%d", n)
		if _, err := createCanvasWithSource(ctx, c, canvas, "hook-0", canvas+"-"); err != nil {
			return err
		}
		if err := create(ctx, n-1, func(ctx context.Context, i int) error {
			return c.call(ctx, "POST", "/api/v1/canvases/"+canvas+"/event-sources", api.EventSourceRequest{EventSource: &api.EventSource{
				Metadata: &api.EventSourceMetadata{Name: fmt.Sprintf("hook-%d", i+1)}, Spec: &api.EventSourceSpec{Type: api.EventSourceTypeWebhook},
			}}, nil)
		}); err != nil {
			return err
		}
		if err := create(ctx, n, func(ctx context.Context, i int) error {
			return c.call(ctx, "POST", "/api/v1/canvases/"+canvas+"/stages", api.StageRequest{Stage: &api.Stage{
				Metadata: &api.StageMetadata{Name: fmt.Sprintf("stage-%d", i)},
				Spec: &api.StageSpec{
					Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook-0"}},
					Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
				},
			}}, nil)
		}); err != nil {
			return err
		}
		// Connection groups joining the first two sources by a field (a
		// size of 1 has one source: none).
		if err := create(ctx, n*min(n-1, 1), func(ctx context.Context, i int) error {
			body := fmt.Sprintf(`{"connectionGroup":{"metadata":{"name":"group-%d"},"spec":{"connections":[`+
				`{"type":"TYPE_EVENT_SOURCE","name":"hook-0"},{"type":"TYPE_EVENT_SOURCE","name":"hook-1"}],`+
				`"groupBy":{"fields":[{"name":"version","expression":"$.version"}]}}}}`, i)
			return c.call(ctx, "POST", "/api/v1/canvases/"+canvas+"/connection-groups", json.RawMessage(body), nil)
		}); err != nil {
			return err
		}
		for _, l := range []struct{ name, path string }{
			{"stages", "/api/v1/canvases/" + canvas + "/stages"},
			{"event sources", "/api/v1/canvases/" + canvas + "/event-sources"},
			{"connection groups", "/api/v1/canvases/" + canvas + "/connection-groups"},
		} {
			rep.add(w, timeList(ctx, srv, c, fmt.Sprintf("list %d %s", n, l.name), n, l.path))
		}
	}
	return nil
}

// executionLists measures the execution list of one stage whose history
// grows to each size (executions from deliveries to a one-stage canvas,
// read when that many have finished): a page of the size (at most 500, the
// store's MaxPageLimit), and a page of 10 at that history, whose cost must
// not grow with it (the count is bounded, the page a keyset). It runs with
// the lists phase, or alone as the execution-lists phase.
func executionLists(ctx context.Context, cfg controlConfig, rep *report, w io.Writer, srv *serverProc, c *apiClient) error {
	src, err := createCanvasWithSource(ctx, c, "list-executions", "exec-hook", "list-exec-")
	if err != nil {
		return err
	}
	if err := c.call(ctx, "POST", "/api/v1/canvases/list-executions/stages", api.StageRequest{Stage: &api.Stage{
		Metadata: &api.StageMetadata{Name: "exec"},
		Spec: &api.StageSpec{
			Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "exec-hook"}},
			Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
		},
	}}, nil); err != nil {
		return err
	}
	sent := 0
	for _, n := range cfg.listSizes {
		from := sent
		if err := create(ctx, n-sent, func(ctx context.Context, i int) error {
			_, err := src.deliver(ctx, from+i)
			return err
		}); err != nil {
			return err
		}
		sent = n
		deadline := time.Now().Add(3 * time.Minute)
		for {
			done, err := countRows(ctx, srv, `SELECT count(*) FROM executions WHERE state = 'STATE_FINISHED' AND canvas_id = (SELECT canvas_id FROM event_sources WHERE id = ?)`, src.id)
			if err != nil {
				return err
			}
			if done >= n {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%d of %d executions finished within 3 minutes", done, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// A page holds at most 500 executions (the store's MaxPageLimit).
		limit := min(n, 500)
		rep.add(w, timeList(ctx, srv, c, fmt.Sprintf("list %d executions (a page of %d)", n, limit), n,
			fmt.Sprintf("/api/v1/canvases/list-executions/stages/exec/executions?limit=%d", limit)))
		if n > 10 {
			rep.add(w, timeList(ctx, srv, c, fmt.Sprintf("list %d executions (a page of 10)", n), n,
				"/api/v1/canvases/list-executions/stages/exec/executions?limit=10"))
		}
	}
	return nil
}

// create runs op n times at concurrency 8 (bounded: at most 10 minutes).
func create(ctx context.Context, n int, op func(ctx context.Context, i int) error) error {
	if n <= 0 {
		return nil
	}
	p := runLoad(ctx, 8, n, 10*time.Minute, op)
	if p.Errors > 0 || p.Count != n {
		return fmt.Errorf("%d of %d creations failed or were not sent", p.Errors+n-p.Count, n)
	}
	return nil
}

// timeList reads path listReads times in a row and reports the p50, p99
// and the server's CPU per read.
func timeList(ctx context.Context, srv *serverProc, c *apiClient, name string, n int, path string) result {
	load := loadAvg()
	cpu0 := srv.cpuSeconds()
	var d []time.Duration
	errs := 0
	for range listReads {
		start := time.Now()
		if err := c.call(ctx, "GET", path, nil, nil); err != nil {
			errs++
			continue
		}
		d = append(d, time.Since(start))
	}
	cpu := srv.cpuSeconds() - cpu0
	slices.Sort(d)
	r := result{Name: name, Count: n, Concurrency: 1, Errors: errs, Load: load,
		P50ms: ms(percentile(d, 0.5)), P99ms: ms(percentile(d, 0.99))}
	if len(d) > 0 {
		r.MaxMs = ms(d[len(d)-1])
		r.ServerCPUus = round(cpu*1e6/float64(len(d)), 1)
	}
	return r
}
