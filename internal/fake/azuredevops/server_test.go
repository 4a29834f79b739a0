package azuredevops_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/fake/azuredevops"
)

// call sends a request to the fake with pat as the basic password (none
// when ""), the Suppress header when suppress, and returns the status,
// Content-Type and body.
func call(t *testing.T, method, url, pat string, suppress bool, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if pat != "" {
		req.SetBasicAuth("", pat)
	}
	if suppress {
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestFakeAnswersAsDocumented: a refused PAT gets the 203 sign-in page (401
// with Suppress), a versioned route wants api-version, errors carry
// Azure DevOps' message, and a subscription's confidential inputs read back
// masked.
func TestFakeAnswersAsDocumented(t *testing.T) {
	f := azuredevops.New(t)
	f.AddOrganization("acme")
	pid := f.AddProject("acme", "Fabrikam")
	f.AddPAT("acme", "good-pat", azuredevops.PAT{User: "Alice"})
	base := f.URL() + "/acme"

	if status, ct, body := call(t, "GET", base+"/_apis/connectionData", "bad-pat", false, ""); status != 203 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "Sign In") {
		t.Errorf("bad PAT without Suppress = %d %s %q, want the 203 sign-in page", status, ct, body)
	}
	if status, _, body := call(t, "GET", base+"/_apis/connectionData", "bad-pat", true, ""); status != 401 || !strings.Contains(body, `"message"`) {
		t.Errorf("bad PAT with Suppress = %d %q, want 401 with a message", status, body)
	}
	if status, _, body := call(t, "GET", base+"/_apis/connectionData", "good-pat", true, ""); status != 200 || !strings.Contains(body, `"providerDisplayName":"Alice"`) {
		t.Errorf("connectionData = %d %q", status, body)
	}
	if status, _, body := call(t, "GET", base+"/_apis/projects", "good-pat", true, ""); status != 400 || !strings.Contains(body, "No api-version was supplied") {
		t.Errorf("projects without api-version = %d %q, want 400", status, body)
	}
	if status, _, body := call(t, "GET", base+"/_apis/projects/Nope?api-version=7.1", "good-pat", true, ""); status != 404 || !strings.Contains(body, "TF200016") {
		t.Errorf("missing project = %d %q, want 404 TF200016", status, body)
	}
	sub := `{"publisherId":"tfs","eventType":"git.push","resourceVersion":"1.0","consumerId":"webHooks","consumerActionId":"httpRequest",` +
		`"publisherInputs":{"projectId":"` + pid + `"},"consumerInputs":{"url":"https://sp.example.com/hook","httpHeaders":"X-Superplane-Token: k3y"}}`
	status, _, body := call(t, "POST", base+"/_apis/hooks/subscriptions?api-version=7.1", "good-pat", true, sub)
	var got struct {
		ID             string            `json:"id"`
		Status         string            `json:"status"`
		ConsumerInputs map[string]string `json:"consumerInputs"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &got) != nil || got.ID == "" || got.Status != "enabled" ||
		got.ConsumerInputs["httpHeaders"] != "********" || strings.Contains(body, "k3y") {
		t.Errorf("create subscription = %d %q, want it enabled with httpHeaders masked", status, body)
	}
	if subs := f.Subscriptions("acme"); len(subs) != 1 || subs[0].ConsumerInputs["httpHeaders"] != "X-Superplane-Token: k3y" {
		t.Errorf("stored subscriptions = %+v", subs)
	}
	bad := strings.Replace(sub, `"git.push"`, `"ms.vss-pipelines.run-state-changed-event"`, 1)
	if status, _, body := call(t, "POST", base+"/_apis/hooks/subscriptions?api-version=7.1", "good-pat", true, bad); status != 400 || !strings.Contains(body, "not published by publisher") {
		t.Errorf("pipelines event from tfs = %d %q, want 400", status, body)
	}
}
