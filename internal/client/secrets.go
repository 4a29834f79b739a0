package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// secretDomain resolves the domain a secret call is scoped to. Both kinds of
// server want domainType and domainId on every call; for the organization
// domain an empty domainID is filled in with the token's organization id,
// and for the canvas domain a canvas name is turned into the canvas id. A
// missing canvas satisfies IsNotFound.
func (c *Client) secretDomain(ctx context.Context, domainType, domainID string) (string, string, error) {
	switch domainType {
	case api.DomainTypeOrganization:
		if domainID != "" {
			return domainType, domainID, nil
		}
		id, err := c.organizationID(ctx)
		if err != nil {
			return "", "", fmt.Errorf("finding the organization id for an organization secret: %w", err)
		}
		return domainType, id, nil
	case api.DomainTypeCanvas:
		if domainID == "" {
			return "", "", errors.New("a canvas secret needs the canvas id or name")
		}
		// A real v1 server scopes canvas secrets (and its permission checks)
		// by canvas id.
		id, err := c.canvasID(ctx, domainID)
		if err != nil {
			return "", "", err
		}
		return domainType, id, nil
	}
	return "", "", fmt.Errorf("unknown secret domain type %q (want %s or %s)", domainType, api.DomainTypeOrganization, api.DomainTypeCanvas)
}

// domainQuery is the query string of secret GET and DELETE calls.
func domainQuery(domainType, domainID string) url.Values {
	return url.Values{"domainType": {domainType}, "domainId": {domainID}}
}

// ListSecrets returns the secrets of a domain, values redacted.
func (c *Client) ListSecrets(ctx context.Context, domainType, domainID string) ([]api.Secret, error) {
	dt, did, err := c.secretDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	var out api.ListSecretsResponse
	if _, err := c.do(ctx, request{op: "list secrets", method: http.MethodGet, path: "/api/v1/secrets", query: domainQuery(dt, did)}, &out); err != nil {
		return nil, err
	}
	return out.Secrets, nil
}

// CreateSecret creates a PROVIDER_LOCAL secret holding data. The answer's
// values are redacted. A taken name satisfies IsConflict, except when a retry
// meets the secret an earlier attempt of this call created: then that secret
// is returned.
func (c *Client) CreateSecret(ctx context.Context, domainType, domainID, name string, data map[string]string) (*api.Secret, error) {
	dt, did, err := c.secretDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	if data == nil {
		// The contract's map may be empty but never null.
		data = map[string]string{}
	}
	started := time.Now()
	body := api.CreateSecretRequest{
		Secret: &api.Secret{
			Metadata: &api.SecretMetadata{Name: name, DomainType: dt, DomainID: did},
			Spec:     &api.SecretSpec{Provider: api.ProviderLocal, Local: &api.SecretLocal{Data: data}},
		},
		DomainType: dt,
		DomainID:   did,
	}
	var out api.SecretResponse
	c.made.try(nameKey("secret", dt, did, name))
	attempts, err := c.do(ctx, request{op: "create secret", method: http.MethodPost, path: "/api/v1/secrets", body: body}, &out)
	if err != nil {
		if attempts > 1 && IsConflict(err) {
			if own := c.ownSecret(ctx, dt, did, name, data, started); own != nil {
				c.made.add(own.Metadata.ID)
				return own, nil
			}
		}
		return nil, err
	}
	s, err := checkSecret(&out, "create secret")
	if err == nil {
		c.made.add(s.Metadata.ID)
	}
	return s, err
}

// ownSecret returns the secret called name if an earlier attempt of the
// create that started at started made it: the same keys, never updated since
// (version at most 1), created after the call began (allowing for clock
// skew). Otherwise nil.
func (c *Client) ownSecret(ctx context.Context, domainType, domainID, name string, data map[string]string, started time.Time) *api.Secret {
	s, err := c.GetSecret(ctx, domainType, domainID, name)
	if err != nil {
		return nil
	}
	m := s.Metadata
	if m.Name != name || m.Version > 1 || m.CreatedAt == nil || m.CreatedAt.Before(started.Add(-clockSkew)) {
		return nil
	}
	if !slices.Equal(SecretKeys(s), sortedKeys(data)) {
		return nil
	}
	return s
}

// GetSecret returns a secret by id or name, values redacted. A missing
// secret satisfies IsNotFound.
func (c *Client) GetSecret(ctx context.Context, domainType, domainID, idOrName string) (*api.Secret, error) {
	if idOrName == "" {
		return nil, errors.New("get secret: an id or name is required")
	}
	dt, did, err := c.secretDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	var out api.SecretResponse
	r := request{op: "get secret", method: http.MethodGet, path: "/api/v1/secrets/" + url.PathEscape(idOrName), query: domainQuery(dt, did)}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkSecret(&out, "get secret")
}

// UpdateSecret renames a secret and, when data is non-nil, replaces its whole
// data map (keys left out are removed). With nil data the request carries no
// spec, which this project's server reads as "keep the values": a rename
// never resends or wipes them. newName must be the secret's name when it
// does not change.
func (c *Client) UpdateSecret(ctx context.Context, domainType, domainID, idOrName, newName string, data map[string]string) (*api.Secret, error) {
	if idOrName == "" || newName == "" {
		return nil, errors.New("update secret: the secret's id or name and its new name are required")
	}
	dt, did, err := c.secretDomain(ctx, domainType, domainID)
	if err != nil {
		return nil, err
	}
	secret := &api.Secret{Metadata: &api.SecretMetadata{Name: newName, DomainType: dt, DomainID: did}}
	if data != nil {
		secret.Spec = &api.SecretSpec{Provider: api.ProviderLocal, Local: &api.SecretLocal{Data: data}}
	}
	body := api.UpdateSecretRequest{Secret: secret, DomainType: dt, DomainID: did}
	var out api.SecretResponse
	r := request{op: "update secret", method: http.MethodPatch, path: "/api/v1/secrets/" + url.PathEscape(idOrName), body: body}
	if _, err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return checkSecret(&out, "update secret")
}

// DeleteSecret deletes a secret by id or name. A missing secret satisfies
// IsNotFound.
func (c *Client) DeleteSecret(ctx context.Context, domainType, domainID, idOrName string) error {
	if idOrName == "" {
		return errors.New("delete secret: an id or name is required")
	}
	dt, did, err := c.secretDomain(ctx, domainType, domainID)
	if err != nil {
		return err
	}
	r := request{op: "delete secret", method: http.MethodDelete, path: "/api/v1/secrets/" + url.PathEscape(idOrName), query: domainQuery(dt, did)}
	_, err = c.do(ctx, r, nil)
	return err
}

// SecretKeys returns the sorted key names of a secret (never its values).
func SecretKeys(s *api.Secret) []string {
	if s == nil || s.Spec == nil || s.Spec.Local == nil {
		return []string{}
	}
	return sortedKeys(s.Spec.Local.Data)
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkSecret rejects a response without the secret in it.
func checkSecret(out *api.SecretResponse, op string) (*api.Secret, error) {
	if out.Secret == nil || out.Secret.Metadata == nil || out.Secret.Metadata.ID == "" {
		return nil, fmt.Errorf("%s: the server's answer has no secret metadata", op)
	}
	return out.Secret, nil
}
