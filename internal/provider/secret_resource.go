package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                = &SecretResource{}
	_ resource.ResourceWithConfigure   = &SecretResource{}
	_ resource.ResourceWithModifyPlan  = &SecretResource{}
	_ resource.ResourceWithImportState = &SecretResource{}
)

// NewSecretResource returns the superplane_secret resource.
func NewSecretResource() resource.Resource {
	return &SecretResource{}
}

// SecretResource manages one secret of the organization or of a canvas.
type SecretResource struct {
	client *client.Client
}

// SecretResourceModel is the state of a superplane_secret. DataWO is always
// null outside req.Config: Terraform never stores write-only values.
type SecretResourceModel struct {
	ID            types.String `tfsdk:"id"`
	Canvas        types.String `tfsdk:"canvas"`
	Name          types.String `tfsdk:"name"`
	Data          types.Map    `tfsdk:"data"`
	DataWO        types.Map    `tfsdk:"data_wo"`
	DataWOVersion types.Int64  `tfsdk:"data_wo_version"`
	Keys          types.Set    `tfsdk:"keys"`
	Version       types.Int64  `tfsdk:"version"`
	CreatedAt     types.String `tfsdk:"created_at"`
}

// Metadata names the resource superplane_secret.
func (r *SecretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

// Schema describes superplane_secret.
func (r *SecretResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SuperPlane secret (provider `PROVIDER_LOCAL`): named key/value data that stages " +
			"reference. It belongs to the organization, or to one canvas when `canvas` is set. The server " +
			"never returns values, so Terraform cannot see what they are, only the key names and a version " +
			"that changes whenever the values change.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The secret id. It stays the same across renames.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"canvas": schema.StringAttribute{
				MarkdownDescription: "Id or name of the canvas the secret belongs to. Leave it out for an " +
					"organization secret. Changing it replaces the secret.",
				Optional:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the secret, unique in its organization or canvas: 1 to 128 letters, " +
					"digits, `.`, `_` or `-`, and not a UUID. A rename is made in place and keeps the id and the values.",
				Required:   true,
				Validators: nameValidators(),
			},
			"data": schema.MapAttribute{
				MarkdownDescription: "The values, by key. They are stored in the Terraform state (marked " +
					"sensitive); prefer `data_wo`, which keeps them out of state. Exactly one of `data` and " +
					"`data_wo` must be set.",
				ElementType: types.StringType,
				Optional:    true,
				Sensitive:   true,
				Validators: []validator.Map{
					mapvalidator.ExactlyOneOf(path.MatchRoot("data"), path.MatchRoot("data_wo")),
					mapvalidator.SizeAtLeast(1),
				},
			},
			"data_wo": schema.MapAttribute{
				MarkdownDescription: "The values, by key, as a write-only argument: sent to the server but " +
					"never stored in plan or state (Terraform 1.11 or later). Terraform cannot tell when " +
					"they change, so bump `data_wo_version` to send new values.",
				ElementType: types.StringType,
				Optional:    true,
				Sensitive:   true,
				WriteOnly:   true,
				Validators: []validator.Map{
					mapvalidator.AlsoRequires(path.MatchRoot("data_wo_version")),
					mapvalidator.SizeAtLeast(1),
				},
			},
			"data_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Required with `data_wo`. Change it (for example increment it) to send the " +
					"current `data_wo` values to the server.",
				Optional: true,
				Validators: []validator.Int64{
					int64validator.AlsoRequires(path.MatchRoot("data_wo")),
					int64validator.ConflictsWith(path.MatchRoot("data")),
				},
			},
			"keys": schema.SetAttribute{
				MarkdownDescription: "The key names the server holds (never the values). A key added outside " +
					"Terraform shows up here and in the plan.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"version": schema.Int64Attribute{
				MarkdownDescription: "The server's version of the values: it goes up by one on every change of " +
					"the values and not on a rename. When it moves without Terraform, the next plan updates " +
					"the secret to write the configured values again.",
				Computed: true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the secret was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (r *SecretResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// ModifyPlan decides whether an apply writes the values; Update acts on that
// decision by looking at whether `version` is unknown in the plan. Values
// are written on create; when `data` changed; when `data_wo_version`
// changed; when the key set differs from the server's; and when the server's
// version moved since Terraform last wrote (a change made outside
// Terraform). Otherwise `version` keeps its state value, so a rename never
// touches the values. It also refuses going from `data_wo` back to `data`.
func (r *SecretResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	if req.State.Raw.IsNull() {
		planSecretCreate(ctx, req, resp)
		return
	}
	var plan, config SecretResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *SecretResourceModel
	if !req.State.Raw.IsNull() {
		state = &SecretResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	if state != nil && !state.DataWOVersion.IsNull() && !config.Data.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("data"), "Cannot switch from write-only to plaintext data",
			"This secret's values were set with data_wo, which keeps them out of the Terraform state. Setting "+
				"data instead would store the values in the state and plan files. Keep using data_wo (bump "+
				"data_wo_version to send new values). If storing them in the state is really intended, remove "+
				"the resource from the state (terraform state rm) and import it again; the next apply then "+
				"writes the values from data.")
		return
	}

	// The keys are visible anyway (the server returns them), so planning
	// them from config shows a key added or removed outside Terraform.
	source := config.Data
	if !config.DataWO.IsNull() {
		source = config.DataWO
	}
	plan.Keys = keySet(source)

	write, drift := secretNeedsWrite(ctx, state, &plan, req.Private.GetKey, &resp.Diagnostics)
	if drift != "" {
		resp.Diagnostics.AddAttributeWarning(path.Root("version"), "Secret changed outside Terraform", drift)
	}
	if write {
		plan.Version = types.Int64Unknown()
	} else {
		plan.Version = state.Version
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planSecretCreate is ModifyPlan for a new secret: its keys are the
// configured ones and its values are written (version unknown). It reads
// and sets those attributes alone rather than whole models, which the
// framework converts by reflection: an apply of 600 secrets plans each
// (BENCHMARKS.md, issue 17 round four), and on the raw values rather than
// through attribute paths (round fourteen).
func planSecretCreate(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !planSecretCreateRaw(req, resp) {
		planSecretCreateFramework(ctx, req, resp)
	}
}

// planSecretCreateFramework is planSecretCreate through the framework's
// attribute paths.
func planSecretCreateFramework(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var data, dataWO types.Map
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("data"), &data)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("data_wo"), &dataWO)...)
	if resp.Diagnostics.HasError() {
		return
	}
	source := data
	if !dataWO.IsNull() {
		source = dataWO
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("keys"), keySet(source))...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("version"), types.Int64Unknown())...)
}

// planSecretCreateRaw is planSecretCreate on the raw values (raw_values.go);
// false, with the plan untouched, when they are not of the expected shape.
func planSecretCreateRaw(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) bool {
	config, ok := rootAttrs(req.Config.Raw)
	if !ok {
		return false
	}
	source, okData := config["data"]
	dataWO, okWO := config["data_wo"]
	if !okData || !okWO {
		return false
	}
	if !dataWO.IsNull() {
		source = dataWO
	}
	keys, ok := rawKeySet(source)
	if !ok {
		return false
	}
	return setRootAttrs(&resp.Plan, rootAttr{"keys", keys},
		rootAttr{"version", tftypes.NewValue(tftypes.Number, tftypes.UnknownValue)})
}

// secretNeedsWrite reports whether applying plan must write the values, and
// when the reason is a change made outside Terraform, a sentence saying so.
func secretNeedsWrite(ctx context.Context, state, plan *SecretResourceModel,
	getPrivate privateGetter, diags *diag.Diagnostics) (bool, string) {
	if state == nil {
		return true, ""
	}
	drift := ""
	written, d := privateInt(ctx, getPrivate, privateWrittenVersion)
	diags.Append(d...)
	if written != nil && !state.Version.IsNull() && !state.Version.IsUnknown() && state.Version.ValueInt64() != *written {
		drift = fmt.Sprintf("The server's version of the values is %d, but Terraform last wrote version %d: "+
			"they were changed outside Terraform. Applying writes the configured values again.",
			state.Version.ValueInt64(), *written)
	}
	switch {
	case drift != "":
		return true, drift
	case plan.DataWOVersion.IsNull() && !plan.Data.Equal(state.Data):
		return true, ""
	case !plan.DataWOVersion.IsNull() && !plan.DataWOVersion.Equal(state.DataWOVersion):
		return true, ""
	case plan.Keys.IsUnknown() || !plan.Keys.Equal(state.Keys):
		// Also catches changes outside Terraform on servers that report
		// no version.
		return true, ""
	}
	return false, ""
}

// Create creates the secret with the values of data, or of data_wo read
// from the configuration (write-only values are never in the plan).
func (r *SecretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config SecretResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	// Of the configuration only data_wo is used (write-only values are
	// never in the plan).
	var ok bool
	if config.DataWO, ok = configRoot[types.Map](ctx, req.Config, "data_wo", types.MapType{ElemType: types.StringType}); !ok {
		resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	data, diags := secretValues(ctx, &plan, &config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(plan.Canvas)
	s, err := r.client.CreateSecret(ctx, domainType, domainID, plan.Name.ValueString(), data)
	if client.IsConflict(err) {
		if own, aerr := r.client.AdoptSecret(ctx, domainType, domainID, plan.Name.ValueString(), data); aerr == nil {
			s, err = own, nil
			adoptedWarning(&resp.Diagnostics, "secret", plan.Name.ValueString())
		}
	}
	if err != nil {
		resp.Diagnostics.AddError("Error creating secret", err.Error())
		return
	}

	resp.Diagnostics.Append(setStateModel(ctx, &resp.State, secretModelFrom(s, &plan))...)
	resp.Diagnostics.Append(setPrivateInt(ctx, resp.Private.SetKey, privateWrittenVersion, s.Metadata.Version)...)
}

// Read refreshes names, keys and the server's version; the values cannot be
// read and stay as they are in state. A secret deleted outside Terraform is
// removed from state so the next plan creates it again.
func (r *SecretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	// The prior state's attributes only; the refreshed model is compared
	// with the raw state and stored when it differs (read_raw.go).
	prior, raw, fast := readPrior[SecretResourceModel](ctx, req.State)
	if !fast {
		prior = &SecretResourceModel{}
		resp.Diagnostics.Append(getModel(ctx, req.State, prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	state := *prior

	domainType, domainID := secretDomain(state.Canvas)
	s, err := r.client.ReadSecret(ctx, domainType, domainID, state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "secret not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading secret", err.Error())
		return
	}

	resp.Diagnostics.Append(storeRefreshed(ctx, &resp.State, secretModelFrom(s, &state), &state, raw)...)
}

// Update renames the secret and, when ModifyPlan decided so (the planned
// version is unknown), writes the values. A pure rename sends no values.
func (r *SecretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, config, state SecretResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.Config, &config)...)
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var data map[string]string
	write := plan.Version.IsUnknown()
	if write {
		var diags diag.Diagnostics
		data, diags = secretValues(ctx, &plan, &config)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	domainType, domainID := secretDomain(plan.Canvas)
	s, err := r.client.UpdateSecret(ctx, domainType, domainID, state.ID.ValueString(), plan.Name.ValueString(), data)
	if err != nil {
		resp.Diagnostics.AddError("Error updating secret", err.Error())
		return
	}

	resp.Diagnostics.Append(setStateModel(ctx, &resp.State, secretModelFrom(s, &plan))...)
	if write {
		resp.Diagnostics.Append(setPrivateInt(ctx, resp.Private.SetKey, privateWrittenVersion, s.Metadata.Version)...)
	}
}

// Delete deletes the secret; one already gone counts as deleted.
func (r *SecretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state SecretResourceModel
	resp.Diagnostics.Append(getModel(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	domainType, domainID := secretDomain(state.Canvas)
	err := r.client.DeleteSecret(ctx, domainType, domainID, state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error deleting secret", err.Error())
	}
}

// ImportState accepts "organization/<name>" or "canvas/<canvas>/<name>".
// Values cannot be imported: the first apply afterwards writes the
// configured ones.
func (r *SecretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	forgetLists(r.client)
	importScoped(ctx, "secret", req, resp)
}

// Values of a secret reference's scope (auth.token.scope of an
// integration, secret.scope of a stage): where the secret lives.
const (
	scopeOrganization = "organization"
	scopeCanvas       = "canvas"
)

// secretScopes maps a scope to the API's domain type.
var secretScopes = map[string]string{scopeOrganization: api.DomainTypeOrganization, scopeCanvas: api.DomainTypeCanvas}

// secretDomain maps the canvas argument of a secret or an integration to
// the API's domain. An empty
// organization id makes the client use the token's organization.
func secretDomain(canvas types.String) (domainType, domainID string) {
	if canvas.IsNull() || canvas.ValueString() == "" {
		return api.DomainTypeOrganization, ""
	}
	return api.DomainTypeCanvas, canvas.ValueString()
}

// secretValues returns the values to send: data from the plan, or data_wo
// from the configuration.
func secretValues(ctx context.Context, plan, config *SecretResourceModel) (map[string]string, diag.Diagnostics) {
	src := plan.Data
	if !config.DataWO.IsNull() {
		src = config.DataWO
	}
	data := map[string]string{}
	diags := src.ElementsAs(ctx, &data, false)
	return data, diags
}

// secretModelFrom builds state from an API secret. What the server does not
// return (the canvas argument as written, data, data_wo_version) comes from
// prior, the plan or the previous state; data_wo is always null.
func secretModelFrom(s *api.Secret, prior *SecretResourceModel) *SecretResourceModel {
	m := s.Metadata
	keys := client.SecretKeys(s)
	elems := make([]attr.Value, len(keys))
	for i, k := range keys {
		elems[i] = types.StringValue(k)
	}
	version := types.Int64Null()
	if m.Version > 0 {
		version = types.Int64Value(m.Version)
	}
	return &SecretResourceModel{
		ID:            types.StringValue(m.ID),
		Canvas:        prior.Canvas,
		Name:          types.StringValue(m.Name),
		Data:          prior.Data,
		DataWO:        types.MapNull(types.StringType),
		DataWOVersion: prior.DataWOVersion,
		Keys:          types.SetValueMust(types.StringType, elems),
		Version:       version,
		CreatedAt:     timeValue(m.CreatedAt),
	}
}

// keySet is the set of keys of a configured map; unknown when the map is.
func keySet(m types.Map) types.Set {
	if m.IsUnknown() {
		return types.SetUnknown(types.StringType)
	}
	elems := make([]attr.Value, 0, len(m.Elements()))
	for k := range m.Elements() {
		elems = append(elems, types.StringValue(k))
	}
	return types.SetValueMust(types.StringType, elems)
}
