package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	fakegithub "github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

// TestAllowedNetworksReachTheVerifier runs serve as an operator would with
// SUPERPLANE_ALLOWED_NETWORKS=127.0.0.1/32: integration verification
// reaches a GitHub on 127.0.0.1, which only the setting allows, while a
// Semaphore on 127.0.0.2, outside it, is refused with a reason naming the
// setting, and never connected to.
func TestAllowedNetworksReachTheVerifier(t *testing.T) {
	const ghToken = "ghp_wiring000000000000000000000000000000"
	gh := fakegithub.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(ghToken, "octocat", []string{"repo", "admin:repo_hook", "workflow"})
	gh.AddRepo("acme", "app", "octocat")

	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	defer func() { _ = ln.Close() }()
	var accepts atomic.Int32
	go func() {
		for i := 0; i < 1000; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepts.Add(1)
			_ = c.Close()
		}
	}()

	dir := t.TempDir()
	env := envFrom(map[string]string{
		"SUPERPLANE_DATA_DIR": dir, "SUPERPLANE_LISTEN": "127.0.0.1:0",
		"SUPERPLANE_ALLOWED_NETWORKS":  "127.0.0.1/32",
		"SUPERPLANE_GITHUB_API_URL":    gh.URL(),
		"SUPERPLANE_SEMAPHORE_API_URL": "http://" + ln.Addr().String(),
	})
	addr, _ := startServe(t, env)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "create", "--org", "acme", "--role", "owner"}, &out, os.Stderr, env); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	call := func(path, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		var v map[string]any
		_ = json.NewDecoder(res.Body).Decode(&v)
		if res.StatusCode != 200 {
			t.Fatalf("POST %s: %d %v", path, res.StatusCode, v)
		}
		return v
	}
	status := func(v map[string]any) (state, reason string) {
		in, _ := v["integration"].(map[string]any)
		st, _ := in["status"].(map[string]any)
		state, _ = st["state"].(string)
		reason, _ = st["reason"].(string)
		return state, reason
	}
	call("/api/v1/secrets", `{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":"tokens"},"spec":{"local":{"data":{"gh":"`+ghToken+`","sem":"sem-s3cr3t"}}}}}`)
	integration := func(name, typ, url, key string) string {
		return `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"` + name + `"},"spec":{"type":"` + typ + `","url":"` + url +
			`","auth":{"use":"AUTH_TYPE_TOKEN","token":{"valueFrom":{"secret":{"name":"tokens","key":"` + key + `"}}}}}}}`
	}

	if state, reason := status(call("/api/v1/integrations", integration("gh", "github", "https://github.com/acme", "gh"))); state != "ok" {
		t.Errorf("GitHub on an allowed address: state %q (%s), want ok", state, reason)
	}
	state, reason := status(call("/api/v1/integrations", integration("sem", "semaphore", "https://acme.semaphoreci.com", "sem")))
	want := "connection to " + ln.Addr().String() + " refused: loopback addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)"
	if state != "failed" || !strings.Contains(reason, want) || strings.Contains(reason, "sem-s3cr3t") {
		t.Errorf("Semaphore outside the allowed networks: state %q, reason %q; want failed with %q", state, reason, want)
	}
	if n := accepts.Load(); n != 0 {
		t.Errorf("the server connected %d times to 127.0.0.2, want never", n)
	}
}
