package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoChain runs `make demo-chain` as a user would (scripts/demo.sh
// with EXAMPLE=examples/chain): it builds the provider, the server, the
// CLI and the local GitHub and Semaphore, applies examples/chain, pushes,
// and follows the chain to the deploy. The test checks what the user is
// shown: the deploy was approved and Semaphore was asked to deploy the
// version the GitHub Actions run posted, the release notes ran on the
// connection group's join, the chain's Terraform outputs, a converged
// plan, a complete destroy, and no token in the output.
func TestDemoChain(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the deploy chain demo, which builds four binaries and runs terraform")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			t.Skip("terraform not found (set TF_ACC_TERRAFORM_PATH or put terraform in PATH): skipping the deploy chain demo")
		}
	}
	for _, tool := range []string{"bash", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: skipping the deploy chain demo", tool)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("scripts", "demo.sh"))
	cmd.Env = append(os.Environ(), "EXAMPLE="+filepath.Join("examples", "chain"), "TERRAFORM="+tf,
		"KEEP=0", "FAKES=1", "TMPDIR="+t.TempDir(),
		// Generous: other packages' tests share the machine under `make test`.
		"DEMO_WAIT=180")
	// The script's own trap stops the server and the fakes on SIGTERM; the
	// whole group is killed if it has not finished 30 seconds later.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("make demo-chain took %s", time.Since(start).Round(time.Second))
	text := out.String()
	if err != nil {
		t.Fatalf("demo-chain: %v\n%s", err, text)
	}

	for _, want := range []string{
		"converged: the second plan has no changes",
		`github_webhook_state = "ready"`,
		"build: execution ",
		"deploy event ",
		"STATE_WAITING (STATE_REASON_APPROVAL), inputs {'VERSION': '1.2.3'}",
		"approved stage event ",
		"GitHub Actions was asked to run build.yml on main with commit=",
		// What the Semaphore pipeline received, read from the fake itself.
		"Semaphore ran .semaphore/deploy.yml on refs/heads/main with VERSION=1.2.3",
		`"build" = "passed VERSION=1.2.3"`,
		`"deploy" = "passed"`,
		`"release-notes" = "passed NOTES=Version 1.2.3: built by GitHub Actions, passed by the demo scanner"`,
		"Destroy complete! Resources: 11 destroyed.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	// The fakes' token (ghp_...), the execution's output token (spo_...)
	// and the API token (spt_...) are never shown.
	if leak := regexp.MustCompile(`\b(ghp|spo|spt)_[0-9A-Za-z_-]{8,}`).FindString(text); leak != "" {
		t.Errorf("the demo's output shows a token: %s", leak)
	}
	if t.Failed() {
		t.Logf("demo output:\n%s", text)
	}
}
