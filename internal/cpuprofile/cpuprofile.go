// Package cpuprofile writes a CPU profile of a plugin process when asked
// to by an environment variable. Terraform starts a provider several times
// per command (schemas, validation, plan, apply) and no test harness can
// reach it there, so this is how BENCHMARKS.md's provider profiles are
// taken (issue 17, goal 5), for the provider and the bench's plugin floor
// alike.
package cpuprofile

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// Env names the directory the profiles are written to; unset means none.
const Env = "SUPERPLANE_PROVIDER_CPUPROFILE"

// ServerEnv is Env for `superplane-server serve`: the bench starts the
// server as a process of its own too, and the whole server's profile is
// set against the busy canvas's floor (BENCHMARKS.md, round ten).
const ServerEnv = "SUPERPLANE_CPUPROFILE"

// Start starts a CPU profile of this process when Env names a directory,
// and returns what stops it. Each process writes its own file, named by
// prefix, its start time and its process id; `go tool pprof` merges them.
func Start(prefix string) (stop func()) {
	return StartIn(os.Getenv(Env), prefix)
}

// StartIn is Start writing to dir ("": no profile).
func StartIn(dir, prefix string) (stop func()) {
	if dir == "" {
		return func() {}
	}
	name := filepath.Join(dir, fmt.Sprintf("%s-%d-%d.pprof", prefix, time.Now().UnixNano(), os.Getpid()))
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
