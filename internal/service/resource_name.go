package service

import (
	"errors"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// validResourceName checks the repository or project a source of type typ
// watches, or an executor of type typ runs in. A GitLab project may be an
// id or a full path with slashes (group/subgroup/app), which GitLab's API
// takes URL-encoded; the other tools' names are single path segments. The
// error is the predicate of "resource.name %q must be ...".
func validResourceName(typ, name string) error {
	if typ == api.IntegrationTypeGitLab {
		if !api.ValidGitLabProject(name) {
			return errors.New(api.GitLabProjectText)
		}
		return nil
	}
	if typ == api.IntegrationTypeAzureDevOps {
		// An Azure DevOps project name may hold spaces; it is escaped in
		// the API's paths.
		if !api.ValidAzureDevOpsProject(name) {
			return errors.New(api.AzureDevOpsProjectText)
		}
		return nil
	}
	if typ == api.IntegrationTypeDatadog {
		if api.ValidateDatadogWebhookName("", name) != nil {
			return errors.New("a Datadog webhook name: 1-100 letters, digits, '_' or '-' (monitors notify it as @webhook-<name>)")
		}
		return nil
	}
	if !api.RepositoryPattern.MatchString(name) {
		return errors.New("1-100 letters, digits, '.', '_' or '-'")
	}
	return nil
}
