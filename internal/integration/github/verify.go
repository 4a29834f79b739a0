package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

// scopeRequirement is something SuperPlane does with a GitHub token, and the
// classic OAuth scopes of which any one allows it.
type scopeRequirement struct {
	purpose string
	anyOf   []string
}

// requiredScopes is what a classic token (one whose responses carry
// X-OAuth-Scopes) must allow, decided from GitHub's documented scopes:
//
//   - Repository webhooks (event sources): "repo" and "public_repo" include
//     repository hooks, and "admin:repo_hook" grants only them.
//     "write:repo_hook" is not enough: it cannot delete a hook, and SuperPlane
//     must remove the hooks it created when a canvas or source goes (contract
//     fault 4), never leave them behind.
//   - Workflow dispatch (executors): POST .../actions/workflows/{id}/dispatches
//     needs "repo" for classic tokens. The "workflow" scope only allows
//     changing files under .github/workflows, which SuperPlane never does.
//
// The first scope of each requirement is the one a Reason names.
var requiredScopes = []scopeRequirement{
	{purpose: "manage repository webhooks", anyOf: []string{"repo", "public_repo", "admin:repo_hook"}},
	{purpose: "dispatch workflows", anyOf: []string{"repo"}},
}

// maxRepoPages bounds the search for a repository the token administers, so
// verifying against a huge organization stays quick.
const maxRepoPages = 10

// Verify checks a GitHub token: it must authenticate, carry the
// required scopes if it is a classic token, and administer at least one
// repository of the URL's owner, since managing webhooks needs admin
// permission. Fine-grained tokens have no scopes to read, so the repository
// permission is their only check.
func (Type) Verify(ctx context.Context, v *integration.Verifier, rawURL, token string) integration.Result {
	client, owner, err := newClient(v, rawURL, token)
	if err != nil {
		return integration.Fail(err.Error())
	}

	user, resp, err := client.Users.Get(ctx, "")
	if err != nil {
		return integration.Fail(githubReason(err, owner))
	}
	if granted := resp.Header.Values("X-OAuth-Scopes"); len(granted) > 0 {
		if reason := checkScopes(strings.Join(granted, ",")); reason != "" {
			return integration.Fail(reason)
		}
	}

	found, err := findAdminRepo(ctx, client, owner, user.GetLogin())
	switch {
	case err != nil:
		return integration.Fail(githubReason(err, owner))
	case found:
		return integration.OK()
	case owner == "":
		return integration.Fail("token cannot manage webhooks on any repository it can access (it needs admin permission on at least one)")
	default:
		return integration.Failf("token cannot manage webhooks on any repository of %s (it needs admin permission on at least one)", owner)
	}
}

// defaultGitHubAPI is the API of github.com.
const defaultGitHubAPI = "https://api.github.com/"

// newClient returns a go-github client authenticated with token for the
// integration at rawURL, and the URL's owner.
func newClient(v *integration.Verifier, rawURL, token string) (*gh.Client, string, error) {
	owner, enterpriseAPIBase, err := api.GitHubOwner(rawURL)
	if err != nil {
		return nil, "", err
	}
	base := v.GitHubAPIURL
	if base == "" {
		base = enterpriseAPIBase
	}
	if base == "" {
		base = defaultGitHubAPI
	}
	// BaseURL rather than WithEnterpriseURLs, which would append /api/v3/
	// to a fake's URL.
	u, err := url.Parse(strings.TrimSuffix(base, "/") + "/")
	if err != nil {
		return nil, "", errors.New("invalid GitHub API URL in the server configuration")
	}
	// The token goes to the API's origin only, not to a host GitHub (or
	// whatever answers there) redirects to: WithAuthToken would add it to
	// every hop.
	client := gh.NewClient(v.OutboundClient().HTTPClientFor(u, "Authorization", "Bearer "+token))
	client.UserAgent = "SuperPlane"
	client.BaseURL = u
	return client, owner, nil
}

// checkScopes returns why a classic token with the comma-separated scopes
// header value is not enough, or "".
func checkScopes(header string) string {
	granted := map[string]bool{}
	var names []string
	for _, s := range strings.Split(header, ",") {
		if s = strings.TrimSpace(s); s != "" {
			granted[s] = true
			names = append(names, s)
		}
	}
	var missing []string
	purposes := map[string][]string{}
	for _, req := range requiredScopes {
		met := false
		for _, s := range req.anyOf {
			met = met || granted[s]
		}
		if met {
			continue
		}
		name := req.anyOf[0]
		if purposes[name] == nil {
			missing = append(missing, name)
		}
		purposes[name] = append(purposes[name], req.purpose)
	}
	if len(missing) == 0 {
		return ""
	}
	parts := make([]string, len(missing))
	for i, name := range missing {
		parts[i] = fmt.Sprintf("%s (to %s)", name, strings.Join(purposes[name], " and "))
	}
	has := "none"
	if len(names) > 0 {
		has = strings.Join(names, ", ")
	}
	return fmt.Sprintf("GitHub token is missing OAuth scopes: %s; it has: %s", strings.Join(parts, ", "), integration.RemoteText(has))
}

// errOwnerNotFound is returned by findAdminRepo when owner is neither an
// organization nor a user.
var errOwnerNotFound = errors.New("owner not found")

// findAdminRepo reports whether the token's user (login) administers a
// repository of owner, or any repository it can reach when owner is "". An
// organization is listed with ListByOrg; a 404 there means a user, listed
// with /user/repos when it is the token's own user (to include private
// repositories) and ListByUser otherwise.
func findAdminRepo(ctx context.Context, client *gh.Client, owner, login string) (bool, error) {
	page := gh.ListOptions{PerPage: 100}
	if owner == "" {
		return anyAdminRepo(func(p int) ([]*gh.Repository, *gh.Response, error) {
			page.Page = p
			return client.Repositories.ListByAuthenticatedUser(ctx, &gh.RepositoryListByAuthenticatedUserOptions{ListOptions: page})
		})
	}
	found, err := anyAdminRepo(func(p int) ([]*gh.Repository, *gh.Response, error) {
		page.Page = p
		return client.Repositories.ListByOrg(ctx, owner, &gh.RepositoryListByOrgOptions{ListOptions: page})
	})
	if !isNotFound(err) {
		return found, err
	}
	if strings.EqualFold(owner, login) {
		return anyAdminRepo(func(p int) ([]*gh.Repository, *gh.Response, error) {
			page.Page = p
			return client.Repositories.ListByAuthenticatedUser(ctx, &gh.RepositoryListByAuthenticatedUserOptions{Affiliation: "owner", ListOptions: page})
		})
	}
	found, err = anyAdminRepo(func(p int) ([]*gh.Repository, *gh.Response, error) {
		page.Page = p
		return client.Repositories.ListByUser(ctx, owner, &gh.RepositoryListByUserOptions{Type: "owner", ListOptions: page})
	})
	if isNotFound(err) {
		return false, errOwnerNotFound
	}
	return found, err
}

// anyAdminRepo pages through list (at most maxRepoPages pages) until it
// finds a repository with admin permission.
func anyAdminRepo(list func(page int) ([]*gh.Repository, *gh.Response, error)) (bool, error) {
	page := 1
	for range maxRepoPages {
		repos, resp, err := list(page)
		if err != nil {
			return false, err
		}
		for _, r := range repos {
			if r.GetPermissions()["admin"] {
				return true, nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		page = resp.NextPage
	}
	return false, nil
}

func isNotFound(err error) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}

// githubReason turns an error of a GitHub call into a Reason, keeping
// GitHub's own message where there is one.
func githubReason(err error, owner string) string {
	var rateErr *gh.RateLimitError
	var abuseErr *gh.AbuseRateLimitError
	var twoFactorErr *gh.TwoFactorAuthError
	var respErr *gh.ErrorResponse
	switch {
	case errors.Is(err, errOwnerNotFound):
		return fmt.Sprintf("GitHub owner %s not found", owner)
	case errors.As(err, &rateErr):
		reset := rateErr.Rate.Reset.Time
		return fmt.Sprintf("GitHub API rate limit exceeded (%d requests an hour); it resets at %s (in %s)",
			rateErr.Rate.Limit, reset.UTC().Format(time.RFC3339), max(0, time.Until(reset)).Round(time.Second))
	case errors.As(err, &abuseErr):
		reason := "GitHub secondary rate limit exceeded"
		if abuseErr.RetryAfter != nil {
			reason += fmt.Sprintf("; retry after %s", abuseErr.RetryAfter.Round(time.Second))
		}
		if abuseErr.Message != "" {
			reason += ": " + integration.RemoteText(abuseErr.Message)
		}
		return reason
	case errors.As(err, &twoFactorErr):
		return "GitHub: " + integration.MessageOr(twoFactorErr.Message, "two-factor authentication code required")
	case errors.As(err, &respErr):
		status := 0
		if respErr.Response != nil {
			status = respErr.Response.StatusCode
		}
		msg := integration.MessageOr(respErr.Message, http.StatusText(status))
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			return "GitHub: " + msg
		}
		return fmt.Sprintf("GitHub: unexpected status %d: %s", status, msg)
	}
	var urlErr *url.Error
	if _, denied := outbound.Denied(err); denied || errors.As(err, &urlErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return integration.Unreachable("GitHub", err)
	}
	return "unexpected answer from GitHub: " + integration.RemoteText(err.Error())
}
