package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Object types of the nested values, shared by the resource and the data
// source so both map the API the same way.
var (
	integrationTokenAttrTypes = map[string]attr.Type{
		"secret": types.StringType,
		"key":    types.StringType,
		"scope":  types.StringType,
	}
	integrationAuthAttrTypes = map[string]attr.Type{
		"token": types.ObjectType{AttrTypes: integrationTokenAttrTypes},
	}
	integrationStatusAttrTypes = map[string]attr.Type{
		"state":      types.StringType,
		"reason":     types.StringType,
		"checked_at": types.StringType,
	}
)

// IntegrationResourceModel is the state of a superplane_integration. Auth
// holds an integrationAuthModel, Status an integrationStatusModel.
type IntegrationResourceModel struct {
	ID           types.String `tfsdk:"id"`
	Canvas       types.String `tfsdk:"canvas"`
	Name         types.String `tfsdk:"name"`
	Description  types.String `tfsdk:"description"`
	Type         types.String `tfsdk:"type"`
	URL          types.String `tfsdk:"url"`
	Auth         types.Object `tfsdk:"auth"`
	AWS          types.Object `tfsdk:"aws"`
	Azure        types.Object `tfsdk:"azure"`
	GCP          types.Object `tfsdk:"gcp"`
	Datadog      types.Object `tfsdk:"datadog"`
	MongoDBAtlas types.Object `tfsdk:"mongodb_atlas"`
	Verify       types.Bool   `tfsdk:"verify"`
	Status       types.Object `tfsdk:"status"`
	CreatedAt    types.String `tfsdk:"created_at"`
}

// integrationAuthModel is the auth block.
type integrationAuthModel struct {
	Token types.Object `tfsdk:"token"`
}

// integrationTokenModel is the auth.token block: where the token is kept.
type integrationTokenModel struct {
	Secret types.String `tfsdk:"secret"`
	Key    types.String `tfsdk:"key"`
	Scope  types.String `tfsdk:"scope"`
}

// integrationStatusModel is the status attribute.
type integrationStatusModel struct {
	State     types.String `tfsdk:"state"`
	Reason    types.String `tfsdk:"reason"`
	CheckedAt types.String `tfsdk:"checked_at"`
}
