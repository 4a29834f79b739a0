package api

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// TestInitAllocatesLittle: this package's initialisation, paid by every
// process that links it (the server, the CLI, each provider plugin
// Terraform starts: four for an apply), allocates under 600 kB. Compiling
// every integration's pattern at init took 1.23 MB and 13,156 allocations
// (lazyPattern). The figure is the runtime's own (GODEBUG=inittrace=1 of
// this test binary started again), a count, not a time.
func TestInitAllocatesLittle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the test binary again")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	m := regexp.MustCompile(`init github.com/superplane/terraform-provider-superplane/internal/api @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no init line of internal/api in:\n%s", out)
	}
	bytes, _ := strconv.Atoi(string(m[1]))
	if bytes > 600_000 {
		t.Errorf("internal/api's init allocates %d bytes (%s allocations), want at most 600,000", bytes, m[2])
	}
	t.Logf("internal/api's init: %s bytes, %s allocations", m[1], m[2])
}
