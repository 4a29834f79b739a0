package provider

// Acceptance test harness. With TF_ACC set, TestMain starts fakes of the
// GitHub and Semaphore APIs (internal/fake), builds and starts this
// repository's superplane-server on a loopback port with a fresh data dir and
// those fakes as the tools it verifies integrations against, creates an owner
// token, points the provider at it through the environment, runs the tests,
// stops the server and then checks that no plaintext secret value used by the
// tests was written where it must never be: the server log, any file of the
// data dir (the SQLite database and its WAL), Terraform's trace logs and, for
// write-only values (integration tokens and the hook secrets SuperPlane gives
// the tools among them), any state file. The signing keys of custom webhook
// event sources are the one secret that is in state by design (SuperPlane
// returns a key only when it is created or reset, so Terraform must keep
// it): they are checked everywhere except the state files.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/client"
	fakeaws "github.com/superplane/terraform-provider-superplane/internal/fake/aws"
	fakeazure "github.com/superplane/terraform-provider-superplane/internal/fake/azure"
	fakeado "github.com/superplane/terraform-provider-superplane/internal/fake/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/fake/bitbucket"
	fakedatadog "github.com/superplane/terraform-provider-superplane/internal/fake/datadog"
	fakegcp "github.com/superplane/terraform-provider-superplane/internal/fake/gcp"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/gitlab"
	fakeatlas "github.com/superplane/terraform-provider-superplane/internal/fake/mongodbatlas"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

// acc is the harness state, set by TestMain when TF_ACC is on.
var acc struct {
	root      string // everything the run writes, kept when a test fails
	dataDir   string // the server's --data-dir
	serverLog string // the server's stdout and stderr
	tfTempDir string // TF_ACC_TEMP_DIR: Terraform working dirs and their state files
	client    *client.Client
	// colleague is another user of the same organization (admin): what
	// they create, the provider must not adopt.
	colleague  *client.Client
	mu         sync.Mutex
	values     []string // every plaintext secret value the tests use
	woValues   []string // the write-only ones among them
	traceLogs  []string // TF_LOG=trace log files to scan as well
	names      []string // object names the tests use: stored in the clear, so the data dir scan must find some
	stateCheck bool     // some state file did hold a plaintext (non write-only) value
	tokens     int      // integration tokens handed out (all of them also in woValues)
	sourceKeys []string // signing keys of webhook event sources: in state by design, nowhere else

	fakes     *harnessTB        // owns the fakes' cleanups
	github    *github.Server    // the GitHub API the server verifies against
	semaphore *semaphore.Server // the Semaphore API the server verifies against
	gitlab    *gitlab.Server    // the GitLab API the server verifies against
	bitbucket *bitbucket.Server // the Bitbucket Cloud API the server verifies against
	aws       *fakeaws.Server   // AWS STS, where aws integrations are verified
	azure     *fakeazure.Server // Entra ID and ARM, where azure integrations are verified
	gcp       *fakegcp.Server   // Google's token endpoints and APIs, where gcp integrations are verified
	// azuredevops is the Azure DevOps organization fakeAzureDevOpsOrg,
	// where azure_devops integrations are verified.
	azuredevops *fakeado.Server

	datadog *fakedatadog.Server // the Datadog API, where datadog integrations are verified and sources' webhooks kept
	atlas   *fakeatlas.Server   // MongoDB Atlas's token endpoint and Admin API, where mongodb_atlas integrations are verified
}

// The fake tools' fixtures. Integration URLs in tests name these.
const (
	fakeGitHubOwner  = "acme"    // an organization: https://github.com/acme
	fakeGitHubUser   = "octocat" // the user every good token belongs to
	fakeGitHubURL    = "https://github.com/" + fakeGitHubOwner
	fakeSemaphoreURL = "https://acme.semaphoreci.com" // the server sends its requests to the fake
)

// githubTokenScopes are the classic OAuth scopes of a good token: what
// SuperPlane needs for webhooks and workflow dispatch.
var githubTokenScopes = []string{"repo", "admin:repo_hook", "workflow"}

// harnessTB lets TestMain, which has no *testing.T, start the fakes of
// internal/fake, whose constructors take a testing.TB for Helper, Cleanup
// and Fatalf. testing.TB has an unexported method, so the shim embeds the
// (nil) interface to satisfy it and implements the methods a fake may call;
// any other would panic on the nil value, which only a change to the fakes
// could bring about. Failures panic: they are setup bugs, not test results.
type harnessTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
}

// Helper does nothing: there is no test to attribute lines to.
func (h *harnessTB) Helper() {}

// Name is what a fake would print as the test's name.
func (h *harnessTB) Name() string { return "TestMain" }

// Cleanup registers f to run when runCleanups is called.
func (h *harnessTB) Cleanup(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cleanups = append(h.cleanups, f)
}

// Log prints to stderr.
func (h *harnessTB) Log(args ...any) { fmt.Fprintln(os.Stderr, args...) }

// Logf prints to stderr.
func (h *harnessTB) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// Error panics: a fake was set up wrongly.
func (h *harnessTB) Error(args ...any) { panic(fmt.Sprint(args...)) }

// Errorf panics: a fake was set up wrongly.
func (h *harnessTB) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// Fatal panics: a fake was set up wrongly.
func (h *harnessTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// Fatalf panics: a fake was set up wrongly.
func (h *harnessTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// Failed is always false: failures panic.
func (h *harnessTB) Failed() bool { return false }

// runCleanups runs the registered functions, last first, as testing does.
func (h *harnessTB) runCleanups() {
	h.mu.Lock()
	fns := h.cleanups
	h.cleanups = nil
	h.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// startFakes starts the fake GitHub and Semaphore with the fixtures the
// tests rely on: the organization fakeGitHubOwner with one repository that
// fakeGitHubUser administers (verification wants admin on a repository).
func startFakes() {
	acc.fakes = &harnessTB{}
	acc.github = github.New(acc.fakes)
	acc.github.AddOwner(fakeGitHubOwner, true)
	acc.github.AddOwner(fakeGitHubUser, false)
	acc.github.AddRepo(fakeGitHubOwner, "app", fakeGitHubUser)
	acc.semaphore = semaphore.New(acc.fakes)
	acc.gitlab = gitlab.New(acc.fakes)
	acc.bitbucket = bitbucket.New(acc.fakes)
	acc.bitbucket.AddWorkspace(fakeBitbucketWorkspace, map[string]string{fakeBitbucketUser: "collaborator"})
	acc.aws = fakeaws.New(acc.fakes)
	acc.azure = fakeazure.New(acc.fakes)
	acc.gcp = fakegcp.New(acc.fakes)
	acc.azuredevops = fakeado.New(acc.fakes)
	acc.azuredevops.AddOrganization(fakeAzureDevOpsOrg)
	acc.datadog = fakedatadog.New(acc.fakes)
	acc.atlas = fakeatlas.New(acc.fakes)
}

// newToolToken returns a new random API token that the GitHub, Semaphore and
// GitLab fakes accept (for GitHub: fakeGitHubUser's, with githubTokenScopes;
// the Bitbucket tests give it to their user themselves). It is recorded as a
// write-only value: tests pass it through data_wo, and the leak check makes
// sure it is nowhere in the server log, data dir, trace logs or state files.
// Without TF_ACC there are no fakes (and resource.Test skips the test).
func newToolToken() string {
	tok := writeOnlyValue()
	if acc.github != nil {
		acc.github.AddToken(tok, fakeGitHubUser, githubTokenScopes)
		acc.semaphore.AddToken(tok)
		acc.gitlab.AddToken(tok, fakeGitLabUser)
	}
	acc.mu.Lock()
	acc.tokens++
	acc.mu.Unlock()
	return tok
}

// unknownToolToken is newToolToken for a token neither fake knows: GitHub
// answers it with "Bad credentials".
func unknownToolToken() string {
	tok := writeOnlyValue()
	acc.mu.Lock()
	acc.tokens++
	acc.mu.Unlock()
	return tok
}

func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") == "" {
		os.Exit(m.Run())
	}
	os.Exit(runAcceptance(m))
}

// runAcceptance wraps m.Run with the server's lifecycle and the leak check.
func runAcceptance(m *testing.M) int {
	stop, err := startServer()
	if err != nil {
		fmt.Fprintf(os.Stderr, "acceptance setup: %v\n", err)
		if acc.serverLog != "" {
			fmt.Fprintf(os.Stderr, "server log: %s\n", acc.serverLog)
		}
		if stop != nil {
			stop()
		}
		return 1
	}
	code := m.Run()
	stop()

	if leaks := leakCheck(); len(leaks) > 0 {
		fmt.Fprintln(os.Stderr, "SECRET LEAK CHECK FAILED:")
		for _, l := range leaks {
			fmt.Fprintln(os.Stderr, "  "+l)
		}
		code = 1
	} else {
		acc.mu.Lock()
		fmt.Printf("leak check: %d secret values (%d write-only, %d of them integration tokens) absent from the server log, data dir, %d trace log(s) and state files; %d event source keys absent from all but the state\n",
			len(acc.values), len(acc.woValues), acc.tokens, len(acc.traceLogs), len(acc.sourceKeys))
		acc.mu.Unlock()
	}
	if code == 0 {
		_ = os.RemoveAll(acc.root)
	} else {
		fmt.Fprintf(os.Stderr, "acceptance files kept in %s\n", acc.root)
	}
	return code
}

// startServer starts the fake tools, builds cmd/superplane-server, starts it
// and creates a token. The returned func stops the server and the fakes; it
// is non-nil once a process runs.
func startServer() (func(), error) {
	root, err := os.MkdirTemp("", "superplane-acc-")
	if err != nil {
		return nil, err
	}
	acc.root = root
	acc.dataDir = filepath.Join(root, "data")
	acc.serverLog = filepath.Join(root, "server.log")
	acc.tfTempDir = filepath.Join(root, "terraform")
	for _, d := range []string{acc.dataDir, acc.tfTempDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}

	moduleRoot, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil, err
	}
	// SUPERPLANE_ACC_SERVER_BIN runs a server binary built elsewhere (for
	// example by CI) instead of building this tree's.
	bin := os.Getenv("SUPERPLANE_ACC_SERVER_BIN")
	if bin == "" {
		bin = filepath.Join(root, "superplane-server")
		build := exec.Command("go", "build", "-o", bin, "./cmd/superplane-server")
		build.Dir = moduleRoot
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building superplane-server: %v\n%s", err, out)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	logFile, err := os.Create(acc.serverLog)
	if err != nil {
		return nil, err
	}
	startFakes()
	srv := exec.Command(bin, "serve", "--listen", addr, "--data-dir", acc.dataDir)
	srv.Stdout = logFile
	srv.Stderr = logFile
	// The server must not pick up a database or keys from the developer's
	// environment: it runs on its own embedded database in the data dir,
	// and verifies integrations against the fakes, never the real tools.
	srv.Env = append(filteredEnv("SUPERPLANE_"),
		"SUPERPLANE_GITHUB_API_URL="+acc.github.URL(),
		"SUPERPLANE_SEMAPHORE_API_URL="+acc.semaphore.URL(),
		"SUPERPLANE_GITLAB_API_URL="+acc.gitlab.APIURL(),
		"SUPERPLANE_BITBUCKET_API_URL="+acc.bitbucket.URL(),
		"SUPERPLANE_AWS_ENDPOINT_URL="+acc.aws.URL(),
		"SUPERPLANE_AZURE_AUTHORITY_HOST="+acc.azure.URL(),
		"SUPERPLANE_AZURE_ENDPOINT_URL="+acc.azure.URL(),
		"SUPERPLANE_GCP_ENDPOINT_URL="+acc.gcp.URL(),
		"SUPERPLANE_AZURE_DEVOPS_API_URL="+acc.azuredevops.URL(),
		"SUPERPLANE_DATADOG_API_URL="+acc.datadog.URL(),
		"SUPERPLANE_MONGODB_ATLAS_ENDPOINT_URL="+acc.atlas.URL(),
		// The fakes and the stage tests' receivers are on loopback, which
		// the outbound guard lets through only when allowed. Stage tests
		// should not wait long.
		"SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8",
		"SUPERPLANE_POLL_INTERVAL=50ms",
		// Refreshes follow each other within seconds; each must look at
		// the hook on the fake, not answer the previous look.
		"SUPERPLANE_HOOK_CHECK_INTERVAL=0s")
	if err := srv.Start(); err != nil {
		_ = logFile.Close()
		acc.fakes.runCleanups()
		return nil, fmt.Errorf("starting superplane-server: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	stop := func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		var err error
		select {
		case err = <-exited:
		case <-time.After(10 * time.Second):
			_ = srv.Process.Kill()
			err = <-exited
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "superplane-server stopped: %v\n", err)
		}
		_ = logFile.Close()
		acc.fakes.runCleanups()
	}

	endpoint := "http://" + addr
	if err := waitHealthy(endpoint+"/health", exited, 30*time.Second); err != nil {
		return stop, err
	}

	token, err := createToken(bin, "owner", "acc@example.com")
	if err != nil {
		return stop, err
	}
	colleagueToken, err := createToken(bin, "admin", "colleague@example.com")
	if err != nil {
		return stop, err
	}

	// An empty CLI configuration keeps the developer's ~/.terraformrc (and
	// Terraform's warning about its absence) out of the tests.
	cliConfig := filepath.Join(root, "terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		return stop, err
	}
	for k, v := range map[string]string{
		"TF_CLI_CONFIG_FILE":         cliConfig,
		EnvEndpoint:                  endpoint,
		EnvToken:                     token,
		"TF_ACC_TEMP_DIR":            acc.tfTempDir,
		"TF_ACC_PERSIST_WORKING_DIR": "1", // the leak check reads the state files afterwards
	} {
		if err := os.Setenv(k, v); err != nil {
			return stop, err
		}
	}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		// Never let the test framework download Terraform.
		_ = os.Setenv("TF_ACC_TERRAFORM_PATH", "/usr/local/bin/terraform")
	}

	acc.client, err = client.New(client.Config{Endpoint: endpoint, Token: token, UserAgent: "terraform-provider-superplane/acctest"})
	if err != nil {
		return stop, err
	}
	acc.colleague, err = client.New(client.Config{Endpoint: endpoint, Token: colleagueToken, UserAgent: "terraform-provider-superplane/acctest"})
	if err != nil {
		return stop, err
	}
	return stop, nil
}

// createToken runs superplane-server token create for a user of the "acc"
// organization and returns the token it printed.
func createToken(bin, role, user string) (string, error) {
	tokenCmd := exec.Command(bin, "token", "create", "--data-dir", acc.dataDir,
		"--org", "acc", "--role", role, "--user", user)
	tokenCmd.Env = filteredEnv("SUPERPLANE_")
	var stderr bytes.Buffer
	tokenCmd.Stderr = &stderr
	out, err := tokenCmd.Output()
	if err != nil {
		return "", fmt.Errorf("creating a token: %v: %s", err, stderr.String())
	}
	token := strings.TrimSpace(string(out))
	if token == "" || strings.ContainsAny(token, " \n") {
		return "", fmt.Errorf("token create printed %d bytes that are not a single token", len(out))
	}
	return token, nil
}

// filteredEnv is the environment without variables starting with prefix.
func filteredEnv(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}

// waitHealthy polls url until it answers 200, the process exits or the
// timeout passes.
func waitHealthy(url string, exited <-chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	hc := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("superplane-server exited before it was healthy: %v", err)
		default:
		}
		resp, err := hc.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("superplane-server not healthy at %s after %v", url, timeout)
}

// accPreCheck skips nothing (TF_ACC gating is resource.Test's job) but fails
// early when TestMain did not set up the server.
func accPreCheck(t *testing.T) {
	t.Helper()
	if acc.client == nil {
		t.Fatal("acceptance harness not initialized: run with TF_ACC=1 so TestMain starts the server")
	}
}

// randomSuffix is 8 random hex characters.
func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randName is a unique object name for one test.
func randName(prefix string) string {
	n := prefix + "-" + randomSuffix()
	acc.mu.Lock()
	acc.names = append(acc.names, n)
	acc.mu.Unlock()
	return n
}

// unsavedName is a unique object name for a test whose plans all fail
// before anything reaches the server. It is not recorded: the data dir
// scan looks for the recorded names to prove it reads the server's
// database, and a name that was never sent would fail a run of that test
// alone.
func unsavedName(prefix string) string {
	return prefix + "-" + randomSuffix()
}

// secretValue returns a unique random plaintext and records it for the
// leak check. Values given through `data` are expected in state files.
func secretValue() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	v := "sv-" + hex.EncodeToString(b)
	acc.mu.Lock()
	acc.values = append(acc.values, v)
	acc.mu.Unlock()
	return v
}

// writeOnlyValue is secretValue for values given through `data_wo`, which
// must also be absent from every state file.
func writeOnlyValue() string {
	v := secretValue()
	acc.mu.Lock()
	acc.woValues = append(acc.woValues, v)
	acc.mu.Unlock()
	return v
}

// recordSourceKey records the signing key of a custom webhook event source
// for the leak check: it must be in no server log, data dir file or trace
// log. It is in the state by design, which leakCheck also confirms.
func recordSourceKey(key string) {
	acc.mu.Lock()
	acc.sourceKeys = append(acc.sourceKeys, key)
	acc.mu.Unlock()
}

// recordHookSecret records the secret SuperPlane configured on a fake
// tool's hook (the signing key of a github or semaphore event source): like
// a write-only value, it must be nowhere, the state included.
func recordHookSecret(secret string) {
	acc.mu.Lock()
	acc.values = append(acc.values, secret)
	acc.woValues = append(acc.woValues, secret)
	acc.mu.Unlock()
}

// leakCheck scans what the run wrote and returns one line per leak found.
func leakCheck() []string {
	acc.mu.Lock()
	secrets := append([]string(nil), acc.values...)
	sourceKeys := append([]string(nil), acc.sourceKeys...)
	// Outside the state, the keys must be as absent as any secret value.
	values := append(append([]string(nil), secrets...), sourceKeys...)
	woValues := append([]string(nil), acc.woValues...)
	traceLogs := append([]string(nil), acc.traceLogs...)
	names := append([]string(nil), acc.names...)
	acc.mu.Unlock()

	var leaks []string
	scan := func(path string, vals []string) {
		b, err := os.ReadFile(path)
		if err != nil {
			leaks = append(leaks, fmt.Sprintf("cannot read %s: %v", path, err))
			return
		}
		for _, v := range vals {
			if bytes.Contains(b, []byte(v)) {
				leaks = append(leaks, fmt.Sprintf("%s contains secret value %s...", path, v[:8]))
			}
		}
	}

	scan(acc.serverLog, values)
	dataFiles := 0
	_ = filepath.WalkDir(acc.dataDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			dataFiles++
			scan(p, values)
		}
		return nil
	})
	if dataFiles == 0 {
		leaks = append(leaks, "no file found in the data dir: the scan would prove nothing")
	}
	// Names are stored in the clear: finding none means the scan cannot
	// see what the server stored (for example a database elsewhere).
	if len(names) > 0 && !anyFileContains(acc.dataDir, names) {
		leaks = append(leaks, "no object name found in the data dir: the scan is not looking at the server's database")
	}
	for _, l := range traceLogs {
		scan(l, values)
	}
	// Tokens handed out but no request at a fake: the server verified
	// against something else, and the tokens went who knows where.
	if acc.tokens > 0 && len(acc.github.Requests())+len(acc.semaphore.Requests())+len(acc.gitlab.Requests())+
		len(acc.bitbucket.Requests())+
		len(acc.azuredevops.Requests()) == 0 {
		leaks = append(leaks, fmt.Sprintf("%d integration tokens were used but no fake tool received a request", acc.tokens))
	}

	stateFiles, err := stateFilesUnder(acc.tfTempDir)
	if err != nil {
		leaks = append(leaks, err.Error())
	}
	plainSeen, keySeen := false, false
	for _, f := range stateFiles {
		scan(f, woValues)
		if b, err := os.ReadFile(f); err == nil {
			for _, v := range secrets {
				if bytes.Contains(b, []byte(v)) {
					plainSeen = true
				}
			}
			for _, k := range sourceKeys {
				if bytes.Contains(b, []byte(k)) {
					keySeen = true
				}
			}
		}
	}
	// Values set through `data` do land in state; not finding any means the
	// scan looked in the wrong place.
	if len(secrets) > len(woValues) && !plainSeen {
		leaks = append(leaks, fmt.Sprintf("no `data` value found in %d state files: the state scan is not looking at Terraform's state", len(stateFiles)))
	}
	// Webhook source keys are kept in state on purpose; none there means the
	// keys recorded are not the ones Terraform stored.
	if len(sourceKeys) > 0 && !keySeen {
		leaks = append(leaks, fmt.Sprintf("no event source key found in %d state files: the keys checked are not the ones Terraform stored", len(stateFiles)))
	}
	return leaks
}

// anyFileContains reports whether a regular file below dir holds one of needles.
func anyFileContains(dir string, needles []string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found = true
				return filepath.SkipAll
			}
		}
		return nil
	})
	return found
}

// stateFilesUnder lists Terraform state files (and their backups) below dir.
func stateFilesUnder(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// Parallel tests remove their working directories while
			// another test walks the shared tree: a vanished entry
			// holds no state to check.
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() && (strings.HasSuffix(p, ".tfstate") || strings.HasSuffix(p, ".tfstate.backup")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walking %s: %v", dir, err)
	}
	return files, nil
}

// checkStateFilesLackValues fails when any state file written so far holds
// one of values. Used inside test steps for write-only values.
func checkStateFilesLackValues(values ...string) error {
	files, err := stateFilesUnder(acc.tfTempDir)
	if err != nil {
		return err
	}
	read := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue // another parallel test's directory, removed since the walk
		}
		if err != nil {
			return err
		}
		read++
		for _, v := range values {
			if bytes.Contains(b, []byte(v)) {
				return fmt.Errorf("state file %s contains a write-only value", f)
			}
		}
	}
	if read == 0 {
		return fmt.Errorf("no state files under %s: the check would prove nothing", acc.tfTempDir)
	}
	return nil
}

// accContext is the context for client calls made by tests.
func accContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
