package reliability

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

// TestInterruptedApply applies a configuration of n resources with the real
// terraform binary and interrupts it at random moments: SIGINT (Ctrl-C),
// and SIGKILL when Terraform has not stopped after a short grace, as a CI
// runner that cancels a job does. An apply without interruption must then
// converge: it succeeds, the next plan is empty, and the server holds
// exactly the objects of the configuration, each once, all of them in the
// state.
func TestInterruptedApply(t *testing.T) {
	skipIfShort(t)
	terraformPath(t)
	n, interrupts := 40, 2
	if long() {
		n, interrupts = 200, 5
	}
	started := time.Now()
	shape := shapeFor(n)
	gh, srv, token, w, _ := tfSetup(t, shape)
	canvas := "tf-" + randomHex(4)

	// Each interrupted apply has work to do: round i applies a growing
	// part of the configuration (the same names, fewer of them) at secret
	// version i+1, so it creates objects and updates every secret created
	// before; the final apply has all n at the next version.
	kills := 0
	for i := range interrupts {
		part := shapeFor(n * (i + 1) / (interrupts + 1))
		w.writeConfig(tfConfig(canvas, part, i+1))
		r := w.start("apply", "-auto-approve", "-parallelism=10")
		if !r.waitForChange(time.Minute) {
			if !r.wait(time.Minute) || !w.setAsideBrokenState(r.output()) {
				t.Fatalf("apply %d changed nothing (exit %d):\n%s", i+1, r.exitCode(), lastLines(r.output(), 30))
			}
			// The last SIGKILL caught Terraform writing terraform.tfstate.
			// The user's way out is to set the broken file aside, which
			// the provider's adoption of its orphans makes safe.
			t.Logf("apply %d: Terraform cannot read the state a SIGKILL cut short; set it aside", i+1)
			r = w.start("apply", "-auto-approve", "-parallelism=10")
			if !r.waitForChange(time.Minute) {
				t.Fatalf("apply %d changed nothing (exit %d):\n%s", i+1, r.exitCode(), lastLines(r.output(), 30))
			}
		}
		// An apply creates or updates a resource in a few milliseconds
		// here: the interrupt lands within the first part of the apply.
		delay := rand.N(time.Duration(part.total()) * 4 * time.Millisecond)
		// Half the rounds give Terraform almost no time to stop cleanly
		// after the interrupt, the others up to two seconds.
		grace := rand.N(2 * time.Second)
		if i%2 == 0 {
			grace = rand.N(50 * time.Millisecond)
		}
		var outcome string
		if r.wait(delay) {
			outcome = fmt.Sprintf("finished before the interrupt (exit %d)", r.exitCode())
			if r.exitCode() != 0 {
				t.Errorf("apply %d failed without an interrupt:\n%s", i+1, diagnostics(r.output()))
			}
		} else {
			r.signal(syscall.SIGINT)
			sent := time.Now()
			if r.wait(grace) {
				outcome = fmt.Sprintf("stopped %s after SIGINT (exit %d)", time.Since(sent).Round(time.Millisecond), r.exitCode())
				if d := diagnostics(r.output()); d != "" {
					outcome += ", reporting:\n" + d
				}
			} else {
				r.signal(syscall.SIGKILL)
				if !r.wait(10 * time.Second) {
					t.Fatal("terraform did not die after SIGKILL")
				}
				kills++
				outcome = fmt.Sprintf("SIGKILL after a grace of %s", grace.Round(time.Millisecond))
			}
		}
		t.Logf("apply %d (%d resources, secrets v%d): SIGINT %s after the first change: %s; %d resources in the state",
			i+1, part.total(), i+1, delay.Round(time.Millisecond), outcome, countIDs(w.stateIDs()))
	}

	w.writeConfig(tfConfig(canvas, shape, interrupts+1))
	code, out, d := w.run(5*time.Minute, "apply", "-auto-approve", "-parallelism=10")
	if code != 0 && w.setAsideBrokenState(out) {
		t.Log("final apply: Terraform cannot read the state a SIGKILL cut short; set it aside")
		code, out, d = w.run(5*time.Minute, "apply", "-auto-approve", "-parallelism=10")
	}
	if code != 0 {
		t.Errorf("apply after %d interrupts (%d killed) failed (exit %d) with %d errors:\n%s",
			interrupts, kills, code, errorCount(out), diagnostics(out))
	}
	t.Logf("apply without interruption: exit %d in %s, %d of %d resources in the state",
		code, d.Round(time.Millisecond), countIDs(w.stateIDs()), n)
	pd := w.planIsEmpty(3 * time.Minute)
	t.Logf("plan -detailed-exitcode in %s", pd.Round(time.Millisecond))
	verifyHooks(t, gh, shape, shape.ghSources, verifyServerMatches(t, w, srv.url, token, canvas, shape))
	t.Logf("N=%d (%d canvas, %d webhook and %d GitHub sources, a GitHub integration and its token secret, %d noop stages, %d write-only and %d plain secrets), %d interrupts (%d SIGKILL): %s in all",
		n, shape.canvas, shape.sources, shape.ghSources, shape.stages, shape.woSecrets, shape.plainSecrets, interrupts, kills,
		time.Since(started).Round(time.Millisecond))
}

// TestApplyParallelism64 applies n resources with -parallelism=64 against
// the server on SQLite: every write must succeed (no "database is locked"
// reaching Terraform or the server's log), the next plan is empty, and every
// object exists once.
func TestApplyParallelism64(t *testing.T) {
	skipIfShort(t)
	terraformPath(t)
	n := 100
	if long() {
		n = 500
	}
	started := time.Now()
	shape := shapeFor(n)
	gh, srv, token, w, b := tfSetup(t, shape)
	canvas := "tf-" + randomHex(4)
	w.writeConfig(tfConfig(canvas, shape, 1))

	code, out, d := w.run(5*time.Minute, "apply", "-auto-approve", "-parallelism=64")
	if code != 0 {
		t.Errorf("apply -parallelism=64 failed (exit %d) with %d errors:\n%s", code, errorCount(out), diagnostics(out))
	}
	t.Logf("apply -parallelism=64: exit %d in %s, %d of %d resources in the state",
		code, d.Round(time.Millisecond), countIDs(w.stateIDs()), n)
	serverLog, _ := os.ReadFile(b.log)
	for _, s := range []string{"database is locked", "SQLITE_BUSY"} {
		if strings.Contains(out, s) || strings.Contains(string(serverLog), s) {
			t.Errorf("%q in the apply's output or the server's log", s)
		}
	}
	pd := w.planIsEmpty(3 * time.Minute)
	t.Logf("plan -detailed-exitcode in %s", pd.Round(time.Millisecond))
	verifyHooks(t, gh, shape, shape.ghSources, verifyServerMatches(t, w, srv.url, token, canvas, shape))
	t.Logf("N=%d: %s in all", n, time.Since(started).Round(time.Millisecond))
}

// tfSetup starts what a Terraform reliability test drives: the fake GitHub
// with a repository per GitHub source of shape, the server on a fresh
// SQLite data dir using it, an owner token, and a workspace whose
// variables hold the secret values and the GitHub token.
func tfSetup(t *testing.T, shape tfShape) (*github.Server, *server, string, *tfWorkspace, *backend) {
	t.Helper()
	gh, ghEnv, ghToken := fakeGitHub(t, shape.ghSources)
	b := sqliteBackend(t)
	token := b.token(t, "tf", "owner")
	srv := b.start(t, ghEnv)
	w := newTFWorkspace(t, srv.url, token)
	w.env = append(w.env, "TF_VAR_value=tfrel-"+randomHex(8), "TF_VAR_gh_token="+ghToken)
	return gh, srv, token, w, b
}
