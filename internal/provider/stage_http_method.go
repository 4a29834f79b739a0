package provider

import (
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The http block's method and payload_json: with method set, the request
// is sent as written (spec.method), and its body is payload_json, a JSON
// object whose values keep their types ({"paused": true}), for resource
// APIs such as Atlas's that refuse strings for booleans and attributes
// they do not know. Without method, payload (strings) is POSTed with
// stageId and executionId added, as before.

// stageHTTPMethodAttributes are the two attributes of the http block.
func stageHTTPMethodAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"method": schema.StringAttribute{
			MarkdownDescription: "The request's method: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`. When set, the body is " +
				"`payload_json` exactly as written (nothing added; none for `GET` and `DELETE`); when left out, `payload` " +
				"is POSTed with `stageId` and `executionId` added.",
			Optional: true,
			Validators: []validator.String{
				stringvalidator.OneOf("GET", "POST", "PUT", "PATCH", "DELETE"),
				stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("payload")),
			},
		},
		"payload_json": schema.StringAttribute{
			MarkdownDescription: "With `method`: the JSON object sent, its values of any JSON type, such as " +
				"`jsonencode({ paused = true })`." + templateNote,
			Optional:   true,
			Validators: []validator.String{stringvalidator.AlsoRequires(path.MatchRelative().AtParent().AtName("method"))},
		},
	}
}

// expandHTTPMethod puts method and payload_json into spec.
func expandHTTPMethod(h *stageHTTPModel, spec map[string]any, diags *diag.Diagnostics) {
	if isKnown(h.Method) {
		spec["method"] = h.Method.ValueString()
	}
	if !isKnown(h.PayloadJSON) {
		return
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(h.PayloadJSON.ValueString()), &obj); err != nil || obj == nil {
		diags.AddAttributeError(path.Root("http").AtName("payload_json"), "Invalid payload_json",
			"payload_json must be a JSON object, such as jsonencode({ paused = true }).")
		return
	}
	spec["payload"] = obj
}

// readHTTPMethod sets method and payload_json from spec: with a method,
// the payload is payload_json (compact, keys sorted, as jsonencode writes
// it) and payload is null.
func readHTTPMethod(spec map[string]any, h *stageHTTPModel, diags *diag.Diagnostics) {
	h.Method, h.PayloadJSON = types.StringNull(), types.StringNull()
	m, ok := spec["method"].(string)
	if !ok || m == "" {
		return
	}
	h.Method = types.StringValue(m)
	if p, ok := spec["payload"].(map[string]any); ok {
		b, err := json.Marshal(p)
		if err != nil {
			diags.AddError("Cannot read the http payload", err.Error())
			return
		}
		h.PayloadJSON, h.Payload = types.StringValue(string(b)), types.MapNull(types.StringType)
	}
}

// withAttributes is base with extra's attributes added.
func withAttributes(extra, base map[string]schema.Attribute) map[string]schema.Attribute {
	for k, v := range extra {
		base[k] = v
	}
	return base
}
