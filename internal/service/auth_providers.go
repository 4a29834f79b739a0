package service

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// AuthProviders holds the rules for an organization's auth providers: how
// people sign in to it (GitHub, Microsoft Entra ID, Google, Backstage,
// guest). A client secret is a key of an organization secret or a
// write-only value sealed with the keyring; no answer carries it. No caller
// may configure a provider whose default role ranks above its own (an
// admin cannot make everyone who signs in an owner).
type AuthProviders struct {
	Store  store.Store
	Sealer *sealer.Sealer
	Now    func() time.Time
}

// authProviderAD is the id a provider's sealed secret is bound to (see
// sealer.AuthProviderSecretID).
func authProviderAD(id string) string { return sealer.AuthProviderSecretID(id) }

// List returns the organization's auth providers.
func (s *AuthProviders) List(ctx context.Context, p store.Principal) ([]store.AuthProvider, error) {
	return s.Store.ListAuthProviders(ctx, p.Organization.ID)
}

// Find returns the organization's auth provider idOrName.
func (s *AuthProviders) Find(ctx context.Context, p store.Principal, idOrName string) (store.AuthProvider, error) {
	return s.Store.FindAuthProvider(ctx, p.Organization.ID, idOrName)
}

// Delete deletes the auth provider; its users stay, and their sessions run
// until they end.
func (s *AuthProviders) Delete(ctx context.Context, p store.Principal, idOrName string) error {
	ap, err := s.Store.FindAuthProvider(ctx, p.Organization.ID, idOrName)
	if err != nil {
		return err
	}
	if err := mayConfigure(p, ap); err != nil {
		return err
	}
	return s.Store.DeleteAuthProvider(ctx, p.Organization.ID, ap.ID)
}

// mayConfigure refuses acting on a provider whose default role ranks above
// the caller's.
func mayConfigure(p store.Principal, ap store.AuthProvider) error {
	spec, err := DecodeAuthProviderSpec(ap)
	if err != nil {
		return err
	}
	if api.RoleRank(spec.DefaultRole) > api.RoleRank(p.Role) {
		return denied("auth provider %q gives role %s, which ranks above the caller's role %s", ap.Name, spec.DefaultRole, p.Role)
	}
	return nil
}

// DecodeAuthProviderSpec is the stored settings of ap (never a secret
// value; ValueSet says whether one is sealed).
func DecodeAuthProviderSpec(ap store.AuthProvider) (api.AuthProviderSpec, error) {
	spec, err := store.DecodeJSON[api.AuthProviderSpec]("auth provider", ap.ID, "config", ap.Config)
	if err != nil {
		return api.AuthProviderSpec{}, err
	}
	spec.Type = ap.Type
	if len(ap.Ciphertext) > 0 {
		spec.ClientSecret = &api.AuthProviderSecret{ValueSet: true}
	}
	return spec, nil
}

// Create creates an auth provider from a request.
func (s *AuthProviders) Create(ctx context.Context, p store.Principal, req api.AuthProviderRequest) (store.AuthProvider, error) {
	if req.AuthProvider == nil || req.AuthProvider.Metadata == nil {
		return store.AuthProvider{}, Invalid("authProvider.metadata.name is required")
	}
	name := req.AuthProvider.Metadata.Name
	if err := ValidateName("authProvider.metadata.name", name); err != nil {
		return store.AuthProvider{}, err
	}
	if req.AuthProvider.Spec == nil {
		return store.AuthProvider{}, Invalid("authProvider.spec is required")
	}
	spec := *req.AuthProvider.Spec
	if !slices.Contains(api.AuthProviderTypes, spec.Type) {
		return store.AuthProvider{}, Invalid("authProvider.spec.type %q is not one of %s", spec.Type, strings.Join(api.AuthProviderTypes, ", "))
	}
	now := Timestamp(s.Now)
	ap := store.AuthProvider{ID: uuid.NewString(), OrgID: p.Organization.ID, Name: name, Type: spec.Type, CreatedAt: now, UpdatedAt: now}
	if err := s.apply(p, &ap, spec, false); err != nil {
		return store.AuthProvider{}, err
	}
	return s.Store.CreateAuthProvider(ctx, ap)
}

// Update changes an auth provider: its name and settings; its type stays.
// A request without clientSecret keeps the stored one.
func (s *AuthProviders) Update(ctx context.Context, p store.Principal, idOrName string, req api.AuthProviderRequest) (store.AuthProvider, error) {
	if req.AuthProvider == nil || req.AuthProvider.Spec == nil {
		return store.AuthProvider{}, Invalid("authProvider.spec is required")
	}
	return s.Store.UpdateAuthProvider(ctx, p.Organization.ID, idOrName, func(ap *store.AuthProvider) error {
		if err := mayConfigure(p, *ap); err != nil {
			return err
		}
		if m := req.AuthProvider.Metadata; m != nil && m.Name != "" && m.Name != ap.Name {
			if err := ValidateName("authProvider.metadata.name", m.Name); err != nil {
				return err
			}
			ap.Name = m.Name
		}
		spec := *req.AuthProvider.Spec
		if spec.Type != "" && spec.Type != ap.Type {
			return Invalid("authProvider.spec.type cannot change from %s to %s: delete the provider and create another", ap.Type, spec.Type)
		}
		spec.Type = ap.Type
		ap.UpdatedAt = Timestamp(s.Now)
		return s.apply(p, ap, spec, true)
	})
}

// apply validates spec and sets ap's config and sealed secret from it. On
// update, a spec without clientSecret keeps the stored secret.
func (s *AuthProviders) apply(p store.Principal, ap *store.AuthProvider, spec api.AuthProviderSpec, update bool) error {
	if spec.DefaultRole == "" {
		spec.DefaultRole = api.RoleViewer
	}
	if err := checkRole(p, "authProvider.spec.defaultRole", spec.DefaultRole); err != nil {
		return err
	}
	if spec.Type == api.AuthProviderGuest && spec.DefaultRole != api.RoleViewer {
		return Invalid("authProvider.spec.defaultRole: guest sessions are read-only, so the role is viewer")
	}
	if len(spec.DisplayName) > 100 {
		return Invalid("authProvider.spec.displayName must be at most 100 characters")
	}
	for i, d := range spec.AllowedEmailDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || strings.ContainsAny(d, "@/ ") || !strings.Contains(d, ".") {
			return Invalid("authProvider.spec.allowedEmailDomains[%d] %q is not a domain such as example.com", i, spec.AllowedEmailDomains[i])
		}
		spec.AllowedEmailDomains[i] = d
	}
	if spec.URL != "" {
		u, err := url.Parse(spec.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return Invalid("authProvider.spec.url %q is not an http(s) URL", spec.URL)
		}
		spec.URL = strings.TrimSuffix(spec.URL, "/")
	}
	oauth := spec.Type == api.AuthProviderGitHub || spec.Type == api.AuthProviderEntra || spec.Type == api.AuthProviderGoogle
	switch spec.Type {
	case api.AuthProviderEntra:
		if _, err := uuid.Parse(spec.Tenant); err != nil {
			return Invalid("authProvider.spec.tenant %q is not a tenant id (a UUID): sign-in is restricted to that tenant", spec.Tenant)
		}
	case api.AuthProviderBackstage:
		if spec.URL == "" {
			return Invalid("authProvider.spec.url is required for backstage: the Backstage base URL whose auth backend signs the identity tokens")
		}
	}
	if !oauth && (spec.ClientID != "" || spec.ClientSecret != nil) {
		return Invalid("authProvider.spec.clientId and clientSecret apply to github, entra and google only")
	}
	if spec.Type != api.AuthProviderEntra && spec.Tenant != "" {
		return Invalid("authProvider.spec.tenant applies to entra only")
	}
	if spec.Type != api.AuthProviderGoogle && spec.HostedDomain != "" {
		return Invalid("authProvider.spec.hostedDomain applies to google only")
	}
	if spec.Type != api.AuthProviderGitHub && spec.AllowedOrganization != "" {
		return Invalid("authProvider.spec.allowedOrganization applies to github only")
	}
	if oauth && spec.ClientID == "" {
		return Invalid("authProvider.spec.clientId is required for %s", spec.Type)
	}
	sec := spec.ClientSecret
	spec.ClientSecret = nil
	switch {
	case !oauth:
		ap.KeyID, ap.Ciphertext = "", nil
	case sec == nil && update && (len(ap.Ciphertext) > 0 || ap.Config != nil && storedSecretRef(*ap) != nil):
		// Keep the stored secret: a write-only value is never sent back,
		// so an update that does not mention it must not drop it.
		if ref := storedSecretRef(*ap); ref != nil && len(ap.Ciphertext) == 0 {
			spec.ClientSecret = ref
		}
	case sec == nil:
		return Invalid("authProvider.spec.clientSecret is required for %s: a secretName and key, or a value", spec.Type)
	case sec.Value != "" && (sec.SecretName != "" || sec.Key != ""):
		return Invalid("authProvider.spec.clientSecret: set either value or secretName and key, not both")
	case sec.Value != "":
		blob, keyID, err := s.Sealer.SealSecret(authProviderAD(ap.ID), map[string]string{"clientSecret": sec.Value})
		if err != nil {
			return err
		}
		ap.KeyID, ap.Ciphertext = keyID, blob
	case sec.SecretName == "" || sec.Key == "":
		return Invalid("authProvider.spec.clientSecret: secretName and key are both required (or a value)")
	default:
		spec.ClientSecret = &api.AuthProviderSecret{SecretName: sec.SecretName, Key: sec.Key}
		ap.KeyID, ap.Ciphertext = "", nil
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	ap.Config = b
	return nil
}

// storedSecretRef is the secret reference stored in ap's config, or nil.
func storedSecretRef(ap store.AuthProvider) *api.AuthProviderSecret {
	spec, err := store.DecodeJSON[api.AuthProviderSpec]("auth provider", ap.ID, "config", ap.Config)
	if err != nil || spec.ClientSecret == nil || spec.ClientSecret.SecretName == "" {
		return nil
	}
	return spec.ClientSecret
}

// clientSecret opens the provider's client secret: its sealed value or the
// referenced organization secret's key. It is used for one token request
// and dropped.
func (s *AuthProviders) clientSecret(ctx context.Context, ap store.AuthProvider) (string, error) {
	if len(ap.Ciphertext) > 0 {
		data, err := s.Sealer.OpenSecret(authProviderAD(ap.ID), ap.Ciphertext)
		if err != nil {
			return "", err
		}
		return data["clientSecret"], nil
	}
	ref := storedSecretRef(ap)
	if ref == nil {
		return "", unauthenticated("auth provider %q has no client secret", ap.Name)
	}
	sec, err := s.Store.FindSecret(ctx, ap.OrgID, store.DomainOrganization, ap.OrgID, ref.SecretName)
	if err != nil {
		if isNotFound(err) {
			return "", unauthenticated("auth provider %q: its client secret %q is gone: ask an owner", ap.Name, ref.SecretName)
		}
		return "", err
	}
	data, err := s.Sealer.OpenSecret(sec.ID, sec.Ciphertext)
	if err != nil {
		return "", err
	}
	v, ok := data[ref.Key]
	if !ok {
		return "", unauthenticated("auth provider %q: key %q of secret %q is gone: ask an owner", ap.Name, ref.Key, ref.SecretName)
	}
	return v, nil
}
