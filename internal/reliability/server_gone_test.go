package reliability

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServerGoneMidApply kills the server early in an apply of many
// resources. The provider rides out a brief outage with retries, but once
// one call has used up its retries the rest are not sent: Terraform reports
// the outage once per resource it still tried, in one short line, and ends
// instead of running a full retry cycle for each (a user's apply of 240
// resources once took two minutes and printed 8,420 lines).
func TestServerGoneMidApply(t *testing.T) {
	skipIfShort(t)
	terraformPath(t)
	n := 120
	if long() {
		n = 400
	}
	shape := shapeFor(n)
	_, srv, _, w, _ := tfSetup(t, shape)
	w.writeConfig(tfConfig("gone-"+randomHex(4), shape, 1))

	const parallelism = 10
	r := w.start("apply", "-auto-approve", "-parallelism=10")
	// Kill once the canvas and some objects exist, so that many
	// independent ones are still to be created.
	deadline := time.Now().Add(time.Minute)
	for strings.Count(r.output(), ": Creation complete") < 15 {
		if r.wait(10*time.Millisecond) || time.Now().After(deadline) {
			t.Fatalf("the apply did not get going:\n%s", lastLines(r.output(), 30))
		}
	}
	srv.kill()
	killed := time.Now()
	if !r.wait(5 * time.Minute) {
		t.Fatalf("terraform still running 5 minutes after the server died:\n%s", lastLines(r.output(), 30))
	}
	out := r.output()
	if r.exitCode() == 0 {
		t.Fatalf("the apply succeeded although the server died:\n%s", lastLines(out, 30))
	}

	// Every error is either a call that met the outage itself (at most one
	// per concurrent call) or one not sent because of it.
	summaries := regexp.MustCompile(`(?m)^\s*Error: .*$`).FindAllString(out, -1)
	notSent := strings.Count(out, "not sent: the SuperPlane API is unreachable")
	metOutage := len(summaries) - notSent
	if len(summaries) == 0 {
		t.Fatalf("no error reported:\n%s", lastLines(out, 30))
	}
	if metOutage > parallelism+1 {
		t.Errorf("%d calls ran into the outage themselves, want at most %d (one per concurrent call): the rest should not be sent.\n%s",
			metOutage, parallelism+1, diagnostics(out))
	}
	t.Logf("N=%d, -parallelism=%d: terraform ended %s after the kill with %d errors (%d met the outage, %d not sent), %d lines of output",
		n, parallelism, time.Since(killed).Round(time.Millisecond), len(summaries), metOutage, notSent, strings.Count(out, "\n"))
}
