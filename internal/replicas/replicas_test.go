package replicas_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating the database and checking rows

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// postgresEnv names the PostgreSQL server the test creates its database on.
const postgresEnv = "SUPERPLANE_TEST_POSTGRES_URL"

// deliveries is how many distinct deliveries the test sends, alternating
// between the two replicas; retries of them go to the other replica.
const (
	deliveries = 200
	retries    = 20
	senders    = 8
)

// TestTwoReplicasProcessEveryEventOnce starts two servers on one fresh
// PostgreSQL database with the same encryption keys, configures a canvas
// with a custom webhook source and a noop stage through one of them, sends
// signed deliveries to both, and checks, through the API and in the tables,
// that each delivery became exactly one event, each event exactly one stage
// event and each stage event exactly one execution, which ran once.
func TestTwoReplicasProcessEveryEventOnce(t *testing.T) {
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skip(postgresEnv + " is not set")
	}
	bin := buildServer(t)
	dbURL := freshDatabase(t, base)
	env := []string{
		"SUPERPLANE_DATABASE_URL=" + dbURL,
		"SUPERPLANE_ENCRYPTION_KEYS=" + newKeySpec(t),
		// A short engine tick, so that both replicas take part in routing
		// and claiming, not only the one a delivery woke.
		"SUPERPLANE_POLL_INTERVAL=50ms",
	}

	// Both start at once on the empty database: the migrations must be
	// applied once without the two failing each other.
	var (
		wg   sync.WaitGroup
		reps [2]*replica
	)
	for i, name := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i] = startReplica(t, bin, env, name)
		}()
	}
	wg.Wait()
	for _, r := range reps {
		if r == nil {
			t.FailNow() // startReplica reported why
		}
	}
	c := &client{token: createToken(t, bin, env)}

	// Configure through replica a; deliveries go to both.
	a := reps[0].url
	c.call(t, "POST", a+"/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "replicas"}}}, &api.CanvasResponse{})
	var src api.EventSourceResponse
	c.call(t, "POST", a+"/api/v1/canvases/replicas/event-sources", api.EventSourceRequest{EventSource: &api.EventSource{
		Metadata: &api.EventSourceMetadata{Name: "hook"}, Spec: &api.EventSourceSpec{Type: api.EventSourceTypeWebhook},
	}}, &src)
	if src.Key == "" || src.EventSource == nil || src.EventSource.Metadata == nil {
		t.Fatalf("creating the source returned no key or id: %+v", src)
	}
	c.call(t, "POST", a+"/api/v1/canvases/replicas/stages", api.StageRequest{Stage: &api.Stage{
		Metadata: &api.StageMetadata{Name: "noop"},
		Spec: &api.StageSpec{
			Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
			Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
		},
	}}, &api.StageResponse{})

	// Deliveries: i goes to replica i%2, from several senders at once.
	sourcePath := "/api/v1/sources/" + src.EventSource.Metadata.ID
	eventOf := make([]string, deliveries)
	var (
		mu      sync.Mutex
		sendErr []string
	)
	work := make(chan int)
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r, err := deliver(reps[i%2].url+sourcePath, src.Key, i)
				mu.Lock()
				switch {
				case err != nil:
					sendErr = append(sendErr, fmt.Sprintf("delivery %d to %s: %v", i, reps[i%2].name, err))
				case r.Duplicate:
					sendErr = append(sendErr, fmt.Sprintf("delivery %d to %s: first delivery answered duplicate", i, reps[i%2].name))
				default:
					eventOf[i] = r.EventID
				}
				mu.Unlock()
			}
		}()
	}
	for i := range deliveries {
		work <- i
	}
	close(work)
	wg.Wait()
	if len(sendErr) > 0 {
		t.Fatalf("%d deliveries failed, first: %s", len(sendErr), sendErr[0])
	}

	// A sender retrying through the other replica gets the first event back.
	for i := range retries {
		r, err := deliver(reps[(i+1)%2].url+sourcePath, src.Key, i)
		if err != nil {
			t.Fatalf("retry of delivery %d to %s: %v", i, reps[(i+1)%2].name, err)
		}
		if !r.Duplicate || r.EventID != eventOf[i] {
			t.Errorf("retry of delivery %d through replica %s: %+v, want duplicate of event %s", i, reps[(i+1)%2].name, r, eventOf[i])
		}
	}

	// Both replicas route and run; wait until every execution finished.
	executions := waitForExecutions(t, c, reps[1].url+"/api/v1/canvases/replicas/stages/noop/executions", deliveries, 90*time.Second)

	// Through the API: one execution per event, each passed.
	seen := map[string]string{}
	wantEvents := map[string]bool{}
	for _, id := range eventOf {
		wantEvents[id] = true
	}
	for _, ex := range executions {
		if ex.State != api.ExecutionStateFinished || ex.Result != api.ResultPassed {
			t.Errorf("execution %s: %s %s, want finished and passed", ex.ID, ex.State, ex.Result)
		}
		if ex.StageEvent == nil || ex.StageEvent.TriggerEvent == nil {
			t.Errorf("execution %s has no stage event or trigger", ex.ID)
			continue
		}
		trigger := ex.StageEvent.TriggerEvent.ID
		if !wantEvents[trigger] {
			t.Errorf("execution %s was triggered by %q, which no delivery created", ex.ID, trigger)
		}
		if prev, dup := seen[trigger]; dup {
			t.Errorf("event %s has two executions: %s and %s", trigger, prev, ex.ID)
		}
		seen[trigger] = ex.ID
	}
	if len(seen) != deliveries {
		t.Errorf("%d events have an execution, want %d", len(seen), deliveries)
	}

	// In the tables: the same, counted by the database.
	checkTables(t, dbURL, eventOf)

	// In the logs: each execution was run (finished) by one replica, once.
	// The replicas are stopped first so that their logs are complete.
	ranBy := map[string][]string{}
	for _, r := range reps {
		r.stop(t)
		if errs := r.errorLines(); len(errs) > 0 {
			t.Errorf("replica %s logged %d errors, first: %s", r.name, len(errs), errs[0])
		}
		for _, id := range r.finishedExecutions() {
			ranBy[id] = append(ranBy[id], r.name)
		}
	}
	perReplica := map[string]int{}
	for _, ex := range executions {
		switch len(ranBy[ex.ID]) {
		case 1:
			perReplica[ranBy[ex.ID][0]]++
		case 0:
			t.Errorf("execution %s: no replica logged running it", ex.ID)
		default:
			t.Errorf("execution %s ran %d times: by %v", ex.ID, len(ranBy[ex.ID]), ranBy[ex.ID])
		}
	}
	if len(ranBy) != deliveries {
		t.Errorf("the replicas logged %d distinct executions, want %d", len(ranBy), deliveries)
	}
	t.Logf("executions run per replica: %v", perReplica)
}

// checkTables counts, in the database, events, stage events and executions
// per event: exactly one of each for every delivery.
func checkTables(t *testing.T, dbURL string, eventOf []string) {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatalf("open %s: %v", postgresEnv, err)
	}
	defer db.Close()
	ctx := t.Context()
	count := func(what, query string, want int) {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != want {
			t.Errorf("%s: %d, want %d", what, n, want)
		}
	}
	count("events", `SELECT count(*) FROM events`, deliveries)
	count("events not processed", `SELECT count(*) FROM events WHERE state <> 'STATE_PROCESSED'`, 0)
	count("stage events", `SELECT count(*) FROM stage_events`, deliveries)
	count("events without exactly one stage event", `SELECT count(*) FROM events e
		WHERE (SELECT count(*) FROM stage_events se WHERE se.trigger_event_id = e.id::text) <> 1`, 0)
	count("stage events not processed", `SELECT count(*) FROM stage_events WHERE state <> 'STATE_PROCESSED'`, 0)
	count("executions", `SELECT count(*) FROM executions`, deliveries)
	count("stage events without exactly one execution", `SELECT count(*) FROM stage_events se
		WHERE (SELECT count(*) FROM executions ex WHERE ex.stage_event_id = se.id) <> 1`, 0)
	count("executions not finished and passed", `SELECT count(*) FROM executions
		WHERE state <> 'STATE_FINISHED' OR result <> 'RESULT_PASSED' OR started_at IS NULL`, 0)

	var stored int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE id::text = ANY($1)`, eventOf).Scan(&stored); err != nil {
		t.Fatalf("events by id: %v", err)
	}
	if stored != deliveries {
		t.Errorf("%d of the %d acknowledged event ids are in the events table", stored, deliveries)
	}
}

// waitForExecutions pages through the stage's executions until want of
// them are finished, or fails after timeout.
func waitForExecutions(t *testing.T, c *client, listURL string, want int, timeout time.Duration) []api.Execution {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var all []api.Execution
	for {
		all = all[:0]
		before := ""
		for range 10 { // 10 pages of 500 bound the walk
			var page api.ListExecutionsResponse
			c.call(t, "GET", listURL+"?limit=500"+before, nil, &page)
			all = append(all, page.Executions...)
			if !page.HasNextPage || len(page.Executions) == 0 {
				break
			}
			last := page.Executions[len(page.Executions)-1]
			before = "&before=" + url.QueryEscape(last.CreatedAt.Format(time.RFC3339Nano)) + "&beforeId=" + last.ID
		}
		finished := 0
		for _, ex := range all {
			if ex.State == api.ExecutionStateFinished {
				finished++
			}
		}
		if finished >= want && len(all) >= want {
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %d executions, %d finished; want %d finished", timeout, len(all), finished, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// deliver posts delivery i, signed with key, and returns the receipt.
func deliver(target, key string, i int) (webhook.Receipt, error) {
	body := fmt.Appendf(nil, `{"ref":"refs/heads/main","n":%d}`, i)
	req, err := http.NewRequest("POST", target, bytes.NewReader(body))
	if err != nil {
		return webhook.Receipt{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-256", webhook.Sign([]byte(key), body))
	req.Header.Set("X-Delivery-Id", fmt.Sprintf("delivery-%04d", i))
	resp, err := httpClient.Do(req)
	if err != nil {
		return webhook.Receipt{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return webhook.Receipt{}, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	var r webhook.Receipt
	if err := json.Unmarshal(b, &r); err != nil || r.EventID == "" {
		return webhook.Receipt{}, fmt.Errorf("receipt %s: %v", b, err)
	}
	return r, nil
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// client calls the API with one token.
type client struct{ token string }

func (c *client) call(t *testing.T, method, target string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, target, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s %s: decoding %s: %v", method, target, b, err)
	}
}

// buildServer builds superplane-server from this module into a temp dir.
func buildServer(t *testing.T) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is needed to build the server: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "superplane-server")
	cmd := exec.CommandContext(t.Context(), goBin, "build", "-o", bin, "./cmd/superplane-server")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/superplane-server: %v\n%s", err, out)
	}
	return bin
}

// moduleRoot is the directory of go.mod above the working directory (the
// package's directory under go test).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 10 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		dir = filepath.Dir(dir)
	}
	return "", errors.New("no go.mod above the working directory")
}

// freshDatabase creates a database with a random name on the server of
// base, drops it when the test ends, and returns its URL.
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to %s: %v", postgresEnv, err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "superplane_replicas_" + hex.EncodeToString(suffix)
	if _, err := admin.ExecContext(t.Context(), `CREATE DATABASE `+name); err != nil {
		_ = admin.Close()
		t.Fatalf("create database: %v", err)
	}
	// Registered first, so it runs after the replicas (registered later)
	// have stopped.
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL", postgresEnv)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String()
}

// newKeySpec is a fresh SUPERPLANE_ENCRYPTION_KEYS value, shared by both
// replicas.
func newKeySpec(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return "replicas-1:" + base64.StdEncoding.EncodeToString(key)
}

// createToken runs `superplane-server token create` against the database.
func createToken(t *testing.T, bin string, env []string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, "token", "create", "--org", "replicas", "--role", "owner",
		"--data-dir", t.TempDir())
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, stderr.String())
	}
	token := strings.TrimSpace(string(out))
	if token == "" {
		t.Fatal("token create printed no token")
	}
	return token
}

// replica is one running superplane-server process.
type replica struct {
	name string
	url  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process exited and its log is read

	mu   sync.Mutex
	logs []map[string]any
}

// startReplica starts `superplane-server serve` on a free loopback port and
// waits until it answers /health. It reports a failure with t.Errorf and
// returns nil, so it can run in a goroutine.
func startReplica(t *testing.T, bin string, env []string, name string) *replica {
	dataDir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "SUPERPLANE_LISTEN=", "SUPERPLANE_BASE_URL=")
	stderr, err := cmd.StderrPipe() // the server logs JSON lines to stderr
	if err != nil {
		t.Errorf("replica %s: %v", name, err)
		return nil
	}
	if err := cmd.Start(); err != nil {
		t.Errorf("replica %s: start: %v", name, err)
		return nil
	}
	r := &replica{name: name, cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { r.stop(t) })
	addr := make(chan string, 1)
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				// A startup failure is printed as plain text.
				line = map[string]any{"level": "ERROR", "msg": sc.Text()}
			}
			if line["msg"] == "superplane-server listening" {
				if a, ok := line["addr"].(string); ok {
					select {
					case addr <- a:
					default:
					}
				}
			}
			r.mu.Lock()
			r.logs = append(r.logs, line)
			r.mu.Unlock()
		}
		_ = cmd.Wait()
	}()
	select {
	case a := <-addr:
		r.url = "http://" + a
	case <-r.done:
		t.Errorf("replica %s exited during startup: %v", name, r.errorLines())
		return nil
	case <-time.After(60 * time.Second):
		t.Errorf("replica %s did not start listening within 60s", name)
		return nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := httpClient.Get(r.url + "/health")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("replica %s: /health not ready within 30s", name)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process (SIGTERM, then SIGKILL after 15s) and waits until
// its log is read. Calling it again does nothing.
func (r *replica) stop(t *testing.T) {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(15 * time.Second):
		t.Errorf("replica %s did not stop within 15s of SIGTERM; killing it", r.name)
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// finishedExecutions are the ids of the executions this replica logged as
// finished, one entry per log line.
func (r *replica) finishedExecutions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for _, line := range r.logs {
		if line["msg"] == "execution finished" {
			if id, ok := line["execution"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// errorLines are the replica's logged errors, for a failure message.
func (r *replica) errorLines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, line := range r.logs {
		if line["level"] == "ERROR" {
			b, _ := json.Marshal(line)
			out = append(out, string(b))
		}
	}
	return out
}
