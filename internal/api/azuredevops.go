package api

import (
	"fmt"
	"strings"
)

// The azure_devops type's names: an integration of an Azure DevOps
// organization (Services) or collection (Server), the event sources that
// hear its service hooks and the executor that runs its pipelines.
const (
	IntegrationTypeAzureDevOps = "azure_devops"
	EventSourceTypeAzureDevOps = "azure_devops"
	ExecutorAzureDevOps        = "azure_devops"
)

// The names under which an execution's id and output token reach an Azure
// Pipelines run: pipeline variables (environment variables of its jobs,
// SUPERPLANE_TOKEN a secret variable).
const (
	AzureDevOpsExecutionIDVariable = "SUPERPLANE_EXECUTION_ID"
	AzureDevOpsOutputTokenVariable = "SUPERPLANE_TOKEN"
)

// AzureDevOpsTokenHeader is the header an azure_devops source's service
// hook subscriptions send the source's key in (their httpHeaders input):
// Azure DevOps does not sign deliveries.
const AzureDevOpsTokenHeader = "X-Superplane-Token"

// azureDevOpsURLShape is quoted in error messages about an Azure DevOps URL.
const azureDevOpsURLShape = "https://dev.azure.com/<organization>, or an Azure DevOps Server collection URL https://<host>[/<path>]/<collection>"

// AzureDevOpsOrganization returns the organization (Services) or
// collection (Server) an azure_devops integration URL names: the last
// segment of its path. It returns the same errors as
// ValidateIntegrationURL.
func AzureDevOpsOrganization(rawURL string) (string, error) {
	org, err := parseAzureDevOpsURL(rawURL)
	if err != nil {
		return "", fmt.Errorf("integration URL %w", err)
	}
	return org, nil
}

// parseAzureDevOpsURL checks an azure_devops integration URL: the
// organization's URL on Azure DevOps Services (https://dev.azure.com/acme),
// or a collection of Azure DevOps Server (https://tfs.example.com/tfs/
// DefaultCollection). The URL itself is the base of the REST API, so
// nothing may follow the organization or collection.
func parseAzureDevOpsURL(rawURL string) (string, error) {
	u, err := parseHTTPS(rawURL, azureDevOpsURLShape)
	if err != nil {
		return "", err
	}
	host := strings.ToLower(u.Hostname())
	p := strings.TrimSuffix(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	switch {
	case host == "github.com" || strings.HasSuffix(host, ".github.com"):
		return "", fmt.Errorf("is a GitHub URL, not an Azure DevOps one: expected %s", azureDevOpsURLShape)
	case host == "visualstudio.com" || strings.HasSuffix(host, ".visualstudio.com"):
		return "", fmt.Errorf("is a legacy visualstudio.com address: expected %s (the organization's dev.azure.com URL)", azureDevOpsURLShape)
	case host == "dev.azure.com":
		if u.Port() != "" {
			return "", fmt.Errorf("must not have a port: expected %s", azureDevOpsURLShape)
		}
		switch {
		case p == "":
			return "", fmt.Errorf("names no organization: expected %s", azureDevOpsURLShape)
		case strings.Contains(p, "/"):
			return "", fmt.Errorf("has a path after the organization: expected %s (the organization only, no project)", azureDevOpsURLShape)
		}
	default:
		if err := checkHostname(host); err != nil {
			return "", fmt.Errorf("%w: expected %s", err, azureDevOpsURLShape)
		}
		if p == "" {
			return "", fmt.Errorf("names no collection: expected %s", azureDevOpsURLShape)
		}
	}
	segs := strings.Split(p, "/")
	for _, seg := range segs {
		if !validAzureDevOpsName(seg) {
			return "", fmt.Errorf("has an invalid path segment %q: expected %s, where each segment is letters, digits, '-', '_' or '.'", clipInput(seg), azureDevOpsURLShape)
		}
	}
	if strings.EqualFold(segs[len(segs)-1], "_apis") {
		return "", fmt.Errorf("must be the organization's or collection's address, not its API: drop /_apis (expected %s)", azureDevOpsURLShape)
	}
	return segs[len(segs)-1], nil
}

// validAzureDevOpsName reports whether s may be an organization, a
// collection or a segment of a Server's virtual directory: 1 to 64
// letters, digits, '-', '_' or '.', not starting with a dot (so "." and
// ".." cannot reach the API's paths).
func validAzureDevOpsName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isASCIIAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// ValidAzureDevOpsProject reports whether s may name an Azure DevOps
// project, as sources watch it and executors run in it: its name (at most
// 64 characters, none of Azure DevOps' reserved ones) or its id.
func ValidAzureDevOpsProject(s string) bool {
	if strings.TrimSpace(s) != s || s == "" || len(s) > 64 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|;#$%&{}+=[]@,'`+"`", r) {
			return false
		}
	}
	return true
}

// AzureDevOpsProjectText says what an Azure DevOps project may be, for
// messages.
const AzureDevOpsProjectText = "an Azure DevOps project name or id: 1 to 64 characters, no leading or trailing space or dot, " +
	"none of / \\ : * ? \" < > | ; # $ % & { } + = [ ] @ , ' `"
