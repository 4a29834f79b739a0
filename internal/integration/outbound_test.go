package integration_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/all"
	"github.com/superplane/terraform-provider-superplane/internal/integration/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/outbound/outboundtest"
)

// fakes is the client of the tests' Verifiers: the fakes run on loopback,
// which the guard lets through only because it is allowed, as
// SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8 does for a server.
var fakes = outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

// wantRefused checks that reason is the guard's refusal of addr, naming the
// setting that allows it, and carries no token.
func wantRefused(t *testing.T, reason, addr, kind, token string) {
	t.Helper()
	want := "connection to " + addr + " refused: " + kind + " are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)"
	if !strings.Contains(reason, want) {
		t.Errorf("reason %q does not contain %q", reason, want)
	}
	if strings.Contains(reason, token) {
		t.Errorf("reason %q contains the token", reason)
	}
}

// TestVerifyRefusesBlockedIntegrationURLs checks that verifying an
// integration whose URL (or API) is on loopback or a private address fails
// with the guard's refusal and makes no connection, with the client a
// server gets when nothing is configured.
func TestVerifyRefusesBlockedIntegrationURLs(t *testing.T) {
	const token = "ghp_s3cr3tTOKEN"
	ctx := context.Background()

	t.Run("GitHub Enterprise URL on loopback", func(t *testing.T) {
		a := outboundtest.NewListener(t)
		var v integration.Verifier
		res := types.Verify(ctx, &v, "github", "https://"+a.Addr()+"/acme", token)
		if res.OK {
			t.Fatal("verification passed")
		}
		wantRefused(t, res.Reason, a.Addr(), "loopback addresses", token)
		if n := a.Accepts(); n != 0 {
			t.Errorf("the listener accepted %d connections, want none", n)
		}
	})

	t.Run("GitHub Enterprise host name resolving to loopback", func(t *testing.T) {
		a := outboundtest.NewListener(t)
		_, port, _ := net.SplitHostPort(a.Addr())
		var v integration.Verifier
		res := types.Verify(ctx, &v, "github", "https://localhost:"+port+"/acme", token)
		if res.OK || !strings.Contains(res.Reason, "loopback addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)") {
			t.Errorf("reason = %q, want the guard's refusal", res.Reason)
		}
		if n := a.Accepts(); n != 0 {
			t.Errorf("the listener accepted %d connections, want none", n)
		}
	})

	t.Run("GitHub Enterprise URL on a private address", func(t *testing.T) {
		// Refused before connecting: no packet leaves the machine.
		var v integration.Verifier
		res := types.Verify(ctx, &v, "github", "https://10.20.30.40/acme", token)
		wantRefused(t, res.Reason, "10.20.30.40:443", "private addresses", token)
	})

	t.Run("Semaphore API on loopback", func(t *testing.T) {
		a := outboundtest.NewListener(t)
		v := integration.Verifier{SemaphoreAPIURL: "http://" + a.Addr()}
		res := types.Verify(ctx, &v, "semaphore", "https://acme.semaphoreci.com", token)
		wantRefused(t, res.Reason, a.Addr(), "loopback addresses", token)
		if n := a.Accepts(); n != 0 {
			t.Errorf("the listener accepted %d connections, want none", n)
		}
	})

	t.Run("allowed through the setting", func(t *testing.T) {
		a := outboundtest.NewListener(t)
		v := integration.Verifier{Client: fakes}
		res := types.Verify(ctx, &v, "github", "https://"+a.Addr()+"/acme", token)
		if strings.Contains(res.Reason, "blocked") || a.Accepts() == 0 {
			t.Errorf("reason = %q after %d connections, want a connection to the allowed address", res.Reason, a.Accepts())
		}
	})
}

// TestHookProvisioningRefusesBlockedAddresses checks that webhook
// provisioning, which the reconciler repeats, goes through the guard too.
func TestHookProvisioningRefusesBlockedAddresses(t *testing.T) {
	const token = "s3cr3tTOKEN"
	ctx := context.Background()
	want := integration.Hook{CallbackURL: "https://sp.example.com/api/v1/sources/x/github", Secret: "9f2c1e7a4b6d8f0e1c3a5b7d9f1e3c5a", Events: []string{"push"}}

	a := outboundtest.NewListener(t)
	var v integration.Verifier
	_, err := github.Type{}.EnsureHook(ctx, &v, "https://"+a.Addr()+"/acme", token, "app", want, "", true)
	var he *integration.HookError
	if !errors.As(err, &he) {
		t.Fatalf("EnsureGitHubHook = %v, want a HookError", err)
	}
	wantRefused(t, he.Reason, a.Addr(), "loopback addresses", token)

	sv := integration.Verifier{SemaphoreAPIURL: "http://" + a.Addr()}
	_, err = semaphore.Type{}.EnsureHook(ctx, &sv, "https://acme.semaphoreci.com", token, "app", want, "", true)
	if !errors.As(err, &he) {
		t.Fatalf("EnsureSemaphoreHook = %v, want a HookError", err)
	}
	wantRefused(t, he.Reason, a.Addr(), "loopback addresses", token)
	if n := a.Accepts(); n != 0 {
		t.Errorf("the listener accepted %d connections, want none", n)
	}
}

// TestGitHubRedirectToAnotherHostDropsToken checks that a GitHub API that
// redirects to another host does not hand it the token.
func TestGitHubRedirectToAnotherHostDropsToken(t *testing.T) {
	var leaked atomic.Value
	other := newHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusUnauthorized)
	})
	first := newHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other+r.URL.Path, http.StatusTemporaryRedirect)
	})
	v := integration.Verifier{GitHubAPIURL: first, Client: fakes}
	res := types.Verify(context.Background(), &v, "github", "https://github.com/acme", "ghp_s3cr3t")
	if res.OK {
		t.Fatal("verification passed")
	}
	got, seen := leaked.Load().(string)
	if !seen {
		t.Fatal("the redirect was not followed; the test proves nothing")
	}
	if got != "" {
		t.Errorf("the other host got Authorization %q", got)
	}
}

func newHTTPServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5e9}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// types verifies as the server does, through the registry of every type.
var types = all.Registry()
