package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(d, c.q); got != c.want {
			t.Errorf("percentile(1..100 ms, %v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := percentile(nil, 0.99); got != 0 {
		t.Errorf("percentile of nothing = %v, want 0", got)
	}
}

func TestIntList(t *testing.T) {
	var l intList
	if err := l.Set("100, 500,1000"); err != nil || l.String() != "100,500,1000" {
		t.Errorf("Set(100, 500,1000) = %v, %v", l, err)
	}
	for _, bad := range []string{"0", "-5", "ten", "1,x"} {
		if err := l.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}

// TestRunLoadIsBounded: a phase stops at its count or its time, whichever
// comes first, and counts failures apart from latencies.
func TestRunLoadIsBounded(t *testing.T) {
	var calls atomic.Int64
	p := runLoad(context.Background(), 4, 50, time.Minute, func(context.Context, int) error {
		if calls.Add(1)%10 == 0 {
			return errors.New("boom")
		}
		return nil
	})
	if p.Count != 50 || calls.Load() != 50 || p.Errors != 5 || len(p.latencies) != 45 || p.FirstError != "boom" {
		t.Errorf("count-bounded phase: count %d, calls %d, errors %d (%q), latencies %d; want 50, 50, 5, 45",
			p.Count, calls.Load(), p.Errors, p.FirstError, len(p.latencies))
	}
	start := time.Now()
	p = runLoad(context.Background(), 2, 1_000_000, 100*time.Millisecond, func(context.Context, int) error {
		time.Sleep(10 * time.Millisecond)
		return nil
	})
	if took := time.Since(start); took > 2*time.Second || p.Count == 0 || p.Count > 40 {
		t.Errorf("time-bounded phase: %d calls in %s, want a few within about 100ms", p.Count, took)
	}
}

func TestMixCounts(t *testing.T) {
	for _, c := range []struct {
		n, secrets, sources, stages int
		mix                         string
	}{
		{100, 60, 20, 20, mixFull},
		{1000, 600, 200, 200, mixFull},
		{7, 5, 1, 1, mixFull},
		{100, 100, 0, 0, mixSecrets},
	} {
		se, so, st := mixCounts(c.n, c.mix)
		if se != c.secrets || so != c.sources || st != c.stages {
			t.Errorf("mixCounts(%d, %s) = %d, %d, %d; want %d, %d, %d", c.n, c.mix, se, so, st, c.secrets, c.sources, c.stages)
		}
	}
}

// TestConfigsHaveTheSameShape: the floor has as many resources as the
// provider's configuration, and every stage points at a source that exists.
func TestConfigsHaveTheSameShape(t *testing.T) {
	sp, floor := superplaneConfig("bench", 100, mixFull, spSource), floorConfig(100, mixFull)
	count := func(s, re string) int { return len(regexp.MustCompile(re).FindAllString(s, -1)) }
	if got := count(sp, `(?m)^resource "superplane_`); got != 101 {
		t.Errorf("provider configuration has %d resources, want 100 and the canvas", got)
	}
	if got := count(floor, `(?m)^resource "terraform_data"`); got != 101 {
		t.Errorf("floor has %d resources, want 101", got)
	}
	for _, want := range []string{`resource "superplane_secret" "s59"`, `resource "superplane_event_source" "e19"`,
		`resource "superplane_stage" "t19"`, `name = superplane_event_source.e19.name`, "noop {}"} {
		if !strings.Contains(sp, want) {
			t.Errorf("provider configuration lacks %s", want)
		}
	}
	if strings.Contains(sp, "superplane_event_source.e20.") || strings.Contains(floor, "terraform_data.e20.") {
		t.Error("a stage points at a source that is not in the configuration")
	}
}

// TestRequests: the server's request log lines are counted by method and
// path with ids folded, so a run's requests per resource can be read.
func TestRequests(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "server.log")
	lines := `{"msg":"superplane-server listening","addr":"127.0.0.1:1"}
{"msg":"request","method":"GET","path":"/api/v1/secrets/6f1c3a52-3c1e-4c1a-9a49-1b1a3e0b5d11","status":200}
{"msg":"request","method":"GET","path":"/api/v1/secrets/0b8e8f8e-1d5b-4a0f-8f43-6a3a1f2f9c2e","status":200}
{"msg":"request","method":"POST","path":"/api/v1/secrets","status":200}
{"msg":"execution finished"}
`
	if err := os.WriteFile(log, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{logPath: log}
	before := map[string]int{"POST /api/v1/secrets": 1}
	got := requestsSince(before, p.requests())
	if len(got) != 1 || got["GET /api/v1/secrets/{id}"] != 2 {
		t.Errorf("requests since = %v, want 2 GET /api/v1/secrets/{id} only", got)
	}
}

// TestRunLoadAtOffersNoMoreThanItsRate: a paced phase starts no call
// before its slot, so over its length it starts at most rate × length
// calls, however many workers are free (unpaced, 16 workers of a no-op
// start thousands). A slow machine only starts fewer.
func TestRunLoadAtOffersNoMoreThanItsRate(t *testing.T) {
	const rate, length = 200.0, 300 * time.Millisecond
	var started atomic.Int64
	p := runLoadAt(t.Context(), 16, 1_000_000, length, rate, func(context.Context, int) error {
		started.Add(1)
		return nil
	})
	if most := int64(rate * length.Seconds()); started.Load() > most || int64(p.Count) != started.Load() {
		t.Errorf("a phase of %v at %v/s started %d calls (counted %d); want at most %d", length, rate, started.Load(), p.Count, most)
	}
}
