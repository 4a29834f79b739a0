package api_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

func TestValidateIntegrationType(t *testing.T) {
	for _, typ := range []string{api.IntegrationTypeGitHub, api.IntegrationTypeSemaphore, api.IntegrationTypeGitLab, api.IntegrationTypeBitbucket} {
		if err := api.ValidateIntegrationType("spec.type", typ); err != nil {
			t.Errorf("ValidateIntegrationType(%q) = %v, want nil", typ, err)
		}
	}
	for _, typ := range []string{"", "nope", "GitHub", " github"} {
		err := api.ValidateIntegrationType("spec.type", typ)
		if err == nil {
			t.Errorf("ValidateIntegrationType(%q) = nil, want an error", typ)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "spec.type") || !strings.Contains(msg, `"github"`) || !strings.Contains(msg, `"semaphore"`) {
			t.Errorf("ValidateIntegrationType(%q) = %q, want the field and the supported types named", typ, msg)
		}
	}
	// The messages, whole: they are built from IntegrationTypes.
	for typ, want := range map[string]string{
		"":     `spec.type is required: expected "github", "semaphore", "gitlab", "bitbucket", "aws", "azure", "gcp", "azure_devops", "datadog" or "mongodb_atlas"`,
		"nope": `spec.type: unsupported integration type "nope": expected "github", "semaphore", "gitlab", "bitbucket", "aws", "azure", "gcp", "azure_devops", "datadog" or "mongodb_atlas"`,
	} {
		if err := api.ValidateIntegrationType("spec.type", typ); err == nil || err.Error() != want {
			t.Errorf("ValidateIntegrationType(%q) = %v, want %q", typ, err, want)
		}
	}
}

func TestValidateIntegrationURL(t *testing.T) {
	tests := []struct {
		name, typ, url string
		// wantErr is a fragment of the expected message; "" means valid.
		wantErr string
	}{
		{"github owner", "github", "https://github.com/acme", ""},
		{"github owner trailing slash", "github", "https://github.com/acme/", ""},
		{"github owner with hyphen and digits", "github", "https://github.com/acme-2-corp", ""},
		{"github host in capitals", "github", "https://GitHub.com/Acme", ""},
		{"github owner of 39 chars", "github", "https://github.com/" + strings.Repeat("a", 39), ""},
		{"enterprise with owner", "github", "https://ghe.example.com/acme", ""},
		{"enterprise without owner", "github", "https://ghe.example.com", ""},
		{"enterprise with port", "github", "https://ghe.example.com:8443/acme/", ""},
		{"semaphore org", "semaphore", "https://acme.semaphoreci.com", ""},
		{"semaphore org trailing slash", "semaphore", "https://acme-2.semaphoreci.com/", ""},
		{"bitbucket workspace", "bitbucket", "https://bitbucket.org/acme", ""},
		{"bitbucket workspace trailing slash", "bitbucket", "https://bitbucket.org/acme_2-corp/", ""},
		{"bitbucket www host", "bitbucket", "https://www.bitbucket.org/acme", ""},

		{"empty", "github", "", "spec.url is required"},
		{"blank", "semaphore", "   ", "spec.url is required"},
		{"github no owner", "github", "https://github.com", "names no owner"},
		{"github no owner trailing slash", "github", "https://github.com/", "names no owner"},
		{"github repository path", "github", "https://github.com/acme/widgets", "path after the owner"},
		{"github double slash", "github", "https://github.com//acme", "path after the owner"},
		{"github encoded slash", "github", "https://github.com/acme%2Fwidgets", "invalid owner"},
		{"github owner leading hyphen", "github", "https://github.com/-acme", "invalid owner"},
		{"github owner double hyphen", "github", "https://github.com/ac--me", "invalid owner"},
		{"github owner of 40 chars", "github", "https://github.com/" + strings.Repeat("a", 40), "invalid owner"},
		{"github owner underscore", "github", "https://github.com/ac_me", "invalid owner"},
		{"github http scheme", "github", "http://github.com/acme", "must use https"},
		{"github no scheme", "github", "github.com/acme", "must use https"},
		{"github query", "github", "https://github.com/acme?tab=repositories", "query or fragment"},
		{"github empty query", "github", "https://github.com/acme?", "query or fragment"},
		{"github fragment", "github", "https://github.com/acme#top", "query or fragment"},
		{"github userinfo", "github", "https://x-access-token:ghp_secret@github.com/acme", "user credentials"},
		{"github port", "github", "https://github.com:443/acme", "port"},
		{"github api host", "github", "https://api.github.com/acme", "not a GitHub web address"},
		{"github given a semaphore url", "github", "https://acme.semaphoreci.com", "Semaphore URL"},
		{"enterprise repository path", "github", "https://ghe.example.com/acme/widgets", "path after the owner"},
		{"enterprise bad host", "github", "https://ghe_example.com/acme", "invalid host"},
		{"opaque", "github", "https:github.com/acme", "no host"},
		{"unparsable", "github", "https://github.com/%zz", "not a valid URL"},
		{"spaces", "github", " https://github.com/acme", "spaces"},
		{"semaphore uppercase org", "semaphore", "https://Acme.semaphoreci.com", "uppercase"},
		{"semaphore uppercase host", "semaphore", "https://ACME.SEMAPHORECI.COM", "lowercase"},
		{"semaphore path", "semaphore", "https://acme.semaphoreci.com/projects", "must not have a path"},
		{"semaphore http", "semaphore", "http://acme.semaphoreci.com", "must use https"},
		{"semaphore query", "semaphore", "https://acme.semaphoreci.com/?x=1", "query or fragment"},
		{"semaphore userinfo", "semaphore", "https://tok@acme.semaphoreci.com", "user credentials"},
		{"semaphore given a github url", "semaphore", "https://github.com/acme", "not a Semaphore organization"},
		{"semaphore bare domain", "semaphore", "https://semaphoreci.com", "not a Semaphore organization"},
		{"semaphore empty org", "semaphore", "https://.semaphoreci.com", "invalid organization"},
		{"semaphore dotted org", "semaphore", "https://a.b.semaphoreci.com", "invalid organization"},
		{"semaphore port", "semaphore", "https://acme.semaphoreci.com:8443", "port"},
		{"unknown type", "nope", "https://gitlab.com/acme", `unsupported integration type "nope"`},
		{"gitlab.com", "gitlab", "https://gitlab.com", ""},
		{"gitlab.com with a slash", "gitlab", "https://gitlab.com/", ""},
		{"self-managed", "gitlab", "https://git.example.com", ""},
		{"self-managed with a port and a relative root", "gitlab", "https://git.example.com:8443/gitlab/", ""},
		{"gitlab.com with a group", "gitlab", "https://gitlab.com/acme", "must not have a path on gitlab.com"},
		{"gitlab over http", "gitlab", "http://git.example.com", "must use https"},
		{"gitlab API URL", "gitlab", "https://git.example.com/api/v4", "not its API"},
		{"gitlab path with a dot segment", "gitlab", "https://git.example.com/a/../b", "invalid path"},
		{"gitlab with a query", "gitlab", "https://git.example.com/?x=1", "query"},
		{"gitlab with credentials", "gitlab", "https://u:p@git.example.com", "user credentials"},
		{"github URL as gitlab", "gitlab", "https://github.com/acme", "is a GitHub URL"},
		{"bitbucket no workspace", "bitbucket", "https://bitbucket.org/", "names no workspace"},
		{"bitbucket repository path", "bitbucket", "https://bitbucket.org/acme/app", "path after the workspace"},
		{"bitbucket uppercase workspace", "bitbucket", "https://bitbucket.org/Acme", "uppercase"},
		{"bitbucket dotted workspace", "bitbucket", "https://bitbucket.org/ac.me", "invalid workspace"},
		{"bitbucket api host", "bitbucket", "https://api.bitbucket.org/2.0", "not Bitbucket Cloud"},
		{"bitbucket data center", "bitbucket", "https://bitbucket.example.com/acme", "not Bitbucket Cloud"},
		{"bitbucket http", "bitbucket", "http://bitbucket.org/acme", "must use https"},
		{"bitbucket userinfo", "bitbucket", "https://alice:ghp_secret@bitbucket.org/acme", "user credentials"},
		{"bitbucket port", "bitbucket", "https://bitbucket.org:443/acme", "port"},
		{"github given a bitbucket url", "github", "https://bitbucket.org/acme", "Bitbucket URL"},
		{"gitlab given a bitbucket url", "gitlab", "https://bitbucket.org/acme", "is a Bitbucket URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := api.ValidateIntegrationURL("spec.url", tt.typ, tt.url)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateIntegrationURL(%q, %q) = %v, want nil", tt.typ, tt.url, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateIntegrationURL(%q, %q) = nil, want an error containing %q", tt.typ, tt.url, tt.wantErr)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "spec.url") || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error = %q, want it to start with the field and contain %q", msg, tt.wantErr)
			}
			if tt.typ != "nope" && !strings.Contains(msg, "expected") {
				t.Errorf("error = %q, want it to say what shape is expected", msg)
			}
			if strings.Contains(msg, "ghp_secret") {
				t.Errorf("error = %q quotes the credentials of the URL", msg)
			}
		})
	}
}

func TestGitHubOwner(t *testing.T) {
	tests := []struct {
		url, owner, apiBase string
	}{
		{"https://github.com/acme", "acme", ""},
		{"https://github.com/Acme-Corp/", "Acme-Corp", ""},
		{"https://GHE.example.com/acme", "acme", "https://ghe.example.com/api/v3/"},
		{"https://ghe.example.com:8443/", "", "https://ghe.example.com:8443/api/v3/"},
	}
	for _, tt := range tests {
		owner, apiBase, err := api.GitHubOwner(tt.url)
		if err != nil || owner != tt.owner || apiBase != tt.apiBase {
			t.Errorf("GitHubOwner(%q) = %q, %q, %v; want %q, %q, nil", tt.url, owner, apiBase, err, tt.owner, tt.apiBase)
		}
	}
	if _, _, err := api.GitHubOwner("https://github.com/"); err == nil || !strings.Contains(err.Error(), "names no owner") {
		t.Errorf("GitHubOwner without owner: err = %v, want one saying no owner is named", err)
	}
}

func TestSemaphoreOrg(t *testing.T) {
	org, err := api.SemaphoreOrg("https://acme-ci.semaphoreci.com/")
	if err != nil || org != "acme-ci" {
		t.Errorf("SemaphoreOrg = %q, %v; want acme-ci, nil", org, err)
	}
	if _, err := api.SemaphoreOrg("https://acme.semaphoreci.com/x"); err == nil {
		t.Error("SemaphoreOrg with a path: want an error")
	}
}

// FuzzIntegrationURL holds the promise that no URL panics and the
// agreement between validation and extraction for arbitrary input.
func FuzzIntegrationURL(f *testing.F) {
	for _, s := range []string{"https://github.com/acme", "https://github.com", "https://acme.semaphoreci.com", "https://[::1]:8/a", "https://%", "", "https://ghe/a/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ghErr := api.ValidateIntegrationURL("spec.url", api.IntegrationTypeGitHub, raw)
		owner, base, err := api.GitHubOwner(raw)
		if (ghErr == nil) != (err == nil) {
			t.Fatalf("ValidateIntegrationURL = %v but GitHubOwner = %v", ghErr, err)
		}
		if err == nil && base == "" && owner == "" {
			t.Fatalf("GitHubOwner(%q) accepted a github.com URL with no owner", raw)
		}
		semErr := api.ValidateIntegrationURL("spec.url", api.IntegrationTypeSemaphore, raw)
		org, err := api.SemaphoreOrg(raw)
		if (semErr == nil) != (err == nil) || (err == nil && org == "") {
			t.Fatalf("ValidateIntegrationURL = %v but SemaphoreOrg = %q, %v", semErr, org, err)
		}
	})
}

// TestGitLabProjectsAndAPIBase: a GitLab project is an id or a full path
// without dot segments; the API base is the instance URL plus /api/v4.
func TestGitLabProjectsAndAPIBase(t *testing.T) {
	for s, want := range map[string]bool{
		"42": true, "acme/app": true, "acme/sub.group/my_app-2": true, "app": true,
		"": false, "/app": false, "acme/": false, "acme//app": false, "acme/../app": false, "./app": false,
		"acme/.hidden": false, "acme app": false, "acme/app?x": false, strings.Repeat("a", 256): false,
	} {
		if got := api.ValidGitLabProject(s); got != want {
			t.Errorf("ValidGitLabProject(%q) = %v, want %v", s, got, want)
		}
	}
	for in, want := range map[string]string{
		"https://gitlab.com":               "https://gitlab.com/api/v4",
		"https://gitlab.com/":              "https://gitlab.com/api/v4",
		"https://git.example.com/gitlab/":  "https://git.example.com/gitlab/api/v4",
		"https://git.example.com:8443/x/y": "https://git.example.com:8443/x/y/api/v4",
	} {
		if got, err := api.GitLabAPIBase(in); err != nil || got != want {
			t.Errorf("GitLabAPIBase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := api.GitLabAPIBase("https://gitlab.com/acme"); err == nil || !strings.HasPrefix(err.Error(), "integration URL") {
		t.Errorf("GitLabAPIBase of a group URL = %v, want an error naming the integration URL", err)
	}
}
