package service

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// ServiceAccounts holds the rules for service accounts and their tokens:
// machine identities of an organization, managed through the API (and so
// as code), each with one role that its tokens carry. No caller may act on
// an account that holds more than it in any scope, nor give one such a
// role: an admin cannot mint an owner's token, and a member allowed to
// manage accounts cannot mint the token of one that owns a canvas it does
// not (see holdsAtLeast).
type ServiceAccounts struct {
	Store store.Store
	Now   func() time.Time
}

// denied refuses an action the caller's role does not allow (403).
func denied(format string, a ...any) error { return errorf(api.CodePermissionDenied, format, a...) }

// checkRole validates a role named in field and refuses one above the
// caller's.
func checkRole(p store.Principal, field, role string) error {
	if api.RoleRank(role) == 0 {
		return Invalid("%s %q is not one of %s, %s, %s, %s", field, role, api.RoleOwner, api.RoleAdmin, api.RoleViewer, api.RoleMember)
	}
	if api.RoleRank(role) > api.RoleRank(p.Role) {
		return denied("%s %q ranks above the caller's role %s", field, role, p.Role)
	}
	return nil
}

// mayManage refuses acting on an account whose organization role ranks
// above the caller's. It reads nothing, so it also runs under the
// account's row lock; holdsAtLeast adds the account's role bindings.
func mayManage(p store.Principal, a store.ServiceAccount) error {
	if api.RoleRank(a.Role) > api.RoleRank(p.Role) {
		return denied("service account %q has role %s, which ranks above the caller's role %s", a.Name, a.Role, p.Role)
	}
	return nil
}

// holdsAtLeast refuses (403) acting on account a unless the caller holds
// every permission that a's role bindings give it, each where it applies:
// a canvas role's on that canvas, an organization one's everywhere,
// directly or through a group. The token of an account that owns canvas
// prod acts as that owner whatever its organization role, so changing it,
// minting its token or taking it away is for those who hold as much on
// prod: "nobody grants more than they hold", as for roles. The owner holds
// everything and reads nothing.
func (s *ServiceAccounts) holdsAtLeast(ctx context.Context, p store.Principal, a store.ServiceAccount) error {
	if err := mayManage(p, a); err != nil {
		return err
	}
	if p.Role == api.RoleOwner {
		return nil
	}
	held, err := s.Store.UserGrants(ctx, p.Organization.ID, a.UserID)
	if err != nil || len(held) == 0 {
		return err
	}
	mine, err := s.Store.UserGrants(ctx, p.Organization.ID, p.User.ID)
	if err != nil {
		return err
	}
	for _, g := range held {
		canvas, where := "", "the organization"
		if g.DomainType == store.DomainCanvas {
			canvas, where = g.DomainID, "canvas "+g.CanvasName
		}
		access := accessOf(p.Role, mine, canvas)
		if k, ok := access.covers(grantPermissions(g)); !ok {
			if canvas != "" && !access.SeesCanvas() {
				// As everywhere, a canvas the caller cannot see is not named.
				return denied("service account %q holds a role on a canvas the caller cannot see", a.Name)
			}
			return denied("service account %q holds role %s on %s, which gives %s %s there; the caller does not hold it", a.Name, g.Role, where, k.action, k.resource)
		}
	}
	return nil
}

// List returns the organization's service accounts.
func (s *ServiceAccounts) List(ctx context.Context, p store.Principal) ([]store.ServiceAccount, error) {
	return s.Store.ListServiceAccounts(ctx, p.Organization.ID)
}

// Find returns the organization's service account idOrName.
func (s *ServiceAccounts) Find(ctx context.Context, p store.Principal, idOrName string) (store.ServiceAccount, error) {
	return s.Store.FindServiceAccount(ctx, p.Organization.ID, idOrName)
}

// Create creates a service account from a request.
func (s *ServiceAccounts) Create(ctx context.Context, p store.Principal, req api.ServiceAccountRequest) (store.ServiceAccount, error) {
	if req.ServiceAccount == nil || req.ServiceAccount.Metadata == nil {
		return store.ServiceAccount{}, Invalid("serviceAccount.metadata.name is required")
	}
	m := req.ServiceAccount.Metadata
	if err := ValidateName("serviceAccount.metadata.name", m.Name); err != nil {
		return store.ServiceAccount{}, err
	}
	if len(m.Description) > MaxDescriptionLen {
		return store.ServiceAccount{}, Invalid("serviceAccount.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	if req.ServiceAccount.Spec == nil || req.ServiceAccount.Spec.Role == "" {
		return store.ServiceAccount{}, Invalid("serviceAccount.spec.role is required")
	}
	role := req.ServiceAccount.Spec.Role
	if err := checkRole(p, "serviceAccount.spec.role", role); err != nil {
		return store.ServiceAccount{}, err
	}
	now := Timestamp(s.Now)
	return s.Store.CreateServiceAccount(ctx, store.ServiceAccount{
		ID: uuid.NewString(), OrgID: p.Organization.ID, Name: m.Name, Description: m.Description, Role: role,
		CreatedBy: p.User.ID, CreatedAt: now, UpdatedAt: now,
	})
}

// Update replaces the account's description, and its name and role when
// given; the account's tokens take the new role at once.
func (s *ServiceAccounts) Update(ctx context.Context, p store.Principal, idOrName string, req api.ServiceAccountRequest) (store.ServiceAccount, error) {
	if req.ServiceAccount == nil {
		return store.ServiceAccount{}, Invalid("serviceAccount is required")
	}
	m := req.ServiceAccount.Metadata
	if m == nil {
		m = &api.ServiceAccountMetadata{}
	}
	if m.Name != "" {
		if err := ValidateName("serviceAccount.metadata.name", m.Name); err != nil {
			return store.ServiceAccount{}, err
		}
	}
	if len(m.Description) > MaxDescriptionLen {
		return store.ServiceAccount{}, Invalid("serviceAccount.metadata.description must be at most %d characters", MaxDescriptionLen)
	}
	role := ""
	if req.ServiceAccount.Spec != nil {
		role = req.ServiceAccount.Spec.Role
	}
	if role != "" {
		if err := checkRole(p, "serviceAccount.spec.role", role); err != nil {
			return store.ServiceAccount{}, err
		}
	}
	a, err := s.Store.FindServiceAccount(ctx, p.Organization.ID, idOrName)
	if err != nil {
		return store.ServiceAccount{}, err
	}
	// The bindings are read before the row's lock (fn may not read); one
	// added in between was added by someone holding it.
	if err := s.holdsAtLeast(ctx, p, a); err != nil {
		return store.ServiceAccount{}, err
	}
	now := Timestamp(s.Now)
	return s.Store.UpdateServiceAccount(ctx, p.Organization.ID, a.ID, func(a *store.ServiceAccount) error {
		// Checked under the row's lock, against the role it has now.
		if err := mayManage(p, *a); err != nil {
			return err
		}
		if m.Name != "" {
			a.Name = m.Name
		}
		if role != "" {
			a.Role = role
		}
		a.Description, a.UpdatedAt = m.Description, now
		return nil
	})
}

// Delete deletes the account with its tokens: they stop working from the
// next request on, on every replica.
func (s *ServiceAccounts) Delete(ctx context.Context, p store.Principal, idOrName string) error {
	a, err := s.Store.FindServiceAccount(ctx, p.Organization.ID, idOrName)
	if err != nil {
		return err
	}
	if err := s.holdsAtLeast(ctx, p, a); err != nil {
		return err
	}
	return s.Store.DeleteServiceAccount(ctx, p.Organization.ID, a.ID)
}

// Tokens returns the account's tokens, without values.
func (s *ServiceAccounts) Tokens(ctx context.Context, p store.Principal, idOrName string) ([]store.ServiceAccountToken, error) {
	a, err := s.Store.FindServiceAccount(ctx, p.Organization.ID, idOrName)
	if err != nil {
		return nil, err
	}
	return s.Store.ListServiceAccountTokens(ctx, p.Organization.ID, a.ID)
}

// Token returns one of the account's tokens, without its value.
func (s *ServiceAccounts) Token(ctx context.Context, p store.Principal, idOrName, tokenID string) (store.ServiceAccountToken, error) {
	a, err := s.Store.FindServiceAccount(ctx, p.Organization.ID, idOrName)
	if err != nil {
		return store.ServiceAccountToken{}, err
	}
	return s.Store.FindServiceAccountToken(ctx, p.Organization.ID, a.ID, tokenID)
}

// CreateToken creates a token of the account and returns it with its
// value, which is never stored (only its hash) and never shown again. The
// expiry defaults to api.DefaultTokenLifetime and may be at most
// api.MaxTokenLifetime away.
func (s *ServiceAccounts) CreateToken(ctx context.Context, p store.Principal, idOrName string, req api.CreateServiceAccountTokenRequest) (store.ServiceAccountToken, string, error) {
	if err := ValidateName("name", req.Name); err != nil {
		return store.ServiceAccountToken{}, "", err
	}
	now := Timestamp(s.Now)
	expires := now.Add(api.DefaultTokenLifetime)
	if req.ExpiresAt != nil {
		expires = req.ExpiresAt.UTC().Truncate(time.Microsecond)
		switch {
		case !expires.After(now):
			return store.ServiceAccountToken{}, "", Invalid("expiresAt %s is not in the future", expires.Format(time.RFC3339))
		case expires.Sub(now) > api.MaxTokenLifetime:
			return store.ServiceAccountToken{}, "", Invalid("expiresAt %s is more than %d days away; tokens live at most that long", expires.Format(time.RFC3339), int(api.MaxTokenLifetime/(24*time.Hour)))
		}
	}
	a, err := s.Store.FindServiceAccount(ctx, p.Organization.ID, idOrName)
	if err != nil {
		return store.ServiceAccountToken{}, "", err
	}
	if err := s.holdsAtLeast(ctx, p, a); err != nil {
		return store.ServiceAccountToken{}, "", err
	}
	value, hash, err := NewToken()
	if err != nil {
		return store.ServiceAccountToken{}, "", err
	}
	t, err := s.Store.CreateServiceAccountToken(ctx, store.ServiceAccountToken{
		ServiceAccountID: a.ID, OrgID: p.Organization.ID, Name: req.Name, Hash: hash, CreatedAt: now, ExpiresAt: expires,
	})
	if err != nil {
		return store.ServiceAccountToken{}, "", err
	}
	// The account's role or bindings may have risen between the check and
	// the insert (only a caller holding as much could raise them); the
	// token must not carry more than the caller holds.
	// A failed read refuses too: the token is never left unchecked.
	a.Role = t.Role
	if refused := s.holdsAtLeast(ctx, p, a); refused != nil {
		if err := s.Store.DeleteServiceAccountToken(context.WithoutCancel(ctx), p.Organization.ID, a.ID, t.ID); err != nil {
			return store.ServiceAccountToken{}, "", err
		}
		return store.ServiceAccountToken{}, "", refused
	}
	return t, value, nil
}

// RevokeToken deletes one of the account's tokens: it is refused from the
// next request on, on every replica (tokens are looked up per request).
func (s *ServiceAccounts) RevokeToken(ctx context.Context, p store.Principal, idOrName, tokenID string) error {
	a, err := s.Store.FindServiceAccount(ctx, p.Organization.ID, idOrName)
	if err != nil {
		return err
	}
	if err := s.holdsAtLeast(ctx, p, a); err != nil {
		return err
	}
	return s.Store.DeleteServiceAccountToken(ctx, p.Organization.ID, a.ID, tokenID)
}
