package github_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	fakegithub "github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/github"
)

// githubFixture is a fake GitHub with an organization acme, a user octocat,
// and a verifier pointed at it.
type githubFixture struct {
	fake     *fakegithub.Server
	verifier *integration.Verifier
}

func newGitHubFixture(t *testing.T) githubFixture {
	t.Helper()
	fake := fakegithub.New(t)
	fake.AddOwner("acme", true)
	return githubFixture{fake: fake, verifier: &integration.Verifier{GitHubAPIURL: fake.URL(), Client: fakes}}
}

// verify runs the verifier and checks the promise every result keeps: the
// token never appears in the reason.
func (f githubFixture) verify(t *testing.T, rawURL, token string) integration.Result {
	t.Helper()
	res := registry.Verify(context.Background(), f.verifier, "github", rawURL, token)
	if strings.Contains(res.Reason, token) {
		t.Errorf("reason %q contains the token", res.Reason)
	}
	return res
}

func wantOK(t *testing.T, res integration.Result) {
	t.Helper()
	if !res.OK || res.Reason != "ok" {
		t.Errorf("Verify = %+v, want OK with reason \"ok\"", res)
	}
}

func wantFailure(t *testing.T, res integration.Result, fragments ...string) {
	t.Helper()
	if res.OK {
		t.Fatalf("Verify = %+v, want a failure", res)
	}
	t.Logf("reason: %s", res.Reason)
	for _, f := range fragments {
		if !strings.Contains(res.Reason, f) {
			t.Errorf("reason = %q, want it to contain %q", res.Reason, f)
		}
	}
}

func TestVerifyGitHub(t *testing.T) {
	t.Run("OK classic token with scopes", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo", "read:org"})
		f.fake.AddRepo("acme", "widgets", "octocat")
		wantOK(t, f.verify(t, "https://github.com/acme", "ghp_classic"))
		if got := f.fake.Requests(); !slices.Equal(got, []string{"GET /user", "GET /orgs/acme/repos"}) {
			t.Errorf("requests = %v, want /user then the organization's repositories", got)
		}
	})

	t.Run("OK fine-grained token with admin on a repository", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("github_pat_fine", "octocat", nil)
		f.fake.AddRepo("acme", "widgets", "octocat")
		wantOK(t, f.verify(t, "https://github.com/acme/", "github_pat_fine"))
	})

	t.Run("OK admin repository on a later page", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		for i := range 120 {
			f.fake.AddRepo("acme", fmt.Sprintf("r%03d", i))
		}
		f.fake.AddRepo("acme", "managed", "octocat")
		wantOK(t, f.verify(t, "https://github.com/acme", "ghp_classic"))
	})

	t.Run("OK the token user's own account", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		f.fake.AddRepo("octocat", "dotfiles")
		wantOK(t, f.verify(t, "https://github.com/octocat", "ghp_classic"))
		if got := f.fake.Requests(); !slices.Contains(got, "GET /user/repos") {
			t.Errorf("requests = %v, want the user's own repositories listed with /user/repos", got)
		}
	})

	t.Run("OK another user's repository as an admin collaborator", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		f.fake.AddOwner("mona", false)
		f.fake.AddRepo("mona", "site", "octocat")
		wantOK(t, f.verify(t, "https://github.com/mona", "ghp_classic"))
		if got := f.fake.Requests(); !slices.Contains(got, "GET /users/mona/repos") {
			t.Errorf("requests = %v, want the user's repositories listed", got)
		}
	})

	t.Run("Enterprise URL without owner: any administered repository", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		wantFailure(t, f.verify(t, "https://ghe.example.com/", "ghp_classic"), "token cannot manage webhooks on any repository it can access")
		f.fake.AddRepo("acme", "widgets", "octocat")
		wantOK(t, f.verify(t, "https://ghe.example.com/", "ghp_classic"))
	})

	t.Run("bad token", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		wantFailure(t, f.verify(t, "https://github.com/acme", "ghp_revoked"), "Bad credentials")
	})

	t.Run("missing scopes are named", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"read:org", "write:repo_hook"})
		f.fake.AddRepo("acme", "widgets", "octocat")
		res := f.verify(t, "https://github.com/acme", "ghp_classic")
		wantFailure(t, res, "missing OAuth scopes: repo", "webhooks", "dispatch workflows", "read:org, write:repo_hook")
		if got := f.fake.Requests(); len(got) != 1 {
			t.Errorf("requests = %v, want only GET /user: scopes are checked first", got)
		}
	})

	t.Run("admin:repo_hook alone cannot dispatch workflows", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"admin:repo_hook"})
		res := f.verify(t, "https://github.com/acme", "ghp_classic")
		wantFailure(t, res, "repo (to dispatch workflows)")
		if strings.Contains(res.Reason, "webhooks") {
			t.Errorf("reason = %q, want the webhook requirement met by admin:repo_hook", res.Reason)
		}
	})

	t.Run("classic token with no scopes", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{})
		f.fake.AddRepo("acme", "widgets", "octocat")
		wantFailure(t, f.verify(t, "https://github.com/acme", "ghp_classic"), "missing OAuth scopes: repo", "it has: none")
	})

	t.Run("no repository with admin permission", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		f.fake.AddRepo("acme", "widgets", "someone-else")
		wantFailure(t, f.verify(t, "https://github.com/acme", "ghp_classic"), "token cannot manage webhooks on any repository of acme")
	})

	t.Run("owner not found", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		wantFailure(t, f.verify(t, "https://github.com/ghost", "ghp_classic"), "GitHub owner ghost not found")
	})

	t.Run("rate limit exhausted", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		f.fake.SetRateLimitRemaining(0)
		wantFailure(t, f.verify(t, "https://github.com/acme", "ghp_classic"), "rate limit", "resets at")
	})

	t.Run("rate limit exhausted midway", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		f.fake.AddRepo("acme", "widgets", "octocat")
		f.fake.SetRateLimitRemaining(1)
		wantFailure(t, f.verify(t, "https://github.com/acme", "ghp_classic"), "rate limit", "resets at")
	})

	t.Run("invalid URL fails without a request", func(t *testing.T) {
		f := newGitHubFixture(t)
		f.fake.AddToken("ghp_classic", "octocat", []string{"repo"})
		wantFailure(t, f.verify(t, "https://github.com/", "ghp_classic"), "names no owner")
		if got := f.fake.Requests(); len(got) != 0 {
			t.Errorf("requests = %v, want none", got)
		}
	})

	t.Run("empty token fails without a request", func(t *testing.T) {
		f := newGitHubFixture(t)
		res := registry.Verify(context.Background(), f.verifier, "github", "https://github.com/acme", "")
		wantFailure(t, res, "token is empty")
		if got := f.fake.Requests(); len(got) != 0 {
			t.Errorf("requests = %v, want none", got)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		v := &integration.Verifier{GitHubAPIURL: closed.URL, Client: fakes}
		res := registry.Verify(context.Background(), v, "github", "https://github.com/acme", "ghp_classic")
		wantFailure(t, res, "cannot reach GitHub")
		if strings.Contains(res.Reason, "ghp_classic") {
			t.Errorf("reason %q contains the token", res.Reason)
		}
	})

	t.Run("forbidden message is GitHub's", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = fmt.Fprint(w, `{"message":"Resource not accessible by personal access token","documentation_url":"https://docs.github.com/rest","status":"403"}`)
		}))
		t.Cleanup(srv.Close)
		v := &integration.Verifier{GitHubAPIURL: srv.URL, Client: fakes}
		res := registry.Verify(context.Background(), v, "github", "https://github.com/acme", "ghp_classic")
		wantFailure(t, res, "GitHub: Resource not accessible by personal access token")
	})

	t.Run("token echoed by GitHub is masked", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = fmt.Fprintf(w, `{"message":"Bad credentials for %s (%s)"}`, tok, url.QueryEscape(tok))
		}))
		t.Cleanup(srv.Close)
		v := &integration.Verifier{GitHubAPIURL: srv.URL, Client: fakes}
		tok := "ghp_echo/me+please"
		res := registry.Verify(context.Background(), v, "github", "https://github.com/acme", tok)
		wantFailure(t, res, "Bad credentials for *** (***)")
		if strings.Contains(res.Reason, "ghp_echo") {
			t.Errorf("reason %q leaks the token", res.Reason)
		}
	})
}

// TestVerifyGitHubEnterprise checks that without a configured API URL the
// API base comes from the Enterprise URL.
func TestVerifyGitHubEnterprise(t *testing.T) {
	var v integration.Verifier
	client, owner, err := github.Client(&v, "https://ghe.example.com/acme", "ghp_classic")
	if err != nil {
		t.Fatal(err)
	}
	if got := client.BaseURL.String(); got != "https://ghe.example.com/api/v3/" || owner != "acme" {
		t.Errorf("base %s, owner %q; want https://ghe.example.com/api/v3/ and acme", got, owner)
	}
}

func TestVerifyUnsupportedType(t *testing.T) {
	var v integration.Verifier
	res := registry.Verify(context.Background(), &v, "nope", "https://gitlab.com/acme", "tok")
	wantFailure(t, res, `unsupported integration type "nope"`)
}
