package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pgCluster is a PostgreSQL cluster of the test's own, so that stopping it
// disturbs no one else.
type pgCluster struct {
	t      *testing.T
	bindir string
	data   string
	log    string
	port   int
	asPG   bool // commands run as the postgres user (the test runs as root)
}

// findPostgres returns the directory of initdb, pg_ctl and postgres, the
// newest installed version, or "".
func findPostgres() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		ok := true
		for _, tool := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := os.Stat(filepath.Join(d, tool)); err != nil {
				ok = false
			}
		}
		if ok {
			return d
		}
	}
	return ""
}

// startPrivatePostgres runs initdb into a temp dir and starts the cluster on
// a free loopback port. As root (PostgreSQL refuses to run as root) the
// cluster belongs to the postgres user, as scripts/start-postgres.sh does it.
func startPrivatePostgres(t *testing.T) *pgCluster {
	t.Helper()
	bindir := findPostgres()
	if bindir == "" {
		t.Skip("initdb not found: install PostgreSQL (scripts/start-postgres.sh does) to run the outage test")
	}
	root := t.TempDir()
	c := &pgCluster{t: t, bindir: bindir, data: filepath.Join(root, "data"), log: filepath.Join(root, "postgres.log")}
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		// The postgres user must reach the directory: the test's temp dirs
		// are private by default.
		for _, d := range []string{filepath.Dir(root), root} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Mkdir(c.data, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{c.data} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(c.log, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(c.log, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.asPG = true
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	if c.port, err = strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}

	c.pg(t, "initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	t.Cleanup(func() { c.stopQuietly() })
	c.start(t)
	return c
}

// pg runs a PostgreSQL tool, as the postgres user when needed.
func (c *pgCluster) pg(t *testing.T, tool string, args ...string) string {
	t.Helper()
	out, err := c.pgCmd(tool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\nlog:\n%s", tool, strings.Join(args, " "), err, out, tail(c.log))
	}
	return string(out)
}

func (c *pgCluster) pgCmd(tool string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bindir, tool)
	var cmd *exec.Cmd
	if c.asPG {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = "/tmp" // postgres must be able to read its working directory
	return cmd
}

// start starts the cluster and waits until it accepts connections. fsync is
// off (the test kills processes, not the machine, and the OS keeps what was
// written), synchronous_commit stays on: a commit is in the WAL before the
// server hears of it.
func (c *pgCluster) start(t *testing.T) {
	t.Helper()
	c.pg(t, "pg_ctl", "-D", c.data, "-l", c.log, "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", c.port, c.data), "start")
}

// crash stops the cluster the hard way: every PostgreSQL process quits at
// once, open connections break, and the next start replays the WAL.
func (c *pgCluster) crash(t *testing.T) {
	t.Helper()
	c.pg(t, "pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
}

func (c *pgCluster) stopQuietly() {
	_ = c.pgCmd("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop").Run()
}

func (c *pgCluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// outageWindow tells the clients when the database is away: a 503 is the
// right answer to a request that started after the database went and before
// the server was seen to recover; anything else but a 200 is a bug.
type outageWindow struct {
	mu        sync.Mutex
	down      time.Time
	recovered time.Time
	answers   map[int]int // status of the answers in the window
}

func (o *outageWindow) policy(c call) (bool, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	started := time.Now().Add(-c.elapsed)
	in := !o.down.IsZero() && !started.Before(o.down.Add(-time.Second)) && (o.recovered.IsZero() || started.Before(o.recovered))
	if c.err == nil && in {
		o.answers[c.status]++
	}
	return in && c.err == nil && c.status == http.StatusServiceUnavailable && c.elapsed < 5*time.Second, false
}

// TestDatabaseOutage stops a private PostgreSQL cluster (immediate mode: a
// crash of the database) while 16 clients write secrets and post webhook
// deliveries, checks that the server answers 503 (the readiness check, API
// calls and receivers alike; never 500, never slower than 5s) while it is
// down, starts the database again, and checks that the same server process
// recovers by itself and that everything it acknowledged is there.
func TestDatabaseOutage(t *testing.T) {
	skipIfShort(t)
	cluster := startPrivatePostgres(t)
	b := pgBackend(t, cluster.url(), "")
	token := b.token(t, "acme", "owner")
	srv := b.start(t)
	tg := newTarget(t, srv.url, token)
	w := newWorkload()
	window := &outageWindow{answers: map[int]int{}}
	outage := 2 * time.Second
	if long() {
		outage = 10 * time.Second
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		w.runClients(ctx, tg, 16, 100000, window.policy)
	}()
	time.Sleep(time.Second)

	window.mu.Lock()
	window.down = time.Now()
	window.mu.Unlock()
	stopStart := time.Now()
	cluster.crash(t)
	t.Logf("PostgreSQL stopped (immediate) in %s", time.Since(stopStart).Round(time.Millisecond))

	// While it is down: the readiness check and plain API calls say 503
	// with the contract's error, quickly, for as long as it lasts (/health,
	// the liveness check, stays 200: the process is up).
	hc := newHTTPClient()
	probes := 0
	for end := time.Now().Add(outage); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		for _, p := range []struct{ path, token string }{{"/ready", ""}, {"/api/v1/me", token}, {"/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION", token}} {
			c := do(context.Background(), hc, "GET", srv.url+p.path, p.token, nil, nil)
			probes++
			if c.err != nil || c.status != http.StatusServiceUnavailable || c.elapsed > 5*time.Second {
				t.Errorf("GET %s with the database down: %s after %s; want 503 at once", p.path, c, c.elapsed.Round(time.Millisecond))
				continue
			}
			if p.token != "" {
				if e, err := apiError(c); err != nil || e.Code != 14 {
					t.Errorf("GET %s with the database down: %s (%v); want code 14", p.path, c, err)
				}
			}
		}
	}

	startStart := time.Now()
	cluster.start(t)
	started := time.Now()
	t.Logf("PostgreSQL started again in %s", started.Sub(startStart).Round(time.Millisecond))
	// Recovered: the readiness check is 200 and a write goes through.
	var recovered time.Time
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		h := do(context.Background(), hc, "GET", srv.url+"/ready", "", nil, nil)
		c := do(context.Background(), hc, "PATCH", srv.url+"/api/v1/canvases/prod", token, []byte(`{"canvas":{"metadata":{"description":"after the outage"}}}`), nil)
		if h.status == http.StatusOK && c.ok() {
			recovered = time.Now()
			break
		}
	}
	if recovered.IsZero() {
		t.Fatalf("the server did not recover within 60s of the database coming back; log:\n%s", tail(b.log))
	}
	window.mu.Lock()
	window.recovered = recovered
	window.mu.Unlock()
	t.Logf("server recovered %s after the database accepted connections again (no restart)", recovered.Sub(started).Round(time.Millisecond))

	// After recovery every answer is a 200 again.
	time.Sleep(time.Second)
	cancel()
	<-loadDone
	// A request the client gave up on may still be finishing on the server
	// (its database call was queued behind the outage): wait until nothing
	// changes any more before comparing the API with the database.
	waitQuiet(t, tg)
	w.report(t)
	if !srv.alive() {
		t.Fatal("the server process died during the outage")
	}
	if t.Failed() {
		t.Logf("errors the server logged as internal:\n%s", strings.Join(internalErrors(b.log), "\n"))
	}
	window.mu.Lock()
	t.Logf("answers to the clients during the outage: %v; %d probes of readiness and API answered 503", window.answers, probes)
	if window.answers[http.StatusServiceUnavailable] == 0 {
		t.Error("no client got a 503 during the outage: was the database really down?")
	}
	window.mu.Unlock()

	st := w.verify(t, tg, b)
	t.Logf("after the outage: %s; in all %d acknowledged secret writes and %d deliveries, %d operations of unknown outcome (%d secret writes applied)",
		st, w.ackedWrites, w.ackedDeliveries, w.unknown, w.unknownApplied)
	srv.kill()
	checkNoLeaks(t, b, w, tg)
	// Then the cluster's own files, after a clean stop has written
	// everything out: heap, WAL and its log.
	cluster.pg(t, "pg_ctl", "-D", cluster.data, "-m", "fast", "-w", "stop")
	checkFilesNoLeaks(t, leakNeedles(w, tg), cluster.data, filepath.Dir(cluster.log))
}

// internalErrors returns the distinct errors a server log reports behind
// "internal error" answers, clipped: what to classify when one shows up.
func internalErrors(logPath string) []string {
	data, _ := os.ReadFile(logPath)
	seen := map[string]bool{}
	var out []string
	for _, line := range bytes.Split(data, []byte("\n")) {
		var entry struct{ Msg, Error string }
		if json.Unmarshal(line, &entry) != nil || entry.Msg != "internal error" || seen[entry.Error] {
			continue
		}
		seen[entry.Error] = true
		e := entry.Error
		if len(e) > 200 {
			e = e[:200]
		}
		out = append(out, e)
	}
	return out
}

// waitQuiet waits (at most ten seconds) until the organization's secrets
// stop changing: the same list, versions included, twice in a row 300ms
// apart.
func waitQuiet(t *testing.T, tg *target) {
	t.Helper()
	snapshot := func() string {
		var list api.ListSecretsResponse
		mustJSON(t, tg.hc, "GET", tg.base()+"/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION", tg.token, nil, &list)
		var b strings.Builder
		for _, s := range list.Secrets {
			fmt.Fprintf(&b, "%s=%d;", s.Metadata.Name, s.Metadata.Version)
		}
		return b.String()
	}
	last := snapshot()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond)
		next := snapshot()
		if next == last {
			return
		}
		last = next
	}
	t.Log("the secrets were still changing after 10s")
}
