// Package all lists the integration types the server knows. It is the one
// place a new type is added (one line below); the server, hooks and the
// executor find a type's parts (Hooks, Runner) through this registry. It
// cannot live in internal/integration: the type packages import that
// package for its shared helpers (Verifier, Result, Hook, RunRequest,
// redaction), so the parent listing them would be an import cycle.
package all

import (
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/aws"
	"github.com/superplane/terraform-provider-superplane/internal/integration/azure"
	"github.com/superplane/terraform-provider-superplane/internal/integration/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/integration/bitbucket"
	"github.com/superplane/terraform-provider-superplane/internal/integration/datadog"
	"github.com/superplane/terraform-provider-superplane/internal/integration/gcp"
	"github.com/superplane/terraform-provider-superplane/internal/integration/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration/gitlab"
	"github.com/superplane/terraform-provider-superplane/internal/integration/mongodbatlas"
	"github.com/superplane/terraform-provider-superplane/internal/integration/semaphore"
)

// Registry returns a registry of every integration type.
func Registry() *integration.Registry {
	return integration.NewRegistry(
		github.Type{},
		semaphore.Type{},
		gitlab.Type{},
		bitbucket.Type{},
		aws.Type{},
		azure.Type{},
		gcp.Type{},
		azuredevops.Type{},
		datadog.Type{},
		mongodbatlas.Type{},
	)
}
