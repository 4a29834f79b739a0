package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	_ resource.Resource                = &AuthProviderResource{}
	_ resource.ResourceWithConfigure   = &AuthProviderResource{}
	_ resource.ResourceWithImportState = &AuthProviderResource{}
)

// NewAuthProviderResource returns the superplane_auth_provider resource.
func NewAuthProviderResource() resource.Resource {
	return &AuthProviderResource{}
}

// AuthProviderResource manages one way to sign in to the organization.
type AuthProviderResource struct {
	client *client.Client
}

// AuthProviderResourceModel is the state of a superplane_auth_provider.
type AuthProviderResourceModel struct {
	ID                    types.String `tfsdk:"id"`
	Name                  types.String `tfsdk:"name"`
	Type                  types.String `tfsdk:"type"`
	DisplayName           types.String `tfsdk:"display_name"`
	ClientID              types.String `tfsdk:"client_id"`
	ClientSecretName      types.String `tfsdk:"client_secret_name"`
	ClientSecretKey       types.String `tfsdk:"client_secret_key"`
	ClientSecretWO        types.String `tfsdk:"client_secret_wo"`
	ClientSecretWOVersion types.Int64  `tfsdk:"client_secret_wo_version"`
	DefaultRole           types.String `tfsdk:"default_role"`
	AllowedEmailDomains   types.List   `tfsdk:"allowed_email_domains"`
	Tenant                types.String `tfsdk:"tenant"`
	HostedDomain          types.String `tfsdk:"hosted_domain"`
	AllowedOrganization   types.String `tfsdk:"allowed_organization"`
	URL                   types.String `tfsdk:"url"`
	CreatedAt             types.String `tfsdk:"created_at"`
}

// Metadata names the resource superplane_auth_provider.
func (r *AuthProviderResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_auth_provider"
}

// emailDomainPattern is a lower-case domain, as the server stores it.
var emailDomainPattern = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)

// urlText is an http(s) URL without a trailing slash, as the server
// stores it.
func urlText(desc string) schema.StringAttribute {
	a := optionalText(desc)
	a.Validators = append(a.Validators, stringvalidator.RegexMatches(regexp.MustCompile(`^https?://[^?#]*[^/?#]$`),
		"must be an http(s) URL without a trailing slash, query or fragment"))
	return a
}

func optionalText(desc string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc, Optional: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}}
}

// Schema describes superplane_auth_provider.
func (r *AuthProviderResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A way to sign in to the SuperPlane console of the organization: `github` (an OAuth " +
			"app), `entra` (Microsoft Entra ID, restricted to one tenant), `google` (restricted to a Workspace " +
			"domain), `backstage` (its signed user identity tokens) or `guest` (read-only sessions, only when the " +
			"server runs with `--allow-guest-sign-in`). Register `<server URL>/sign-in/callback` as the OAuth " +
			"app's redirect URI. People are matched by the provider's subject, then by verified email, else " +
			"created with `default_role`. The client secret is either a key of an organization secret " +
			"(`client_secret_name`, `client_secret_key`) or `client_secret_wo`, which is write-only: it never " +
			"enters the state and SuperPlane stores it sealed and never answers it. Managing auth providers " +
			"needs an owner or admin token; an admin cannot configure one whose `default_role` is `owner`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The auth provider id (a UUID).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name in the organization; part of the sign-in URL " +
					"(`/sign-in/<organization>/<name>`). Renamed in place.",
				Required:   true,
				Validators: nameValidators(),
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "`github`, `entra`, `google`, `backstage` or `guest`. Changing it replaces the provider.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(api.AuthProviderTypes...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"display_name": optionalText("The sign-in button's label (default: the type's name)."),
			"client_id":    optionalText("The OAuth client (application) id. Required for `github`, `entra` and `google`."),
			"client_secret_name": schema.StringAttribute{
				MarkdownDescription: "Name of an organization secret holding the client secret; with `client_secret_key`.",
				Optional:            true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1),
					stringvalidator.AlsoRequires(path.MatchRoot("client_secret_key")),
					stringvalidator.ConflictsWith(path.MatchRoot("client_secret_wo"))},
			},
			"client_secret_key": schema.StringAttribute{
				MarkdownDescription: "The key of `client_secret_name` holding the client secret.",
				Optional:            true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1),
					stringvalidator.AlsoRequires(path.MatchRoot("client_secret_name"))},
			},
			"client_secret_wo": schema.StringAttribute{
				MarkdownDescription: "The client secret, write-only: sent to SuperPlane, never stored in the " +
					"Terraform state or plan, stored sealed by SuperPlane and never answered back. Terraform cannot " +
					"see when it changes: bump `client_secret_wo_version` to send a new one. Requires Terraform 1.11 or later.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("client_secret_wo_version"))},
			},
			"client_secret_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Required with `client_secret_wo`. Change it (for example increment it) to send " +
					"the current `client_secret_wo` to SuperPlane.",
				Optional: true,
				Validators: []validator.Int64{int64validator.AtLeast(1),
					int64validator.AlsoRequires(path.MatchRoot("client_secret_wo"))},
			},
			"default_role": schema.StringAttribute{
				MarkdownDescription: "The organization role of people first seen through this provider: `owner`, " +
					"`admin`, `viewer` (read only) or `member` (nothing until given canvas roles, directly with " +
					"`superplane_canvas_member` or through a `superplane_group`). Defaults to `viewer`; `guest` " +
					"providers are always `viewer`. People keep the role they were given when it changes later.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(api.RoleViewer),
				Validators: roleValidators(),
			},
			"allowed_email_domains": schema.ListAttribute{
				MarkdownDescription: "When set, only people whose email is of one of these domains sign in.",
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(
					stringvalidator.RegexMatches(emailDomainPattern, "must be a lower-case domain such as example.com"))},
			},
			"tenant": optionalText("`entra`: the tenant id (a UUID); accounts of other tenants are refused " +
				"(the issuer and the `tid` claim must name it)."),
			"hosted_domain": optionalText("`google`: the Google Workspace domain accounts must belong to (the `hd` claim)."),
			"allowed_organization": optionalText("`github`: only active members of this GitHub organization sign in " +
				"(the app asks for `read:org`)."),
			"url": urlText("`backstage`: the Backstage base URL (tokens: issuer `<url>/api/auth`, audience " +
				"`backstage`, keys at `<url>/api/auth/.well-known/jwks.json`). For the others an override of the " +
				"provider's address: GitHub Enterprise's URL, a sovereign Entra authority."),
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the provider was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// Configure takes the API client from the provider.
func (r *AuthProviderResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

// spec is the model's settings; secret is what to send as the client
// secret (nil: keep the stored one).
func (m AuthProviderResourceModel) spec(ctx context.Context, secret *api.AuthProviderSecret, diags *diag.Diagnostics) api.AuthProviderSpec {
	s := api.AuthProviderSpec{
		Type: m.Type.ValueString(), DisplayName: m.DisplayName.ValueString(), ClientID: m.ClientID.ValueString(),
		ClientSecret: secret, DefaultRole: m.DefaultRole.ValueString(), Tenant: m.Tenant.ValueString(),
		HostedDomain: m.HostedDomain.ValueString(), AllowedOrganization: m.AllowedOrganization.ValueString(), URL: m.URL.ValueString(),
	}
	if !m.AllowedEmailDomains.IsNull() && !m.AllowedEmailDomains.IsUnknown() {
		diags.Append(m.AllowedEmailDomains.ElementsAs(ctx, &s.AllowedEmailDomains, false)...)
	}
	return s
}

// secretRef is the model's secret reference, or nil.
func (m AuthProviderResourceModel) secretRef() *api.AuthProviderSecret {
	if m.ClientSecretName.ValueString() == "" {
		return nil
	}
	return &api.AuthProviderSecret{SecretName: m.ClientSecretName.ValueString(), Key: m.ClientSecretKey.ValueString()}
}

// Create creates the provider; a write-only secret comes from the
// configuration, the only place it is.
func (r *AuthProviderResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config AuthProviderResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	secret := plan.secretRef()
	if v := config.ClientSecretWO.ValueString(); v != "" {
		secret = &api.AuthProviderSecret{Value: v}
	}
	spec := plan.spec(ctx, secret, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.client.CreateAuthProvider(ctx, plan.Name.ValueString(), spec)
	if err != nil {
		resp.Diagnostics.AddError("Error creating auth provider", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, authProviderModelFrom(a, plan.ClientSecretWOVersion, &resp.Diagnostics))...)
}

// Read refreshes the provider; one deleted outside Terraform is removed
// from state so the next plan creates it again.
func (r *AuthProviderResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state AuthProviderResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.client.GetAuthProvider(ctx, state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "auth provider not found, removing from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading auth provider", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, authProviderModelFrom(a, state.ClientSecretWOVersion, &resp.Diagnostics))...)
}

// Update changes the provider in place. The client secret is sent when
// the reference changed or client_secret_wo_version did; otherwise the
// server keeps the stored one.
func (r *AuthProviderResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config AuthProviderResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var secret *api.AuthProviderSecret
	switch {
	case config.ClientSecretWO.ValueString() != "" && !plan.ClientSecretWOVersion.Equal(state.ClientSecretWOVersion):
		secret = &api.AuthProviderSecret{Value: config.ClientSecretWO.ValueString()}
	case plan.secretRef() != nil && (!plan.ClientSecretName.Equal(state.ClientSecretName) || !plan.ClientSecretKey.Equal(state.ClientSecretKey)):
		secret = plan.secretRef()
	}
	spec := plan.spec(ctx, secret, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.client.UpdateAuthProvider(ctx, state.ID.ValueString(), plan.Name.ValueString(), spec)
	if err != nil {
		resp.Diagnostics.AddError("Error updating auth provider", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, authProviderModelFrom(a, plan.ClientSecretWOVersion, &resp.Diagnostics))...)
}

// Delete deletes the provider; one already gone counts as deleted.
func (r *AuthProviderResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state AuthProviderResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteAuthProvider(ctx, state.ID.ValueString()); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error deleting auth provider", err.Error())
	}
}

// ImportState accepts a provider id or name; Read resolves a name to the
// id. A write-only secret cannot be imported: set client_secret_wo_version
// as the configuration has it, or accept one update that resends it.
func (r *AuthProviderResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// textOrNull is s, null when empty.
func textOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// authProviderModelFrom maps an API auth provider to state; the write-only
// secret's version is the configuration's (the server knows nothing of it).
// No allowed_email_domains reads as null, [] included: the attribute cannot
// be [] (at least one domain), so a server answering [] for "any domain"
// must not make the apply inconsistent.
func authProviderModelFrom(a *api.AuthProvider, woVersion types.Int64, diags *diag.Diagnostics) AuthProviderResourceModel {
	s := a.Spec
	m := AuthProviderResourceModel{
		ID: types.StringValue(a.Metadata.ID), Name: types.StringValue(a.Metadata.Name), Type: types.StringValue(s.Type),
		DisplayName: textOrNull(s.DisplayName), ClientID: textOrNull(s.ClientID),
		ClientSecretName: types.StringNull(), ClientSecretKey: types.StringNull(), ClientSecretWO: types.StringNull(),
		ClientSecretWOVersion: woVersion, DefaultRole: types.StringValue(orDefault(s.DefaultRole, api.RoleViewer)),
		AllowedEmailDomains: stringListValue(nilIfEmpty(s.AllowedEmailDomains), diags), Tenant: textOrNull(s.Tenant),
		HostedDomain: textOrNull(s.HostedDomain), AllowedOrganization: textOrNull(s.AllowedOrganization), URL: textOrNull(s.URL),
		CreatedAt: timeValue(a.Metadata.CreatedAt),
	}
	if c := s.ClientSecret; c != nil && c.SecretName != "" {
		m.ClientSecretName, m.ClientSecretKey = types.StringValue(c.SecretName), types.StringValue(c.Key)
	}
	return m
}

// nilIfEmpty is list, nil when it holds nothing.
func nilIfEmpty[T any](list []T) []T {
	if len(list) == 0 {
		return nil
	}
	return list
}
