package reliability

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read a PostgreSQL backend's rows

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// long reports whether the long form runs (`make reliability`).
func long() bool { return os.Getenv("SUPERPLANE_RELIABILITY") == "long" }

// skipIfShort skips a test under `go test -short`: each one builds on a real
// server process and takes seconds. `make test` runs them.
func skipIfShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("a reliability test: runs without -short (make test) and in its long form with make reliability")
	}
}

// binary is the superplane-server built once, by TestMain, for the whole
// package.
var binary struct {
	path string
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "superplane-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary.path, binary.err = buildServer(dir)
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildServer builds cmd/superplane-server into dir. `go test` puts the go
// command of the toolchain that runs it first in PATH.
func buildServer(dir string) (string, error) {
	path := filepath.Join(dir, "superplane-server")
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", path, "../../cmd/superplane-server").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "reliability: built superplane-server in %s\n", time.Since(start).Round(time.Millisecond))
	return path, nil
}

// serverBinary returns the path of the server built by TestMain.
func serverBinary(t *testing.T) string {
	t.Helper()
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// backend is where a server keeps its state: SQLite in dataDir, or a
// PostgreSQL URL; env is the environment every command of the test gets.
type backend struct {
	name    string
	dataDir string
	dbURL   string
	env     []string
	// log is the file every start of the backend's server appends its
	// log (stderr) to.
	log string
}

// sqliteBackend keeps everything in a fresh data dir; the server generates
// its key file there.
func sqliteBackend(t *testing.T) *backend {
	dir := t.TempDir()
	return &backend{name: "sqlite", dataDir: dir, env: []string{"SUPERPLANE_DATA_DIR=" + dir},
		log: filepath.Join(t.TempDir(), "server.log")}
}

// postgresBackend uses a new schema of the shared test server, or skips the
// test when none is configured. Keys come from keysFile (which keys rotate
// can change) when given, else from SUPERPLANE_ENCRYPTION_KEYS.
func postgresBackend(t *testing.T, keysFile string) *backend {
	t.Helper()
	return pgBackend(t, pgtest.SchemaURL(t, "reliability"), keysFile)
}

// pgBackend is a backend on the PostgreSQL database at url.
func pgBackend(t *testing.T, url, keysFile string) *backend {
	dir := t.TempDir()
	b := &backend{name: "postgres", dataDir: dir, dbURL: url,
		env: []string{"SUPERPLANE_DATA_DIR=" + dir, "SUPERPLANE_DATABASE_URL=" + url},
		log: filepath.Join(t.TempDir(), "server.log")}
	if keysFile != "" {
		b.env = append(b.env, "SUPERPLANE_ENCRYPTION_KEYS_FILE="+keysFile)
	} else {
		spec := newKeySpec(t)
		b.env = append(b.env, "SUPERPLANE_ENCRYPTION_KEYS="+spec)
	}
	return b
}

// keysSpec returns the keyring the backend's server uses, in
// SUPERPLANE_ENCRYPTION_KEYS form.
func (b *backend) keysSpec(t *testing.T) string {
	t.Helper()
	for _, kv := range b.env {
		if v, ok := strings.CutPrefix(kv, "SUPERPLANE_ENCRYPTION_KEYS="); ok {
			return v
		}
	}
	path := filepath.Join(b.dataDir, "encryption.keys")
	for _, kv := range b.env {
		if v, ok := strings.CutPrefix(kv, "SUPERPLANE_ENCRYPTION_KEYS_FILE="); ok {
			path = v
		}
	}
	spec, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(spec))
}

// storeURL is what store.Open needs to read the backend's database.
func (b *backend) storeURL() string {
	if b.dbURL != "" {
		return b.dbURL
	}
	return filepath.Join(b.dataDir, "superplane.db")
}

// run runs a superplane-server command to completion and returns stdout.
func (b *backend) run(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, serverBinary(t), args...)
	cmd.Env = append(baseEnv(), b.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("superplane-server %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// token creates an API token of role in org. The tests create their first
// token before the first serve, on a database that does not exist yet:
// hence --init.
func (b *backend) token(t *testing.T, org, role string) string {
	return strings.TrimSpace(b.run(t, "token", "create", "--init", "--org", org, "--role", role, "--user", role+"@"+org))
}

// baseEnv is the environment of every command: enough to run, nothing of
// the developer's SUPERPLANE_* settings.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SUPERPLANE_") {
			env = append(env, kv)
		}
	}
	return env
}

// server is one running superplane-server process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	done chan struct{}
	err  error
}

// newKeySpec returns a new keyring entry for SUPERPLANE_ENCRYPTION_KEYS.
func newKeySpec(t *testing.T) string {
	t.Helper()
	spec, err := keyring.NewKeySpec()
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// start runs `superplane-server serve` on a free loopback port and waits
// until /health answers. extra is added to the environment. The server may
// reach loopback, where the tests' fakes and receivers run, through
// SUPERPLANE_ALLOWED_NETWORKS: the outbound guard stays on.
func (b *backend) start(t *testing.T, extra ...string) *server {
	t.Helper()
	cmd := exec.Command(serverBinary(t), "serve", "--listen", "127.0.0.1:0")
	cmd.Env = append(append(append(baseEnv(), b.env...), "SUPERPLANE_POLL_INTERVAL=100ms", "SUPERPLANE_EXECUTION_LEASE=2s",
		"SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8"), extra...)
	logFile, err := os.OpenFile(b.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	// Copy the log to the file, picking the listen address out of it.
	go func() {
		defer logFile.Close()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Bytes()
			_, _ = logFile.Write(append(line, '\n'))
			var entry struct{ Msg, Addr string }
			if json.Unmarshal(line, &entry) == nil && entry.Msg == "superplane-server listening" {
				select {
				case addr <- entry.Addr:
				default:
				}
			}
		}
	}()
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.kill)
	select {
	case a := <-addr:
		s.url = "http://" + a
	case <-s.done:
		t.Fatalf("server exited at start: %v; log:\n%s", s.err, tail(b.log))
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start within 60s; log:\n%s", tail(b.log))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(s.url + "/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy within 30s (%v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the server with SIGKILL, as a crash or the OOM killer would,
// and waits for it to be gone.
func (s *server) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Errorf("server %d did not die after SIGKILL", s.cmd.Process.Pid)
	}
}

// alive reports whether the process is still running.
func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// tail returns the end of a log file for failure messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// httpClient is shared by every client of a test: no request may hang, so
// each has a timeout.
func newHTTPClient() *http.Client {
	return &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
	}
}

// call is one API call's outcome: status 0 with err set when no answer came.
type call struct {
	status  int
	body    []byte
	err     error
	elapsed time.Duration
}

func (c call) ok() bool { return c.err == nil && c.status == http.StatusOK }

func (c call) String() string {
	if c.err != nil {
		return c.err.Error()
	}
	b := c.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("%d %s", c.status, bytes.TrimSpace(b))
}

// do sends one request with the token (if any) and reads the whole answer.
func do(ctx context.Context, hc *http.Client, method, url, token string, body []byte, headers map[string]string) call {
	start := time.Now()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return call{err: err}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := hc.Do(req)
	if err != nil {
		return call{err: err, elapsed: time.Since(start)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		// The status came but the body did not: the answer is incomplete,
		// so the outcome is as unknown as with no answer at all.
		return call{err: fmt.Errorf("reading the answer (status %d): %w", res.StatusCode, err), elapsed: time.Since(start)}
	}
	return call{status: res.StatusCode, body: b, elapsed: time.Since(start)}
}

// mustJSON calls the API and decodes a 200 answer into out.
func mustJSON(t *testing.T, hc *http.Client, method, url, token string, in, out any) {
	t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	}
	c := do(context.Background(), hc, method, url, token, body, nil)
	if !c.ok() {
		t.Fatalf("%s %s: %s", method, url, c)
	}
	if out != nil {
		if err := json.Unmarshal(c.body, out); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
}

// apiError decodes the contract's error body, or reports why it is not one.
func apiError(c call) (api.Error, error) {
	var e api.Error
	if err := json.Unmarshal(c.body, &e); err != nil || e.Message == "" {
		return e, errors.New("not the contract's error body: " + c.String())
	}
	return e, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
