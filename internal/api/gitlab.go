package api

import (
	"fmt"
	"strings"
)

// IntegrationTypeGitLab is the integration type of a GitLab instance:
// gitlab.com or a self-managed one.
const IntegrationTypeGitLab = "gitlab"

// gitlabURLShape is quoted in error messages about a GitLab URL.
const gitlabURLShape = "https://gitlab.com or a self-managed GitLab URL https://<host>[/<path>]"

// gitlabProjectPattern is a GitLab project as event sources watch it and
// executors run in it: its numeric id, or its full path (group/subgroup/
// project), which GitLab's API takes URL-encoded in place of the id.
var gitlabProjectPattern = lazy(`^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*){0,20}$`)

// gitlabProjectMaxLength bounds a project path, as GitLab bounds a full
// path.
const gitlabProjectMaxLength = 255

// GitLabProjectText says what a GitLab project may be, for messages.
const GitLabProjectText = "a GitLab project id or path (group/project): letters, digits, '.', '_', '-' and '/' " +
	"between segments, each segment starting with a letter, digit, '_' or '-', at most 255 characters"

// ValidGitLabProject reports whether s names a GitLab project: an id, or
// a path whose segments never start with a dot (so "." and ".." cannot
// reach the API's paths).
func ValidGitLabProject(s string) bool {
	return len(s) <= gitlabProjectMaxLength && gitlabProjectPattern.MatchString(s)
}

// GitLabAPIBase returns the base of the REST API of the GitLab instance a
// valid GitLab integration URL names: the URL, without a trailing slash,
// followed by /api/v4. It returns the same errors as ValidateIntegrationURL.
func GitLabAPIBase(rawURL string) (string, error) {
	if err := parseGitLabURL(rawURL); err != nil {
		return "", fmt.Errorf("integration URL %w", err)
	}
	return strings.TrimSuffix(rawURL, "/") + "/api/v4", nil
}

// parseGitLabURL checks a GitLab integration URL: https://gitlab.com, or a
// self-managed instance at https://<host>[:<port>][/<relative root>]. Its
// errors read as the predicate of a sentence whose subject is the field
// name.
func parseGitLabURL(rawURL string) error {
	u, err := parseHTTPS(rawURL, gitlabURLShape)
	if err != nil {
		return err
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "gitlab.com" || host == "www.gitlab.com":
		if u.Port() != "" {
			return fmt.Errorf("must not have a port: expected %s", gitlabURLShape)
		}
		if p := u.EscapedPath(); p != "" && p != "/" {
			// https://gitlab.com/acme is a group: the project goes on the
			// source or the executor, the instance here.
			return fmt.Errorf("must not have a path on gitlab.com (the project is named by each event source and executor): expected https://gitlab.com")
		}
		return nil
	case host == "github.com" || strings.HasSuffix(host, ".github.com"):
		return fmt.Errorf("is a GitHub URL, not a GitLab one: expected %s", gitlabURLShape)
	case host == "semaphoreci.com" || strings.HasSuffix(host, ".semaphoreci.com"):
		return fmt.Errorf("is a Semaphore URL, not a GitLab one: expected %s", gitlabURLShape)
	case host == "bitbucket.org" || strings.HasSuffix(host, ".bitbucket.org"):
		return fmt.Errorf("is a Bitbucket URL, not a GitLab one: expected %s", gitlabURLShape)
	}
	if err := checkHostname(host); err != nil {
		return fmt.Errorf("%w: expected %s", err, gitlabURLShape)
	}
	// The relative URL root of a self-managed instance: plain segments, so
	// that /api/v4 lands where the instance serves it.
	p := strings.TrimSuffix(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	if p == "" {
		return nil
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "%") {
			return fmt.Errorf("has an invalid path: expected %s, where the path is the instance's relative URL root", gitlabURLShape)
		}
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; !isASCIIAlnum(c) && c != '-' && c != '_' && c != '.' {
				return fmt.Errorf("has an invalid path: expected %s, where the path is the instance's relative URL root", gitlabURLShape)
			}
		}
	}
	if strings.HasSuffix(p, "api/v4") {
		return fmt.Errorf("must be the instance's web address, not its API: drop /api/v4 (expected %s)", gitlabURLShape)
	}
	return nil
}
