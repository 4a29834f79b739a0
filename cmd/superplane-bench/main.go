// Command superplane-bench measures superplane-server and the Terraform
// provider on this machine and writes the figures as JSON (see
// BENCHMARKS.md for what each figure means and the goals):
//
//	superplane-bench control   --server-bin bin/superplane-server [--database-url postgres://...] --out bench/results/control-sqlite.json
//	superplane-bench terraform --server-bin bin/superplane-server --provider-bin bin/terraform-provider-superplane --out bench/results/terraform.json
//
// control starts its own server on a free loopback port (SQLite in a temp
// dir, or a fresh database created on the given PostgreSQL server and dropped
// afterwards) and drives it over HTTP: signed webhook deliveries, secret
// create+get pairs, delivery-to-execution latency, memory, and the cost of
// reads as history grows. terraform applies, refreshes and destroys
// generated configurations next to the same number of terraform_data
// resources, Terraform's own floor. summary prints results files as the
// Markdown tables BENCHMARKS.md quotes.
//
// Every loop is bounded in count and in time, and all traffic goes to the
// loopback server this command started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "superplane-bench:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  superplane-bench control   --server-bin PATH [--database-url postgres://...] [--duration 10s]
                             [--levels 1000,10000,100000] [--out FILE.json]
  superplane-bench terraform --server-bin PATH --provider-bin PATH [--floor-provider-bin PATH] [--sizes 100,500,1000]
                             [--parallelism 10,50] [--repeats 1] [--terraform terraform] [--out FILE.json]
  superplane-bench engine    --server-bin PATH [--database-url postgres://...] [--executions 2000] [--stages 10] [--repeats 2] [--out FILE.json]
  superplane-bench coldstart --server-bin PATH [--database-url postgres://...] [--events 100000] [--starts 5] [--out FILE.json]
  superplane-bench floor     --floor-bin PATH [--database-url postgres://...] [--duration 10s] [--out FILE.json]
  superplane-bench summary   RESULTS.json...   (Markdown tables of results files)
` + floorUsage

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		_, _ = fmt.Fprint(stderr, usage)
		return errors.New("a command is required")
	}
	command := "superplane-bench " + strings.Join(args, " ")
	switch args[0] {
	case "control":
		return runControl(ctx, command, args[1:], stdout, stderr)
	case "terraform":
		return runTerraform(ctx, command, args[1:], stdout, stderr)
	case "engine":
		return runEngine(ctx, command, args[1:], stdout, stderr)
	case "coldstart":
		return runColdStart(ctx, command, args[1:], stdout, stderr)
	case "floor":
		return runFloor(ctx, command, args[1:], stdout, stderr)
	case "summary":
		return runSummary(args[1:], stdout)
	case "floor-secrets":
		return runFloorSecrets(ctx, command, args[1:], stdout, stderr)
	case "floor-secrets-server":
		return runFloorServer(ctx, args[1:])
	case "help", "-h", "--help":
		_, _ = fmt.Fprint(stdout, usage)
		return nil
	}
	_, _ = fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// intList is a flag of comma-separated positive integers.
type intList []int

func (l *intList) String() string {
	parts := make([]string, len(*l))
	for i, n := range *l {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (l *intList) Set(s string) error {
	*l = nil
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil || n <= 0 {
			return fmt.Errorf("%q is not a positive integer", part)
		}
		*l = append(*l, n)
	}
	return nil
}

// newFlags returns a flag set that reports to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// logf prints a progress line with the time, so a long run shows where it is.
func logf(w io.Writer, format string, a ...any) {
	_, _ = fmt.Fprintf(w, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}
