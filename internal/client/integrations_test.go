package client

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

const integrationID = "55555555-5555-5555-5555-555555555555"

// integrationBody is a server answer for an integration built from p,
// verified OK.
func integrationBody(p IntegrationParams, createdBy string, createdAt time.Time) api.IntegrationResponse {
	in := p.integration()
	in.Metadata.ID = integrationID
	in.Metadata.CreatedBy = createdBy
	in.Metadata.CreatedAt = &createdAt
	in.Metadata.DomainType = api.DomainTypeOrganization
	in.Metadata.DomainID = testOrgID
	if in.Spec.Auth.Token.ValueFrom.Secret.DomainType == "" {
		in.Spec.Auth.Token.ValueFrom.Secret.DomainType = api.DomainTypeOrganization
	}
	checked := createdAt
	in.Status = &api.IntegrationStatus{State: api.IntegrationStateOK, Reason: "ok", CheckedAt: &checked}
	return api.IntegrationResponse{Integration: in}
}

var ghParams = IntegrationParams{
	Name: "github", Description: "d", Type: api.IntegrationTypeGitHub, URL: "https://github.com/acme",
	SecretName: "gh", SecretKey: "token",
}

func TestIntegrationRequestShapes(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.URL.Path == "/api/v1/me":
			meHandler(w)
		case r.URL.Path == "/api/v1/canvases/"+nilUUID:
			writeJSON(w, 200, canvasBody("prod", "", testUserID, time.Now()))
		case r.Method == http.MethodDelete:
			writeJSON(w, 200, api.Empty{})
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/integrations":
			writeJSON(w, 200, api.ListIntegrationsResponse{Integrations: []api.Integration{*integrationBody(ghParams, testUserID, time.Now()).Integration}})
		default:
			writeJSON(w, 200, integrationBody(ghParams, testUserID, time.Now()))
		}
	})
	ctx := context.Background()
	org, cv := api.DomainTypeOrganization, api.DomainTypeCanvas

	created, err := c.CreateIntegration(ctx, org, "", ghParams)
	if err != nil {
		t.Fatal(err)
	}
	if created.Status.State != "ok" || created.Metadata.ID != integrationID {
		t.Errorf("create answer = %+v %+v", created.Metadata, created.Status)
	}
	canvasParams := ghParams
	canvasParams.SecretDomainType = api.DomainTypeOrganization
	if _, err := c.UpdateIntegration(ctx, cv, "prod", integrationID, canvasParams); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetIntegration(ctx, cv, canvasID, "github"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyIntegration(ctx, org, "", "github"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteIntegration(ctx, org, testOrgID, "git hub"); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListIntegrations(ctx, org, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Metadata.Name != "github" {
		t.Errorf("list = %+v", list)
	}

	var create, update, get, verify, del, listReq seen
	for _, r := range rec.requests() {
		switch {
		case r.Method == http.MethodPost && r.Path == "/api/v1/integrations":
			create = r
		case r.Method == http.MethodPatch:
			update = r
		case r.Method == http.MethodGet && r.Path == "/api/v1/integrations/github":
			get = r
		case r.Method == http.MethodPost:
			verify = r
		case r.Method == http.MethodDelete:
			del = r
		case r.Method == http.MethodGet && r.Path == "/api/v1/integrations":
			listReq = r
		}
	}

	// Create: the organization id comes from /me; the token is a
	// reference to a secret, never a value.
	if create.Body["domainType"] != org || create.Body["domainId"] != testOrgID {
		t.Errorf("create domain = %v / %v", create.Body["domainType"], create.Body["domainId"])
	}
	md := field(t, create.Body, "integration", "metadata")
	if md["name"] != "github" || md["description"] != "d" {
		t.Errorf("create metadata = %v", md)
	}
	spec := field(t, create.Body, "integration", "spec")
	if spec["type"] != "github" || spec["url"] != "https://github.com/acme" {
		t.Errorf("create spec = %v", spec)
	}
	auth := field(t, spec, "auth")
	if auth["use"] != api.AuthTypeToken {
		t.Errorf("auth.use = %v", auth["use"])
	}
	ref := field(t, auth, "token", "valueFrom", "secret")
	if ref["name"] != "gh" || ref["key"] != "token" || ref["domainType"] != "" {
		t.Errorf("create secret ref = %v", ref)
	}

	// Update: PATCH by id, the canvas name resolved to its id, the whole
	// spec sent again.
	if update.Path != "/api/v1/integrations/"+integrationID {
		t.Errorf("update path = %q", update.Path)
	}
	if update.Body["domainType"] != cv || update.Body["domainId"] != canvasID {
		t.Errorf("update domain = %v / %v", update.Body["domainType"], update.Body["domainId"])
	}
	if got := field(t, update.Body, "integration", "spec", "auth", "token", "valueFrom", "secret")["domainType"]; got != api.DomainTypeOrganization {
		t.Errorf("update secret domainType = %v", got)
	}

	if get.RawQuery != "domainId="+canvasID+"&domainType=DOMAIN_TYPE_CANVAS" {
		t.Errorf("get query = %q", get.RawQuery)
	}
	if verify.Path != "/api/v1/integrations/github/verify" || verify.RawQuery != "domainId="+testOrgID+"&domainType=DOMAIN_TYPE_ORGANIZATION" {
		t.Errorf("verify: %s?%s", verify.Path, verify.RawQuery)
	}
	if del.Path != "/api/v1/integrations/git hub" || del.RawQuery != "domainId="+testOrgID+"&domainType=DOMAIN_TYPE_ORGANIZATION" {
		t.Errorf("delete: %s?%s", del.Path, del.RawQuery)
	}
	if listReq.RawQuery != "domainId="+testOrgID+"&domainType=DOMAIN_TYPE_ORGANIZATION" {
		t.Errorf("list query = %q", listReq.RawQuery)
	}
	if n := rec.count(http.MethodGet, "/api/v1/me"); n != 1 {
		t.Errorf("/me called %d times, want 1 (cached)", n)
	}
}

func TestDeleteIntegrationUnsupported(t *testing.T) {
	// A real v1 server has no integration deletion.
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeError(w, 501, api.CodeUnimplemented, "Not Implemented")
	})
	err := c.DeleteIntegration(context.Background(), api.DomainTypeOrganization, testOrgID, "github")
	if !IsUnsupported(err) {
		t.Fatalf("err = %v, want unsupported", err)
	}
	if !strings.Contains(err.Error(), `does not support the operation "delete integration"`) {
		t.Errorf("err = %q, want it to say the server cannot delete integrations", err)
	}
}

func TestIntegrationErrors(t *testing.T) {
	cases := []struct {
		status, code       int
		msg                string
		notFound, conflict bool
	}{
		{404, api.CodeNotFound, `integration.spec.auth.token.valueFrom.secret: secret "gh" not found`, true, false},
		{404, api.CodeNotFound, `integration "github" not found`, true, false},
		{409, api.CodeAlreadyExists, `integration "github" already exists`, false, true},
		{400, api.CodeInvalidArgument, "integration.spec.url must use https", false, false},
	}
	for _, tc := range cases {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			writeError(w, tc.status, tc.code, tc.msg)
		})
		_, err := c.CreateIntegration(context.Background(), api.DomainTypeOrganization, testOrgID, ghParams)
		if IsNotFound(err) != tc.notFound || IsConflict(err) != tc.conflict {
			t.Errorf("%d %q: notFound=%v conflict=%v", tc.status, tc.msg, IsNotFound(err), IsConflict(err))
		}
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("err = %v, want the server's message %q", err, tc.msg)
		}
	}
}

func TestIntegrationAnswerWithoutMetadata(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, 200, api.IntegrationResponse{Integration: &api.Integration{}})
	})
	_, err := c.GetIntegration(context.Background(), api.DomainTypeOrganization, testOrgID, "github")
	if err == nil || !strings.Contains(err.Error(), "no integration metadata") {
		t.Fatalf("err = %v", err)
	}
}

func TestIntegrationDomainValidation(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { meHandler(w) })
	ctx := context.Background()
	if _, err := c.GetIntegration(ctx, api.DomainTypeCanvas, "", "github"); err == nil || !strings.Contains(err.Error(), "canvas integration") {
		t.Errorf("canvas integration without a canvas: err = %v", err)
	}
	if _, err := c.VerifyIntegration(ctx, api.DomainTypeUnspecified, "x", "github"); err == nil {
		t.Error("unknown domain type: want error")
	}
	if err := c.DeleteIntegration(ctx, api.DomainTypeOrganization, testOrgID, ""); err == nil {
		t.Error("delete without a name: want error")
	}
	if _, err := c.UpdateIntegration(ctx, api.DomainTypeOrganization, testOrgID, "github", IntegrationParams{}); err == nil {
		t.Error("update without a new name: want error")
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

// integrationCreateServer processes the first create but loses its answer,
// then says the name is taken; GET returns the integration as made by
// createdBy at createdAt from p.
func integrationCreateServer(t *testing.T, p IntegrationParams, createdBy string, createdAt time.Time) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.URL.Path == "/api/v1/me":
			meHandler(w)
		case r.Method == http.MethodPost && n == 1:
			dropConnection(t, w)
		case r.Method == http.MethodPost:
			writeError(w, 409, api.CodeAlreadyExists, `integration "github" already exists`)
		default:
			writeJSON(w, 200, integrationBody(p, createdBy, createdAt))
		}
	}
}

func TestRetriedIntegrationCreate(t *testing.T) {
	t.Run("own", func(t *testing.T) {
		c, rec := newTestClient(t, integrationCreateServer(t, ghParams, testUserID, time.Now()))
		in, err := c.CreateIntegration(context.Background(), api.DomainTypeOrganization, "", ghParams)
		if err != nil {
			t.Fatal(err)
		}
		if in.Metadata.ID != integrationID {
			t.Errorf("id = %q", in.Metadata.ID)
		}
		if n := rec.count(http.MethodPost, "/api/v1/integrations"); n != 2 {
			t.Errorf("POSTs = %d, want 2", n)
		}
	})
	otherURL, otherSecret, otherDesc := ghParams, ghParams, ghParams
	otherURL.URL = "https://github.com/other"
	otherSecret.SecretName = "other"
	otherDesc.Description = "someone else's"
	foreign := map[string]func(w http.ResponseWriter, r *http.Request, n int){
		"other creator":     integrationCreateServer(t, ghParams, "someone-else", time.Now()),
		"older":             integrationCreateServer(t, ghParams, testUserID, time.Now().Add(-time.Hour)),
		"other url":         integrationCreateServer(t, otherURL, testUserID, time.Now()),
		"other secret":      integrationCreateServer(t, otherSecret, testUserID, time.Now()),
		"other description": integrationCreateServer(t, otherDesc, testUserID, time.Now()),
	}
	for name, fn := range foreign {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, fn)
			_, err := c.CreateIntegration(context.Background(), api.DomainTypeOrganization, "", ghParams)
			if !IsConflict(err) {
				t.Fatalf("err = %v, want conflict", err)
			}
		})
	}
}

func TestFirstIntegrationCreateConflictIsNotRecovered(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.URL.Path == "/api/v1/me":
			meHandler(w)
		case r.Method == http.MethodPost:
			writeError(w, 409, api.CodeAlreadyExists, `integration "github" already exists`)
		default:
			writeJSON(w, 200, integrationBody(ghParams, testUserID, time.Now()))
		}
	})
	if _, err := c.CreateIntegration(context.Background(), api.DomainTypeOrganization, "", ghParams); !IsConflict(err) {
		t.Fatalf("err = %v, want conflict", err)
	}
	if n := rec.count(http.MethodGet, "/api/v1/integrations/github"); n != 0 {
		t.Errorf("looked the integration up %d times", n)
	}
}

func TestIntegrationSecret(t *testing.T) {
	if got := IntegrationSecret(nil); got != (api.ValueFromSecret{}) {
		t.Errorf("nil integration: %+v", got)
	}
	if got := IntegrationSecret(&api.Integration{Spec: &api.IntegrationSpec{Auth: &api.IntegrationAuth{}}}); got != (api.ValueFromSecret{}) {
		t.Errorf("no token: %+v", got)
	}
	in := integrationBody(ghParams, testUserID, time.Now()).Integration
	if got := IntegrationSecret(in); got.Name != "gh" || got.Key != "token" || got.DomainType != api.DomainTypeOrganization {
		t.Errorf("secret ref = %+v", got)
	}
}
