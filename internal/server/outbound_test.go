package server_test

import (
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// fakesAllowed lets a test server reach the fakes, which run on loopback,
// as SUPERPLANE_ALLOWED_NETWORKS=127.0.0.0/8 does for superplane-server:
// through the guard, never around it.
var fakesAllowed = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// fakeTools is the Verifier of a test server whose GitHub and Semaphore are
// fakes ("" for none).
func fakeTools(githubAPIURL, semaphoreAPIURL string) *integration.Verifier {
	return &integration.Verifier{
		GitHubAPIURL: githubAPIURL, SemaphoreAPIURL: semaphoreAPIURL,
		Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed}),
	}
}

// TestIntegrationOnBlockedAddressIsRefused checks, with a server configured
// as superplane-server is without SUPERPLANE_ALLOWED_NETWORKS, that an
// integration whose URL is on loopback or a private address is refused at
// verification: its status is failed with a reason that names the setting
// and holds no token, and no connection is made (the listener on loopback
// records none).
func TestIntegrationOnBlockedAddressIsRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
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

	e := newEnv(t) // the default tools: guarded, nothing allowed
	const token = "ghp_s3cr3t0000000000000000000000000000"
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gh", map[string]string{"token": token})).decode(t, &api.SecretResponse{})

	for _, tt := range []struct{ name, url, want string }{
		{"loopback", "https://" + ln.Addr().String() + "/acme",
			"connection to " + ln.Addr().String() + " refused: loopback addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)"},
		{"private", "https://192.168.10.20/acme",
			"connection to 192.168.10.20:443 refused: private addresses are blocked (allow with SUPERPLANE_ALLOWED_NETWORKS)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out api.IntegrationResponse
			e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", tt.name, "github", tt.url, "gh", "token")).decode(t, &out)
			st := out.Integration.Status
			if st == nil || st.State != api.IntegrationStateFailed || !strings.Contains(st.Reason, tt.want) {
				t.Fatalf("status = %+v, want failed with %q", st, tt.want)
			}
			var again api.IntegrationResponse
			e.do("owner", "POST", "/api/v1/integrations/"+tt.name+"/verify?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &again)
			if st := again.Integration.Status; st == nil || !strings.Contains(st.Reason, tt.want) {
				t.Errorf("status after verify = %+v, want %q", st, tt.want)
			}
			if strings.Contains(st.Reason, token) || strings.Contains(e.logs.String(), token) {
				t.Error("the token is in the reason or the logs")
			}
		})
	}
	if n := accepts.Load(); n != 0 {
		t.Errorf("the server connected %d times to the loopback listener, want never", n)
	}
}
