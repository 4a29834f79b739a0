package server

import (
	"bufio"
	"encoding/json"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
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

func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	// v1's list has no pages; ?limit= (and ?after=, the previous page's
	// next) is this server's extension. Without it the whole list comes
	// back, as a v1 client expects.
	q := r.URL.Query()
	secs, next, err := s.secrets.List(r.Context(), p, qt, qid, store.PageQuery{Limit: q.Get("limit"), After: q.Get("after")})
	if err != nil {
		return err
	}
	// Encoded one secret at a time, not as one ListSecretsResponse value:
	// an organization's list has no pages in v1, and 100k secrets built as
	// API objects first took the server to 400 MiB.
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

// secretScope is what GET /api/v1/secrets/{idOrName} reads, looked up with
// its token.
func secretScope(r *http.Request) store.Scope {
	qt, qid := queryDomain(r)
	return service.SecretScope(qt, qid, r.PathValue("idOrName"))
}

func (s *Server) describeSecret(w http.ResponseWriter, r *http.Request, p store.Principal, pre service.Prefetched) error {
	qt, qid := queryDomain(r)
	sec, err := s.secrets.FindWith(r.Context(), p, pre, qt, qid, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.SecretResponse{Secret: ptr(secretToAPI(sec))})
	return nil
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	if err := s.secrets.Delete(r.Context(), p, qt, qid, r.PathValue("idOrName")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.CreateSecretRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	sec, err := s.secrets.Create(r.Context(), p, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.SecretResponse{Secret: ptr(secretToAPI(sec))})
	return nil
}

// updateSecret serves PATCH /api/v1/secrets/{idOrName}; the domain is in
// the body or, failing that, in the query string.
func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.UpdateSecretRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	dtype, did := req.DomainType, req.DomainID
	if dtype == "" {
		dtype, did = queryDomain(r)
	}
	sec, err := s.secrets.Update(r.Context(), p, dtype, did, r.PathValue("idOrName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.SecretResponse{Secret: ptr(secretToAPI(sec))})
	return nil
}
