package service

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// MaxSecretPage bounds the page size (?limit=) of a secrets list.
const MaxSecretPage = 1000

// Secrets holds the rules for secrets: the only way their data is sealed
// and opened.
type Secrets struct {
	Store  store.Store
	Sealer *sealer.Sealer
	Log    *slog.Logger
	Now    func() time.Time
	// DataChanged runs after a secret's data changed (a rotation), with its
	// id, to re-verify the integrations whose token is in it. New wires it
	// to Integrations.ReverifyUsers.
	DataChanged func(ctx context.Context, secretID string)
}

// ResolveDomain turns a request's domainType and domainId (an id or a name)
// into the stored domain type and id, within the principal's organization.
func (s *Secrets) ResolveDomain(ctx context.Context, p store.Principal, domainType, domainID string) (string, string, error) {
	return s.resolveDomain(ctx, p, Prefetched{}, domainType, domainID)
}

// resolveDomain is ResolveDomain that takes the canvas from pre when its
// authentication found the one named domainID.
func (s *Secrets) resolveDomain(ctx context.Context, p store.Principal, pre Prefetched, domainType, domainID string) (string, string, error) {
	switch domainType {
	case api.DomainTypeOrganization:
		if domainID != "" && domainID != p.Organization.ID && domainID != p.Organization.Name {
			return "", "", NotFound("organization %q not found", domainID)
		}
		return store.DomainOrganization, p.Organization.ID, nil
	case api.DomainTypeCanvas:
		if domainID == "" {
			return "", "", Invalid("domainId is required with DOMAIN_TYPE_CANVAS: a canvas id or name")
		}
		if pre.Found && pre.Scope.Canvas == domainID && pre.Canvas.ID != "" {
			return store.DomainCanvas, pre.Canvas.ID, nil
		}
		c, err := s.Store.FindCanvas(ctx, p.Organization.ID, domainID)
		if err != nil {
			return "", "", err
		}
		return store.DomainCanvas, c.ID, nil
	case "", api.DomainTypeUnspecified:
		return "", "", Invalid("domainType is required: DOMAIN_TYPE_ORGANIZATION or DOMAIN_TYPE_CANVAS")
	default:
		return "", "", Invalid("domainType %q is not one of DOMAIN_TYPE_ORGANIZATION, DOMAIN_TYPE_CANVAS", domainType)
	}
}

// List returns the secrets of a domain. With a limit in pq, it returns one
// page and the name after which the next starts ("" on the last page);
// without, the whole list, as a v1 client expects.
func (s *Secrets) List(ctx context.Context, p store.Principal, domainType, domainID string, pq store.PageQuery) ([]store.Secret, string, error) {
	dt, did, err := s.ResolveDomain(ctx, p, domainType, domainID)
	if err != nil {
		return nil, "", err
	}
	page, err := store.ParsePage(pq, store.PageRules{MaxLimit: MaxSecretPage, ByName: true})
	if err != nil {
		return nil, "", Invalid("%s", err)
	}
	n := page.Limit
	if n <= 0 {
		secs, err := s.Store.ListSecrets(ctx, p.Organization.ID, dt, did)
		return secs, "", err
	}
	page.Limit = n + 1
	secs, err := s.Store.ListSecretsPage(ctx, p.Organization.ID, dt, did, page)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(secs) > n {
		secs = secs[:n]
		next = secs[n-1].Name
	}
	return secs, next, nil
}

// Find returns the secret idOrName of a domain.
func (s *Secrets) Find(ctx context.Context, p store.Principal, domainType, domainID, idOrName string) (store.Secret, error) {
	return s.FindWith(ctx, p, Prefetched{}, domainType, domainID, idOrName)
}

// FindWith is Find that answers from pre, what the request's
// authentication found (SecretScope), when it found this very secret; the
// domain's rules run as for Find either way.
func (s *Secrets) FindWith(ctx context.Context, p store.Principal, pre Prefetched, domainType, domainID, idOrName string) (store.Secret, error) {
	dt, did, err := s.resolveDomain(ctx, p, pre, domainType, domainID)
	if err != nil {
		return store.Secret{}, err
	}
	if sec := pre.Secret; pre.Found && pre.Scope.Secret == idOrName && sec.ID != "" &&
		sec.OrgID == p.Organization.ID && sec.DomainType == dt && sec.DomainID == did {
		return sec, nil
	}
	return s.Store.FindSecret(ctx, p.Organization.ID, dt, did, idOrName)
}

// SecretScope is the scope of a request for the secret idOrName of a
// domain (as the query string gives it), for Tokens.AuthenticateIn; an
// invalid domain names nothing, and FindWith then says what is wrong.
func SecretScope(domainType, domainID, idOrName string) store.Scope {
	switch domainType {
	case api.DomainTypeOrganization:
		return store.Scope{SecretDomain: store.DomainOrganization, Secret: idOrName}
	case api.DomainTypeCanvas:
		if domainID != "" {
			return store.Scope{Canvas: domainID, SecretDomain: store.DomainCanvas, Secret: idOrName}
		}
	}
	return store.Scope{}
}

// Delete deletes the secret idOrName of a domain.
func (s *Secrets) Delete(ctx context.Context, p store.Principal, domainType, domainID, idOrName string) error {
	dt, did, err := s.ResolveDomain(ctx, p, domainType, domainID)
	if err != nil {
		return err
	}
	return s.Store.DeleteSecret(ctx, p.Organization.ID, dt, did, idOrName)
}

func validateProvider(spec *api.SecretSpec) error {
	if spec == nil || spec.Provider == "" || spec.Provider == api.ProviderLocal {
		return nil
	}
	return Invalid("secret.spec.provider %q is not supported: use PROVIDER_LOCAL", spec.Provider)
}

// Create creates a secret from a v1 create request, its data sealed.
func (s *Secrets) Create(ctx context.Context, p store.Principal, req api.CreateSecretRequest) (store.Secret, error) {
	if req.Secret == nil || req.Secret.Metadata == nil {
		return store.Secret{}, Invalid("secret.metadata.name is required")
	}
	if err := ValidateName("secret.metadata.name", req.Secret.Metadata.Name); err != nil {
		return store.Secret{}, err
	}
	if err := validateProvider(req.Secret.Spec); err != nil {
		return store.Secret{}, err
	}
	dt, did, err := s.ResolveDomain(ctx, p, req.DomainType, req.DomainID)
	if err != nil {
		return store.Secret{}, err
	}
	// A secret holds values: one created without any is a client's
	// mistake (a misspelt field, a lost map), better said now than found
	// as a missing key when a stage runs.
	switch spec := req.Secret.Spec; {
	case spec == nil:
		return store.Secret{}, Invalid("secret.spec is required: {\"local\": {\"data\": {...}}}")
	case spec.Local == nil:
		return store.Secret{}, Invalid("secret.spec.local is required: {\"data\": {...}}")
	case len(spec.Local.Data) == 0:
		return store.Secret{}, Invalid("secret.spec.local.data is required: at least one key and value")
	}
	data := req.Secret.Spec.Local.Data
	if err := validateSecretData("secret.spec.local.data", data); err != nil {
		return store.Secret{}, err
	}
	now := Timestamp(s.Now)
	sec := store.Secret{
		ID:         uuid.NewString(),
		OrgID:      p.Organization.ID,
		DomainType: dt,
		DomainID:   did,
		Name:       req.Secret.Metadata.Name,
		Provider:   api.ProviderLocal,
		Version:    1,
		CreatedBy:  p.User.ID,
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	if err := s.seal(&sec, data); err != nil {
		return store.Secret{}, err
	}
	if err := s.Store.CreateSecret(ctx, sec); err != nil {
		return store.Secret{}, err
	}
	s.rewrapIfStale(ctx, sec)
	return sec, nil
}

// Update applies a v1 update request to the secret idOrName of the domain
// (domainType, domainID). A present spec.local.data replaces the whole map
// (v1 semantics); an absent spec keeps the data and changes only the
// metadata. The version moves only when the data really changes, so clients
// can detect changes made elsewhere.
func (s *Secrets) Update(ctx context.Context, p store.Principal, domainType, domainID, idOrName string, req api.UpdateSecretRequest) (store.Secret, error) {
	if req.Secret == nil {
		return store.Secret{}, Invalid("secret is required")
	}
	newName := ""
	if req.Secret.Metadata != nil && req.Secret.Metadata.Name != "" {
		newName = req.Secret.Metadata.Name
		if err := ValidateName("secret.metadata.name", newName); err != nil {
			return store.Secret{}, err
		}
	}
	if err := validateProvider(req.Secret.Spec); err != nil {
		return store.Secret{}, err
	}
	var data map[string]string
	if req.Secret.Spec != nil && req.Secret.Spec.Local != nil {
		data = req.Secret.Spec.Local.Data
		if data == nil {
			data = map[string]string{}
		}
		if err := validateSecretData("secret.spec.local.data", data); err != nil {
			return store.Secret{}, err
		}
	}
	dt, did, err := s.ResolveDomain(ctx, p, domainType, domainID)
	if err != nil {
		return store.Secret{}, err
	}
	if data != nil {
		if err := s.checkKeysStillUsed(ctx, p, dt, did, idOrName, data); err != nil {
			return store.Secret{}, err
		}
	}
	now := Timestamp(s.Now)
	dataChanged := false
	sec, err := s.Store.UpdateSecret(ctx, p.Organization.ID, dt, did, idOrName, func(sec *store.Secret) error {
		dataChanged = false
		if newName != "" && newName != sec.Name {
			sec.Name = newName
			sec.UpdatedAt = now
		}
		if data == nil {
			return nil
		}
		// An unreadable old value (its key is gone) is simply replaced.
		if old, err := s.Open(*sec); err == nil && maps.Equal(old, data) {
			return nil
		}
		if err := s.seal(sec, data); err != nil {
			return err
		}
		sec.Version++
		sec.UpdatedAt = now
		dataChanged = true
		return nil
	})
	if err != nil {
		return store.Secret{}, err
	}
	s.rewrapIfStale(ctx, sec)
	if dataChanged && s.DataChanged != nil {
		// Rotation: integrations using this secret now use the new token;
		// check it works so their status tells.
		s.DataChanged(ctx, sec.ID)
	}
	return sec, nil
}

// rewrapIfStale rewraps the data key of a secret just written when the
// active key changed while it was being written. `keys rotate` may have
// finished its last pass between the seal and the commit; without this the
// secret would stay under the old key, and be lost when that key is removed.
// Rotate writes the new key before its passes and this check runs after the
// commit, so every write is either seen by a pass or rewraps itself.
func (s *Secrets) rewrapIfStale(ctx context.Context, sec store.Secret) {
	blob, activeID, stale, err := s.Sealer.RewrapStaleSecret(sec.ID, sec.KeyID, sec.Ciphertext)
	if !stale {
		return
	}
	if err == nil {
		// Compare-and-swap: a concurrent write or rotate wins.
		_, err = s.Store.RewrapSecret(ctx, sec.ID, sec.Ciphertext, blob, activeID)
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "cannot rewrap a secret written during a key rotation; run keys rotate again",
			slog.String("secret", sec.ID), slog.String("error", err.Error()))
	}
}

// seal encrypts data into sec with a fresh data key.
func (s *Secrets) seal(sec *store.Secret, data map[string]string) error {
	blob, keyID, err := s.Sealer.SealSecret(sec.ID, data)
	if err != nil {
		return err
	}
	sec.Ciphertext, sec.KeyID = blob, keyID
	sec.Keys = slices.Sorted(maps.Keys(data))
	return nil
}

// Open decrypts a secret's data. It is the only way back to plaintext.
func (s *Secrets) Open(sec store.Secret) (map[string]string, error) {
	return s.Sealer.OpenSecret(sec.ID, sec.Ciphertext)
}

// checkKeysStillUsed refuses new data that drops a key a stage reads or an
// integration takes its token from: the stage or integration would break
// silently, at its next run. The answer names every user of every dropped
// key. It runs before the update's transaction, so a stage created in
// between is not seen (the same window as for integrations).
func (s *Secrets) checkKeysStillUsed(ctx context.Context, p store.Principal, dt, did, idOrName string, data map[string]string) error {
	sec, err := s.Store.FindSecret(ctx, p.Organization.ID, dt, did, idOrName)
	if err != nil {
		return err
	}
	stages, err := s.Store.StagesUsingSecret(ctx, sec)
	if err != nil {
		return err
	}
	integrations, err := s.Store.IntegrationsUsingSecret(ctx, sec.ID)
	if err != nil {
		return err
	}
	users := map[string][]string{} // dropped key -> its users
	var dropped []string
	use := func(key, user string) {
		if _, ok := data[key]; ok || slices.Contains(users[key], user) {
			return
		}
		if users[key] == nil {
			dropped = append(dropped, key)
		}
		users[key] = append(users[key], user)
	}
	for _, st := range stages {
		for _, k := range st.Keys {
			use(k, st.String())
		}
	}
	for _, in := range integrations {
		// A cloud integration may take more than one key (aws: both
		// halves of the key pair).
		keys := cloudSecretKeys(in)
		if len(keys) == 0 {
			keys = []string{in.SecretKey}
		}
		for _, k := range keys {
			use(k, fmt.Sprintf("integration %q", in.Name))
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	slices.Sort(dropped)
	var parts []string
	for _, k := range dropped {
		parts = append(parts, fmt.Sprintf("key %q is used by %s", k, strings.Join(users[k], ", ")))
	}
	return inUse("secret.spec.local.data: %s; keep it or change them first", strings.Join(parts, "; "))
}
