package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// runFloor measures the busy canvas's floor (bench/busyfloor: HTTP, the
// signature, 100 filters and a group-committed event and rejection row, no
// more) with the busy phase's load generator: deliveries per second and
// the floor's CPU per delivery at concurrency 1 and 16, so that the busy
// phase's figures can be read against what this stack cannot avoid.
func runFloor(ctx context.Context, command string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("floor", stderr)
	floorBin := fs.String("floor-bin", "", "bench/busyfloor binary to start")
	databaseURL := fs.String("database-url", "", "PostgreSQL server to create a fresh database on (default: SQLite in a temp dir)")
	duration := fs.Duration("duration", 10*time.Second, "length of each throughput phase")
	out := fs.String("out", "", "JSON results file")
	staged := fs.Bool("staged", false, "the floor of our design: events stored pending, routed in separate transactions (busyfloor --staged)")
	rate := fs.Float64("rate", 0, "offered deliveries a second at most (0: as fast as the workers go)")
	concurrency := intList{1, 16}
	fs.Var(&concurrency, "concurrency", "the load phases' concurrencies")
	profile := fs.String("cpuprofile", "", "file the floor writes its CPU profile to (busyfloor --cpuprofile)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rate < 0 || len(concurrency) == 0 {
		return errors.New("--rate must be positive or 0, --concurrency not empty")
	}
	if *floorBin == "" {
		return errors.New("--floor-bin is required")
	}
	if *duration <= 0 || *duration > 10*time.Minute {
		return errors.New("--duration must be between 0 and 10m")
	}
	rep := newReport("control", command)
	dbURL, database, cleanup, err := floorDatabase(ctx, *databaseURL, "superplane-busyfloor-")
	if err != nil {
		return err
	}
	defer cleanup()
	rep.Database = database
	key := make([]byte, 24)
	_, _ = rand.Read(key)
	floorArgs := []string{"--database-url", dbURL, "--key", hex.EncodeToString(key)}
	name := "busy canvas floor"
	if *staged {
		floorArgs = append(floorArgs, "--staged")
		name = "busy canvas floor, staged"
	}
	if *profile != "" {
		floorArgs = append(floorArgs, "--cpuprofile", *profile)
	}
	cmd := exec.CommandContext(ctx, *floorBin, floorArgs...)
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// Asked to stop first, so that a profile is written; killed if it
	// has not within ten seconds.
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	base, err := floorURL(pipe, 30*time.Second)
	if err != nil {
		return err
	}
	logf(stdout, "busy canvas floor on %s, %s, load %s", rep.Database, base, rep.LoadBefore)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Signature-256", webhook.Sign([]byte(hex.EncodeToString(key)), pushBody))
	src := &source{target: base + "/api/v1/sources/" + uuid.NewString(), header: h, prefix: "floor-"}
	runLoad(ctx, 16, 2000, 2*time.Second, func(ctx context.Context, i int) error { // warm-up
		_, err := src.deliver(ctx, 1_000_000+i)
		return err
	})
	next := 0
	for _, conc := range concurrency {
		// The warm-up's or the last phase's latencies are not this one's.
		floorDrain(ctx, base)
		_, _ = floorLatency(ctx, base)
		cpu0 := processCPUSeconds(cmd.Process.Pid)
		start := next
		p := runLoadAt(ctx, conc, 1_000_000, *duration, *rate, func(ctx context.Context, i int) error {
			_, err := src.deliver(ctx, start+i)
			return err
		})
		next += p.Count
		// Staged, the routing may end after the phase: its CPU counts, and
		// how long it took is said.
		drain := floorDrain(ctx, base)
		r := fromPhase(fmt.Sprintf("%s deliveries c%d", name, conc), conc, p, processCPUSeconds(cmd.Process.Pid)-cpu0)
		r.Extra = map[string]any{}
		if *staged {
			r.Extra["drainSeconds"] = round(drain.Seconds(), 2)
			r.Extra["routedPerSecond"] = round(float64(p.Count)/(duration.Seconds()+drain.Seconds()), 1)
		}
		// Delivery → the commit that ends its routing: staged, the
		// router's (the floor of delivery → start); unstaged, the
		// receiver's own (judged at receipt).
		lat, err := floorLatency(ctx, base)
		if err != nil {
			return err
		}
		key := "deliveryToStored"
		if *staged {
			key = "deliveryToRouted"
		}
		r.Extra[key+"P50Ms"], r.Extra[key+"P90Ms"], r.Extra[key+"P99Ms"] = lat.P50ms, lat.P90ms, lat.P99ms
		r.Extra[key+"N"] = lat.N
		rep.add(stdout, r)
	}
	if err := rep.write(*out); err != nil {
		return err
	}
	if *out != "" {
		logf(stdout, "written to %s", *out)
	}
	return nil
}

// floorDrain waits, for at most a minute, until the floor has no event
// left to route, and returns how long that took.
func floorDrain(ctx context.Context, base string) time.Duration {
	start := time.Now()
	for time.Since(start) < time.Minute {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/pending", nil)
		if err != nil {
			break
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			break
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) == "0" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// floorLatencies is busyfloor's GET /latency: its deliveries' arrival to
// the commit that ended their routing, in ms, since the last call.
type floorLatencies struct {
	N     int     `json:"n"`
	P50ms float64 `json:"p50Ms"`
	P90ms float64 `json:"p90Ms"`
	P99ms float64 `json:"p99Ms"`
}

// floorLatency reads (and so resets) the floor's latencies.
func floorLatency(ctx context.Context, base string) (floorLatencies, error) {
	var l floorLatencies
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/latency", nil)
	if err != nil {
		return l, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return l, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return l, fmt.Errorf("floor latency: %s (a busyfloor built before round eleven?)", resp.Status)
	}
	return l, json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&l)
}

// floorURL reads the floor's "listening on URL" line.
func floorURL(r io.Reader, timeout time.Duration) (string, error) {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				found <- u
				break
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case u := <-found:
		return u, nil
	case <-time.After(timeout):
		return "", errors.New("the floor did not say where it listens")
	}
}
