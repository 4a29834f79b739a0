package github_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"

	fakegithub "github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

// newClient returns a go-github client of the fake authenticated with tok.
func newClient(t *testing.T, fake *fakegithub.Server, tok string) *github.Client {
	t.Helper()
	c := github.NewClient(nil)
	if tok != "" {
		c = c.WithAuthToken(tok)
	}
	u, err := url.Parse(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = u
	return c
}

func statusOf(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

func TestAuthentication(t *testing.T) {
	ctx := context.Background()
	fake := fakegithub.New(t)
	fake.AddToken("ghp_classic", "octocat", []string{"repo", "read:org"})
	fake.AddToken("github_pat_fine", "octocat", nil)

	user, resp, err := newClient(t, fake, "ghp_classic").Users.Get(ctx, "")
	if err != nil || user.GetLogin() != "octocat" || user.GetType() != "User" {
		t.Fatalf("GET /user = %+v, %v; want octocat", user, err)
	}
	if got := resp.Header.Get("X-OAuth-Scopes"); got != "repo, read:org" {
		t.Errorf("X-OAuth-Scopes = %q, want %q", got, "repo, read:org")
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used", "X-RateLimit-Resource", "X-GitHub-Request-Id", "X-Accepted-OAuth-Scopes"} {
		if len(resp.Header.Values(h)) == 0 {
			t.Errorf("response lacks %s", h)
		}
	}
	if resp.Rate.Limit != 5000 || resp.Rate.Remaining != 4999 {
		t.Errorf("rate = %+v, want limit 5000 with 4999 remaining", resp.Rate)
	}

	_, resp, err = newClient(t, fake, "github_pat_fine").Users.Get(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if v := resp.Header.Values("X-OAuth-Scopes"); len(v) != 0 {
		t.Errorf("fine-grained token got X-OAuth-Scopes %q, want none", v)
	}

	// The classic "token" scheme works as well as Bearer.
	req, _ := http.NewRequest(http.MethodGet, fake.URL()+"user", nil)
	req.Header.Set("Authorization", "token ghp_classic")
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusOK {
		t.Errorf("token scheme: %v, %v; want 200", r, err)
	} else {
		_ = r.Body.Close()
	}

	for name, tok := range map[string]string{"bad": "ghp_wrong", "missing": ""} {
		_, _, err := newClient(t, fake, tok).Users.Get(ctx, "")
		var er *github.ErrorResponse
		if !errors.As(err, &er) || er.Response.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s token: err = %v, want 401", name, err)
		}
		want := map[string]string{"bad": "Bad credentials", "missing": "Requires authentication"}[name]
		if er.Message != want || er.DocumentationURL == "" {
			t.Errorf("%s token: body = %q, %q; want GitHub's %q with a documentation_url", name, er.Message, er.DocumentationURL, want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	ctx := context.Background()
	fake := fakegithub.New(t)
	fake.AddToken("ghp_x", "octocat", []string{"repo"})
	fake.SetRateLimitRemaining(1)
	c := newClient(t, fake, "ghp_x")
	if _, resp, err := c.Users.Get(ctx, ""); err != nil || resp.Rate.Remaining != 0 {
		t.Fatalf("last allowed request: %v (remaining %d), want success with 0 remaining", err, resp.Rate.Remaining)
	}
	// A fresh client, so go-github cannot refuse locally: the fake must.
	_, _, err := newClient(t, fake, "ghp_x").Users.Get(ctx, "")
	var rle *github.RateLimitError
	if !errors.As(err, &rle) {
		t.Fatalf("err = %v, want a RateLimitError", err)
	}
	if !strings.HasPrefix(rle.Message, "API rate limit exceeded for user ID") || rle.Rate.Reset.IsZero() {
		t.Errorf("rate limit error = %q, reset %v; want GitHub's message and a reset time", rle.Message, rle.Rate.Reset)
	}
	if rle.Response.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", rle.Response.StatusCode)
	}
}

func TestRepositories(t *testing.T) {
	ctx := context.Background()
	fake := fakegithub.New(t)
	fake.AddToken("ghp_x", "octocat", []string{"repo"})
	fake.AddOwner("acme", true)
	for i := range 45 {
		fake.AddRepo("acme", fmt.Sprintf("repo-%02d", i))
	}
	fake.AddRepo("acme", "managed", "octocat")
	fake.AddRepo("octocat", "dotfiles")
	c := newClient(t, fake, "ghp_x")

	var names []string
	var admin []string
	opts := &github.RepositoryListByOrgOptions{ListOptions: github.ListOptions{PerPage: 20}}
	for pages := 0; pages < 10; pages++ {
		repos, resp, err := c.Repositories.ListByOrg(ctx, "acme", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range repos {
			names = append(names, r.GetName())
			if r.GetPermissions()["admin"] {
				admin = append(admin, r.GetName())
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if len(names) != 46 || names[0] != "repo-00" || names[45] != "managed" {
		t.Errorf("paged through %d repositories (%v...), want all 46 in creation order", len(names), names[:min(3, len(names))])
	}
	if !slices.Equal(admin, []string{"managed"}) {
		t.Errorf("admin on %v, want [managed]", admin)
	}

	if _, _, err := c.Repositories.ListByOrg(ctx, "octocat", nil); statusOf(err) != http.StatusNotFound {
		t.Errorf("ListByOrg of a user: err = %v, want 404", err)
	}
	if _, _, err := c.Repositories.ListByUser(ctx, "ghost", nil); statusOf(err) != http.StatusNotFound {
		t.Errorf("ListByUser of an unknown user: err = %v, want 404", err)
	}
	mine, _, err := c.Repositories.ListByAuthenticatedUser(ctx, &github.RepositoryListByAuthenticatedUserOptions{Affiliation: "owner"})
	if err != nil || len(mine) != 1 || mine[0].GetFullName() != "octocat/dotfiles" || !mine[0].GetPermissions()["admin"] {
		t.Errorf("ListByAuthenticatedUser(owner) = %v, %v; want octocat/dotfiles with admin", mine, err)
	}
	all, _, err := c.Repositories.ListByAuthenticatedUser(ctx, nil)
	if err != nil || len(all) != 2 {
		t.Errorf("ListByAuthenticatedUser = %d repos, %v; want dotfiles and managed", len(all), err)
	}
	r, _, err := c.Repositories.Get(ctx, "ACME", "managed")
	if err != nil || r.GetFullName() != "acme/managed" || r.GetOwner().GetType() != "Organization" {
		t.Errorf("Get = %v, %v; want acme/managed owned by an organization", r, err)
	}
	if org, _, err := c.Organizations.Get(ctx, "acme"); err != nil || org.GetLogin() != "acme" {
		t.Errorf("Organizations.Get = %v, %v", org, err)
	}
	if u, _, err := c.Users.Get(ctx, "acme"); err != nil || u.GetType() != "Organization" {
		t.Errorf("Users.Get(org) = %v, %v; want type Organization", u, err)
	}

	want := []string{"GET /user/repos", "GET /repos/ACME/managed", "GET /orgs/acme"}
	got := fake.Requests()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("Requests() lacks %q: %v", w, got)
		}
	}
}

func TestHooks(t *testing.T) {
	ctx := context.Background()
	fake := fakegithub.New(t)
	fake.AddToken("ghp_admin", "octocat", []string{"repo"})
	fake.AddToken("ghp_reader", "mona", []string{"repo"})
	fake.AddToken("ghp_hookwriter", "hubot", []string{"write:repo_hook"})
	fake.AddOwner("acme", true)
	fake.AddRepo("acme", "widgets", "octocat", "hubot")
	c := newClient(t, fake, "ghp_admin")

	created, resp, err := c.Repositories.CreateHook(ctx, "acme", "widgets", &github.Hook{
		Events: []string{"push", "pull_request"},
		Config: &github.HookConfig{URL: github.String("https://sp.example.com/api/v1/sources/1/github"), ContentType: github.String("json"), Secret: github.String("s3cret")},
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("CreateHook: %v, %v; want 201", resp, err)
	}
	if created.GetID() == 0 || !created.GetActive() || created.Config.GetURL() != "https://sp.example.com/api/v1/sources/1/github" ||
		created.Config.GetContentType() != "json" || !slices.Equal(created.Events, []string{"push", "pull_request"}) {
		t.Errorf("created hook = %+v", created)
	}
	if created.Config.GetSecret() != "********" {
		t.Errorf("secret read back as %q, want GitHub's mask", created.Config.GetSecret())
	}
	if hooks := fake.Hooks("acme", "widgets"); len(hooks) != 1 || hooks[0].Secret != "s3cret" {
		t.Errorf("stored hooks = %+v, want one with the secret", hooks)
	}

	_, _, err = c.Repositories.CreateHook(ctx, "acme", "widgets", &github.Hook{
		Config: &github.HookConfig{URL: github.String("https://sp.example.com/api/v1/sources/1/github")},
	})
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != http.StatusUnprocessableEntity ||
		er.Message != "Validation Failed" || len(er.Errors) != 1 || er.Errors[0].Message != "Hook already exists on this repository" {
		t.Errorf("duplicate CreateHook: %v, want GitHub's 422", err)
	}

	if _, _, err := newClient(t, fake, "ghp_reader").Repositories.ListHooks(ctx, "acme", "widgets", nil); statusOf(err) != http.StatusNotFound {
		t.Errorf("ListHooks without admin: %v, want 404", err)
	}
	hookWriter := newClient(t, fake, "ghp_hookwriter")
	if _, _, err := hookWriter.Repositories.GetHook(ctx, "acme", "widgets", created.GetID()); err != nil {
		t.Errorf("GetHook with write:repo_hook: %v", err)
	}
	if _, err := hookWriter.Repositories.DeleteHook(ctx, "acme", "widgets", created.GetID()); statusOf(err) != http.StatusNotFound {
		t.Errorf("DeleteHook with write:repo_hook: %v, want 404 (the scope cannot delete)", err)
	}

	updated, _, err := c.Repositories.EditHook(ctx, "acme", "widgets", created.GetID(), &github.Hook{
		Active: github.Bool(false),
		Config: &github.HookConfig{URL: github.String("https://sp.example.com/other"), ContentType: github.String("json")},
	})
	if err != nil || updated.GetActive() || updated.Config.GetURL() != "https://sp.example.com/other" || updated.Config.Secret != nil {
		t.Errorf("EditHook = %+v, %v; want inactive, new URL, secret dropped as GitHub does", updated, err)
	}

	list, _, err := c.Repositories.ListHooks(ctx, "acme", "widgets", nil)
	if err != nil || len(list) != 1 {
		t.Errorf("ListHooks = %v, %v; want one hook", list, err)
	}
	if resp, err := c.Repositories.DeleteHook(ctx, "acme", "widgets", created.GetID()); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Errorf("DeleteHook: %v, %v; want 204", resp, err)
	}
	if _, _, err := c.Repositories.GetHook(ctx, "acme", "widgets", created.GetID()); statusOf(err) != http.StatusNotFound {
		t.Errorf("GetHook after delete: %v, want 404", err)
	}

	again, _, err := c.Repositories.CreateHook(ctx, "acme", "widgets", &github.Hook{Config: &github.HookConfig{URL: github.String("https://sp.example.com/x")}})
	if err != nil {
		t.Fatal(err)
	}
	if !fake.RemoveHook("acme", "widgets", again.GetID()) {
		t.Fatal("RemoveHook: hook not found")
	}
	if _, _, err := c.Repositories.GetHook(ctx, "acme", "widgets", again.GetID()); statusOf(err) != http.StatusNotFound {
		t.Errorf("GetHook after RemoveHook: %v, want 404", err)
	}
}
