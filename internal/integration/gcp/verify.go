package gcp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// maxBody bounds a Cloud Resource Manager answer read here.
const maxBody = 1 << 20

// Project is what Cloud Resource Manager says of the integration's
// project, and who read it.
type Project struct {
	// ID is the project id, Name its resource name (projects/<number>),
	// DisplayName what the console shows.
	ID, Name, DisplayName string
	// Identity is the service account email, or the federated principal.
	Identity string
}

// VerifyCloud gets an access token and reads the project. On success the
// Reason names the project (its number and display name) and the identity;
// on failure it quotes Google's own error status and message. No
// credential is ever in it.
func (Type) VerifyCloud(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials) integration.Result {
	p, err := ReadProject(ctx, v, c)
	if err != nil {
		return integration.Fail(reason(err))
	}
	out := "ok: project " + p.ID
	if p.Name != "" {
		out += " (" + p.Name
		if p.DisplayName != "" {
			out += `, "` + p.DisplayName + `"`
		}
		out += ")"
	}
	return integration.Result{OK: true, Reason: out + " as " + p.Identity}
}

// ReadProject gets an access token (cloud-platform) with the integration's
// credentials and reads its project from Cloud Resource Manager
// (GET v3/projects/<id>).
func ReadProject(ctx context.Context, v *integration.Verifier, c integration.CloudCredentials) (Project, error) {
	s, err := Settings(c.Settings)
	if err != nil {
		return Project{}, err
	}
	tok, who, err := accessToken(ctx, v, s, c, nil)
	if err != nil {
		return Project{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(v, crmURL+url.PathEscape(s.ProjectID)), nil)
	if err != nil {
		return Project{}, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	hc := v.HTTPClient()
	resp, err := hc.Do(req)
	if err != nil {
		return Project{}, failed(integration.Unreachable("Google Cloud Resource Manager", err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Project{}, failed(integration.Unreachable("Google Cloud Resource Manager", err))
	}
	if resp.StatusCode != http.StatusOK {
		if msg, ok := googleMessage(body); ok {
			return Project{}, failed("Google Cloud Resource Manager (project " + s.ProjectID + "): " + msg)
		}
		return Project{}, failed("Google Cloud Resource Manager (project " + s.ProjectID + "): HTTP " + resp.Status)
	}
	var p struct {
		Name        string `json:"name"`
		ProjectID   string `json:"projectId"`
		DisplayName string `json:"displayName"`
		State       string `json:"state"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return Project{}, failed("Google Cloud Resource Manager (project " + s.ProjectID + "): the answer is not a project")
	}
	if p.State != "" && p.State != "ACTIVE" {
		return Project{}, failed("Google Cloud Resource Manager: project " + s.ProjectID + " is " + integration.RemoteText(p.State) + ", not ACTIVE")
	}
	id := p.ProjectID
	if id == "" {
		id = s.ProjectID
	}
	return Project{ID: integration.RemoteText(id), Name: integration.RemoteText(p.Name), DisplayName: integration.RemoteText(p.DisplayName), Identity: integration.RemoteText(string(who))}, nil
}

// reason is err as a Reason.
func reason(err error) string {
	var ge *googleError
	if errors.As(err, &ge) {
		return ge.reason
	}
	return strings.TrimSpace(integration.RemoteText(err.Error()))
}
