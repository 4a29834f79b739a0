package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// The gitlab parts of the event source and stage resources: a GitLab
// project named by its path (group/app) where the other tools take a
// single name, and the stage's gitlab executor block.

// resourceNameText says what a resource name may be, for messages.
const resourceNameText = "1 to 100 letters, digits, '.', '_' or '-' (a GitLab project may also be its full path, group/app; an Azure DevOps project name may hold spaces)"

// resourceNameValidator accepts what some source or executor type takes as
// its repository or project: a plain name, or a GitLab project path.
// validateResourceName then holds each type to its own rule.
type resourceNameValidator struct{}

func (resourceNameValidator) Description(context.Context) string {
	return "must be " + resourceNameText
}

func (v resourceNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v resourceNameValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if !api.RepositoryPattern.MatchString(s) && !api.ValidGitLabProject(s) && !api.ValidAzureDevOpsProject(s) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid resource name",
			fmt.Sprintf("%q must be %s.", s, resourceNameText))
	}
}

// validResourceName reports whether name fits a source or executor of type
// typ, with the rule to quote when it does not: the server's.
func validResourceName(typ, name string) (bool, string) {
	if typ == api.IntegrationTypeGitLab {
		return api.ValidGitLabProject(name), api.GitLabProjectText
	}
	if typ == api.IntegrationTypeAzureDevOps {
		return api.ValidAzureDevOpsProject(name), api.AzureDevOpsProjectText
	}
	return api.RepositoryPattern.MatchString(name), "1 to 100 letters, digits, '.', '_' or '-'"
}

// validateResourceName checks the resource block's name against the
// source type's rule: only a GitLab project may be a path.
func validateResourceName(config *EventSourceResourceModel, res *eventSourceResourceModel, diags *diag.Diagnostics) {
	if res == nil || !isKnown(config.Type) || !isKnown(res.Name) {
		return
	}
	if _, hooked := resourceTypeFor[config.Type.ValueString()]; !hooked {
		return
	}
	if ok, rule := validResourceName(config.Type.ValueString(), res.Name.ValueString()); !ok {
		diags.AddAttributeError(path.Root("resource").AtName("name"), "Invalid resource name",
			fmt.Sprintf("The %s of a %s event source must be %s.", resourceTypeFor[config.Type.ValueString()], config.Type.ValueString(), rule))
	}
}

// stageGitLabAttrTypes are the attribute types of the gitlab executor
// block.
var stageGitLabAttrTypes = map[string]attr.Type{
	"integration": types.StringType, "project": types.StringType, "ref": types.StringType,
	"variables": types.MapType{ElemType: types.StringType},
}

// stageGitLabModel is the gitlab executor block.
type stageGitLabModel struct {
	Integration types.String `tfsdk:"integration"`
	Project     types.String `tfsdk:"project"`
	Ref         types.String `tfsdk:"ref"`
	Variables   types.Map    `tfsdk:"variables"`
}

// stageGitLabBlock is the schema of the gitlab executor block.
func stageGitLabBlock(nameValidators []validator.String) schema.Block {
	return schema.SingleNestedBlock{
		MarkdownDescription: "Executor: create a GitLab CI/CD pipeline through a `gitlab` integration and wait " +
			"for it to end (`success` passes; `failed`, `canceled` or `skipped` fail). Cancelling the execution, " +
			"or its timeout, cancels the pipeline. The token's user needs the Developer role on the project. Set " +
			"exactly one executor block.",
		Attributes: map[string]schema.Attribute{
			"integration": schema.StringAttribute{
				MarkdownDescription: "Name of the `gitlab` integration (the canvas's own first, then the " +
					"organization's). " + requiredInBlock,
				Optional: true, Validators: nameValidators,
			},
			"project": schema.StringAttribute{
				MarkdownDescription: "The project: its id or full path (`group/app`). " + requiredInBlock,
				Optional:            true, Validators: []validator.String{resourceNameValidator{}},
			},
			"ref": schema.StringAttribute{
				MarkdownDescription: "The branch or tag the pipeline runs on. " + requiredInBlock + templateNote,
				Optional:            true,
			},
			"variables": schema.MapAttribute{
				MarkdownDescription: "CI/CD variables of the pipeline (sent as `env_var` variables)." + templateNote,
				Optional:            true, ElementType: types.StringType,
			},
		},
	}
}

// stageGitLabExecutor is the API executor of a gitlab block.
func stageGitLabExecutor(ctx context.Context, g *stageGitLabModel, diags *diag.Diagnostics) *api.Executor {
	spec := map[string]any{"ref": g.Ref.ValueString()}
	if v, ok := stageStringMap(ctx, g.Variables, diags); ok {
		spec["variables"] = v
	}
	return &api.Executor{
		Type:        api.ExecutorGitLab,
		Integration: &api.IntegrationRef{Name: g.Integration.ValueString()},
		Resource:    &api.ResourceRef{Type: "project", Name: g.Project.ValueString()},
		Spec:        spec,
	}
}

// stageGitLabFrom is the gitlab block of an API executor.
func stageGitLabFrom(ctx context.Context, integration, resource types.String, spec map[string]any, diags *diag.Diagnostics) (types.Object, diag.Diagnostics) {
	return types.ObjectValueFrom(ctx, stageGitLabAttrTypes, stageGitLabModel{
		Integration: integration, Project: resource,
		Ref: specStringValue(spec, "ref"), Variables: specMapValue(spec, "variables", diags),
	})
}

// validateGitLab checks a gitlab block as the server will.
func (v *stageValidator) validateGitLab(config *StageResourceModel) {
	g := objectAs[stageGitLabModel](v.ctx, config.GitLab, v.diags)
	if g == nil {
		return
	}
	p := path.Root("gitlab")
	v.require(p.AtName("integration"), "gitlab.integration", g.Integration, "the gitlab integration to run the pipeline through")
	if v.require(p.AtName("project"), "gitlab.project", g.Project, "the GitLab project whose pipeline runs") && isKnown(g.Project) {
		if ok, rule := validResourceName(api.ExecutorGitLab, g.Project.ValueString()); !ok {
			v.diags.AddAttributeError(p.AtName("project"), "Invalid project",
				fmt.Sprintf("gitlab.project %q must be %s.", g.Project.ValueString(), rule))
		}
	}
	v.require(p.AtName("ref"), "gitlab.ref", g.Ref, "the branch or tag to run on")
	v.checkTemplates(p.AtName("ref"), "gitlab.ref", g.Ref)
	v.checkTemplateMap(p.AtName("variables"), "gitlab.variables", g.Variables)
	if !g.Variables.IsUnknown() {
		for _, k := range sortedMapKeys(g.Variables) {
			if strings.TrimSpace(k) == "" {
				v.diags.AddAttributeError(p.AtName("variables"), "Invalid variable name", "gitlab.variables has an empty name.")
			}
		}
	}
}
