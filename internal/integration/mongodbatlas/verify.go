package mongodbatlas

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Organization is what Atlas says of the integration's organization.
type Organization struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	IsDeleted bool   `json:"isDeleted"`
}

// atlasErrorAnswer is the Admin API's error answer.
type atlasErrorAnswer struct {
	Detail    string `json:"detail"`
	ErrorCode string `json:"errorCode"`
	Reason    string `json:"reason"`
}

// VerifyCloud authenticates as the integration's API key or service
// account and reads the organization. On success the Reason names it; on
// failure it quotes Atlas's errorCode and detail. No credential is ever in
// it.
func (Type) VerifyCloud(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials) integration.Result {
	org, err := ReadOrganization(ctx, v, c)
	if err != nil {
		return integration.Fail(err.Error())
	}
	name := org.Name
	if name == "" {
		name = "(no name)"
	}
	out := fmt.Sprintf("ok: organization %s (%s)", integration.Printable(name), integration.Printable(org.ID))
	if org.IsDeleted {
		return integration.Fail("MongoDB Atlas organization " + integration.Printable(org.ID) + " is deleted")
	}
	return integration.Result{OK: true, Reason: out}
}

// ReadOrganization returns Atlas's view of the integration's organization
// (GET /api/atlas/v2/orgs/{orgId}), read with fresh credentials.
func ReadOrganization(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials) (Organization, error) {
	s, err := Settings(c.Settings)
	if err != nil {
		return Organization{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(v)+"/api/atlas/v2/orgs/"+url.PathEscape(s.OrganizationID), nil)
	if err != nil {
		return Organization{}, failed("cannot build the organization request")
	}
	req.Header.Set("Accept", api.MongoDBAtlasAcceptHeader)
	if err := authenticate(ctx, v, s, c, req, false); err != nil {
		return Organization{}, err
	}
	resp, err := noRedirects(v).Do(req)
	if err != nil {
		return Organization{}, failed(integration.Unreachable("MongoDB Atlas", err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	what := "MongoDB Atlas, reading organization " + s.OrganizationID + " as " + identity(s)
	if resp.StatusCode != http.StatusOK {
		return Organization{}, failed(what + ": " + answerError(resp.StatusCode, body))
	}
	var org Organization
	if err := json.Unmarshal(body, &org); err != nil || org.ID == "" {
		return Organization{}, failed(what + ": the answer is not an organization")
	}
	return org, nil
}

// identity names the credentials in messages: the public key or the
// client id, neither a secret.
func identity(s api.MongoDBAtlasIntegration) string {
	if s.ServiceAccount != nil {
		return "service account " + s.ServiceAccount.ClientID
	}
	if s.APIKey != nil {
		return "API key " + s.APIKey.PublicKey
	}
	return "(no credentials)"
}

// answerError is an Admin API error answer in words: its errorCode and
// detail, else the status.
func answerError(status int, body []byte) string {
	var e atlasErrorAnswer
	if json.Unmarshal(body, &e) == nil && e.ErrorCode != "" {
		return integration.RemoteText(e.ErrorCode) + ": " + integration.MessageOr(e.Detail, integration.MessageOr(e.Reason, "no detail"))
	}
	return fmt.Sprintf("HTTP %d", status)
}
