package cli

// The CLI's tests run each command, in process, against a real
// superplane-server started by TestMain as a process (nothing of ours links
// the server): built from this tree, on a loopback port, with its own data
// dir, a fast engine poll and loopback allowed for the HTTP executor's
// target. An owner and a viewer token are created with "superplane-server
// token create". Every command's output is checked for the tokens: the CLI
// must never print one.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
	"github.com/superplane/terraform-provider-superplane/internal/fake/aws"
	"github.com/superplane/terraform-provider-superplane/internal/fake/azure"
	"github.com/superplane/terraform-provider-superplane/internal/fake/gcp"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/gitlab"
)

// srv is the server TestMain started.
var srv struct {
	url         string
	ownerToken  string
	viewerToken string
	owner       *client.Client // sets up what the tests operate
	fakes       *mainTB
	github      *github.Server
	// gcpKey is the JSON key file the fake Google Cloud knows, which the
	// convert tests store in place of the manifests' placeholder.
	gcpKey string
}

// mainTB lets TestMain, which has no *testing.T, start the fake GitHub:
// misuse of the fake panics, and its cleanups run when the server stops.
type mainTB struct{ cleanups []func() }

func (*mainTB) Helper() {}

func (*mainTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (m *mainTB) Cleanup(f func()) { m.cleanups = append(m.cleanups, f) }

// runCleanups runs the cleanups, last first.
func (m *mainTB) runCleanups() {
	for i := len(m.cleanups) - 1; i >= 0; i-- {
		m.cleanups[i]()
	}
}

func TestMain(m *testing.M) {
	os.Exit(runWithServer(m))
}

// runWithServer starts the server, runs the tests and stops it.
func runWithServer(m *testing.M) int {
	root, err := os.MkdirTemp("", "superplane-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(root) }()
	stop, err := startServer(root)
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting superplane-server: %v\n", err)
		if log, rerr := os.ReadFile(filepath.Join(root, "server.log")); rerr == nil {
			fmt.Fprintf(os.Stderr, "server log:\n%s\n", log)
		}
		if stop != nil {
			stop()
		}
		return 1
	}
	code := m.Run()
	stop()
	return code
}

// startServer builds and starts superplane-server and creates the tokens.
func startServer(root string) (func(), error) {
	// Integrations verify against the fake GitHub: the organization acme
	// with a repository that octocat administers, and octocat's token in
	// the manifests of the convert tests. Any other token is refused.
	srv.fakes = &mainTB{}
	srv.github = github.New(srv.fakes)
	srv.github.AddOwner("acme", true)
	srv.github.AddOwner("octocat", false)
	srv.github.AddRepo("acme", "app", "octocat")
	srv.github.AddToken("manifest-secret-value-3", "octocat", []string{"repo", "admin:repo_hook", "workflow"})
	// GitLab and AWS integrations (of the convert tests) verify against
	// fakes on loopback too, which know the manifests' credentials: an
	// integration that failed verification would plan a new one.
	gl := gitlab.New(srv.fakes)
	gl.AddToken("manifest-secret-value-4", "octocat")
	fakeAWS := aws.New(srv.fakes)
	fakeAWS.AddUser(aws.User{AccessKeyID: "manifest-secret-value-5", SecretAccessKey: "manifest-secret-value-6", Account: "123456789012", Name: "deployer"})
	fakeAWS.AddRole(aws.Role{ARN: "arn:aws:iam::123456789012:role/deployer", Principals: []string{"manifest-secret-value-5"}, ExternalID: "conv"})
	// Azure and GCP likewise (testdata/typed.yaml's ids).
	fakeAzure := azure.New(srv.fakes)
	fakeAzure.AddApp(azure.App{TenantID: "0f0e0d0c-0b0a-4909-8807-060504030201", ClientID: "1a2b3c4d-0000-4000-8000-00000000c0a1",
		Secret: "manifest-secret-value-7", Subscriptions: []string{"5a5a5a5a-6b6b-4c4c-8d8d-7e7e7e7e7e7e"}})
	fakeAzure.AddSubscription(azure.Subscription{ID: "5a5a5a5a-6b6b-4c4c-8d8d-7e7e7e7e7e7e", TenantID: "0f0e0d0c-0b0a-4909-8807-060504030201", DisplayName: "conv"})
	fakeGCP := gcp.New(srv.fakes)
	srv.gcpKey = fakeGCP.AddServiceAccount(srv.fakes, "deployer@conv-project-123.iam.gserviceaccount.com", "conv-project-123")
	fakeGCP.AddProject("conv-project-123", "123", "conv", "deployer@conv-project-123.iam.gserviceaccount.com")
	bin := os.Getenv("SUPERPLANE_ACC_SERVER_BIN")
	if bin == "" {
		bin = filepath.Join(root, "superplane-server")
		build := exec.Command("go", "build", "-o", bin, "./cmd/superplane-server")
		build.Dir = filepath.Join("..", "..")
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	dataDir := filepath.Join(root, "data")
	logFile, err := os.Create(filepath.Join(root, "server.log"))
	if err != nil {
		return nil, err
	}
	env := append(withoutPrefix(os.Environ(), "SUPERPLANE_"),
		"SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8",
		"SUPERPLANE_POLL_INTERVAL=50ms",
		"SUPERPLANE_GITHUB_API_URL="+srv.github.URL(),
		"SUPERPLANE_GITLAB_API_URL="+gl.APIURL(),
		"SUPERPLANE_AWS_ENDPOINT_URL="+fakeAWS.URL(),
		"SUPERPLANE_AZURE_AUTHORITY_HOST="+fakeAzure.URL(), "SUPERPLANE_AZURE_ENDPOINT_URL="+fakeAzure.URL(),
		"SUPERPLANE_GCP_ENDPOINT_URL="+fakeGCP.URL())
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", dataDir)
	cmd.Stdout, cmd.Stderr, cmd.Env = logFile, logFile, env
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		var err error
		select {
		case err = <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			err = <-exited
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "superplane-server stopped: %v\n", err)
		}
		_ = logFile.Close()
		srv.fakes.runCleanups()
	}
	srv.url = "http://" + addr
	if err := waitHealthy(srv.url+"/health", exited); err != nil {
		return stop, err
	}
	tokenFor := func(role, user string) (string, error) {
		tc := exec.Command(bin, "token", "create", "--data-dir", dataDir, "--org", "acme", "--role", role, "--user", user)
		tc.Env = env
		var stderr bytes.Buffer
		tc.Stderr = &stderr
		out, err := tc.Output()
		if err != nil {
			return "", fmt.Errorf("token create: %v: %s", err, stderr.String())
		}
		return strings.TrimSpace(string(out)), nil
	}
	if srv.ownerToken, err = tokenFor("owner", "owner@example.com"); err != nil {
		return stop, err
	}
	if srv.viewerToken, err = tokenFor("viewer", "viewer@example.com"); err != nil {
		return stop, err
	}
	srv.owner, err = client.New(client.Config{Endpoint: srv.url, Token: srv.ownerToken, UserAgent: "superplane-cli-test"})
	return stop, err
}

// withoutPrefix drops the variables starting with prefix, so the server
// takes nothing from the developer's environment.
func withoutPrefix(env []string, prefix string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, prefix) {
			out = append(out, kv)
		}
	}
	return out
}

// waitHealthy polls /health for up to 30 seconds.
func waitHealthy(url string, exited <-chan error) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			return fmt.Errorf("the server exited: %v", err)
		default:
		}
		if resp, err := hc.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not healthy at %s after 30s", url)
}

// result is what one run of the tool printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

// cli is one user's environment: their variables and config directory.
type cli struct {
	t     *testing.T
	env   map[string]string
	stdin string
}

// newCLI is a user whose environment carries the owner's token.
func newCLI(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, env: map[string]string{
		"XDG_CONFIG_HOME":      t.TempDir(),
		"HOME":                 t.TempDir(),
		"SUPERPLANE_API_URL":   srv.url,
		"SUPERPLANE_API_TOKEN": srv.ownerToken,
	}}
}

// as returns a copy of c using token.
func (c *cli) as(token string) *cli {
	env := map[string]string{}
	for k, v := range c.env {
		env[k] = v
	}
	env["SUPERPLANE_API_TOKEN"] = token
	return &cli{t: c.t, env: env}
}

// runCtx runs the tool with args under ctx and checks that no token was
// printed.
func (c *cli) runCtx(ctx context.Context, args ...string) result {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(ctx, args, IO{
		Stdin:   strings.NewReader(c.stdin),
		Stdout:  &stdout,
		Stderr:  &stderr,
		Getenv:  func(k string) string { return c.env[k] },
		Version: "test",
	})
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: code}
	for _, tok := range []string{srv.ownerToken, srv.viewerToken} {
		if strings.Contains(r.stdout, tok) || strings.Contains(r.stderr, tok) {
			c.t.Errorf("superplane %s printed an API token", strings.Join(args, " "))
		}
	}
	return r
}

// run runs the tool with a generous deadline.
func (c *cli) run(args ...string) result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return c.runCtx(ctx, args...)
}

// ok runs the tool and fails the test unless it exits 0.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("superplane %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails runs the tool, wants exit code want, and returns standard error.
func (c *cli) fails(want int, args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != want {
		c.t.Fatalf("superplane %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	return r.stderr
}

// randName is a fresh object name.
func randName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// ctx is a test's context with a generous deadline.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// canvasWithRelease creates a canvas with a manual source "release" and
// returns its name.
func canvasWithRelease(t *testing.T) string {
	t.Helper()
	name := randName("cli")
	if _, err := srv.owner.CreateCanvas(ctx(t), name, "a canvas of the CLI tests"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.owner.CreateEventSource(ctx(t), name, client.EventSourceParams{Name: "release", Spec: api.EventSourceSpec{Type: api.EventSourceTypeManual}}); err != nil {
		t.Fatal(err)
	}
	return name
}

// approvalStage creates a noop stage on "release" that waits for one
// approval, takes the event's version as input and outputs a url.
func approvalStage(t *testing.T, canvas, name string) {
	t.Helper()
	_, err := srv.owner.CreateStage(ctx(t), canvas, client.StageParams{Name: name, Spec: api.StageSpec{
		Connections:   []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "release"}},
		Conditions:    []api.Condition{{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 1}}},
		Inputs:        []api.InputDefinition{{Name: "version"}},
		InputMappings: []api.InputMapping{{Values: []api.ValueDefinition{{Name: "version", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Connection: "release", Expression: "$.version"}}}}}},
		Outputs:       []api.OutputDefinition{{Name: "url"}},
		Executor:      &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{"outputs": map[string]any{"url": "https://example.com/released"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// httpStage creates a stage on "release" that runs at once, calling url.
func httpStage(t *testing.T, canvas, name, url string) {
	t.Helper()
	_, err := srv.owner.CreateStage(ctx(t), canvas, client.StageParams{Name: name, Spec: api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "release"}},
		Executor:    &api.Executor{Type: api.ExecutorHTTP, Spec: map[string]any{"url": url}},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls check every 100ms for up to 60 seconds.
func waitFor(t *testing.T, what string, check func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		if check() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// stageEvents lists a stage's queue and history through the API.
func stageEvents(t *testing.T, canvas, stage string) []api.StageEvent {
	t.Helper()
	out, err := srv.owner.ListStageEvents(ctx(t), canvas, stage, client.StageEventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return out.Events
}

// executions lists a stage's executions through the API.
func executions(t *testing.T, canvas, stage string) []api.Execution {
	t.Helper()
	out, err := srv.owner.ListExecutions(ctx(t), canvas, stage, client.ExecutionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return out.Executions
}

// waitingEvent waits until the stage has a stage event waiting and returns it.
func waitingEvent(t *testing.T, canvas, stage string) api.StageEvent {
	t.Helper()
	var ev api.StageEvent
	waitFor(t, "a waiting stage event in "+stage, func() bool {
		for _, e := range stageEvents(t, canvas, stage) {
			if e.State == api.StageEventStateWaiting {
				ev = e
				return true
			}
		}
		return false
	})
	return ev
}

// blockingTool is an HTTP endpoint that holds every request until the
// caller goes away (or a minute passes), so an execution stays started.
func blockingTool(t *testing.T) (url string, hits <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{}, 16)
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case ch <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		case <-time.After(time.Minute):
		}
		w.WriteHeader(http.StatusOK)
	}))
	// Cleanups run last first: the held requests are let go, then the
	// server closes without waiting for them.
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })
	return ts.URL, ch
}

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is a command started in the background.
type running struct {
	stdout, stderr *syncBuffer
	done           chan int
}

// start runs the tool in the background under ctx.
func (c *cli) start(ctx context.Context, args ...string) *running {
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	go func() {
		r.done <- Run(ctx, args, IO{
			Stdin:   strings.NewReader(""),
			Stdout:  r.stdout,
			Stderr:  r.stderr,
			Getenv:  func(k string) string { return c.env[k] },
			Version: "test",
		})
	}()
	return r
}

// wait waits up to two minutes for the command's exit code.
func (r *running) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.done:
		return code
	case <-time.After(2 * time.Minute):
		t.Fatalf("the command did not end; stdout so far:\n%s", r.stdout.String())
		return -1
	}
}
