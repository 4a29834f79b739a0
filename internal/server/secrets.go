package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func secretToAPI(sec store.Secret) api.Secret {
	created, updated := sec.CreatedAt, sec.UpdatedAt
	data := make(map[string]string, len(sec.Keys))
	for _, k := range sec.Keys {
		data[k] = api.RedactedValue
	}
	provider := sec.Provider
	if provider == "" {
		provider = api.ProviderLocal
	}
	return api.Secret{
		Metadata: &api.SecretMetadata{
			ID:         sec.ID,
			Name:       sec.Name,
			DomainType: sec.DomainType,
			DomainID:   sec.DomainID,
			CreatedAt:  &created,
			UpdatedAt:  &updated,
			Version:    sec.Version,
			CreatedBy:  sec.CreatedBy,
		},
		Spec: &api.SecretSpec{Provider: provider, Local: &api.SecretLocal{Data: data}},
	}
}

// resolveDomain turns the request's domainType and domainId (an id or a
// name) into the stored domain type and id, within the caller's organization.
func (s *Server) resolveDomain(ctx context.Context, p store.Principal, domainType, domainID string) (string, string, error) {
	switch domainType {
	case api.DomainTypeOrganization:
		if domainID != "" && domainID != p.Organization.ID && domainID != p.Organization.Name {
			return "", "", notFound("organization %q not found", domainID)
		}
		return store.DomainOrganization, p.Organization.ID, nil
	case api.DomainTypeCanvas:
		if domainID == "" {
			return "", "", invalid("domainId is required with DOMAIN_TYPE_CANVAS: a canvas id or name")
		}
		c, err := s.store.FindCanvas(ctx, p.Organization.ID, domainID)
		if err != nil {
			return "", "", err
		}
		return store.DomainCanvas, c.ID, nil
	case "", api.DomainTypeUnspecified:
		return "", "", invalid("domainType is required: DOMAIN_TYPE_ORGANIZATION or DOMAIN_TYPE_CANVAS")
	default:
		return "", "", invalid("domainType %q is not one of DOMAIN_TYPE_ORGANIZATION, DOMAIN_TYPE_CANVAS", domainType)
	}
}

// queryDomain reads domainType and domainId from the query string, in
// lowerCamelCase or snake_case.
func queryDomain(r *http.Request) (string, string) {
	q := r.URL.Query()
	dt, did := q.Get("domainType"), q.Get("domainId")
	if dt == "" {
		dt = q.Get("domain_type")
	}
	if did == "" {
		did = q.Get("domain_id")
	}
	return dt, did
}

// maxSecretPage bounds ?limit= of a secrets list.
const maxSecretPage = 1000

func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	dt, did, err := s.resolveDomain(r.Context(), p, qt, qid)
	if err != nil {
		return err
	}
	// The contract's list has no pages; ?limit= (and ?after=, the
	// previous page's next) is this server's extension. Without it the
	// whole list comes back, as a v1 client expects.
	var (
		secs []store.Secret
		next string
	)
	q := r.URL.Query()
	page, err := store.ParsePage(store.PageQuery{Limit: q.Get("limit"), After: q.Get("after")},
		store.PageRules{MaxLimit: maxSecretPage, ByName: true})
	if err != nil {
		return invalid("%s", err)
	}
	if n := page.Limit; n > 0 {
		page.Limit = n + 1
		secs, err = s.store.ListSecretsPage(r.Context(), p.Organization.ID, dt, did, page)
		if err != nil {
			return err
		}
		if len(secs) > n {
			secs = secs[:n]
			next = secs[n-1].Name
		}
	} else {
		secs, err = s.store.ListSecrets(r.Context(), p.Organization.ID, dt, did)
		if err != nil {
			return err
		}
	}
	// Encoded one secret at a time, not as one ListSecretsResponse value:
	// an organization's list has no pages in the contract, and 100k
	// secrets built as API objects first took the server to 400 MiB.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	_, _ = bw.WriteString(`{"secrets":[`)
	for i, sec := range secs {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		b, err := json.Marshal(secretToAPI(sec))
		if err != nil {
			break // cannot happen for these types; the status is sent already
		}
		if _, err := bw.Write(b); err != nil {
			break // the client is gone
		}
		secs[i] = store.Secret{} // done with it: let the collector have it
	}
	_ = bw.WriteByte(']')
	if next != "" {
		b, _ := json.Marshal(next)
		_, _ = bw.WriteString(`,"next":`)
		_, _ = bw.Write(b)
	}
	_, _ = bw.WriteString("}\n")
	_ = bw.Flush()
	return nil
}

func (s *Server) describeSecret(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	dt, did, err := s.resolveDomain(r.Context(), p, qt, qid)
	if err != nil {
		return err
	}
	sec, err := s.store.FindSecret(r.Context(), p.Organization.ID, dt, did, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.SecretResponse{Secret: ptr(secretToAPI(sec))})
	return nil
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	dt, did, err := s.resolveDomain(r.Context(), p, qt, qid)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSecret(r.Context(), p.Organization.ID, dt, did, r.PathValue("idOrName")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

func validateProvider(spec *api.SecretSpec) error {
	if spec == nil || spec.Provider == "" || spec.Provider == api.ProviderLocal {
		return nil
	}
	return invalid("secret.spec.provider %q is not supported: use PROVIDER_LOCAL", spec.Provider)
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.CreateSecretRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Secret == nil || req.Secret.Metadata == nil {
		return invalid("secret.metadata.name is required")
	}
	if err := validateName("secret.metadata.name", req.Secret.Metadata.Name); err != nil {
		return err
	}
	if err := validateProvider(req.Secret.Spec); err != nil {
		return err
	}
	data := map[string]string{}
	if req.Secret.Spec != nil && req.Secret.Spec.Local != nil && req.Secret.Spec.Local.Data != nil {
		data = req.Secret.Spec.Local.Data
	}
	if err := validateSecretData("secret.spec.local.data", data); err != nil {
		return err
	}
	dt, did, err := s.resolveDomain(r.Context(), p, req.DomainType, req.DomainID)
	if err != nil {
		return err
	}
	now := s.timestamp()
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
	if err := s.sealData(&sec, data); err != nil {
		return err
	}
	if err := s.store.CreateSecret(r.Context(), sec); err != nil {
		return err
	}
	s.rewrapIfStale(r.Context(), sec)
	writeJSON(w, http.StatusOK, api.SecretResponse{Secret: ptr(secretToAPI(sec))})
	return nil
}

// rewrapIfStale rewraps the data key of a secret just written when the
// active key changed while it was being written. `keys rotate` may have
// finished its last pass between the seal and the commit; without this the
// secret would stay under the old key, and be lost when that key is removed.
// Rotate writes the new key before its passes and this check runs after the
// commit, so every write is either seen by a pass or rewraps itself.
func (s *Server) rewrapIfStale(ctx context.Context, sec store.Secret) {
	blob, activeID, stale, err := s.seal.RewrapStaleSecret(sec.ID, sec.KeyID, sec.Ciphertext)
	if !stale {
		return
	}
	if err == nil {
		// Compare-and-swap: a concurrent write or rotate wins.
		_, err = s.store.RewrapSecret(ctx, sec.ID, sec.Ciphertext, blob, activeID)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "cannot rewrap a secret written during a key rotation; run keys rotate again",
			slog.String("secret", sec.ID), slog.String("error", err.Error()))
	}
}

// sealData encrypts data into sec with a fresh data key.
func (s *Server) sealData(sec *store.Secret, data map[string]string) error {
	blob, keyID, err := s.seal.SealSecret(sec.ID, data)
	if err != nil {
		return err
	}
	sec.Ciphertext, sec.KeyID = blob, keyID
	sec.Keys = slices.Sorted(maps.Keys(data))
	return nil
}

// openData decrypts a secret's data. It is the only way back to plaintext.
func (s *Server) openData(sec store.Secret) (map[string]string, error) {
	return s.seal.OpenSecret(sec.ID, sec.Ciphertext)
}

// updateSecret serves PATCH /api/v1/secrets/{idOrName}. A present
// spec.local.data replaces the whole map (v1 semantics); an absent spec
// keeps the data and changes only the metadata. The version moves only when
// the data really changes, so clients can detect changes made elsewhere.
func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.UpdateSecretRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Secret == nil {
		return invalid("secret is required")
	}
	newName := ""
	if req.Secret.Metadata != nil && req.Secret.Metadata.Name != "" {
		newName = req.Secret.Metadata.Name
		if err := validateName("secret.metadata.name", newName); err != nil {
			return err
		}
	}
	if err := validateProvider(req.Secret.Spec); err != nil {
		return err
	}
	var data map[string]string
	if req.Secret.Spec != nil && req.Secret.Spec.Local != nil {
		data = req.Secret.Spec.Local.Data
		if data == nil {
			data = map[string]string{}
		}
		if err := validateSecretData("secret.spec.local.data", data); err != nil {
			return err
		}
	}
	dtype, did := req.DomainType, req.DomainID
	if dtype == "" {
		dtype, did = queryDomain(r)
	}
	dt, did, err := s.resolveDomain(r.Context(), p, dtype, did)
	if err != nil {
		return err
	}
	if data != nil {
		if err := s.checkKeysStillUsed(r.Context(), p, dt, did, r.PathValue("idOrName"), data); err != nil {
			return err
		}
	}
	now := s.timestamp()
	dataChanged := false
	sec, err := s.store.UpdateSecret(r.Context(), p.Organization.ID, dt, did, r.PathValue("idOrName"), func(sec *store.Secret) error {
		dataChanged = false
		if newName != "" && newName != sec.Name {
			sec.Name = newName
			sec.UpdatedAt = now
		}
		if data == nil {
			return nil
		}
		// An unreadable old value (its key is gone) is simply replaced.
		if old, err := s.openData(*sec); err == nil && maps.Equal(old, data) {
			return nil
		}
		if err := s.sealData(sec, data); err != nil {
			return err
		}
		sec.Version++
		sec.UpdatedAt = now
		dataChanged = true
		return nil
	})
	if err != nil {
		return err
	}
	s.rewrapIfStale(r.Context(), sec)
	if dataChanged {
		// Rotation: integrations using this secret now use the new token;
		// check it works so their status tells.
		s.reverifyUsers(r.Context(), sec.ID)
	}
	writeJSON(w, http.StatusOK, api.SecretResponse{Secret: ptr(secretToAPI(sec))})
	return nil
}

// checkKeysStillUsed refuses new data that drops a key a stage reads or an
// integration takes its token from: the stage or integration would break
// silently, at its next run. The answer names every user of every dropped
// key. It runs before the update's transaction, so a stage created in
// between is not seen (the same window as for integrations).
func (s *Server) checkKeysStillUsed(ctx context.Context, p store.Principal, dt, did, idOrName string, data map[string]string) error {
	sec, err := s.store.FindSecret(ctx, p.Organization.ID, dt, did, idOrName)
	if err != nil {
		return err
	}
	stages, err := s.store.StagesUsingSecret(ctx, sec)
	if err != nil {
		return err
	}
	integrations, err := s.store.IntegrationsUsingSecret(ctx, sec.ID)
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
		use(in.SecretKey, fmt.Sprintf("integration %q", in.Name))
	}
	if len(dropped) == 0 {
		return nil
	}
	slices.Sort(dropped)
	var parts []string
	for _, k := range dropped {
		parts = append(parts, fmt.Sprintf("key %q is used by %s", k, strings.Join(users[k], ", ")))
	}
	return &httpError{code: api.CodeAlreadyExists, message: "secret.spec.local.data: " + strings.Join(parts, "; ") +
		"; keep it or change them first"}
}
