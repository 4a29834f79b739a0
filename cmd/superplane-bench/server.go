package main

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
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx": creating the benchmark database, counting rows
	_ "modernc.org/sqlite"             // "sqlite": counting rows of the embedded database
)

// serverProc is a superplane-server started for one benchmark, with its
// database. Its log goes to a file in its temp dir.
type serverProc struct {
	url     string
	token   string
	cmd     *exec.Cmd
	dir     string
	logPath string
	done    chan struct{}
	// bin, env and dataDir start the server again on the same database.
	bin      string
	env      []string
	dataDir  string
	postgres bool
	// db reads the server's database directly (counts, drain checks).
	db *sql.DB
	// dropDB removes the PostgreSQL database created for the run.
	dropDB func() error
}

// serverOptions are what a benchmark needs from startServer.
type serverOptions struct {
	bin string
	// databaseURL is "" for SQLite in the temp dir, or the URL of a
	// PostgreSQL server on which a fresh database is created.
	databaseURL string
	// env adds SUPERPLANE_* settings.
	env []string
}

// startServer creates the database, starts `superplane-server serve` on a
// free loopback port, waits for /health and creates an owner token.
func startServer(ctx context.Context, o serverOptions) (*serverProc, error) {
	dir, err := os.MkdirTemp("", "superplane-bench-")
	if err != nil {
		return nil, err
	}
	p := &serverProc{dir: dir, logPath: filepath.Join(dir, "server.log")}
	env := append(os.Environ(), "SUPERPLANE_LISTEN=", "SUPERPLANE_BASE_URL=", "SUPERPLANE_DATABASE_URL=",
		"SUPERPLANE_ENCRYPTION_KEYS=", "SUPERPLANE_ENCRYPTION_KEYS_FILE=")
	env = append(env, o.env...)
	dataDir := filepath.Join(dir, "data")
	if o.databaseURL != "" {
		dbURL, drop, err := createDatabase(ctx, o.databaseURL)
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		p.postgres, p.dropDB = true, drop
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		env = append(env, "SUPERPLANE_DATABASE_URL="+dbURL,
			"SUPERPLANE_ENCRYPTION_KEYS=bench-1:"+base64.StdEncoding.EncodeToString(key))
		if p.db, err = sql.Open("pgx", dbURL); err != nil {
			p.cleanup()
			return nil, err
		}
	}

	p.bin, p.env, p.dataDir = o.bin, env, dataDir
	if err := p.launch(); err != nil {
		return nil, err
	}
	if err := waitHealthy(ctx, p.url, 30*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	if !p.postgres {
		if p.db, err = sql.Open("sqlite", filepath.Join(dataDir, "superplane.db")+"?_pragma=busy_timeout(10000)"); err != nil {
			p.stop()
			return nil, err
		}
	}
	tok := exec.CommandContext(ctx, o.bin, "token", "create", "--org", "bench", "--role", "owner", "--data-dir", dataDir)
	tok.Env = env
	var tokErr bytes.Buffer
	tok.Stderr = &tokErr
	out, err := tok.Output()
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("token create: %v: %s", err, tokErr.String())
	}
	p.token = strings.TrimSpace(string(out))
	return p, nil
}

// launch starts `superplane-server serve` on p's data dir and waits until it
// logs the address it listens on (p.url). On failure the run's data is
// removed.
func (p *serverProc) launch() error {
	p.done = make(chan struct{})
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		p.cleanup()
		return err
	}
	p.cmd = exec.Command(p.bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", p.dataDir)
	p.cmd.Env = p.env
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		_ = logFile.Close()
		p.cleanup()
		return err
	}
	if err := p.cmd.Start(); err != nil {
		_ = logFile.Close()
		p.cleanup()
		return fmt.Errorf("start %s: %w", p.bin, err)
	}
	done := p.done
	addr := make(chan string, 1)
	go func() {
		defer close(done)
		defer func() { _ = logFile.Close() }()
		// The log is copied to the file; only the listening line is parsed.
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Bytes()
			_, _ = logFile.Write(append(line, '\n'))
			if !found && bytes.Contains(line, []byte("superplane-server listening")) {
				var v struct{ Addr string }
				if json.Unmarshal(line, &v) == nil && v.Addr != "" {
					found = true
					addr <- v.Addr
				}
			}
		}
		_ = p.cmd.Wait()
	}()
	select {
	case a := <-addr:
		p.url = "http://" + a
		return nil
	case <-done:
		p.cleanup()
		return fmt.Errorf("superplane-server exited during startup; log: %s", tail(p.logPath))
	case <-time.After(60 * time.Second):
		p.stop()
		return errors.New("superplane-server did not listen within 60s")
	}
}

// halt ends the server process (SIGTERM, SIGKILL after 20s) and keeps its
// data, so launch can start it again on the same database.
func (p *serverProc) halt() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// stop ends the server (SIGTERM, SIGKILL after 20s) and removes its data.
func (p *serverProc) stop() {
	p.halt()
	p.cleanup()
}

func (p *serverProc) cleanup() {
	if p.db != nil {
		_ = p.db.Close()
	}
	if p.dropDB != nil {
		if err := p.dropDB(); err != nil {
			fmt.Fprintln(os.Stderr, "superplane-bench: dropping the benchmark database:", err)
		}
	}
	_ = os.RemoveAll(p.dir)
}

// requests counts, per method and path pattern, the requests the server
// logged so far (ids in paths become "{id}").
func (p *serverProc) requests() map[string]int {
	out := map[string]int{}
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return out
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if !bytes.Contains(line, []byte(`"msg":"request"`)) {
			continue
		}
		var v struct{ Method, Path string }
		if json.Unmarshal(line, &v) != nil {
			continue
		}
		parts := strings.Split(v.Path, "/")
		for i, part := range parts {
			if len(part) == 36 && strings.Count(part, "-") == 4 {
				parts[i] = "{id}"
			}
		}
		out[v.Method+" "+strings.Join(parts, "/")]++
	}
	return out
}

// requestsSince is the difference of two requests counts.
func requestsSince(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range after {
		if d := n - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// pid is the server's process id.
func (p *serverProc) pid() int { return p.cmd.Process.Pid }

// memory reads the server's resident set now and its peak (VmRSS and
// VmHWM of /proc/<pid>/status), in MiB.
func (p *serverProc) memory() (rss, peak float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// cpuSeconds is the server's user+system CPU time so far.
func (p *serverProc) cpuSeconds() float64 {
	return processCPUSeconds(p.pid())
}

// processCPUSeconds reads utime+stime of a process from /proc/<pid>/stat.
func processCPUSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: fields count from the ')'.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// createDatabase creates a database with a random name on the server of
// base and returns its URL and how to drop it.
func createDatabase(ctx context.Context, base string) (string, func() error, error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "superplane_bench_" + hex.EncodeToString(suffix)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		_ = admin.Close()
		return "", nil, errors.New("the PostgreSQL URL does not parse")
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	drop := func() error {
		defer func() { _ = admin.Close() }()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		return err
	}
	return u.String(), drop, nil
}

func waitHealthy(ctx context.Context, base string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s/health not ready within %s", base, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
