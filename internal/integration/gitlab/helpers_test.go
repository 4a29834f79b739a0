package gitlab_test

import (
	"net/netip"
	"testing"
	"time"

	fakegitlab "github.com/superplane/terraform-provider-superplane/internal/fake/gitlab"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/gitlab"
	"github.com/superplane/terraform-provider-superplane/internal/integration/runtest"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// The fixture's names: an instance URL the fake stands in for, a token of
// the maintainer "dev" and one of the developer "ci".
const (
	instanceURL     = "https://gitlab.example.com"
	maintainerToken = "glpat-maintainer-0123456789"
	developerToken  = "glpat-developer-0123456789"
	projectPath     = "acme/app"
)

var gl = gitlab.Type{}

// fixture is a fake GitLab with the project acme/app (dev a Maintainer, ci
// a Developer) and a verifier pointed at it.
type fixture struct {
	fake *fakegitlab.Server
	v    *integration.Verifier
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	fake := fakegitlab.New(t)
	fake.AddToken(maintainerToken, "dev")
	fake.AddToken(developerToken, "ci")
	fake.AddProject(projectPath)
	fake.Grant(projectPath, "dev", fakegitlab.AccessMaintainer)
	fake.Grant(projectPath, "ci", fakegitlab.AccessDeveloper)
	v := &integration.Verifier{
		GitLabAPIURL: fake.APIURL(),
		Client:       outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 10 * time.Second}),
	}
	return fixture{fake: fake, v: v}
}

// exec is the frame of runs against the fixture's fake.
func (f fixture) exec(timeout time.Duration) integration.Execution {
	return runtest.Execution(integration.Verifier{GitLabAPIURL: f.fake.APIURL()}, timeout)
}
