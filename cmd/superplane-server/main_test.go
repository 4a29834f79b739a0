package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/engine"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `serve` with env until the test ends and waits for it to
// log the address it listens on; it answers that address and the log.
func startServe(t *testing.T, env func(string) string) (string, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, os.Stdout, logs, env) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	addrRe := regexp.MustCompile(`"addr":"([^"]+)"`)
	var addr string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && addr == ""; time.Sleep(20 * time.Millisecond) {
		if m := addrRe.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("server did not report its address: %s", logs.String())
	}
	return addr, logs
}

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestServeTokenRotate runs the commands as a user would: serve on the
// embedded database with no keys configured, create a token, use it, rotate.
func TestServeTokenRotate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // serve creates it
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_LISTEN": "127.0.0.1:0"})
	addr, logs := startServe(t, env)
	if !strings.Contains(logs.String(), "generated a key file") {
		t.Error("no warning about the generated key file")
	}
	// Only the server's user may read its data: the dir 0700, the key
	// file and the database's files 0600.
	for name, want := range map[string]os.FileMode{
		"": 0o700, "encryption.keys": 0o600, "superplane.db": 0o600, "superplane.db-wal": 0o600, "superplane.db-shm": 0o600,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: %v %v, want mode %o", filepath.Join(dir, name), fi, err, want)
		}
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "create", "--org", "acme", "--role", "owner", "--user", "me@example.com"}, &out, os.Stderr, env); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	if !strings.HasPrefix(token, "spt_") || strings.Contains(token, "\n") {
		t.Fatalf("token create must print only the token, got %q", out.String())
	}

	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/secrets", strings.NewReader(
		`{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"s"},"spec":{"local":{"data":{"k":"rotate-me"}}}}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("create secret with the new token: %d", res.StatusCode)
	}

	out.Reset()
	if err := run(context.Background(), []string{"keys", "rotate"}, &out, os.Stderr, env); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "rewrapped 1 data keys") {
		t.Fatalf("rotate output: %s", out.String())
	}
	keys, _ := os.ReadFile(filepath.Join(dir, "encryption.keys"))
	if n := len(strings.Fields(strings.ReplaceAll(string(keys), ",", " "))); n != 2 {
		t.Fatalf("key file after rotate holds %d keys, want 2", n)
	}

	// The running server reads the rotated secret: an update with the same
	// data is recognised as no change (version stays 1), which needs the old
	// value to open under the new key.
	req, _ = http.NewRequest("PATCH", "http://"+addr+"/api/v1/secrets/s?domainType=DOMAIN_TYPE_ORGANIZATION", strings.NewReader(
		`{"secret":{"spec":{"local":{"data":{"k":"rotate-me"}}}}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Secret struct{ Metadata struct{ Version int } }
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 200 || body.Secret.Metadata.Version != 1 {
		t.Fatalf("after rotation: status %d version %d", res.StatusCode, body.Secret.Metadata.Version)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "rotate-me") {
		t.Fatal("server log contains the token or a secret value")
	}
}

func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	env := envFrom(map[string]string{"SUPERPLANE_DATA_DIR": dir})
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{}, nil, "command is required"},
		{[]string{"launch"}, nil, "unknown command"},
		{[]string{"token", "create", "--role", "owner"}, nil, "--org"},
		{[]string{"token", "create", "--org", "a/b", "--role", "owner"}, nil, "--org"},
		// Names are never UUIDs (api.IsUUID), organizations' included.
		{[]string{"token", "create", "--org", "6ba7b8109dad11d180b400c04fd430c8", "--role", "owner"}, nil, "not a UUID"},
		{[]string{"token", "create", "--org", "acme", "--role", "god"}, nil, "--role"},
		{[]string{"serve", "--database-url", "postgres://u@127.0.0.1:1/db"}, nil, "SUPERPLANE_ENCRYPTION_KEYS"},
		{[]string{"serve", "--listen", "127.0.0.1:0"}, map[string]string{"SUPERPLANE_ENCRYPTION_KEYS": "k1:short", "SUPERPLANE_DATA_DIR": dir}, "SUPERPLANE_ENCRYPTION_KEYS"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--allowed-networks", "127.0.0.1"}, nil, `--allowed-networks (SUPERPLANE_ALLOWED_NETWORKS): "127.0.0.1" is not a CIDR prefix`},
		{[]string{"serve", "--listen", "127.0.0.1:0"}, map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_ALLOWED_NETWORKS": "10.0.0.0/8,loopback"}, `"loopback" is not a CIDR prefix`},
		// The former, narrower setting stops serve instead of being ignored.
		{[]string{"serve", "--listen", "127.0.0.1:0"}, map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_HTTP_EXECUTOR_ALLOW": "127.0.0.0/8"}, "SUPERPLANE_HTTP_EXECUTOR_ALLOW was replaced by SUPERPLANE_ALLOWED_NETWORKS"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-running-per-org", "-1"}, nil, "--max-running-per-org"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-running", "0"}, nil, "--max-running"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--route-workers", "0"}, nil, "--route-workers must be between 1 and 8"},
		{[]string{"serve", "--listen", "127.0.0.1:0"}, map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_ROUTE_WORKERS": "9"}, "--route-workers"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--route-yield", "many"}, map[string]string{"SUPERPLANE_DATA_DIR": dir}, "--route-yield (SUPERPLANE_ROUTE_YIELD)"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--event-retention", "-1h"}, nil, "--event-retention must be 0 (keep events forever) or at least 1h"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--event-retention", "30m"}, nil, "--event-retention"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--audit-retention", "30m"}, nil, "--audit-retention must be 0 (keep the audit trail forever) or at least 1h"},
		{[]string{"serve", "--listen", "127.0.0.1:0"}, map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_EVENT_RETENTION": "30s"}, "--event-retention"},
		// An in-flight budget below the body limit could never receive a
		// delivery at the limit: refused, naming both.
		{[]string{"serve", "--listen", "127.0.0.1:0", "--webhook-inflight-limit", "1000", "--webhook-body-limit", "2000"}, nil, "--webhook-inflight-limit (1000) must be at least --webhook-body-limit (2000)"},
		{[]string{"serve", "--listen", "127.0.0.1:0"}, map[string]string{"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_WEBHOOK_BODY_LIMIT": "300000000"}, "--webhook-inflight-limit (268435456) must be at least --webhook-body-limit (300000000)"},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			e := env
			if tc.env != nil {
				e = envFrom(tc.env)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, tc.args, &bytes.Buffer{}, &bytes.Buffer{}, e)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v: got %v, want error mentioning %q", tc.args, err, tc.want)
			}
			if strings.Contains(fmt.Sprint(err), "short") {
				t.Fatal("error repeats key material")
			}
		})
	}
}

// TestEventRetentionSetting: serve keeps events 90 days unless told, the
// environment variable sets it, the flag wins over the variable, and 0
// (keep forever) is accepted.
func TestEventRetentionSetting(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want time.Duration
	}{
		{nil, nil, 90 * 24 * time.Hour},
		{nil, map[string]string{"SUPERPLANE_EVENT_RETENTION": "720h"}, 720 * time.Hour},
		{[]string{"--event-retention", "48h"}, map[string]string{"SUPERPLANE_EVENT_RETENTION": "720h"}, 48 * time.Hour},
		{[]string{"--event-retention", "0"}, nil, 0},
	}
	for _, tc := range cases {
		var c config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		c.bind(fs, envFrom(tc.env), true)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if c.eventRetention != tc.want {
			t.Errorf("args %v, env %v: event retention %s, want %s", tc.args, tc.env, c.eventRetention, tc.want)
		}
		if len(tc.args) == 0 && c.auditRetention != 365*24*time.Hour {
			t.Errorf("env %v: audit retention %s, want 365 days", tc.env, c.auditRetention)
		}
		if _, err := c.serverOptions("127.0.0.1:8000", envFrom(tc.env)); err != nil {
			t.Errorf("args %v, env %v: %v", tc.args, tc.env, err)
		}
	}
}

// TestRouteWorkersSetting: serve routes with two loops unless told
// otherwise, by flag or environment, on either database.
func TestRouteWorkersSetting(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want int
	}{
		{nil, nil, 2},
		{[]string{"--database-url", "postgres://u@127.0.0.1:1/db"}, nil, 2},
		{[]string{"--route-workers", "1"}, nil, 1},
		{[]string{"--route-workers", "1"}, map[string]string{"SUPERPLANE_ROUTE_WORKERS": "3"}, 1},
		{nil, map[string]string{"SUPERPLANE_ROUTE_WORKERS": "3"}, 3},
	}
	for _, tc := range cases {
		var c config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		c.bind(fs, envFrom(tc.env), true)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := c.engineConfig().RouteWorkers; got != tc.want {
			t.Errorf("args %v, env %v: %d routing loops, want %d", tc.args, tc.env, got, tc.want)
		}
	}
}

// TestRouteYieldSetting: a flooded organization's receivers yield to
// routing past 128 unrouted events on PostgreSQL and never on SQLite,
// unless --route-yield or SUPERPLANE_ROUTE_YIELD says otherwise (0:
// never; the flag over the variable); a value that is not a count is
// refused, naming the setting, and serve does not start.
func TestRouteYieldSetting(t *testing.T) {
	const pg = "postgres://u@127.0.0.1:1/db"
	cases := []struct {
		url   string
		args  []string
		env   string
		want  int
		wrong bool
	}{
		{"", nil, "", 0, false},
		{pg, nil, "", engine.DefaultRouteYield, false},
		{pg, nil, "0", 0, false},
		{"", nil, "64", 64, false},
		{pg, []string{"--route-yield", "0"}, "", 0, false},
		{"", []string{"--route-yield", "32"}, "64", 32, false},
		{pg, nil, "-1", 0, true},
		{pg, nil, "many", 0, true},
		{pg, []string{"--route-yield", "1e3"}, "", 0, true},
	}
	for _, tc := range cases {
		var c config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		c.bind(fs, envFrom(map[string]string{"SUPERPLANE_ROUTE_YIELD": tc.env}), true)
		if err := fs.Parse(append([]string{"--database-url", tc.url}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		got, err := c.routeYield()
		if tc.wrong {
			if err == nil || !strings.Contains(err.Error(), "--route-yield (SUPERPLANE_ROUTE_YIELD)") {
				t.Errorf("url %q, %v, env %q: error %v, want one naming --route-yield and SUPERPLANE_ROUTE_YIELD", tc.url, tc.args, tc.env, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("url %q, %v, env %q: bound %d, %v; want %d", tc.url, tc.args, tc.env, got, err, tc.want)
		}
	}
}
