package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report is one run's JSON file under bench/results/.
type report struct {
	Kind     string    `json:"kind"` // control or terraform
	Command  string    `json:"command"`
	Machine  machine   `json:"machine"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Database string    `json:"database,omitempty"` // sqlite or postgres
	// LoadBefore and LoadAfter are /proc/loadavg's 1, 5 and 15 minute
	// averages: other work on the machine makes the figures noisy.
	LoadBefore string   `json:"loadBefore"`
	LoadAfter  string   `json:"loadAfter"`
	Results    []result `json:"results"`
	Notes      []string `json:"notes,omitempty"`
}

// machine describes where the figures were measured.
type machine struct {
	NProc     int    `json:"nproc"`
	CPUModel  string `json:"cpuModel"`
	MemTotal  string `json:"memTotal"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
}

// result is one measured figure.
type result struct {
	Name        string  `json:"name"`
	Concurrency int     `json:"concurrency,omitempty"`
	Count       int     `json:"count,omitempty"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"firstError,omitempty"`
	Seconds     float64 `json:"seconds,omitempty"`
	PerSecond   float64 `json:"perSecond,omitempty"`
	P50ms       float64 `json:"p50ms,omitempty"`
	P99ms       float64 `json:"p99ms,omitempty"`
	MaxMs       float64 `json:"maxMs,omitempty"`
	// ServerCPUus is the server's CPU time per operation, in microseconds:
	// less sensitive than rates to other work on the machine.
	ServerCPUus float64 `json:"serverCpuUsPerOp,omitempty"`
	// ClientCPUus is the load generator's CPU time per operation.
	ClientCPUus float64 `json:"clientCpuUsPerOp,omitempty"`
	// Load is /proc/loadavg when the figure was taken.
	Load  string         `json:"load"`
	Extra map[string]any `json:"extra,omitempty"`
}

// fromPhase fills a result from a load phase.
func fromPhase(name string, concurrency int, p phase, serverCPU float64) result {
	r := result{
		Name: name, Concurrency: concurrency, Count: p.Count, Errors: p.Errors, FirstError: p.FirstError,
		Seconds: round(p.Elapsed.Seconds(), 3), PerSecond: round(p.perSecond(), 1),
		P50ms: ms(p.percentile(0.50)), P99ms: ms(p.percentile(0.99)), Load: loadAvg(),
	}
	if len(p.latencies) > 0 {
		r.MaxMs = ms(p.latencies[len(p.latencies)-1])
	}
	if ok := p.Count - p.Errors; ok > 0 && serverCPU > 0 {
		r.ServerCPUus = round(serverCPU*1e6/float64(ok), 1)
		r.ClientCPUus = round(p.ClientCPU*1e6/float64(ok), 1)
	}
	return r
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// thisMachine reads the processor count and model and the memory size.
func thisMachine() machine {
	m := machine{NProc: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				m.MemTotal = strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:"))
				break
			}
		}
	}
	return m
}

// newReport starts a report.
func newReport(kind, command string) *report {
	return &report{Kind: kind, Command: command, Machine: thisMachine(), Started: time.Now().UTC(), LoadBefore: loadAvg()}
}

// add appends a result and prints it.
func (r *report) add(w io.Writer, res result) {
	r.Results = append(r.Results, res)
	line := fmt.Sprintf("%-44s", res.Name)
	if res.PerSecond > 0 {
		line += fmt.Sprintf(" %9.1f/s", res.PerSecond)
	}
	if res.P50ms > 0 || res.P99ms > 0 {
		line += fmt.Sprintf("  p50 %7.2fms  p99 %7.2fms", res.P50ms, res.P99ms)
	}
	if res.ServerCPUus > 0 {
		line += fmt.Sprintf("  cpu/op server %4.0fus client %4.0fus", res.ServerCPUus, res.ClientCPUus)
	}
	if res.Errors > 0 {
		line += fmt.Sprintf("  errors %d (%s)", res.Errors, res.FirstError)
	}
	for _, k := range sortedKeys(res.Extra) {
		line += fmt.Sprintf("  %s=%v", k, res.Extra[k])
	}
	logf(w, "%s  [load %s]", line, res.Load)
}

// write finishes the report and writes it as indented JSON to path
// (nothing when path is empty).
func (r *report) write(path string) error {
	r.Finished, r.LoadAfter = time.Now().UTC(), loadAvg()
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
