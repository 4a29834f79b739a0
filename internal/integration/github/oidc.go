package github

import (
	"errors"
	"fmt"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// DefaultOIDCIssuer is the issuer of GitHub Actions' OIDC ID tokens.
const DefaultOIDCIssuer = "https://token.actions.githubusercontent.com"

// OIDCIssuer returns GitHub Actions' issuer (or v's override). A workflow
// asks for its token with the audience SuperPlane expects
// (core.getIDToken(audience), or the id-token request's audience
// parameter), so GitHub adds none of its own.
func (Type) OIDCIssuer(v *integration.Verifier, _ string) (string, string, error) {
	if v != nil && v.GitHubOIDCIssuer != "" {
		return v.GitHubOIDCIssuer, "", nil
	}
	return DefaultOIDCIssuer, "", nil
}

// MatchRunClaims checks that the token is the workflow run's the
// execution dispatched: claim repository is owner/repo (owner from the
// integration URL) and claim run_id the run's id.
func (Type) MatchRunClaims(claims map[string]any, integrationURL, resourceName string, resources []integration.Resource) error {
	run, ok := integration.FindResource(resources, ResourceWorkflowRun)
	if !ok || run.ID == "" {
		return errors.New("the execution's workflow run is not known yet; try again in a few seconds")
	}
	owner, _, err := api.GitHubOwner(integrationURL)
	if err != nil {
		return err
	}
	repo, _ := claims["repository"].(string)
	if !strings.EqualFold(repo, owner+"/"+resourceName) {
		return fmt.Errorf("the ID token is for repository %s, not %s/%s", integration.Printable(repo), owner, resourceName)
	}
	if id := claimString(claims["run_id"]); id != run.ID {
		return fmt.Errorf("the ID token is for workflow run %s, not the execution's run %s", integration.Printable(id), run.ID)
	}
	return nil
}

// claimString reads a claim GitHub sends as a string ("run_id": "42"),
// also when it comes as a number.
func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprintf("%.0f", x)
	}
	return ""
}
