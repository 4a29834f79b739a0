package server

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func integrationToAPI(in store.Integration) api.Integration {
	created, updated := in.CreatedAt, in.UpdatedAt
	status := &api.IntegrationStatus{State: in.StatusState, Reason: in.StatusReason}
	if status.State == "" {
		status.State = api.IntegrationStateUnverified
	}
	if !in.StatusCheckedAt.IsZero() {
		checked := in.StatusCheckedAt
		status.CheckedAt = &checked
	}
	spec := &api.IntegrationSpec{
		Type: in.Type,
		URL:  in.URL,
		Auth: &api.IntegrationAuth{
			Use: in.AuthType,
			Token: &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{
				DomainType: in.SecretDomainType, Name: in.SecretName, Key: in.SecretKey,
			}}},
		},
	}
	if len(in.Settings) > 0 {
		cloudSpecToAPI(in, spec)
	}
	return api.Integration{
		Metadata: &api.IntegrationMetadata{
			ID: in.ID, Name: in.Name, CreatedBy: in.CreatedBy, CreatedAt: &created,
			DomainType: in.DomainType, DomainID: in.DomainID, Description: in.Description, UpdatedAt: &updated,
		},
		Spec:   spec,
		Status: status,
	}
}

func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	ins, err := s.integrations.List(r.Context(), p, qt, qid)
	if err != nil {
		return err
	}
	out := api.ListIntegrationsResponse{Integrations: make([]api.Integration, 0, len(ins))}
	for _, in := range ins {
		out.Integrations = append(out.Integrations, integrationToAPI(in))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) describeIntegration(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	in, err := s.integrations.Find(r.Context(), p, qt, qid, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.IntegrationResponse{Integration: ptr(integrationToAPI(in))})
	return nil
}

func (s *Server) createIntegration(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.CreateIntegrationRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	in, err := s.integrations.Create(r.Context(), p, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.IntegrationResponse{Integration: ptr(integrationToAPI(in))})
	return nil
}

// updateIntegration replaces the spec (and name and description when given)
// and verifies the new credentials. The domain is the body's, or else the
// query's.
func (s *Server) updateIntegration(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.UpdateIntegrationRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	dtype, did := req.DomainType, req.DomainID
	if dtype == "" {
		dtype, did = queryDomain(r)
	}
	in, err := s.integrations.Update(r.Context(), p, dtype, did, r.PathValue("idOrName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.IntegrationResponse{Integration: ptr(integrationToAPI(in))})
	return nil
}

// verifyIntegration serves POST /api/v1/integrations/{idOrName}/verify
// (extension): test the connection now and record the result.
func (s *Server) verifyIntegration(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	in, err := s.integrations.Verify(r.Context(), p, qt, qid, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.IntegrationResponse{Integration: ptr(integrationToAPI(in))})
	return nil
}

func (s *Server) deleteIntegration(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	if err := s.integrations.Delete(r.Context(), p, qt, qid, r.PathValue("idOrName")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}
