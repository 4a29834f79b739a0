package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Labels of the tenants phase's probes.
const (
	tenantAlone    = "B alone"
	tenantFlood    = "B during A's c16 flood"
	tenantBacklog  = "B while A's backlog drains"
	tenantsBAccess = "tenant-b"
)

// runsExplicitly reports whether phase p was named in --phases: the
// tenants phase measures one question and is not part of a full run.
func (c controlConfig) runsExplicitly(p string) bool {
	return slices.Contains(strings.Split(c.phases, ","), p)
}

// tenantToken creates an owner token in a second organization, B.
func tenantToken(ctx context.Context, srv *serverProc) (string, error) {
	cmd := exec.CommandContext(ctx, srv.bin, "token", "create", "--org", tenantsBAccess, "--role", "owner", "--data-dir", srv.dataDir)
	cmd.Env = srv.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("token create --org %s: %v: %s", tenantsBAccess, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// tenants measures one organization's flood against another's latency:
// organization A (the bench organization) sends c16 into its busy canvas
// (100 filtered stages) while organization B sends one delivery every
// --tenant-interval (100 ms) to a noop stage of its own. B's delivery → execution start is
// reported alone, during A's flood and while A's backlog drains, with
// the step it spends waiting for routing.
func tenants(ctx context.Context, cfg controlConfig, rep *report, w io.Writer, srv *serverProc, c *apiClient) error {
	if cfg.tenantInterval <= 0 {
		return errors.New("--tenant-interval must be > 0")
	}
	load, _, _, err := createBusyCanvasRotating(ctx, c)
	if err != nil {
		return err
	}
	tokB, err := tenantToken(ctx, srv)
	if err != nil {
		return err
	}
	cB := &apiClient{base: srv.url, token: tokB}
	quiet, err := createCanvasWithSource(ctx, cB, "quiet", "quiet-hook", "quiet-")
	if err != nil {
		return err
	}
	// B's noop stages: with more than one, each passes only its own
	// environment and B's deliveries go to each in turn, so that none waits
	// for its stage's previous execution (B's own queue), only for what
	// the server does for A.
	stages := max(cfg.tenantStages, 1)
	probes := &probeSet{canvas: "quiet", sourceName: "quiet-hook", src: quiet, stage: "quiet-0"}
	for i := range stages {
		conn := api.Connection{Type: api.ConnectionTypeEventSource, Name: "quiet-hook"}
		name := fmt.Sprintf("quiet-%d", i)
		if stages > 1 {
			env := fmt.Sprintf("env-%d", i)
			conn.Filters = []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.environment == '" + env + "'"}}}
			body := bytes.Replace(pushBody, []byte(`"environment":"production"`), []byte(`"environment":"`+env+`"`), 1)
			probes.rotate = append(probes.rotate, rotatedStage{stage: name, src: quiet.withBody(body, name+"-")})
		}
		if err := cB.call(ctx, "POST", "/api/v1/canvases/quiet/stages", api.StageRequest{Stage: &api.Stage{
			Metadata: &api.StageMetadata{Name: name},
			Spec: &api.StageSpec{
				Connections: []api.Connection{conn},
				Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
			},
		}}, nil); err != nil {
			return err
		}
	}
	// B sends one delivery every --tenant-interval, for at most d.
	probeB := func(d time.Duration, label string) (stop func()) {
		return probes.every(ctx, cfg.tenantInterval, d, label)
	}

	// B alone, at the rate it keeps during A's flood.
	stop := probeB(cfg.duration, tenantAlone)
	time.Sleep(cfg.duration)
	stop()
	runLoad(ctx, 16, 2000, 2*time.Second, func(ctx context.Context, i int) error { // A's warm-up
		_, err := load.deliver(ctx, 1_000_000+i)
		return err
	})
	if _, err := waitDrained(ctx, srv, 3*time.Minute); err != nil {
		return err
	}

	stop = probeB(cfg.duration, tenantFlood)
	cpu0 := srv.cpuSeconds()
	p := runLoad(ctx, 16, 1_000_000, cfg.duration, func(ctx context.Context, i int) error {
		_, err := load.deliver(ctx, i)
		return err
	})
	stop()
	res := fromPhase("tenants: A's busy canvas deliveries c16", 16, p, srv.cpuSeconds()-cpu0)
	// B keeps sending while A's backlog is routed.
	loadEnd := time.Now()
	stop = probeB(3*time.Minute, tenantBacklog)
	drained, err := waitDrained(ctx, srv, 3*time.Minute)
	stop()
	if err != nil {
		return err
	}
	res.Extra = map[string]any{"drainSeconds": round(drained.Sub(loadEnd).Seconds(), 2)}
	rep.add(w, res)

	lat, err := probes.latencies(ctx, cB, 3*time.Minute) // up to 1,800 backlog probes
	if err != nil {
		return err
	}
	for _, label := range []string{tenantAlone, tenantFlood, tenantBacklog} {
		for _, step := range []string{stepRouted, stepBehind, stepAdvanced, stepClaimed} {
			d := probes.steps[label][step]
			slices.Sort(d)
			rep.add(w, result{Name: fmt.Sprintf("tenants probe (%d stage(s)) %s: %s", stages, label, step), Count: len(d), Load: loadAvg(),
				P50ms: ms(percentile(d, 0.5)), P99ms: ms(percentile(d, 0.99))})
		}
		d := lat[label]
		slices.Sort(d)
		r := result{Name: fmt.Sprintf("tenants: B's delivery to execution start (%d stage(s)), %s", stages, label), Count: len(d), Load: loadAvg(),
			P50ms: ms(percentile(d, 0.5)), P99ms: ms(percentile(d, 0.99))}
		if len(d) > 0 {
			r.MaxMs = ms(d[len(d)-1])
		}
		rep.add(w, r)
	}
	return nil
}
