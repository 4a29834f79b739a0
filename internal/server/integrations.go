package server

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration/all"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// verifyTimeout bounds one verification against an external tool, so a slow
// tool cannot hold a request (or a secret update) for long.
const verifyTimeout = 20 * time.Second

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
	return api.Integration{
		Metadata: &api.IntegrationMetadata{
			ID: in.ID, Name: in.Name, CreatedBy: in.CreatedBy, CreatedAt: &created,
			DomainType: in.DomainType, DomainID: in.DomainID, Description: in.Description, UpdatedAt: &updated,
		},
		Spec: &api.IntegrationSpec{
			Type: in.Type,
			URL:  in.URL,
			Auth: &api.IntegrationAuth{
				Use: in.AuthType,
				Token: &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{
					DomainType: in.SecretDomainType, Name: in.SecretName, Key: in.SecretKey,
				}}},
			},
		},
		Status: status,
	}
}

// integrationTypes are the integration types: validation and verification
// go through them, so a new type needs no change here.
var integrationTypes = all.Registry()

// integrationSpec is a validated spec with its token secret resolved.
type integrationSpec struct {
	typ, url, authType string
	secret             store.Secret
	key                string
}

// resolveIntegrationSpec validates spec for an integration in domain (dt,
// did) and finds the secret holding its token. A canvas integration may use
// a secret of its canvas or of the organization; an organization integration
// only an organization secret.
func (s *Server) resolveIntegrationSpec(ctx context.Context, p store.Principal, dt, did string, spec *api.IntegrationSpec) (integrationSpec, error) {
	if spec == nil {
		return integrationSpec{}, invalid("integration.spec is required")
	}
	if err := api.ValidateIntegrationType("integration.spec.type", spec.Type); err != nil {
		return integrationSpec{}, invalid("%s", err.Error())
	}
	typ, ok := integrationTypes.Lookup(spec.Type)
	if !ok {
		return integrationSpec{}, invalid("integration.spec.type: integration type %q is not supported by this server", spec.Type)
	}
	if err := typ.ValidateURL("integration.spec.url", spec.URL); err != nil {
		return integrationSpec{}, invalid("%s", err.Error())
	}
	if spec.Auth == nil {
		return integrationSpec{}, invalid("integration.spec.auth is required: use AUTH_TYPE_TOKEN with a token from a secret")
	}
	switch spec.Auth.Use {
	case api.AuthTypeToken:
	case "":
		return integrationSpec{}, invalid("integration.spec.auth.use is required: AUTH_TYPE_TOKEN")
	default:
		return integrationSpec{}, invalid("integration.spec.auth.use %q is not supported: use AUTH_TYPE_TOKEN", spec.Auth.Use)
	}
	if spec.Auth.Token == nil || spec.Auth.Token.ValueFrom == nil || spec.Auth.Token.ValueFrom.Secret == nil {
		return integrationSpec{}, invalid("integration.spec.auth.token.valueFrom.secret is required")
	}
	ref := spec.Auth.Token.ValueFrom.Secret
	if ref.Name == "" {
		return integrationSpec{}, invalid("integration.spec.auth.token.valueFrom.secret.name is required")
	}
	if ref.Key == "" {
		return integrationSpec{}, invalid("integration.spec.auth.token.valueFrom.secret.key is required")
	}
	secretDT, secretDID := dt, did
	switch ref.DomainType {
	case "", api.DomainTypeUnspecified:
	case api.DomainTypeOrganization:
		secretDT, secretDID = store.DomainOrganization, p.Organization.ID
	case api.DomainTypeCanvas:
		if dt != store.DomainCanvas {
			return integrationSpec{}, invalid("integration.spec.auth.token.valueFrom.secret.domainType: an organization integration can only use an organization secret")
		}
	default:
		return integrationSpec{}, invalid("integration.spec.auth.token.valueFrom.secret.domainType %q is not one of DOMAIN_TYPE_ORGANIZATION, DOMAIN_TYPE_CANVAS", ref.DomainType)
	}
	sec, err := s.store.FindSecret(ctx, p.Organization.ID, secretDT, secretDID, ref.Name)
	if isNotFound(err) {
		return integrationSpec{}, notFound("integration.spec.auth.token.valueFrom.secret: secret %q not found", ref.Name)
	} else if err != nil {
		return integrationSpec{}, err
	}
	if !slices.Contains(sec.Keys, ref.Key) {
		return integrationSpec{}, notFound("integration.spec.auth.token.valueFrom.secret: key %q not found in secret %q", ref.Key, ref.Name)
	}
	return integrationSpec{typ: spec.Type, url: strings.TrimSuffix(spec.URL, "/"), authType: spec.Auth.Use, secret: sec, key: ref.Key}, nil
}

// verify checks the integration's credentials with the tool and records the
// result on in. The token is decrypted here, used for this one check and
// dropped: nothing caches it.
func (s *Server) verify(ctx context.Context, in *store.Integration) {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	in.StatusCheckedAt = s.timestamp()
	in.StatusState, in.StatusReason = api.IntegrationStateFailed, ""
	sec, err := s.store.FindSecretByID(ctx, in.OrgID, in.SecretID)
	if err != nil {
		in.StatusReason = "the token secret is gone"
		return
	}
	data, err := s.openData(sec)
	if err != nil {
		s.log.ErrorContext(ctx, "cannot open an integration's token secret", slog.String("integration", in.ID), slog.String("error", err.Error()))
		in.StatusReason = "the token secret cannot be decrypted"
		return
	}
	token, ok := data[in.SecretKey]
	clear(data)
	if !ok {
		in.StatusReason = "key " + in.SecretKey + " is missing from secret " + sec.Name
		return
	}
	res := integrationTypes.Verify(ctx, s.tools, in.Type, in.URL, token)
	if res.OK {
		in.StatusState, in.StatusReason = api.IntegrationStateOK, "ok"
		return
	}
	in.StatusReason = res.Reason
}

// saveStatus writes a verification result without touching anything else.
func (s *Server) saveStatus(ctx context.Context, in store.Integration) (store.Integration, error) {
	return s.store.UpdateIntegration(ctx, in.OrgID, in.DomainType, in.DomainID, in.ID, func(cur *store.Integration) error {
		cur.StatusState, cur.StatusReason, cur.StatusCheckedAt = in.StatusState, in.StatusReason, in.StatusCheckedAt
		return nil
	})
}

// reverifyUsers re-verifies, after its data changed, every integration whose
// token is in the secret, so their status shows whether the new token works.
func (s *Server) reverifyUsers(ctx context.Context, secretID string) {
	users, err := s.store.IntegrationsUsingSecret(ctx, secretID)
	if err != nil {
		s.log.ErrorContext(ctx, "cannot list integrations to re-verify", slog.String("error", err.Error()))
		return
	}
	for _, in := range users {
		s.verify(ctx, &in)
		if _, err := s.saveStatus(ctx, in); err != nil && !isNotFound(err) {
			s.log.ErrorContext(ctx, "cannot save integration status", slog.String("integration", in.ID), slog.String("error", err.Error()))
		}
	}
}

func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	dt, did, err := s.resolveDomain(r.Context(), p, qt, qid)
	if err != nil {
		return err
	}
	ins, err := s.store.ListIntegrations(r.Context(), p.Organization.ID, dt, did)
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
	dt, did, err := s.resolveDomain(r.Context(), p, qt, qid)
	if err != nil {
		return err
	}
	in, err := s.store.FindIntegration(r.Context(), p.Organization.ID, dt, did, r.PathValue("idOrName"))
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
	if req.Integration == nil || req.Integration.Metadata == nil {
		return invalid("integration.metadata.name is required")
	}
	m := req.Integration.Metadata
	if err := validateName("integration.metadata.name", m.Name); err != nil {
		return err
	}
	if len(m.Description) > maxDescriptionLen {
		return invalid("integration.metadata.description must be at most %d characters", maxDescriptionLen)
	}
	dt, did, err := s.resolveDomain(r.Context(), p, req.DomainType, req.DomainID)
	if err != nil {
		return err
	}
	spec, err := s.resolveIntegrationSpec(r.Context(), p, dt, did, req.Integration.Spec)
	if err != nil {
		return err
	}
	now := s.timestamp()
	in := store.Integration{
		ID: uuid.NewString(), OrgID: p.Organization.ID, DomainType: dt, DomainID: did,
		Name: m.Name, Description: m.Description, Type: spec.typ, URL: spec.url, AuthType: spec.authType,
		SecretID: spec.secret.ID, SecretKey: spec.key,
		CreatedBy: p.User.ID, CreatedAt: now, UpdatedAt: now,
	}
	// Verify before the insert: one write, and the answer carries the result.
	s.verify(r.Context(), &in)
	if err := s.store.CreateIntegration(r.Context(), in); err != nil {
		return err
	}
	in, err = s.store.FindIntegration(r.Context(), in.OrgID, dt, did, in.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.IntegrationResponse{Integration: ptr(integrationToAPI(in))})
	return nil
}

// updateIntegration replaces the spec (and name and description when given)
// and verifies the new credentials.
func (s *Server) updateIntegration(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.UpdateIntegrationRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Integration == nil {
		return invalid("integration is required")
	}
	dtype, did := req.DomainType, req.DomainID
	if dtype == "" {
		dtype, did = queryDomain(r)
	}
	dt, did, err := s.resolveDomain(r.Context(), p, dtype, did)
	if err != nil {
		return err
	}
	m := req.Integration.Metadata
	if m != nil && m.Name != "" {
		if err := validateName("integration.metadata.name", m.Name); err != nil {
			return err
		}
	}
	if m != nil && len(m.Description) > maxDescriptionLen {
		return invalid("integration.metadata.description must be at most %d characters", maxDescriptionLen)
	}
	var spec *integrationSpec
	if req.Integration.Spec != nil {
		resolved, err := s.resolveIntegrationSpec(r.Context(), p, dt, did, req.Integration.Spec)
		if err != nil {
			return err
		}
		spec = &resolved
	}
	current, err := s.store.FindIntegration(r.Context(), p.Organization.ID, dt, did, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	next := current
	if spec != nil {
		next.Type, next.URL, next.AuthType, next.SecretID, next.SecretKey = spec.typ, spec.url, spec.authType, spec.secret.ID, spec.key
	}
	s.verify(r.Context(), &next)
	now := s.timestamp()
	in, err := s.store.UpdateIntegration(r.Context(), p.Organization.ID, dt, did, current.ID, func(in *store.Integration) error {
		if m != nil && m.Name != "" {
			in.Name = m.Name
		}
		if m != nil {
			in.Description = m.Description
		}
		in.Type, in.URL, in.AuthType, in.SecretID, in.SecretKey = next.Type, next.URL, next.AuthType, next.SecretID, next.SecretKey
		in.StatusState, in.StatusReason, in.StatusCheckedAt = next.StatusState, next.StatusReason, next.StatusCheckedAt
		in.UpdatedAt = now
		return nil
	})
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
	dt, did, err := s.resolveDomain(r.Context(), p, qt, qid)
	if err != nil {
		return err
	}
	in, err := s.store.FindIntegration(r.Context(), p.Organization.ID, dt, did, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	s.verify(r.Context(), &in)
	if in, err = s.saveStatus(r.Context(), in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.IntegrationResponse{Integration: ptr(integrationToAPI(in))})
	return nil
}

func (s *Server) deleteIntegration(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	qt, qid := queryDomain(r)
	dt, did, err := s.resolveDomain(r.Context(), p, qt, qid)
	if err != nil {
		return err
	}
	if err := s.store.DeleteIntegration(r.Context(), p.Organization.ID, dt, did, r.PathValue("idOrName")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}
