package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// The azure_devops parts of the stage resource: the azure_devops executor
// block, which runs an Azure Pipelines pipeline of a project.

// stageAzureDevOpsAttrTypes are the attribute types of the azure_devops
// executor block.
var stageAzureDevOpsAttrTypes = map[string]attr.Type{
	"integration": types.StringType, "project": types.StringType, "pipeline": types.StringType,
	"ref": types.StringType, "parameters": types.MapType{ElemType: types.StringType},
	"variables": types.MapType{ElemType: types.StringType},
}

// stageAzureDevOpsModel is the azure_devops executor block.
type stageAzureDevOpsModel struct {
	Integration types.String `tfsdk:"integration"`
	Project     types.String `tfsdk:"project"`
	Pipeline    types.String `tfsdk:"pipeline"`
	Ref         types.String `tfsdk:"ref"`
	Parameters  types.Map    `tfsdk:"parameters"`
	Variables   types.Map    `tfsdk:"variables"`
}

// stageAzureDevOpsBlock is the schema of the azure_devops executor block.
func stageAzureDevOpsBlock(nameValidators []validator.String) schema.Block {
	return schema.SingleNestedBlock{
		MarkdownDescription: "Executor: run an Azure Pipelines pipeline through an `azure_devops` integration and " +
			"wait for the run to complete (`succeeded` passes; `failed` or `canceled` fail). Cancelling the " +
			"execution, or its timeout, cancels the run. When the stage declares outputs, the run gets the " +
			"variables `SUPERPLANE_EXECUTION_ID` and `SUPERPLANE_TOKEN` (secret) to push them back, so the " +
			"pipeline must let them be set at queue time. Set exactly one executor block.",
		Attributes: map[string]schema.Attribute{
			"integration": schema.StringAttribute{
				MarkdownDescription: "Name of the `azure_devops` integration (the canvas's own first, then the " +
					"organization's). " + requiredInBlock,
				Optional: true, Validators: nameValidators,
			},
			"project": schema.StringAttribute{
				MarkdownDescription: "The Azure DevOps project (its name or id). " + requiredInBlock,
				Optional:            true,
			},
			"pipeline": schema.StringAttribute{
				MarkdownDescription: "The pipeline's numeric id (the `definitionId` in its URL). " + requiredInBlock + templateNote,
				Optional:            true,
			},
			"ref": schema.StringAttribute{
				MarkdownDescription: "The branch (`main`) or full ref (`refs/tags/v1`) of the pipeline's repository " +
					"to run on; when left out, the pipeline's default branch." + templateNote,
				Optional: true,
			},
			"parameters": schema.MapAttribute{
				MarkdownDescription: "The pipeline's runtime parameters (`templateParameters`)." + templateNote,
				Optional:            true, ElementType: types.StringType,
			},
			"variables": schema.MapAttribute{
				MarkdownDescription: "Queue-time variables of the run; one that carries a secret is sent as a " +
					"secret variable, which Azure Pipelines masks in the logs." + templateNote,
				Optional: true, ElementType: types.StringType,
			},
		},
	}
}

// stageAzureDevOpsExecutor is the API executor of an azure_devops block.
func stageAzureDevOpsExecutor(ctx context.Context, a *stageAzureDevOpsModel, diags *diag.Diagnostics) *api.Executor {
	spec := map[string]any{"pipeline": a.Pipeline.ValueString()}
	if isKnown(a.Ref) {
		spec["ref"] = a.Ref.ValueString()
	}
	if v, ok := stageStringMap(ctx, a.Parameters, diags); ok {
		spec["parameters"] = v
	}
	if v, ok := stageStringMap(ctx, a.Variables, diags); ok {
		spec["variables"] = v
	}
	return &api.Executor{
		Type:        api.ExecutorAzureDevOps,
		Integration: &api.IntegrationRef{Name: a.Integration.ValueString()},
		Resource:    &api.ResourceRef{Type: "project", Name: a.Project.ValueString()},
		Spec:        spec,
	}
}

// stageAzureDevOpsFrom is the azure_devops block of an API executor.
func stageAzureDevOpsFrom(ctx context.Context, integration, resource types.String, spec map[string]any, diags *diag.Diagnostics) (types.Object, diag.Diagnostics) {
	return types.ObjectValueFrom(ctx, stageAzureDevOpsAttrTypes, stageAzureDevOpsModel{
		Integration: integration, Project: resource,
		Pipeline: specStringValue(spec, "pipeline"), Ref: specStringValue(spec, "ref"),
		Parameters: specMapValue(spec, "parameters", diags), Variables: specMapValue(spec, "variables", diags),
	})
}

// validateAzureDevOps checks an azure_devops block as the server will.
func (v *stageValidator) validateAzureDevOps(config *StageResourceModel) {
	a := objectAs[stageAzureDevOpsModel](v.ctx, config.AzureDevOps, v.diags)
	if a == nil {
		return
	}
	p := path.Root("azure_devops")
	v.require(p.AtName("integration"), "azure_devops.integration", a.Integration, "the azure_devops integration to run the pipeline through")
	if v.require(p.AtName("project"), "azure_devops.project", a.Project, "the Azure DevOps project whose pipeline runs") && isKnown(a.Project) {
		if !api.ValidAzureDevOpsProject(a.Project.ValueString()) {
			v.diags.AddAttributeError(p.AtName("project"), "Invalid project",
				fmt.Sprintf("azure_devops.project %q must be %s.", a.Project.ValueString(), api.AzureDevOpsProjectText))
		}
	}
	if v.require(p.AtName("pipeline"), "azure_devops.pipeline", a.Pipeline, "the id of the pipeline to run") && isKnown(a.Pipeline) {
		s := a.Pipeline.ValueString()
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32); !strings.Contains(s, "${{") && (err != nil || n <= 0) {
			v.diags.AddAttributeError(p.AtName("pipeline"), "Invalid pipeline",
				fmt.Sprintf("azure_devops.pipeline %q must be the pipeline's numeric id.", s))
		}
	}
	v.checkTemplates(p.AtName("pipeline"), "azure_devops.pipeline", a.Pipeline)
	v.checkTemplates(p.AtName("ref"), "azure_devops.ref", a.Ref)
	v.checkTemplateMap(p.AtName("parameters"), "azure_devops.parameters", a.Parameters)
	v.checkTemplateMap(p.AtName("variables"), "azure_devops.variables", a.Variables)
}
