package service

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/oidc"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// VerifyTimeout bounds one verification against an external tool, so a slow
// tool cannot hold a request (or a secret update) for long.
const VerifyTimeout = 20 * time.Second

// Integrations holds the rules for integrations: their spec, the secret
// their token comes from, and the verification whose result is their status.
type Integrations struct {
	Store store.Store
	// Secrets resolves domains and opens the token's secret: the token is
	// decrypted only through it.
	Secrets *Secrets
	// Types validates and verifies each integration type, so a new type
	// needs no change here.
	Types *integration.Registry
	// Tools talks to the tools (base URLs, or fakes in tests).
	Tools *integration.Verifier
	Log   *slog.Logger
	Now   func() time.Time
	// Issuer mints the ID tokens cloud integrations present (web
	// identity); nil: they cannot.
	Issuer *oidc.Issuer
}

// integrationSpec is a validated spec with its token secret resolved.
type integrationSpec struct {
	typ, url, authType string
	secret             store.Secret
	key                string
	// settings are a cloud type's settings (integration_cloud.go).
	settings []byte
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// resolveSpec validates spec for an integration in domain (dt, did) and
// finds the secret holding its token. A canvas integration may use a secret
// of its canvas or of the organization; an organization integration only an
// organization secret.
func (s *Integrations) resolveSpec(ctx context.Context, p store.Principal, dt, did string, spec *api.IntegrationSpec) (integrationSpec, error) {
	if spec == nil {
		return integrationSpec{}, Invalid("integration.spec is required")
	}
	if err := api.ValidateIntegrationType("integration.spec.type", spec.Type); err != nil {
		return integrationSpec{}, Invalid("%s", err.Error())
	}
	typ, ok := s.Types.Lookup(spec.Type)
	if !ok {
		return integrationSpec{}, Invalid("integration.spec.type: integration type %q is not supported by this server", spec.Type)
	}
	if _, cloud := s.Types.Cloud(spec.Type); cloud {
		return s.resolveCloudSpec(ctx, p, dt, did, spec)
	}
	if err := typ.ValidateURL("integration.spec.url", spec.URL); err != nil {
		return integrationSpec{}, Invalid("%s", err.Error())
	}
	if spec.Auth == nil {
		return integrationSpec{}, Invalid("integration.spec.auth is required: use AUTH_TYPE_TOKEN with a token from a secret")
	}
	switch spec.Auth.Use {
	case api.AuthTypeToken:
	case "":
		return integrationSpec{}, Invalid("integration.spec.auth.use is required: AUTH_TYPE_TOKEN")
	default:
		return integrationSpec{}, Invalid("integration.spec.auth.use %q is not supported: use AUTH_TYPE_TOKEN", spec.Auth.Use)
	}
	if spec.Auth.Token == nil || spec.Auth.Token.ValueFrom == nil || spec.Auth.Token.ValueFrom.Secret == nil {
		return integrationSpec{}, Invalid("integration.spec.auth.token.valueFrom.secret is required")
	}
	ref := spec.Auth.Token.ValueFrom.Secret
	if ref.Name == "" {
		return integrationSpec{}, Invalid("integration.spec.auth.token.valueFrom.secret.name is required")
	}
	if ref.Key == "" {
		return integrationSpec{}, Invalid("integration.spec.auth.token.valueFrom.secret.key is required")
	}
	secretDT, secretDID := dt, did
	switch ref.DomainType {
	case "", api.DomainTypeUnspecified:
	case api.DomainTypeOrganization:
		secretDT, secretDID = store.DomainOrganization, p.Organization.ID
	case api.DomainTypeCanvas:
		if dt != store.DomainCanvas {
			return integrationSpec{}, Invalid("integration.spec.auth.token.valueFrom.secret.domainType: an organization integration can only use an organization secret")
		}
	default:
		return integrationSpec{}, Invalid("integration.spec.auth.token.valueFrom.secret.domainType %q is not one of DOMAIN_TYPE_ORGANIZATION, DOMAIN_TYPE_CANVAS", ref.DomainType)
	}
	sec, err := s.Store.FindSecret(ctx, p.Organization.ID, secretDT, secretDID, ref.Name)
	if isNotFound(err) {
		return integrationSpec{}, NotFound("integration.spec.auth.token.valueFrom.secret: secret %q not found", ref.Name)
	} else if err != nil {
		return integrationSpec{}, err
	}
	if !slices.Contains(sec.Keys, ref.Key) {
		return integrationSpec{}, NotFound("integration.spec.auth.token.valueFrom.secret: key %q not found in secret %q", ref.Key, ref.Name)
	}
	return integrationSpec{typ: spec.Type, url: strings.TrimSuffix(spec.URL, "/"), authType: spec.Auth.Use, secret: sec, key: ref.Key}, nil
}

// verify checks the integration's credentials with the tool and records the
// result on in. The token is decrypted here, used for this one check and
// dropped: nothing caches it.
func (s *Integrations) verify(ctx context.Context, in *store.Integration) {
	ctx, cancel := context.WithTimeout(ctx, VerifyTimeout)
	defer cancel()
	in.StatusCheckedAt = Timestamp(s.Now)
	in.StatusState, in.StatusReason = api.IntegrationStateFailed, ""
	if _, cloud := s.Types.Cloud(in.Type); cloud {
		s.verifyCloud(ctx, in)
		return
	}
	sec, err := s.Store.FindSecretByID(ctx, in.OrgID, in.SecretID)
	if err != nil {
		in.StatusReason = "the token secret is gone"
		return
	}
	data, err := s.Secrets.Open(sec)
	if err != nil {
		s.Log.ErrorContext(ctx, "cannot open an integration's token secret", slog.String("integration", in.ID), slog.String("error", err.Error()))
		in.StatusReason = "the token secret cannot be decrypted"
		return
	}
	token, ok := data[in.SecretKey]
	clear(data)
	if !ok {
		in.StatusReason = "key " + in.SecretKey + " is missing from secret " + sec.Name
		return
	}
	res := s.Types.Verify(ctx, s.Tools, in.Type, in.URL, token)
	if res.OK {
		in.StatusState, in.StatusReason = api.IntegrationStateOK, "ok"
		return
	}
	in.StatusReason = res.Reason
}

// saveStatus writes a verification result without touching anything else.
func (s *Integrations) saveStatus(ctx context.Context, in store.Integration) (store.Integration, error) {
	return s.Store.UpdateIntegration(ctx, in.OrgID, in.DomainType, in.DomainID, in.ID, func(cur *store.Integration) error {
		cur.StatusState, cur.StatusReason, cur.StatusCheckedAt = in.StatusState, in.StatusReason, in.StatusCheckedAt
		return nil
	})
}

// ReverifyUsers re-verifies, after its data changed, every integration whose
// token is in the secret, so their status shows whether the new token works.
// It is Secrets.DataChanged.
func (s *Integrations) ReverifyUsers(ctx context.Context, secretID string) {
	users, err := s.Store.IntegrationsUsingSecret(ctx, secretID)
	if err != nil {
		s.Log.ErrorContext(ctx, "cannot list integrations to re-verify", slog.String("error", err.Error()))
		return
	}
	for _, in := range users {
		s.verify(ctx, &in)
		if _, err := s.saveStatus(ctx, in); err != nil && !isNotFound(err) {
			s.Log.ErrorContext(ctx, "cannot save integration status", slog.String("integration", in.ID), slog.String("error", err.Error()))
		}
	}
}

// List returns the integrations of a domain.
func (s *Integrations) List(ctx context.Context, p store.Principal, domainType, domainID string) ([]store.Integration, error) {
	dt, did, err := s.Secrets.ResolveDomain(ctx, p, domainType, domainID)
	if err != nil {
		return nil, err
	}
	return s.Store.ListIntegrations(ctx, p.Organization.ID, dt, did)
}

// Find returns the integration idOrName of a domain.
func (s *Integrations) Find(ctx context.Context, p store.Principal, domainType, domainID, idOrName string) (store.Integration, error) {
	dt, did, err := s.Secrets.ResolveDomain(ctx, p, domainType, domainID)
	if err != nil {
		return store.Integration{}, err
	}
	return s.Store.FindIntegration(ctx, p.Organization.ID, dt, did, idOrName)
}

// Create creates an integration from a v1 create request, verified before
// the insert: one write, and the answer carries the result.
func (s *Integrations) Create(ctx context.Context, p store.Principal, req api.CreateIntegrationRequest) (store.Integration, error) {
	if req.Integration == nil || req.Integration.Metadata == nil {
		return store.Integration{}, Invalid("integration.metadata.name is required")
	}
	m := req.Integration.Metadata
	if err := ValidateName("integration.metadata.name", m.Name); err != nil {
		return store.Integration{}, err
	}
	if len(m.Description) > MaxDescriptionLen {
		return store.Integration{}, Invalid("integration.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	dt, did, err := s.Secrets.ResolveDomain(ctx, p, req.DomainType, req.DomainID)
	if err != nil {
		return store.Integration{}, err
	}
	spec, err := s.resolveSpec(ctx, p, dt, did, req.Integration.Spec)
	if err != nil {
		return store.Integration{}, err
	}
	now := Timestamp(s.Now)
	in := store.Integration{
		ID: uuid.NewString(), OrgID: p.Organization.ID, OrgName: p.Organization.Name, DomainType: dt, DomainID: did,
		Name: m.Name, Description: m.Description, Type: spec.typ, URL: spec.url, AuthType: spec.authType,
		SecretID: spec.secret.ID, SecretKey: spec.key, Settings: spec.settings,
		CreatedBy: p.User.ID, CreatedAt: now, UpdatedAt: now,
	}
	s.verify(ctx, &in)
	if err := s.Store.CreateIntegration(ctx, in); err != nil {
		return store.Integration{}, err
	}
	return s.Store.FindIntegration(ctx, in.OrgID, dt, did, in.ID)
}

// Update applies a v1 update request to the integration idOrName of the
// domain (domainType, domainID): it replaces the spec (and name and
// description when given) and verifies the new credentials.
func (s *Integrations) Update(ctx context.Context, p store.Principal, domainType, domainID, idOrName string, req api.UpdateIntegrationRequest) (store.Integration, error) {
	if req.Integration == nil {
		return store.Integration{}, Invalid("integration is required")
	}
	dt, did, err := s.Secrets.ResolveDomain(ctx, p, domainType, domainID)
	if err != nil {
		return store.Integration{}, err
	}
	m := req.Integration.Metadata
	if m != nil && m.Name != "" {
		if err := ValidateName("integration.metadata.name", m.Name); err != nil {
			return store.Integration{}, err
		}
	}
	if m != nil && len(m.Description) > MaxDescriptionLen {
		return store.Integration{}, Invalid("integration.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	var spec *integrationSpec
	if req.Integration.Spec != nil {
		resolved, err := s.resolveSpec(ctx, p, dt, did, req.Integration.Spec)
		if err != nil {
			return store.Integration{}, err
		}
		spec = &resolved
	}
	current, err := s.Store.FindIntegration(ctx, p.Organization.ID, dt, did, idOrName)
	if err != nil {
		return store.Integration{}, err
	}
	next := current
	if spec != nil {
		next.Type, next.URL, next.AuthType, next.SecretID, next.SecretKey = spec.typ, spec.url, spec.authType, spec.secret.ID, spec.key
		next.Settings = spec.settings
	}
	s.verify(ctx, &next)
	now := Timestamp(s.Now)
	return s.Store.UpdateIntegration(ctx, p.Organization.ID, dt, did, current.ID, func(in *store.Integration) error {
		if m != nil && m.Name != "" {
			in.Name = m.Name
		}
		if m != nil {
			in.Description = m.Description
		}
		in.Type, in.URL, in.AuthType, in.SecretID, in.SecretKey = next.Type, next.URL, next.AuthType, next.SecretID, next.SecretKey
		in.Settings = next.Settings
		in.StatusState, in.StatusReason, in.StatusCheckedAt = next.StatusState, next.StatusReason, next.StatusCheckedAt
		in.UpdatedAt = now
		return nil
	})
}

// Verify tests the connection of the integration idOrName now and records
// the result.
func (s *Integrations) Verify(ctx context.Context, p store.Principal, domainType, domainID, idOrName string) (store.Integration, error) {
	in, err := s.Find(ctx, p, domainType, domainID, idOrName)
	if err != nil {
		return store.Integration{}, err
	}
	s.verify(ctx, &in)
	return s.saveStatus(ctx, in)
}

// Delete deletes the integration idOrName of a domain. The store refuses
// while an event source or stage uses it.
func (s *Integrations) Delete(ctx context.Context, p store.Principal, domainType, domainID, idOrName string) error {
	dt, did, err := s.Secrets.ResolveDomain(ctx, p, domainType, domainID)
	if err != nil {
		return err
	}
	return s.Store.DeleteIntegration(ctx, p.Organization.ID, dt, did, idOrName)
}
