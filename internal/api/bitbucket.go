package api

import (
	"fmt"
	"strings"
)

// bitbucketURLShape is the shape of a Bitbucket integration URL, quoted in
// error messages.
const bitbucketURLShape = "https://bitbucket.org/<workspace>"

// BitbucketWorkspace returns the workspace named by a Bitbucket Cloud
// integration URL (acme for https://bitbucket.org/acme). It returns the
// same errors as ValidateIntegrationURL.
func BitbucketWorkspace(rawURL string) (string, error) {
	ws, err := parseBitbucketURL(rawURL)
	if err != nil {
		return "", fmt.Errorf("integration URL %w", err)
	}
	return ws, nil
}

// parseBitbucketURL checks a Bitbucket Cloud integration URL and returns
// its workspace. Errors read like parseGitHubURL's. Only Bitbucket Cloud is
// supported: Bitbucket Data Center has another API.
func parseBitbucketURL(rawURL string) (string, error) {
	u, err := parseHTTPS(rawURL, bitbucketURLShape)
	if err != nil {
		return "", err
	}
	host := strings.ToLower(u.Hostname())
	if host != "bitbucket.org" && host != "www.bitbucket.org" {
		return "", fmt.Errorf("has host %q, which is not Bitbucket Cloud: expected %s", clipInput(host), bitbucketURLShape)
	}
	if u.Port() != "" {
		return "", fmt.Errorf("must not have a port: expected %s", bitbucketURLShape)
	}
	p := strings.TrimSuffix(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	switch {
	case p == "":
		return "", fmt.Errorf("names no workspace: expected %s", bitbucketURLShape)
	case strings.Contains(p, "/"):
		return "", fmt.Errorf("has a path after the workspace: expected %s (the workspace only, no repository)", bitbucketURLShape)
	}
	if strings.ToLower(p) != p {
		return "", fmt.Errorf("has a workspace %q with uppercase letters: expected %s in lowercase", clipInput(p), bitbucketURLShape)
	}
	if !validBitbucketWorkspace(p) {
		return "", fmt.Errorf("has an invalid workspace %q: expected %s, where a workspace is 1 to 62 lowercase letters, digits, '-' or '_'", clipInput(p), bitbucketURLShape)
	}
	return p, nil
}

// validBitbucketWorkspace reports whether s is a workspace id (slug) as
// Bitbucket allows it: lowercase letters, digits, dashes and underscores.
func validBitbucketWorkspace(s string) bool {
	if len(s) < 1 || len(s) > 62 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
