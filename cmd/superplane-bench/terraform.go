package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// terraformConfig holds the terraform command's flags.
type terraformConfig struct {
	serverBin, providerBin, terraform string
	// floorProviderBin is bench/floorprovider: the plugin floor, measured
	// beside terraform_data when set.
	floorProviderBin   string
	databaseURL        string
	sizes, parallelism intList
	repeats            int
	mix                string
	out                string
}

// The mix of resources: 60% secrets, 20% event sources, 20% stages, each
// stage connected to one of the sources.
const (
	mixFull    = "full"
	mixSecrets = "secrets"
)

func runTerraform(ctx context.Context, command string, args []string, stdout, stderr io.Writer) error {
	cfg := terraformConfig{sizes: intList{100, 500, 1000}, parallelism: intList{10, 50}}
	fs := newFlags("terraform", stderr)
	fs.StringVar(&cfg.serverBin, "server-bin", "", "superplane-server binary to start")
	fs.StringVar(&cfg.providerBin, "provider-bin", "", "terraform-provider-superplane binary (used through dev_overrides)")
	fs.StringVar(&cfg.floorProviderBin, "floor-provider-bin", "", "bench/floorprovider binary: a do-nothing plugin provider with the same schemas, measured too")
	fs.StringVar(&cfg.terraform, "terraform", "terraform", "terraform binary")
	fs.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL server for the control plane (default: SQLite)")
	fs.Var(&cfg.sizes, "sizes", "numbers of resources")
	fs.Var(&cfg.parallelism, "parallelism", "terraform -parallelism values")
	fs.IntVar(&cfg.repeats, "repeats", 1, "runs of each size and parallelism")
	fs.StringVar(&cfg.mix, "mix", mixFull, "full (60% secrets, 20% event sources, 20% stages) or secrets")
	fs.StringVar(&cfg.out, "out", "", "JSON results file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.serverBin == "" || cfg.providerBin == "" {
		return errors.New("--server-bin and --provider-bin are required")
	}
	if cfg.mix != mixFull && cfg.mix != mixSecrets {
		return fmt.Errorf("--mix must be %s or %s", mixFull, mixSecrets)
	}
	if cfg.repeats < 1 || cfg.repeats > 10 {
		return errors.New("--repeats must be 1-10")
	}
	tf, err := exec.LookPath(cfg.terraform)
	if err != nil {
		return fmt.Errorf("terraform not found: %w", err)
	}
	version, _ := exec.CommandContext(ctx, tf, "version").Output()

	rep := newReport("terraform", command)
	rep.Database = "sqlite"
	if cfg.databaseURL != "" {
		rep.Database = "postgres"
	}
	rep.Notes = append(rep.Notes, "terraform: "+firstLine(string(version)), "mix: "+cfg.mix)

	srv, err := startServer(ctx, serverOptions{bin: cfg.serverBin, databaseURL: cfg.databaseURL})
	if err != nil {
		return err
	}
	defer srv.stop()

	work, err := os.MkdirTemp("", "superplane-bench-tf-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	// dev_overrides names a directory holding the provider under its
	// conventional name; Terraform then needs no init and no registry.
	plugins := filepath.Join(work, "plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		return err
	}
	if err := copyFile(cfg.providerBin, filepath.Join(plugins, "terraform-provider-superplane")); err != nil {
		return err
	}
	overrides := fmt.Sprintf("    %q = %q\n", "registry.terraform.io/superplane/superplane", plugins)
	if cfg.floorProviderBin != "" {
		// The floor answers to another address with the same type name,
		// so the same resource blocks resolve to it.
		floorPlugins := filepath.Join(work, "floor-plugins")
		if err := os.MkdirAll(floorPlugins, 0o755); err != nil {
			return err
		}
		if err := copyFile(cfg.floorProviderBin, filepath.Join(floorPlugins, "terraform-provider-superplane")); err != nil {
			return err
		}
		overrides += fmt.Sprintf("    %q = %q\n", "registry.terraform.io/"+floorSource, floorPlugins)
		rep.Notes = append(rep.Notes, "plugin floor: bench/floorprovider (the provider's schemas, no work)")
	}
	rc := filepath.Join(work, "terraformrc")
	if err := os.WriteFile(rc, fmt.Appendf(nil, "provider_installation {\n  dev_overrides {\n%s  }\n  direct {}\n}\n",
		overrides), 0o644); err != nil {
		return err
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"SUPERPLANE_API_URL="+srv.url, "SUPERPLANE_API_TOKEN="+srv.token, "TF_LOG=", "TF_PLUGIN_CACHE_DIR=")

	logf(stdout, "terraform %s, provider overhead against terraform_data, mix %s, load %s", firstLine(string(version)), cfg.mix, rep.LoadBefore)
	for _, n := range cfg.sizes {
		for _, par := range cfg.parallelism {
			for r := range cfg.repeats {
				if err := measureSize(ctx, cfg, rep, stdout, srv, tf, env, work, n, par, r); err != nil {
					return err
				}
			}
		}
	}
	rss, peak := srv.memory()
	rep.add(stdout, result{Name: "server memory (MiB)", Load: loadAvg(), Extra: map[string]any{
		"afterRSS": round(rss, 1), "peakRSS": round(peak, 1)}})
	if err := rep.write(cfg.out); err != nil {
		return err
	}
	if cfg.out != "" {
		logf(stdout, "written to %s", cfg.out)
	}
	return nil
}

// measureSize applies, refreshes and destroys n resources of the mix and n
// terraform_data resources of the same shape, each operation of the two
// back to back, and records the times and their ratio.
func measureSize(ctx context.Context, cfg terraformConfig, rep *report, w io.Writer, srv *serverProc, tf string, env []string, work string, n, par, r int) error {
	name := fmt.Sprintf("n%d-p%d-r%d", n, par, r)
	spDir, floorDir := filepath.Join(work, "sp-"+name), filepath.Join(work, "floor-"+name)
	if err := writeConfig(spDir, superplaneConfig("bench-"+name, n, cfg.mix, spSource)); err != nil {
		return err
	}
	if err := writeConfig(floorDir, floorConfig(n, cfg.mix)); err != nil {
		return err
	}
	pluginDir := ""
	if cfg.floorProviderBin != "" {
		pluginDir = filepath.Join(work, "plugin-floor-"+name)
		if err := writeConfig(pluginDir, superplaneConfig("bench-"+name, n, cfg.mix, floorSource)); err != nil {
			return err
		}
	}
	parallelism := fmt.Sprintf("-parallelism=%d", par)
	ops := []struct {
		name string
		args []string
	}{
		{"apply", []string{"apply", "-auto-approve", "-input=false", "-no-color", parallelism}},
		{"refresh-only plan", []string{"plan", "-refresh-only", "-input=false", "-no-color", parallelism}},
		{"destroy", []string{"destroy", "-auto-approve", "-input=false", "-no-color", parallelism}},
	}
	for _, op := range ops {
		load := loadAvg()
		// The floor runs first on even repeats and second on odd ones, so
		// that neither side always gets the warmer machine.
		order := []string{floorDir, spDir}
		if pluginDir != "" {
			order = []string{floorDir, pluginDir, spDir}
		}
		if r%2 == 1 {
			slices.Reverse(order)
		}
		took := map[string]time.Duration{}
		cpu := map[string]float64{}
		var (
			calls     map[string]int
			serverCPU float64
		)
		for _, dir := range order {
			before, cpu0 := srv.requests(), srv.cpuSeconds()
			d, c, err := timeTerraform(ctx, tf, env, dir, op.args)
			cpu[dir] = c
			if dir == spDir {
				calls = requestsSince(before, srv.requests())
				serverCPU = srv.cpuSeconds() - cpu0
			}
			if err != nil {
				return fmt.Errorf("%s %s in %s: %w", op.name, name, filepath.Base(dir), err)
			}
			took[dir] = d
		}
		sp, floor := took[spDir].Seconds(), took[floorDir].Seconds()
		extra := map[string]any{"superplaneSeconds": round(sp, 2), "floorSeconds": round(floor, 2),
			"ratio": round(sp/floor, 2), "repeat": r, "serverRequests": calls,
			// CPU seconds of terraform with its provider processes, and
			// of the server: with 2 cores, CPU is what the time is made of.
			"superplaneCPU": round(cpu[spDir], 2), "floorCPU": round(cpu[floorDir], 2), "serverCPU": round(serverCPU, 2)}
		if pluginDir != "" {
			pf := took[pluginDir].Seconds()
			extra["pluginFloorSeconds"], extra["pluginFloorCPU"] = round(pf, 2), round(cpu[pluginDir], 2)
			extra["pluginRatio"] = round(sp/pf, 2)
			// The CPU ratio counts the server's CPU with the provider's:
			// the floor has no server to pay.
			extra["pluginCPURatio"] = round((cpu[spDir]+serverCPU)/cpu[pluginDir], 2)
		}
		rep.add(w, result{
			Name: fmt.Sprintf("%s N=%d parallelism=%d", op.name, n, par), Count: n, Concurrency: par, Load: load,
			Extra: extra,
		})
	}
	return nil
}

// timeTerraform runs terraform in dir and returns how long it took and the
// CPU time it used with its provider processes (which it waits for); its
// output goes to a log in dir, shown when it fails.
func timeTerraform(ctx context.Context, tf string, env []string, dir string, args []string) (time.Duration, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	logPath := filepath.Join(dir, "terraform-"+args[0]+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = logFile.Close() }()
	cmd := exec.CommandContext(ctx, tf, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, logFile, logFile
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%v\n%s", err, tail(logPath))
	}
	return took, (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(), nil
}

// mixCounts splits n resources into secrets, event sources and stages.
func mixCounts(n int, mix string) (secrets, sources, stages int) {
	if mix == mixSecrets {
		return n, 0, 0
	}
	sources = n / 5
	stages = n / 5
	return n - sources - stages, sources, stages
}

// The provider addresses of the configurations: the real provider and the
// plugin floor (bench/floorprovider).
const (
	spSource    = "superplane/superplane"
	floorSource = "bench/superplane"
)

// superplaneConfig is a canvas with n resources of the mix in it, for the
// provider at source.
func superplaneConfig(canvas string, n int, mix, source string) string {
	secrets, sources, stages := mixCounts(n, mix)
	var b strings.Builder
	fmt.Fprintf(&b, `terraform {
  required_providers {
    superplane = { source = %q }
  }
}

provider "superplane" {}

resource "superplane_canvas" "bench" {
  name = %q
}
`, source, canvas)
	for i := range secrets {
		fmt.Fprintf(&b, `
resource "superplane_secret" "s%[1]d" {
  canvas          = superplane_canvas.bench.name
  name            = "s%[1]d"
  data_wo         = %[2]s
  data_wo_version = 1
}
`, i, secretData(i))
	}
	for i := range sources {
		fmt.Fprintf(&b, `
resource "superplane_event_source" "e%[1]d" {
  canvas = superplane_canvas.bench.name
  name   = "e%[1]d"
  type   = "webhook"
}
`, i)
	}
	for i := range stages {
		fmt.Fprintf(&b, `
resource "superplane_stage" "t%[1]d" {
  canvas = superplane_canvas.bench.name
  name   = "t%[1]d"

  connect {
    type = "event_source"
    name = superplane_event_source.e%[2]d.name
  }

  noop {}
}
`, i, i%max(sources, 1))
	}
	return b.String()
}

// floorConfig is the same graph of terraform_data resources: each carries
// what the real one would send, and depends on what it would depend on.
func floorConfig(n int, mix string) string {
	secrets, sources, stages := mixCounts(n, mix)
	var b strings.Builder
	b.WriteString(`resource "terraform_data" "canvas" {
  input = { name = "bench" }
}
`)
	for i := range secrets {
		fmt.Fprintf(&b, `
resource "terraform_data" "s%[1]d" {
  input = {
    canvas = terraform_data.canvas.input.name
    name   = "s%[1]d"
    data   = %[2]s
  }
}
`, i, secretData(i))
	}
	for i := range sources {
		fmt.Fprintf(&b, `
resource "terraform_data" "e%[1]d" {
  input = {
    canvas = terraform_data.canvas.input.name
    name   = "e%[1]d"
    type   = "webhook"
  }
}
`, i)
	}
	for i := range stages {
		fmt.Fprintf(&b, `
resource "terraform_data" "t%[1]d" {
  input = {
    canvas  = terraform_data.canvas.input.name
    name    = "t%[1]d"
    connect = terraform_data.e%[2]d.input.name
  }
}
`, i, i%max(sources, 1))
	}
	return b.String()
}

// secretData is a map of 5 keys, as HCL.
func secretData(i int) string {
	return fmt.Sprintf(`{ DB_URL = "postgres://app:pw-%[1]d@db:5432/app", API_TOKEN = "tok_%08[1]d", `+
		`SIGNING_KEY = "c2lnbmluZy1rZXktJWQ=", REGION = "eu-west-1", LOG_LEVEL = "info" }`, i)
}

func writeConfig(dir, config string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
