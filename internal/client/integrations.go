package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// IntegrationParams is what a caller sets on an integration: its metadata
// and its spec. The token always comes from a secret (AUTH_TYPE_TOKEN); the
// client never sees it.
type IntegrationParams struct {
	// Name is the integration's name, unique in its domain.
	Name string
	// Description is free-form; on update it replaces the current one.
	Description string
	// Type is the tool: api.IntegrationTypeGitHub or api.IntegrationTypeSemaphore.
	Type string
	// URL is the tool's address, for example https://github.com/acme.
	URL string
	// SecretName and SecretKey name the secret, and the key in it, that
	// hold the API token.
	SecretName string
	SecretKey  string
	// SecretDomainType is the domain of that secret: "" for the
	// integration's own domain, api.DomainTypeOrganization, or
	// api.DomainTypeCanvas (canvas integrations only).
	SecretDomainType string
	// AWS holds an aws integration's settings; it has no URL and no
	// token, and the secret names are in its references.
	AWS *api.AWSIntegration
	// Azure holds an azure integration's settings, as AWS does.
	Azure *api.AzureIntegration
	// GCP holds a gcp integration's settings, likewise.
	GCP *api.GCPIntegration
	// Datadog holds a datadog integration's settings, likewise.
	Datadog *api.DatadogIntegration
	// MongoDBAtlas holds a mongodb_atlas integration's settings, likewise.
	MongoDBAtlas *api.MongoDBAtlasIntegration
}

// integration builds the wire object for p.
func (p IntegrationParams) integration() *api.Integration {
	if p.Azure != nil {
		return &api.Integration{
			Metadata: &api.IntegrationMetadata{Name: p.Name, Description: p.Description},
			Spec:     &api.IntegrationSpec{Type: p.Type, Azure: p.Azure},
		}
	}
	if p.Datadog != nil {
		return &api.Integration{
			Metadata: &api.IntegrationMetadata{Name: p.Name, Description: p.Description},
			Spec:     &api.IntegrationSpec{Type: p.Type, Datadog: p.Datadog},
		}
	}
	if p.MongoDBAtlas != nil {
		return &api.Integration{
			Metadata: &api.IntegrationMetadata{Name: p.Name, Description: p.Description},
			Spec:     &api.IntegrationSpec{Type: p.Type, MongoDBAtlas: p.MongoDBAtlas},
		}
	}
	if p.GCP != nil {
		return &api.Integration{
			Metadata: &api.IntegrationMetadata{Name: p.Name, Description: p.Description},
			Spec:     &api.IntegrationSpec{Type: p.Type, GCP: p.GCP},
		}
	}
	if p.AWS != nil {
		return &api.Integration{
			Metadata: &api.IntegrationMetadata{Name: p.Name, Description: p.Description},
			Spec:     &api.IntegrationSpec{Type: p.Type, AWS: p.AWS},
		}
	}
	return &api.Integration{
		Metadata: &api.IntegrationMetadata{Name: p.Name, Description: p.Description},
		Spec: &api.IntegrationSpec{
			Type: p.Type,
			URL:  p.URL,
			Auth: &api.IntegrationAuth{
				Use: api.AuthTypeToken,
				Token: &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{
					DomainType: p.SecretDomainType, Name: p.SecretName, Key: p.SecretKey,
				}}},
			},
		},
	}
}

// integrationDomain resolves the domain an integration call is scoped to,
// as secretDomain does for secrets: an empty organization id becomes the
// token's organization id, and a canvas name becomes the canvas id (a real
// v1 server scopes by id). A missing canvas satisfies IsNotFound.
func (c *Client) integrationDomain(ctx context.Context, domainType, domainID string) (string, string, error) {
	switch domainType {
	case api.DomainTypeOrganization:
		if domainID != "" {
			return domainType, domainID, nil
		}
		id, err := c.organizationID(ctx)
		if err != nil {
			return "", "", fmt.Errorf("finding the organization id for an organization integration: %w", err)
		}
		return domainType, id, nil
	case api.DomainTypeCanvas:
		if domainID == "" {
			return "", "", errors.New("a canvas integration needs the canvas id or name")
		}
		id, err := c.canvasID(ctx, domainID)
		if err != nil {
			return "", "", err
		}
		return domainType, id, nil
	}
	return "", "", fmt.Errorf("unknown integration domain type %q (want %s or %s)", domainType, api.DomainTypeOrganization, api.DomainTypeCanvas)
}

// integrationPath is the path of one integration.
func integrationPath(idOrName string) string {
	return "/api/v1/integrations/" + url.PathEscape(idOrName)
}

// ListIntegrations returns the integrations of a domain.
func (c *Client) ListIntegrations(ctx context.Context, domainType, domainID string) ([]api.Integration, error) {
	dt, did, err := c.integrationDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	var out api.ListIntegrationsResponse
	if _, err := c.do(ctx, request{op: "list integrations", method: http.MethodGet, path: "/api/v1/integrations", query: domainQuery(dt, did)}, &out); err != nil {
		return nil, err
	}
	return out.Integrations, nil
}

// CreateIntegration creates an integration. This project's server verifies
// the credentials at once and stores the integration whatever the outcome,
// which the answer's Status reports. A missing secret or key satisfies
// IsNotFound. A taken name satisfies IsConflict, except when a retry meets
// the integration an earlier attempt of this call created: then that
// integration is returned.
func (c *Client) CreateIntegration(ctx context.Context, domainType, domainID string, p IntegrationParams) (*api.Integration, error) {
	dt, did, err := c.integrationDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	body := api.CreateIntegrationRequest{DomainType: dt, DomainID: did, Integration: p.integration()}
	var out api.IntegrationResponse
	c.made.try(nameKey("integration", dt, did, p.Name))
	attempts, err := c.do(ctx, request{op: "create integration", method: http.MethodPost, path: "/api/v1/integrations", body: body}, &out)
	if err != nil {
		if attempts > 1 && IsConflict(err) {
			if own := c.ownIntegration(ctx, dt, did, p, started); own != nil {
				c.made.add(own.Metadata.ID)
				return own, nil
			}
		}
		return nil, err
	}
	in, err := checkIntegration(&out, "create integration")
	if err == nil {
		c.made.add(in.Metadata.ID)
	}
	return in, err
}

// ownIntegration returns the integration called p.Name if an earlier attempt
// of the create that started at started made it: the same description, type,
// URL and token reference, created by us after the call began (allowing for
// clock skew). Otherwise nil.
func (c *Client) ownIntegration(ctx context.Context, domainType, domainID string, p IntegrationParams, started time.Time) *api.Integration {
	me, err := c.cachedMe(ctx)
	if err != nil {
		return nil
	}
	in, err := c.GetIntegration(ctx, domainType, domainID, p.Name)
	if err != nil {
		return nil
	}
	m, spec := in.Metadata, in.Spec
	if m.Name != p.Name || m.Description != p.Description || m.CreatedBy == "" || m.CreatedBy != me.ID ||
		m.CreatedAt == nil || m.CreatedAt.Before(started.Add(-clockSkew)) {
		return nil
	}
	if spec == nil || spec.Type != p.Type || strings.TrimSuffix(spec.URL, "/") != strings.TrimSuffix(p.URL, "/") {
		return nil
	}
	ref := IntegrationSecret(in)
	if ref.Name != p.SecretName || ref.Key != p.SecretKey {
		return nil
	}
	return in
}

// GetIntegration returns an integration by id or name. A missing
// integration satisfies IsNotFound.
func (c *Client) GetIntegration(ctx context.Context, domainType, domainID, idOrName string) (*api.Integration, error) {
	if idOrName == "" {
		return nil, errors.New("get integration: an id or name is required")
	}
	dt, did, err := c.integrationDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	var out api.IntegrationResponse
	r := request{op: "get integration", method: http.MethodGet, path: integrationPath(idOrName), query: domainQuery(dt, did)}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkIntegration(&out, "get integration")
}

// UpdateIntegration replaces an integration's name, description and spec
// with p; this project's server then verifies the credentials again and
// stores the integration whatever the outcome, which the answer's Status
// reports. p.Name must be the integration's name when it does not change.
func (c *Client) UpdateIntegration(ctx context.Context, domainType, domainID, idOrName string, p IntegrationParams) (*api.Integration, error) {
	if idOrName == "" || p.Name == "" {
		return nil, errors.New("update integration: the integration's id or name and its new name are required")
	}
	dt, did, err := c.integrationDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	body := api.UpdateIntegrationRequest{DomainType: dt, DomainID: did, Integration: p.integration()}
	var out api.IntegrationResponse
	r := request{op: "update integration", method: http.MethodPatch, path: integrationPath(idOrName), body: body}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkIntegration(&out, "update integration")
}

// VerifyIntegration has the server check the integration's credentials
// with the tool now (POST /api/v1/integrations/{idOrName}/verify, this
// project's extension) and returns the integration with the result in its
// Status. A server without the extension answers 501 (IsUnsupported) or 404.
func (c *Client) VerifyIntegration(ctx context.Context, domainType, domainID, idOrName string) (*api.Integration, error) {
	if idOrName == "" {
		return nil, errors.New("verify integration: an id or name is required")
	}
	dt, did, err := c.integrationDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	var out api.IntegrationResponse
	r := request{op: "verify integration", method: http.MethodPost, path: integrationPath(idOrName) + "/verify", query: domainQuery(dt, did)}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkIntegration(&out, "verify integration")
}

// DeleteIntegration deletes an integration by id or name. A missing
// integration satisfies IsNotFound. A real v1 server cannot delete
// integrations and answers 501, which satisfies IsUnsupported.
func (c *Client) DeleteIntegration(ctx context.Context, domainType, domainID, idOrName string) error {
	if idOrName == "" {
		return errors.New("delete integration: an id or name is required")
	}
	dt, did, err := c.integrationDomain(ctx, domainType, domainID)
	if err != nil {
		return err
	}
	r := request{op: "delete integration", method: http.MethodDelete, path: integrationPath(idOrName), query: domainQuery(dt, did)}
	_, err = c.do(ctx, r, nil)
	return err
}

// IntegrationSecret returns the reference to the secret holding an
// integration's token; fields are empty where the server gave none.
func IntegrationSecret(in *api.Integration) api.ValueFromSecret {
	if in == nil || in.Spec == nil || in.Spec.Auth == nil || in.Spec.Auth.Token == nil ||
		in.Spec.Auth.Token.ValueFrom == nil || in.Spec.Auth.Token.ValueFrom.Secret == nil {
		return api.ValueFromSecret{}
	}
	return *in.Spec.Auth.Token.ValueFrom.Secret
}

// checkIntegration rejects a response without the integration in it.
func checkIntegration(out *api.IntegrationResponse, op string) (*api.Integration, error) {
	if out.Integration == nil || out.Integration.Metadata == nil || out.Integration.Metadata.ID == "" {
		return nil, fmt.Errorf("%s: the server's answer has no integration metadata", op)
	}
	return out.Integration, nil
}
