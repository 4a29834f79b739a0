package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// cpuProfile starts a CPU profile of this plugin process when
// SUPERPLANE_PROVIDER_CPUPROFILE names a directory, and returns what stops
// it. Terraform starts the provider several times per command (schemas,
// validation, plan, apply), so each process writes its own file, named by
// its start time and process id; `go tool pprof` merges them. It is how
// BENCHMARKS.md's provider profiles are taken (issue 17, goal 5): the
// plugin runs under Terraform, where no test harness can reach it.
func cpuProfile() (stop func()) {
	dir := os.Getenv("SUPERPLANE_PROVIDER_CPUPROFILE")
	if dir == "" {
		return func() {}
	}
	name := filepath.Join(dir, fmt.Sprintf("provider-%d-%d.pprof", time.Now().UnixNano(), os.Getpid()))
	f, err := os.Create(name) //nolint:gosec // A path the person profiling chose.
	if err != nil {
		log.Printf("CPU profile not taken: %v", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Printf("CPU profile not taken: %v", err)
		_ = f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}
