package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// busyStages is how many stages issue 17's goal 3 connects to one source.
const busyStages = 100

// freeProbeStages is how many stages (busy-1 onwards) the probes that
// find their stage free go to in turn.
const freeProbeStages = 10

// createBusyCanvasRotating creates canvas "busy": one webhook source and
// busyStages noop stages connected to it, stage i with the data filter
// $.environment == 'env-i'. It returns the source sending pushBody (whose
// environment, production, matches no stage: every delivery is routed
// through 100 filters and starts nothing) and the source sending probes that
// match stage busy-0 only, and the stages busy-1 to busy-freeProbeStages
// with a source each whose body only that stage's filter passes.
func createBusyCanvasRotating(ctx context.Context, c *apiClient) (load, probe *source, rotate []rotatedStage, err error) {
	load, err = createCanvasWithSource(ctx, c, "busy", "busy-hook", "busy-")
	if err != nil {
		return nil, nil, nil, err
	}
	for i := range busyStages {
		if err := c.call(ctx, "POST", "/api/v1/canvases/busy/stages", api.StageRequest{Stage: &api.Stage{
			Metadata: &api.StageMetadata{Name: fmt.Sprintf("busy-%d", i)},
			Spec: &api.StageSpec{
				Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "busy-hook",
					Filters: []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{
						Expression: fmt.Sprintf("$.environment == 'env-%d'", i)}}}}},
				Executor: &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
			},
		}}, nil); err != nil {
			return nil, nil, nil, err
		}
	}
	bodyFor := func(i int) []byte {
		return bytes.Replace(pushBody, []byte(`"environment":"production"`), fmt.Appendf(nil, `"environment":"env-%d"`, i), 1)
	}
	for i := 1; i <= freeProbeStages; i++ {
		rotate = append(rotate, rotatedStage{stage: fmt.Sprintf("busy-%d", i), src: load.withBody(bodyFor(i), fmt.Sprintf("busy-free-%d-", i))})
	}
	return load, load.withBody(bodyFor(0), "busy-probe-"), rotate, nil
}

// busyCanvas measures deliveries into the busy canvas at concurrency 1 and
// 16 (rate, latency, the slowest delivery, server CPU), and delivery →
// execution start of the probes, idle and during the c16 deliveries.
func busyCanvas(ctx context.Context, cfg controlConfig, rep *report, w io.Writer, srv *serverProc, c *apiClient) error {
	load, probe, rotate, err := createBusyCanvasRotating(ctx, c)
	if err != nil {
		return err
	}
	probes := &probeSet{src: probe, canvas: "busy", sourceName: "busy-hook", stage: "busy-0"}
	// The same rate of probes, each to the next of freeProbeStages stages:
	// what an event waits when its stage is free, which the goal means
	// (one stage runs one execution at a time, ARCHITECTURE.md "Advance").
	free := &probeSet{canvas: "busy", sourceName: "busy-hook", rotate: rotate}
	for i := range 20 {
		if err := probes.send(ctx, "idle"); err != nil {
			return fmt.Errorf("busy probe %d: %w", i, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	runLoad(ctx, 16, 2000, 2*time.Second, func(ctx context.Context, i int) error { // warm-up
		_, err := load.deliver(ctx, 1_000_000+i)
		return err
	})
	next := 0
	for _, conc := range cfg.busyConcurrency {
		stopProbes := func() {}
		if conc == 16 {
			stop1 := probes.every(ctx, 100*time.Millisecond, cfg.duration, "under load")
			stop2 := free.every(ctx, 100*time.Millisecond, cfg.duration, "under load, stage free")
			stopProbes = func() { stop1(); stop2() }
		}
		cpu0 := srv.cpuSeconds()
		start := next
		p := runLoadAt(ctx, conc, 1_000_000, cfg.duration, cfg.rate, func(ctx context.Context, i int) error {
			_, err := load.deliver(ctx, start+i)
			return err
		})
		stopProbes()
		next += p.Count
		res := fromPhase(fmt.Sprintf("busy canvas (%d stages) deliveries c%d", busyStages, conc), conc, p, srv.cpuSeconds()-cpu0)
		if conc == 16 {
			loadEnd := time.Now()
			drained, err := waitDrained(ctx, srv, 3*time.Minute)
			if err != nil {
				return err
			}
			res.Extra = map[string]any{"drainSeconds": round(drained.Sub(loadEnd).Seconds(), 2)}
			// Routing the backlog left at the phase's end is work these
			// deliveries caused: the server's CPU a delivery with it, and
			// the rate they were routed at, beside the rate accepted.
			if ok := p.Count - p.Errors; ok > 0 {
				res.Extra["cpuUsWithDrain"] = round((srv.cpuSeconds()-cpu0)*1e6/float64(ok), 1)
				res.Extra["routedPerSecond"] = round(float64(ok)/(p.Elapsed+drained.Sub(loadEnd)).Seconds(), 1)
			}
		}
		rep.add(w, res)
	}
	lat, err := probes.latencies(ctx, c, 2*time.Minute)
	if err != nil {
		return err
	}
	freeLat, err := free.latencies(ctx, c, 2*time.Minute)
	if err != nil {
		return err
	}
	maps.Copy(lat, freeLat)
	if err := errors.Join(probes.dump(".probe"), free.dump(".free")); err != nil {
		return err
	}
	for _, label := range []string{"idle", "under load", "under load, stage free"} {
		steps := probes.steps[label]
		if label == "under load, stage free" {
			steps = free.steps[label]
		}
		for _, step := range []string{stepRouted, stepBehind, stepAdvanced, stepClaimed, stepRan} {
			d := steps[step]
			slices.Sort(d)
			rep.add(w, result{Name: fmt.Sprintf("busy canvas probe %s: %s", label, step), Count: len(d), Load: loadAvg(),
				P50ms: ms(percentile(d, 0.5)), P99ms: ms(percentile(d, 0.99))})
		}
		d := lat[label]
		slices.Sort(d)
		r := result{Name: fmt.Sprintf("busy canvas: delivery to execution start, %s", label), Count: len(d), Load: loadAvg(),
			P50ms: ms(percentile(d, 0.5)), P99ms: ms(percentile(d, 0.99))}
		if len(d) > 0 {
			r.MaxMs = ms(d[len(d)-1])
		}
		rep.add(w, r)
	}
	return nil
}
