package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                   = &IntegrationResource{}
	_ resource.ResourceWithConfigure      = &IntegrationResource{}
	_ resource.ResourceWithValidateConfig = &IntegrationResource{}
	_ resource.ResourceWithModifyPlan     = &IntegrationResource{}
	_ resource.ResourceWithImportState    = &IntegrationResource{}
)

// NewIntegrationResource returns the superplane_integration resource.
func NewIntegrationResource() resource.Resource {
	return &IntegrationResource{}
}

// IntegrationResource manages one integration: SuperPlane's connection to
// GitHub or Semaphore, authenticated with a token kept in a secret.
type IntegrationResource struct {
	client *client.Client
}

// Metadata names the resource superplane_integration.
func (r *IntegrationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_integration"
}

// Configure takes the API client from the provider.
func (r *IntegrationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ValidateConfig checks, before anything is sent, what the server would
// refuse: an unknown type, a URL of the wrong shape for the type, and a
// canvas secret for an organization integration. Unknown values are
// checked when they become known.
func (r *IntegrationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config IntegrationResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	typeOK := false
	if isKnown(config.Type) {
		if err := api.ValidateIntegrationType("type", config.Type.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("type"), "Invalid integration type", err.Error())
		} else {
			typeOK = true
		}
	}
	if typeOK && isKnown(config.URL) {
		if err := api.ValidateIntegrationURL("url", config.Type.ValueString(), config.URL.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("url"), "Invalid integration URL", err.Error())
		}
	}

	validateTypedBlocks(ctx, &config, &resp.Diagnostics)
	if typeOK && !isCloudType(config.Type.ValueString()) {
		if config.URL.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("url"), "Missing url",
				fmt.Sprintf("A %s integration needs url.", config.Type.ValueString()))
		}
		if config.Auth.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("auth"), "Missing auth",
				"The auth block with its token block is required.")
		}
	}
	tok := integrationToken(ctx, config.Auth, &resp.Diagnostics)
	if !config.Auth.IsNull() && !config.Auth.IsUnknown() && tok == nil && typeOK && !isCloudType(config.Type.ValueString()) {
		resp.Diagnostics.AddAttributeError(path.Root("auth").AtName("token"), "Missing token", "The auth block needs its token block.")
	}
	if tok != nil && tok.Scope.ValueString() == scopeCanvas && config.Canvas.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("auth").AtName("token").AtName("scope"),
			"Canvas secret for an organization integration",
			`An organization integration can only use an organization secret: set scope = "organization" `+
				"(or leave it out), or set canvas to make this a canvas integration.")
	}
}

// ModifyPlan keeps `status` as it is when applying would not touch the
// integration, so a converged configuration plans nothing. It marks
// `status` unknown, so the apply verifies again, when the settings change
// (the server verifies on every update) and when `verify` is true and the
// last verification failed: then Update calls the verify endpoint and fails
// with the tool's reason if the credentials still do not work.
func (r *IntegrationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return // destroy, or create: status is unknown anyway
	}
	var plan, state IntegrationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	prior := objectAs[integrationStatusModel](ctx, state.Status, &resp.Diagnostics)
	reverify := !plan.Verify.Equal(types.BoolValue(false)) && prior != nil && prior.State.ValueString() != api.IntegrationStateOK
	switch {
	case integrationSettingsChanged(&plan, &state):
		plan.Status = types.ObjectUnknown(integrationStatusAttrTypes)
	case reverify:
		plan.Status = types.ObjectUnknown(integrationStatusAttrTypes)
		resp.Diagnostics.AddAttributeWarning(path.Root("status"), "Integration credentials failed verification",
			fmt.Sprintf("SuperPlane's last verification of integration %q failed: %s. Because verify is true, "+
				"applying verifies the credentials again and fails if they still do not work.",
				state.Name.ValueString(), prior.Reason.ValueString()))
	default:
		plan.Status = state.Status
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// Create creates the integration, which SuperPlane verifies at once. With
// verify set and a failed verification, the integration is deleted again
// and the apply fails with the tool's reason.
func (r *IntegrationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan IntegrationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := integrationParams(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(plan.Canvas)
	in, err := r.client.CreateIntegration(ctx, domainType, domainID, params)
	if client.IsConflict(err) {
		if own, aerr := r.client.AdoptIntegration(ctx, domainType, domainID, params); aerr == nil {
			in, err = own, nil
			adoptedWarning(&resp.Diagnostics, "integration", params.Name)
		}
	}
	if err != nil {
		resp.Diagnostics.AddError("Error creating integration", err.Error())
		return
	}
	created, diags := integrationModelFrom(ctx, in, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	if plan.Verify.ValueBool() && verificationFailed(in.Status) {
		detail := verificationFailure(params, in.Status)
		err := r.client.DeleteIntegration(ctx, domainType, domainID, in.Metadata.ID)
		if err == nil || client.IsNotFound(err) {
			resp.Diagnostics.AddError("Integration credentials failed verification", detail+
				"\n\nThe integration was deleted again, so nothing is left behind.")
			return
		}
		// It exists and cannot be removed: keep it in state (Terraform
		// marks it tainted) rather than lose track of it.
		resp.Diagnostics.Append(resp.State.Set(ctx, created)...)
		resp.Diagnostics.AddError("Integration credentials failed verification", detail+
			fmt.Sprintf("\n\nThe integration could not be deleted again (%v), so it is kept in the Terraform "+
				"state. Fix the credentials and run terraform untaint on it, or remove it from the state.", err))
		return
	}
	if in.Status == nil {
		resp.Diagnostics.AddWarning("Integration not verified",
			"The server reports no verification status (a SuperPlane v1 server does not verify "+
				"integrations), so Terraform cannot tell whether the credentials work.")
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, created)...)
}

// Read refreshes the integration, its status included: SuperPlane
// verifies again whenever the token secret's values change, so a rotation
// shows here. A failed verification is not an error on read. An
// integration deleted outside Terraform is removed from state so the next
// plan creates it again.
func (r *IntegrationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state IntegrationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(state.Canvas)
	in, err := r.client.ReadIntegration(ctx, domainType, domainID, state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "integration not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading integration", err.Error())
		return
	}

	m, diags := integrationModelFrom(ctx, in, &state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Update sends the settings when they changed (the server verifies them),
// or only verifies when ModifyPlan asked for it (status unknown). With
// verify set and a failed verification, the apply fails with the tool's
// reason and the state keeps its previous values.
func (r *IntegrationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state IntegrationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	params, diags := integrationParams(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(plan.Canvas)
	var in *api.Integration
	var err error
	switch {
	case integrationSettingsChanged(&plan, &state):
		in, err = r.client.UpdateIntegration(ctx, domainType, domainID, state.ID.ValueString(), params)
	case plan.Status.IsUnknown():
		in, err = r.client.VerifyIntegration(ctx, domainType, domainID, state.ID.ValueString())
	default:
		// Only verify changed: nothing to tell the server.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error updating integration", err.Error())
		return
	}

	if plan.Verify.ValueBool() && verificationFailed(in.Status) {
		resp.Diagnostics.AddError("Integration credentials failed verification", verificationFailure(params, in.Status)+
			"\n\nSuperPlane keeps the integration with these settings and reports the failure in its status; "+
			"the Terraform state keeps its previous values, so the next plan tries again.")
		return
	}
	m, diags := integrationModelFrom(ctx, in, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Delete deletes the integration; one already gone counts as deleted. A
// SuperPlane v1 server cannot delete integrations at all, which the error
// says in so many words.
func (r *IntegrationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state IntegrationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(state.Canvas)
	err := r.client.DeleteIntegration(ctx, domainType, domainID, state.ID.ValueString())
	switch {
	case err == nil || client.IsNotFound(err):
	case client.IsUnsupported(err):
		resp.Diagnostics.AddError("The server cannot delete integrations",
			fmt.Sprintf("This SuperPlane server has no operation to delete an integration (the v1 API lacks "+
				"DELETE /api/v1/integrations/{id}), so integration %q is still there. To stop managing it "+
				"with Terraform, remove it from the state (terraform state rm, or a removed block with "+
				"lifecycle { destroy = false }). (%v)", state.Name.ValueString(), err))
	default:
		resp.Diagnostics.AddError("Error deleting integration", err.Error())
	}
}

// ImportState accepts "organization/<name>" or "canvas/<canvas>/<name>".
// Read fills in the rest; verify, which the server does not know, starts at
// its default.
func (r *IntegrationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	forgetLists(r.client)
	if importScoped(ctx, "integration", req, resp) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("verify"), true)...)
	}
}

// integrationSettingsChanged reports whether plan changes anything the
// server holds (canvas and type changes replace the integration instead).
func integrationSettingsChanged(plan, state *IntegrationResourceModel) bool {
	return !plan.Name.Equal(state.Name) || !plan.Description.Equal(state.Description) ||
		!plan.Type.Equal(state.Type) || !plan.URL.Equal(state.URL) || !plan.Auth.Equal(state.Auth) ||
		!plan.AWS.Equal(state.AWS) || !plan.Azure.Equal(state.Azure) || !plan.GCP.Equal(state.GCP) ||
		!plan.Datadog.Equal(state.Datadog) || !plan.MongoDBAtlas.Equal(state.MongoDBAtlas)
}

// verificationFailed reports whether the server verified the credentials
// and they did not work. No status at all (a v1 server) is not a failure.
func verificationFailed(st *api.IntegrationStatus) bool {
	return st != nil && st.State != api.IntegrationStateOK
}

// verificationFailure is the first paragraph of the error for a failed
// verification: which integration, which secret, and the tool's reason.
func verificationFailure(p client.IntegrationParams, st *api.IntegrationStatus) string {
	reason := st.Reason
	if reason == "" {
		reason = "state " + st.State
	}
	if p.Azure != nil {
		return fmt.Sprintf("SuperPlane could not verify the credentials of azure integration %q: %s\n\nFix the azure block, "+
			"the client secret in its secret or the application's federated credential, or set verify = false to keep an "+
			"integration whose credentials do not work yet (status then reports the failure).", p.Name, reason)
	}
	if p.Datadog != nil {
		return fmt.Sprintf("SuperPlane could not verify the keys of datadog integration %q: %s\n\nFix the datadog block "+
			"or the API and application keys in its secret, or set verify = false to keep an integration whose keys do "+
			"not work yet (status then reports the failure).", p.Name, reason)
	}
	if p.MongoDBAtlas != nil {
		return fmt.Sprintf("SuperPlane could not verify the credentials of mongodb_atlas integration %q: %s\n\nFix the mongodb_atlas block, "+
			"the private key or client secret in its secret, or the key's access list and roles in Atlas, or set verify = false "+
			"to keep an integration whose credentials do not work yet (status then reports the failure).", p.Name, reason)
	}
	if p.GCP != nil {
		return fmt.Sprintf("SuperPlane could not verify the credentials of gcp integration %q: %s\n\nFix the gcp block, "+
			"the key file in its secret or the workload identity provider and its service account bindings, or set "+
			"verify = false to keep an integration whose credentials do not work yet (status then reports the failure).", p.Name, reason)
	}
	if p.AWS != nil {
		return fmt.Sprintf("SuperPlane could not verify the credentials of aws integration %q: %s\n\nFix the aws block, "+
			"the key pair in its secret or the role's trust policy, or set verify = false to keep an integration whose "+
			"credentials do not work yet (status then reports the failure).", p.Name, reason)
	}
	return fmt.Sprintf("SuperPlane could not verify the credentials of %s integration %q (token from key %q of "+
		"secret %q): %s\n\nFix the token in the secret or the url, or set verify = false to keep an integration "+
		"whose credentials do not work yet (status then reports the failure).",
		p.Type, p.Name, p.SecretKey, p.SecretName, reason)
}
