package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The documented ways to run the provider without the public registry
// (README, "Installing the provider locally"), followed step by step with
// the machine's terraform, offline: any attempt to reach a registry goes to
// a proxy that does not exist and fails the step.

// localTerraform is the terraform binary to use (TF_ACC_TERRAFORM_PATH, or
// terraform in PATH); the test is skipped without one.
func localTerraform(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the local install test, which builds the provider and runs terraform")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			t.Skip("terraform not found (set TF_ACC_TERRAFORM_PATH or put terraform in PATH): skipping the local install test")
		}
	}
	return tf
}

// copyModulesExample copies examples/modules into dir, so that terraform's
// working files stay out of the repository, and returns the root example's
// directory there.
func copyModulesExample(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join("examples", "modules")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, "modules", rel)
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(dst, 0o755)
		}
		if !strings.HasSuffix(p, ".tf") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "modules", "root")
}

// offlineTerraform runs terraform args in dir with the CLI configuration
// cliConfig and no way to reach a registry, within a minute.
func offlineTerraform(t *testing.T, tf, dir, cliConfig string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_PLUGIN_CACHE_DIR=",
		// Port 9 on loopback (discard) refuses: a download attempt fails at once.
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=",
		"https_proxy=http://127.0.0.1:9", "http_proxy=http://127.0.0.1:9", "no_proxy=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// TestInstallLocalMirror follows the filesystem mirror steps: `make
// install-local` (scripts/install-local.sh) builds the provider into a
// mirror and prints the CLI configuration; with it, `terraform init` and
// `terraform validate` of the module example work with no network.
func TestInstallLocalMirror(t *testing.T) {
	tf := localTerraform(t)
	dir := t.TempDir()
	mirror := filepath.Join(dir, "mirror")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	script := exec.CommandContext(ctx, "bash", filepath.Join("scripts", "install-local.sh"), mirror)
	script.Env = append(os.Environ(), "LOCAL_VERSION=0.1.0")
	var stdout, stderr bytes.Buffer
	script.Stdout, script.Stderr = &stdout, &stderr
	if err := script.Run(); err != nil {
		t.Fatalf("scripts/install-local.sh: %v\n%s", err, stderr.String())
	}

	platform := runtime.GOOS + "_" + runtime.GOARCH
	bin := filepath.Join(mirror, "registry.terraform.io", "superplane", "superplane", "0.1.0", platform,
		"terraform-provider-superplane_v0.1.0")
	out, err := exec.CommandContext(ctx, bin, "-version").Output()
	if err != nil {
		t.Fatalf("the mirror holds no working provider at %s: %v", bin, err)
	}
	if !strings.HasPrefix(string(out), "terraform-provider-superplane 0.1.0 ") {
		t.Errorf("%s -version = %q, want version 0.1.0", bin, out)
	}

	// The printed configuration, as the README says to use it.
	cliConfig := stdout.String()
	for _, want := range []string{"filesystem_mirror", fmt.Sprintf("path    = %q", mirror),
		`include = ["registry.terraform.io/superplane/superplane"]`, `exclude = ["registry.terraform.io/superplane/superplane"]`} {
		if !strings.Contains(cliConfig, want) {
			t.Errorf("printed CLI configuration lacks %s:\n%s", want, cliConfig)
		}
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, stdout.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	root := copyModulesExample(t, dir)
	init := offlineTerraform(t, tf, root, rc, "init", "-backend=false", "-input=false", "-no-color")
	if !strings.Contains(init, "Installed superplane/superplane v0.1.0") {
		t.Errorf("terraform init did not install the provider from the mirror:\n%s", init)
	}
	if !strings.Contains(init, "- service in ../service") {
		t.Errorf("terraform init did not install the service module:\n%s", init)
	}
	lock, err := os.ReadFile(filepath.Join(root, ".terraform.lock.hcl"))
	if err != nil || !regexp.MustCompile(`(?s)"registry.terraform.io/superplane/superplane".*version\s*=\s*"0.1.0"`).Match(lock) {
		t.Errorf("lock file does not record superplane 0.1.0 (%v):\n%s", err, lock)
	}
	offlineTerraform(t, tf, root, rc, "validate", "-no-color")

	// A rebuild (here: a byte appended, which changes the package's
	// checksum and still runs) is refused by terraform init while the lock
	// file holds the old checksum, -upgrade or not; as the README says,
	// deleting the lock file lets init take it.
	f, err := os.OpenFile(bin, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte{0}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctxU, cancelU := context.WithTimeout(context.Background(), time.Minute)
	defer cancelU()
	upgrade := exec.CommandContext(ctxU, tf, "init", "-upgrade", "-backend=false", "-input=false", "-no-color")
	upgrade.Dir = root
	upgrade.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1",
		"HTTPS_PROXY=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "NO_PROXY=", "no_proxy=")
	if out, err := upgrade.CombinedOutput(); err == nil || !strings.Contains(string(out), "checksums previously recorded") {
		t.Errorf("terraform init -upgrade after a rebuild: err %v, want the lock file's checksum refusal:\n%s", err, out)
	}
	if err := os.Remove(filepath.Join(root, ".terraform.lock.hcl")); err != nil {
		t.Fatal(err)
	}
	offlineTerraform(t, tf, root, rc, "init", "-backend=false", "-input=false", "-no-color")
	offlineTerraform(t, tf, root, rc, "validate", "-no-color")
}

// TestInstallLocalDevOverrides follows the dev_overrides steps: `make
// install` puts the provider in GOBIN, a dev_overrides block points
// Terraform at it, `terraform init` is skipped for the provider, but the
// module example still needs `terraform get` before `terraform validate`.
func TestInstallLocalDevOverrides(t *testing.T) {
	tf := localTerraform(t)
	dir := t.TempDir()
	gobin := filepath.Join(dir, "gobin")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// What `make install` runs, into a GOBIN of the test's own.
	install := exec.CommandContext(ctx, "go", "install", "-trimpath", ".")
	install.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}

	rc := filepath.Join(dir, "terraformrc")
	cfg := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "superplane/superplane" = %q
  }
  direct {}
}
`, gobin)
	if err := os.WriteFile(rc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	root := copyModulesExample(t, dir)
	// The caveats the README states: without terraform get the module is
	// not installed, and terraform init still looks the provider up on the
	// registry, and fails (checked last: it installs the modules first).
	failing := func(want string, args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tf, args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1",
			"HTTPS_PROXY=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "NO_PROXY=", "no_proxy=")
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), want) {
			t.Errorf("terraform %s with dev_overrides: err %v, want a failure saying %q:\n%s", strings.Join(args, " "), err, want, out)
		}
	}
	failing("terraform init", "validate", "-no-color")

	offlineTerraform(t, tf, root, rc, "get", "-no-color")
	out := offlineTerraform(t, tf, root, rc, "validate", "-no-color")
	if !strings.Contains(out, "Provider development overrides are in effect") {
		t.Errorf("terraform validate did not use dev_overrides:\n%s", out)
	}
	failing("Failed to query available provider packages", "init", "-backend=false", "-input=false", "-no-color")
}
