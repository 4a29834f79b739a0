package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// runSummary prints the results files as Markdown tables, the form
// BENCHMARKS.md quotes them in.
func runSummary(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: superplane-bench summary RESULTS.json ...: no results files given")
	}
	for _, path := range args {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var r report
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		writeSummary(stdout, path, r)
	}
	return nil
}

func writeSummary(w io.Writer, path string, r report) {
	p := func(format string, a ...any) { _, _ = fmt.Fprintf(w, format, a...) }
	title := r.Kind
	if r.Database != "" {
		title += ", " + r.Database
	}
	p("### %s (%s)\n\n", title, path)
	p("`%s`  \n%d CPUs (%s), %s, %s; %s to %s UTC; load %s before, %s after\n\n",
		r.Command, r.Machine.NProc, r.Machine.CPUModel, r.Machine.MemTotal, r.Machine.GoVersion,
		r.Started.Format("2006-01-02 15:04"), r.Finished.Format("15:04"), r.LoadBefore, r.LoadAfter)
	for _, n := range r.Notes {
		p("- %s\n", n)
	}
	if len(r.Notes) > 0 {
		p("\n")
	}
	if r.Kind == "terraform" {
		p("| operation | N | parallelism | superplane s | plugin floor s | terraform_data s | ratio to plugin floor (CPU) | ratio to terraform_data | CPU s (sp / plugin floor / terraform_data / server) | load |\n")
		p("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
		dash := func(v any) any {
			if v == nil {
				return "—"
			}
			return v
		}
		for _, res := range r.Results {
			if res.Extra["ratio"] == nil {
				continue
			}
			op, _, _ := strings.Cut(res.Name, " N=")
			p("| %s | %d | %d | %v | %v | %v | **%v** (%v) | %v | %v / %v / %v / %v | %s |\n", op, res.Count, res.Concurrency,
				res.Extra["superplaneSeconds"], dash(res.Extra["pluginFloorSeconds"]), res.Extra["floorSeconds"],
				dash(res.Extra["pluginRatio"]), dash(res.Extra["pluginCPURatio"]), res.Extra["ratio"],
				res.Extra["superplaneCPU"], dash(res.Extra["pluginFloorCPU"]), res.Extra["floorCPU"], res.Extra["serverCPU"], res.Load)
		}
		p("\n")
		return
	}
	p("| figure | rate /s | p50 ms | p99 ms | CPU µs/op (server / client) | other | load |\n")
	p("|---|---:|---:|---:|---|---|---|\n")
	for _, res := range r.Results {
		rate, p50, p99, cpu := "", "", "", ""
		if res.PerSecond > 0 {
			rate = fmt.Sprintf("%.0f", res.PerSecond)
		}
		if res.P50ms > 0 || res.P99ms > 0 {
			p50, p99 = fmt.Sprintf("%.2f", res.P50ms), fmt.Sprintf("%.2f", res.P99ms)
		}
		if res.ServerCPUus > 0 {
			cpu = fmt.Sprintf("%.0f / %.0f", res.ServerCPUus, res.ClientCPUus)
		}
		var other []string
		for _, k := range sortedKeys(res.Extra) {
			if k == "events" || k == "secrets" {
				continue
			}
			other = append(other, fmt.Sprintf("%s %v", k, res.Extra[k]))
		}
		if res.MaxMs > 0 {
			other = append(other, fmt.Sprintf("max %.2f ms", res.MaxMs))
		}
		if res.Errors > 0 {
			other = append(other, fmt.Sprintf("errors %d", res.Errors))
		}
		p("| %s | %s | %s | %s | %s | %s | %s |\n", res.Name, rate, p50, p99, cpu, strings.Join(other, ", "), res.Load)
	}
	p("\n")
}
