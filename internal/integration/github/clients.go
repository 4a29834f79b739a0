package github

import (
	gh "github.com/google/go-github/v62/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
)

// Client returns a go-github client authenticated with token for the
// GitHub integration at integrationURL, built exactly as verification builds
// it (v.GitHubAPIURL, else the GitHub Enterprise API base of the URL, else
// api.github.com; v.HTTPClient), and the owner the URL names. The owner is ""
// only for a GitHub Enterprise URL that names none. The error, for a URL of
// the wrong shape, never contains the token.
func Client(v *integration.Verifier, integrationURL, token string) (*gh.Client, string, error) {
	return newClient(v, integrationURL, token)
}

// ErrorReason describes the error of a go-github call in words a user
// can act on, as verification does (rate limits with their reset time,
// GitHub's own message, unreachable hosts). owner is named when GitHub says
// it does not exist. Every occurrence of token is masked as "***".
func ErrorReason(err error, owner, token string) string {
	return integration.Redact(githubReason(err, owner), token)
}
