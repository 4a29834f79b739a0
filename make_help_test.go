package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMakeHelpNamesTheKnobs: `make help` lists the targets and the knobs a
// new user would otherwise find only by reading scripts (KEEP=1 above all).
func TestMakeHelpNamesTheKnobs(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed: skipping the check of `make help`")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "make", "-s", "help").CombinedOutput()
	if err != nil {
		t.Fatalf("make help: %v\n%s", err, out)
	}
	for _, want := range []string{"demo:", "demo-chain:", "test:", "bench:", "fuzz:", "KEEP=1", "FAKES=0", "EXAMPLE=", "SUPERPLANE_TEST_POSTGRES_URL", "T=TestAcc", "FUZZTIME="} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make help does not mention %q:\n%s", want, out)
		}
	}
}
