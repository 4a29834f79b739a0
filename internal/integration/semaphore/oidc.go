package semaphore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// OIDCIssuer returns the issuer of the organization's SEMAPHORE_OIDC_TOKEN,
// https://<organization>.semaphoreci.com (or v's override). Semaphore sets
// the token's audience to that same URL and lets no pipeline choose
// another, so it is accepted as well; the pipeline id binds the token to
// one execution.
func (Type) OIDCIssuer(v *integration.Verifier, integrationURL string) (string, string, error) {
	if v != nil && v.SemaphoreOIDCIssuer != "" {
		return v.SemaphoreOIDCIssuer, v.SemaphoreOIDCIssuer, nil
	}
	org, err := api.SemaphoreOrg(integrationURL)
	if err != nil {
		return "", "", err
	}
	issuer := "https://" + org + ".semaphoreci.com"
	return issuer, issuer, nil
}

// MatchRunClaims checks that the token is the pipeline's the execution
// started: claim ppl_id is its pipeline id.
func (Type) MatchRunClaims(claims map[string]any, _, _ string, resources []integration.Resource) error {
	p, ok := integration.FindResource(resources, ResourcePipeline)
	if !ok || p.ID == "" {
		return errors.New("the execution's pipeline is not known yet; try again in a few seconds")
	}
	got, _ := claims["ppl_id"].(string)
	if !strings.EqualFold(got, p.ID) {
		return fmt.Errorf("the ID token is for pipeline %s, not the execution's pipeline %s", integration.Printable(got), p.ID)
	}
	return nil
}
