package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

var (
	_ resource.Resource                   = &ServiceAccountTokenResource{}
	_ resource.ResourceWithConfigure      = &ServiceAccountTokenResource{}
	_ resource.ResourceWithModifyPlan     = &ServiceAccountTokenResource{}
	_ resource.ResourceWithValidateConfig = &ServiceAccountTokenResource{}
)

// NewServiceAccountTokenResource returns the superplane_service_account_token
// resource.
func NewServiceAccountTokenResource() resource.Resource {
	return &ServiceAccountTokenResource{}
}

// ServiceAccountTokenResource manages one token of a service account. A
// token cannot change: every change of its arguments, and its coming
// expiry, replaces it (rotation by replacement).
type ServiceAccountTokenResource struct {
	client *client.Client
	// now is the clock ModifyPlan compares the expiry with (tests move it).
	now func() time.Time
}

// ServiceAccountTokenResourceModel is the state of a
// superplane_service_account_token.
type ServiceAccountTokenResourceModel struct {
	ID             types.String `tfsdk:"id"`
	ServiceAccount types.String `tfsdk:"service_account"`
	Name           types.String `tfsdk:"name"`
	ExpiresIn      types.String `tfsdk:"expires_in"`
	RotateBefore   types.String `tfsdk:"rotate_before"`
	Keepers        types.Map    `tfsdk:"keepers"`
	Role           types.String `tfsdk:"role"`
	CreatedAt      types.String `tfsdk:"created_at"`
	ExpiresAt      types.String `tfsdk:"expires_at"`
	Value          types.String `tfsdk:"value"`
}

// defaultTokenExpiresIn is the lifetime of a token created by Terraform
// when the configuration gives none (the server's default, 30 days).
const defaultTokenExpiresIn = "720h"

// durationValidator accepts a Go duration ("720h", "90m") above zero and
// at most max.
type durationValidator struct{ max time.Duration }

func (v durationValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a duration such as \"720h\" or \"90m\", above zero and at most %s", v.max)
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d <= 0 || d > v.max {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}

// tokenLifetime validates a token's expires_in.
func tokenLifetime() validator.String { return durationValidator{max: api.MaxTokenLifetime} }

// Metadata names the resource superplane_service_account_token.
func (r *ServiceAccountTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_token"
}

// Schema describes superplane_service_account_token.
func (r *ServiceAccountTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An API token of a service account, with the account's role. SuperPlane shows a " +
			"token's value only when it creates it, so Terraform keeps `value` in state (sensitive): protect the " +
			"state, or use the ephemeral `superplane_service_account_token` instead, which keeps no token in " +
			"state. A token never changes: a change of any argument but `rotate_before` replaces it (a new value, " +
			"the old token revoked), and so does the plan once `rotate_before` of its expiry is reached " +
			"(rotation by replacement); `keepers` replaces it whenever you change them. Deleting it revokes " +
			"the token at once. Import is not possible: the value cannot be read back.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The token id (a UUID), which lists and revokes it; not the token.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"service_account": schema.StringAttribute{
				MarkdownDescription: "The id or name of the service account (the id, `superplane_service_account.x.id`, " +
					"survives a rename). Changing it replaces the token.",
				Required:      true,
				PlanModifiers: replace,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "A name for the token, shown when tokens are listed: 1 to 128 letters, digits, " +
					"`.`, `_` or `-`. Changing it replaces the token.",
				Required:      true,
				Validators:    nameValidators(),
				PlanModifiers: replace,
			},
			"expires_in": schema.StringAttribute{
				MarkdownDescription: "How long the token works after it is created, as a duration (`\"720h\"`); at " +
					"most `\"8784h\"` (366 days). Defaults to `\"" + defaultTokenExpiresIn + "\"`. Changing it replaces the token.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(defaultTokenExpiresIn),
				Validators:    []validator.String{tokenLifetime()},
				PlanModifiers: replace,
			},
			"rotate_before": schema.StringAttribute{
				MarkdownDescription: "When set (a duration such as `\"168h\"`), a plan made less than this long before " +
					"`expires_at` replaces the token, so it is rotated before it stops working. Without it, a plan " +
					"replaces the token only once it has expired. Changed in place.",
				Optional:   true,
				Validators: []validator.String{tokenLifetime()},
			},
			"keepers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that replace the token (rotate it) whenever they change, as " +
					"with the `random` provider's `keepers`.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The token's role: the account's, when the token was last read.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the token was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token stops working (RFC 3339).",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The token (`spt_...`), for the `Authorization: Bearer` header. Sensitive; known " +
					"only to the apply that created it and then kept in state.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: keep,
			},
		},
	}
}

// Configure takes the API client from the provider.
func (r *ServiceAccountTokenResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

func (r *ServiceAccountTokenResource) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

// ValidateConfig refuses a rotate_before that is not shorter than
// expires_in: every plan would replace the token.
func (r *ServiceAccountTokenResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m ServiceAccountTokenResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.RotateBefore.IsNull() || m.RotateBefore.IsUnknown() || m.ExpiresIn.IsUnknown() {
		return
	}
	in := defaultTokenExpiresIn
	if !m.ExpiresIn.IsNull() {
		in = m.ExpiresIn.ValueString()
	}
	life, err1 := time.ParseDuration(in)
	before, err2 := time.ParseDuration(m.RotateBefore.ValueString())
	if err1 == nil && err2 == nil && before >= life {
		resp.Diagnostics.AddAttributeError(path.Root("rotate_before"), "rotate_before is not shorter than expires_in",
			fmt.Sprintf("rotate_before %q must be shorter than expires_in %q, or every plan would replace the token.", m.RotateBefore.ValueString(), in))
	}
}

// ModifyPlan plans a replacement of a token that has expired, or that is
// within rotate_before of its expiry: expires_at becomes unknown, and a
// change of it requires replacement.
func (r *ServiceAccountTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state, plan ServiceAccountTokenResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || state.ExpiresAt.IsNull() || plan.RotateBefore.IsUnknown() {
		return
	}
	expires, err := time.Parse(time.RFC3339, state.ExpiresAt.ValueString())
	if err != nil {
		return
	}
	var before time.Duration
	if !plan.RotateBefore.IsNull() {
		before, _ = time.ParseDuration(plan.RotateBefore.ValueString())
	}
	if r.clock().Before(expires.Add(-before)) {
		return
	}
	tflog.Info(ctx, "service account token due for rotation, planning its replacement", map[string]any{
		"id": state.ID.ValueString(), "expires_at": state.ExpiresAt.ValueString(),
	})
	for _, attr := range []string{"id", "role", "created_at", "expires_at", "value"} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(attr), types.StringUnknown())...)
	}
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("expires_at"))
}

// Create creates the token; its value is known only now.
func (r *ServiceAccountTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ServiceAccountTokenResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	life, err := time.ParseDuration(plan.ExpiresIn.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("expires_in"), "Invalid duration", err.Error())
		return
	}
	expires := time.Now().Add(life)
	tok, value, err := r.client.CreateServiceAccountToken(ctx, plan.ServiceAccount.ValueString(), plan.Name.ValueString(), &expires)
	if err != nil {
		resp.Diagnostics.AddError("Error creating service account token", err.Error())
		return
	}
	plan.Value = types.StringValue(value)
	setTokenRecord(&plan, tok)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// setTokenRecord copies what the server says of a token into m.
func setTokenRecord(m *ServiceAccountTokenResourceModel, t *api.ServiceAccountToken) {
	m.ID = types.StringValue(t.ID)
	m.Role = types.StringValue(t.Role)
	m.CreatedAt = timeValue(t.CreatedAt)
	m.ExpiresAt = timeValue(t.ExpiresAt)
}

// Read refreshes the token's record; a token revoked outside Terraform (or
// whose account was deleted) is removed from state, so the next plan
// creates a new one.
func (r *ServiceAccountTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ServiceAccountTokenResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	tok, err := r.client.GetServiceAccountToken(ctx, state.ServiceAccount.ValueString(), state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "service account token not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading service account token", err.Error())
		return
	}
	setTokenRecord(&state, tok)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Update changes only rotate_before, which lives in Terraform alone.
func (r *ServiceAccountTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state ServiceAccountTokenResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.RotateBefore = plan.RotateBefore
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// Delete revokes the token; one already gone counts as revoked.
func (r *ServiceAccountTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ServiceAccountTokenResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.RevokeServiceAccountToken(ctx, state.ServiceAccount.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error revoking service account token", err.Error())
	}
}
