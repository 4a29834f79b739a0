package github_test

import (
	"net/netip"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/github"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// fakes is the client of the tests' Verifiers: the fakes run on loopback,
// which the guard lets through only because it is allowed, as
// SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8 does for a server.
var fakes = outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

// gt is the type under test.
var gt github.Type

// registry verifies as the server does (Registry.Verify checks the input and
// masks the token around the type's own Verify).
var registry = integration.NewRegistry(gt)
