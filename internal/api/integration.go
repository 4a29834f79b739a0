package api

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Integration types: the values of an integration's spec.type.
const (
	IntegrationTypeGitHub    = "github"
	IntegrationTypeSemaphore = "semaphore"
	IntegrationTypeBitbucket = "bitbucket"
)

// IntegrationTypes lists the integration types in the order messages name
// them. internal/integration/all checks it against the registered types.
func IntegrationTypes() []string {
	return []string{IntegrationTypeGitHub, IntegrationTypeSemaphore, IntegrationTypeGitLab, IntegrationTypeBitbucket, IntegrationTypeAWS, IntegrationTypeAzure, IntegrationTypeGCP, IntegrationTypeAzureDevOps, IntegrationTypeDatadog, IntegrationTypeMongoDBAtlas}
}

// AuthTypeToken is the IntegrationAuthType under which an integration
// authenticates with an API token held in a secret.
const AuthTypeToken = "AUTH_TYPE_TOKEN"

// Shapes quoted in error messages, so users see what is expected.
const (
	githubURLShape    = "https://github.com/<owner> or a GitHub Enterprise URL https://<host>[/<owner>]"
	semaphoreURLShape = "https://<organization>.semaphoreci.com"
)

// ValidateIntegrationType returns an error naming field unless typ is one of
// the supported integration types. The message lists the supported types.
func ValidateIntegrationType(field, typ string) error {
	types := IntegrationTypes()
	switch {
	case slices.Contains(types, typ):
		return nil
	case typ == "":
		return fmt.Errorf("%s is required: expected %s", field, quotedOr(types))
	default:
		return fmt.Errorf("%s: unsupported integration type %q: expected %s", field, clipInput(typ), quotedOr(types))
	}
}

// quotedOr names a list of values in a message, each quoted:
// `"github" or "semaphore"`.
func quotedOr(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return JoinOr(quoted)
}

// ValidateIntegrationURL returns an error naming field unless rawURL has the
// shape the integration type typ needs:
//
//   - github: https://github.com/<owner>, or a GitHub Enterprise Server URL
//     https://<host>[/<owner>] whose host is not github.com;
//   - semaphore: https://<organization>.semaphoreci.com;
//   - gitlab: https://gitlab.com, or a self-managed https://<host>[/<path>];
//   - bitbucket: https://bitbucket.org/<workspace> (Bitbucket Cloud);
//   - azure_devops: https://dev.azure.com/<organization>, or an Azure
//     DevOps Server collection https://<host>[/<path>]/<collection>.
//
// Both allow one trailing slash and nothing else after the owner or host:
// https only, no user credentials, no query, no fragment. An unsupported typ
// is an error too (validate the type first with ValidateIntegrationType to get
// the type's field named). It never panics, whatever the input (contract
// fault 11: a URL without an owner crashed the v1 server).
func ValidateIntegrationURL(field, typ, rawURL string) error {
	var err error
	switch typ {
	case IntegrationTypeGitHub:
		_, err = parseGitHubURL(rawURL)
	case IntegrationTypeSemaphore:
		_, err = parseSemaphoreURL(rawURL)
	case IntegrationTypeGitLab:
		err = parseGitLabURL(rawURL)
	case IntegrationTypeBitbucket:
		_, err = parseBitbucketURL(rawURL)
	case IntegrationTypeAWS:
		if rawURL != "" {
			err = errors.New("must be empty for an aws integration: spec.aws.region says where AWS is")
		}
	case IntegrationTypeAzure:
		if rawURL != "" {
			err = errors.New("must be empty for an azure integration: spec.azure says which tenant and subscription")
		}
	case IntegrationTypeGCP:
		if rawURL != "" {
			err = errors.New("must be empty for a gcp integration: spec.gcp says which project")
		}
	case IntegrationTypeAzureDevOps:
		_, err = parseAzureDevOpsURL(rawURL)
	case IntegrationTypeDatadog:
		if rawURL != "" {
			err = errors.New("must be empty for a datadog integration: spec.datadog.site says where Datadog is")
		}
	case IntegrationTypeMongoDBAtlas:
		if rawURL != "" {
			err = errors.New("must be empty for a mongodb_atlas integration: spec.mongodbAtlas says which organization")
		}
	default:
		return fmt.Errorf("%s: cannot check the URL of unsupported integration type %q", field, clipInput(typ))
	}
	if err != nil {
		return fmt.Errorf("%s %w", field, err)
	}
	return nil
}

// GitHubOwner returns the owner named by a GitHub integration URL and, for a
// GitHub Enterprise Server URL, the base URL of its REST API
// (https://<host>/api/v3/); enterpriseAPIBase is "" for github.com. The owner
// is "" only for an Enterprise URL that names none. It returns the same
// errors as ValidateIntegrationURL.
func GitHubOwner(rawURL string) (owner string, enterpriseAPIBase string, err error) {
	g, err := parseGitHubURL(rawURL)
	if err != nil {
		return "", "", fmt.Errorf("integration URL %w", err)
	}
	return g.owner, g.enterpriseAPIBase, nil
}

// SemaphoreOrg returns the organization named by a Semaphore integration URL
// (acme for https://acme.semaphoreci.com). It returns the same errors as
// ValidateIntegrationURL.
func SemaphoreOrg(rawURL string) (string, error) {
	org, err := parseSemaphoreURL(rawURL)
	if err != nil {
		return "", fmt.Errorf("integration URL %w", err)
	}
	return org, nil
}

// githubURL is what a valid GitHub integration URL names.
type githubURL struct {
	owner             string
	enterpriseAPIBase string
}

// parseGitHubURL checks a GitHub integration URL. Its errors read as the
// predicate of a sentence whose subject is the field name.
func parseGitHubURL(rawURL string) (githubURL, error) {
	u, err := parseHTTPS(rawURL, githubURLShape)
	if err != nil {
		return githubURL{}, err
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "github.com" || host == "www.github.com":
		if u.Port() != "" {
			return githubURL{}, fmt.Errorf("must not have a port: expected %s", githubURLShape)
		}
		owner, err := githubOwnerFromPath(u, true)
		if err != nil {
			return githubURL{}, err
		}
		return githubURL{owner: owner}, nil
	case strings.HasSuffix(host, ".github.com"):
		// api.github.com and friends are not where users see their owner;
		// taking them as an Enterprise host would send the token to a
		// made-up /api/v3/ path.
		return githubURL{}, fmt.Errorf("has host %q, which is not a GitHub web address: expected %s", clipInput(host), githubURLShape)
	case host == "semaphoreci.com" || strings.HasSuffix(host, ".semaphoreci.com"):
		return githubURL{}, fmt.Errorf("is a Semaphore URL, not a GitHub one: expected %s", githubURLShape)
	case host == "bitbucket.org" || strings.HasSuffix(host, ".bitbucket.org"):
		return githubURL{}, fmt.Errorf("is a Bitbucket URL, not a GitHub one: expected %s", githubURLShape)
	}
	if err := checkHostname(host); err != nil {
		return githubURL{}, fmt.Errorf("%w: expected %s", err, githubURLShape)
	}
	owner, err := githubOwnerFromPath(u, false)
	if err != nil {
		return githubURL{}, err
	}
	return githubURL{
		owner:             owner,
		enterpriseAPIBase: "https://" + strings.ToLower(u.Host) + "/api/v3/",
	}, nil
}

// githubOwnerFromPath returns the one path segment of u, which must be a
// valid owner name; the segment may be absent only when required is false.
func githubOwnerFromPath(u *url.URL, required bool) (string, error) {
	// EscapedPath keeps percent-encoding visible, so %2F cannot smuggle a
	// second segment past the split below.
	p := strings.TrimPrefix(u.EscapedPath(), "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		if required {
			return "", fmt.Errorf("names no owner: expected %s", githubURLShape)
		}
		return "", nil
	}
	if strings.Contains(p, "/") {
		return "", fmt.Errorf("has a path after the owner: expected %s (the owner only, no repository)", githubURLShape)
	}
	if !validGitHubOwner(p) {
		return "", fmt.Errorf("has an invalid owner %q: expected %s, where an owner is 1 to 39 letters, digits or single hyphens, not starting or ending with a hyphen", clipInput(p), githubURLShape)
	}
	return p, nil
}

// validGitHubOwner reports whether s is a valid GitHub user or organization
// login.
func validGitHubOwner(s string) bool {
	if len(s) < 1 || len(s) > 39 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isASCIIAlnum(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// parseSemaphoreURL checks a Semaphore integration URL and returns its
// organization. Errors read like parseGitHubURL's.
func parseSemaphoreURL(rawURL string) (string, error) {
	u, err := parseHTTPS(rawURL, semaphoreURLShape)
	if err != nil {
		return "", err
	}
	host := u.Hostname()
	org, ok := strings.CutSuffix(host, ".semaphoreci.com")
	if !ok {
		if strings.HasSuffix(strings.ToLower(host), ".semaphoreci.com") {
			return "", fmt.Errorf("must be lowercase: expected %s", semaphoreURLShape)
		}
		return "", fmt.Errorf("has host %q, which is not a Semaphore organization: expected %s", clipInput(host), semaphoreURLShape)
	}
	if u.Port() != "" {
		return "", fmt.Errorf("must not have a port: expected %s", semaphoreURLShape)
	}
	if p := u.EscapedPath(); p != "" && p != "/" {
		return "", fmt.Errorf("must not have a path: expected %s", semaphoreURLShape)
	}
	if org == "" || len(org) > 63 || org[0] == '-' || org[len(org)-1] == '-' {
		return "", fmt.Errorf("has an invalid organization %q: expected %s, the organization in lowercase letters, digits and hyphens", clipInput(org), semaphoreURLShape)
	}
	for i := 0; i < len(org); i++ {
		c := org[i]
		switch {
		case c >= 'A' && c <= 'Z':
			return "", fmt.Errorf("has an organization %q with uppercase letters: expected %s in lowercase", clipInput(org), semaphoreURLShape)
		case !isASCIIAlnum(c) && c != '-':
			return "", fmt.Errorf("has an invalid organization %q: expected %s, the organization in lowercase letters, digits and hyphens", clipInput(org), semaphoreURLShape)
		}
	}
	return org, nil
}

// parseHTTPS parses rawURL and checks what both integration types share: an
// absolute https URL with a host and no credentials, query or fragment.
// Errors never quote the whole URL, since it might carry credentials.
func parseHTTPS(rawURL, shape string) (*url.URL, error) {
	if strings.TrimSpace(rawURL) == "" {
		return nil, fmt.Errorf("is required: expected %s", shape)
	}
	if rawURL != strings.TrimSpace(rawURL) {
		return nil, fmt.Errorf("must not have leading or trailing spaces: expected %s", shape)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("is not a valid URL: expected %s", shape)
	}
	switch {
	case u.Scheme != "https":
		return nil, fmt.Errorf("must use https: expected %s", shape)
	case u.User != nil:
		return nil, fmt.Errorf("must not contain user credentials (put the token in a secret): expected %s", shape)
	case u.Opaque != "" || u.Host == "":
		return nil, fmt.Errorf("has no host: expected %s", shape)
	case strings.ContainsAny(rawURL, "?#"):
		return nil, fmt.Errorf("must not have a query or fragment: expected %s", shape)
	}
	return u, nil
}

// checkHostname accepts a DNS name or an IP address.
func checkHostname(host string) error {
	if net.ParseIP(host) != nil {
		return nil
	}
	if host == "" || len(host) > 253 {
		return errors.New("has an invalid host")
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("has an invalid host %q", clipInput(host))
		}
		for i := 0; i < len(label); i++ {
			if !isASCIIAlnum(label[i]) && label[i] != '-' {
				return fmt.Errorf("has an invalid host %q", clipInput(host))
			}
		}
	}
	return nil
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// clipInput bounds user input quoted back in an error message.
func clipInput(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
