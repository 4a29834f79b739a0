package semaphore_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/semaphore"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// fakes is the client of the tests' Verifiers: the fakes run on loopback,
// which the guard lets through only because it is allowed, as
// SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8 does for a server.
var fakes = outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

func wantOK(t *testing.T, res integration.Result) {
	t.Helper()
	if !res.OK || res.Reason != "ok" {
		t.Errorf("Verify = %+v, want OK with reason \"ok\"", res)
	}
}

func wantFailure(t *testing.T, res integration.Result, fragments ...string) {
	t.Helper()
	if res.OK {
		t.Fatalf("Verify = %+v, want a failure", res)
	}
	t.Logf("reason: %s", res.Reason)
	for _, f := range fragments {
		if !strings.Contains(res.Reason, f) {
			t.Errorf("reason = %q, want it to contain %q", res.Reason, f)
		}
	}
}

// sem is the type under test.
var sem semaphore.Type

// registry verifies as the server does (Registry.Verify checks the input and
// masks the token around the type's own Verify).
var registry = integration.NewRegistry(sem)
