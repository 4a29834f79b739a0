package provider

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// objectShape is how the code describes one object of a schema: the model
// struct it decodes the object into (nil when it only builds the object
// from a map) and the attribute types it builds the object with (nil when
// it never builds one, only reads it).
type objectShape struct {
	model     any
	attrTypes map[string]attr.Type
}

// schemaShapes names, for every resource and data source (by type name,
// with a "data." prefix for data sources), the shape of each object of its
// schema by path: "" is the top level, "connect.filter" the filter blocks
// of the connect blocks (list elements do not add to a path). A nested
// object added to a schema must be added here, with its model and its
// attribute types, or TestSchemaModelParity fails.
var schemaShapes = map[string]map[string]objectShape{
	"superplane_canvas":       {"": {model: CanvasResourceModel{}}},
	"superplane_secret":       {"": {model: SecretResourceModel{}}},
	"superplane_integration":  withRoot(IntegrationResourceModel{}, integrationShapes),
	"superplane_event_source": withRoot(EventSourceResourceModel{}, eventSourceShapes),
	"superplane_stage": withRoot(StageResourceModel{}, map[string]objectShape{
		"connect":                        {model: stageConnectionModel{}, attrTypes: stageConnectionAttrTypes},
		"connect.filter":                 {model: filterModel{}, attrTypes: filterAttrTypes},
		"input":                          {model: stageInputModel{}, attrTypes: stageInputAttrTypes},
		"input_mapping":                  {model: stageInputMappingModel{}, attrTypes: stageInputMappingAttrTypes},
		"input_mapping.value":            {model: stageValueModel{}, attrTypes: stageValueAttrTypes},
		"input_mapping.value.from_event": {model: stageFromEventModel{}, attrTypes: stageFromEventAttrTypes},
		"input_mapping.value.from_last_execution": {model: stageFromLastExecutionModel{}, attrTypes: stageFromLastAttrTypes},
		"output":         {model: stageOutputModel{}, attrTypes: stageOutputAttrTypes},
		"approval":       {model: stageApprovalModel{}, attrTypes: stageApprovalAttrTypes},
		"time_window":    {model: stageTimeWindowModel{}, attrTypes: stageTimeWindowAttrTypes},
		"secret":         {model: stageSecretModel{}, attrTypes: stageSecretAttrTypes},
		"http":           {model: stageHTTPModel{}, attrTypes: stageHTTPAttrTypes},
		"github":         {model: stageGitHubModel{}, attrTypes: stageGitHubAttrTypes},
		"semaphore":      {model: stageSemaphoreModel{}, attrTypes: stageSemaphoreAttrTypes},
		"gitlab":         {model: stageGitLabModel{}, attrTypes: stageGitLabAttrTypes},
		"azure_devops":   {model: stageAzureDevOpsModel{}, attrTypes: stageAzureDevOpsAttrTypes},
		"bitbucket":      {model: stageBitbucketModel{}, attrTypes: stageBitbucketAttrTypes},
		"noop":           {model: stageNoopModel{}, attrTypes: stageNoopAttrTypes},
		"last_execution": {model: stageLastExecutionModel{}, attrTypes: stageLastExecutionAttrTypes},
	}),
	"data.superplane_canvas": {"": {model: CanvasDataSourceModel{}}},
	"data.superplane_secret": {"": {model: SecretDataSourceModel{}}},
	// The data sources map the API through the resource's functions, so
	// their nested objects must have the resource's types.
	"data.superplane_integration":  withRoot(IntegrationDataSourceModel{}, integrationShapes),
	"data.superplane_event_source": withRoot(EventSourceDataSourceModel{}, eventSourceShapes),
	"data.superplane_stage": withRoot(StageDataSourceModel{}, map[string]objectShape{
		"connections":    {attrTypes: stageSummaryConnectionAttrTypes},
		"last_execution": {model: stageLastExecutionModel{}, attrTypes: stageLastExecutionAttrTypes},
	}),
	"data.superplane_alerts": withRoot(AlertsDataSourceModel{}, map[string]objectShape{
		"alerts": {attrTypes: alertAttrTypes},
	}),
	"data.superplane_rejections": withRoot(RejectionsDataSourceModel{}, map[string]objectShape{
		"rejections": {attrTypes: rejectionAttrTypes},
	}),
	"data.superplane_canvases": withRoot(CanvasesDataSourceModel{}, map[string]objectShape{
		"canvases": {attrTypes: canvasSummaryAttrTypes},
	}),
	"data.superplane_secrets": withRoot(SecretsDataSourceModel{}, map[string]objectShape{
		"secrets": {attrTypes: secretListAttrTypes},
	}),
	"data.superplane_stages": withRoot(StagesDataSourceModel{}, map[string]objectShape{
		"stages": {attrTypes: stageListAttrTypes},
	}),
	"data.superplane_executions": withRoot(ExecutionsDataSourceModel{}, map[string]objectShape{
		"executions": {attrTypes: executionAttrTypes},
	}),
	"data.superplane_audit_events": withRoot(AuditEventsDataSourceModel{}, map[string]objectShape{
		"audit_events": {attrTypes: auditEventAttrTypes},
	}),

	// Connection groups share the stage's connect blocks.
	"superplane_connection_group":      withRoot(ConnectionGroupResourceModel{}, connectionGroupShapes),
	"data.superplane_connection_group": withRoot(ConnectionGroupDataSourceModel{}, connectionGroupShapes),
}

// The nested objects the integration and event source resources share
// with their data sources.
var (
	integrationShapes = map[string]objectShape{
		"auth":                          {model: integrationAuthModel{}, attrTypes: integrationAuthAttrTypes},
		"auth.token":                    {model: integrationTokenModel{}, attrTypes: integrationTokenAttrTypes},
		"status":                        {model: integrationStatusModel{}, attrTypes: integrationStatusAttrTypes},
		"aws":                           {model: integrationAWSModel{}, attrTypes: integrationAWSAttrTypes},
		"aws.access_key":                {model: integrationAWSAccessKeyModel{}, attrTypes: integrationAWSAccessKeyAttrTypes},
		"aws.web_identity":              {model: integrationAWSWebIdentityModel{}, attrTypes: integrationAWSWebIdentityAttrTypes},
		"aws.assume_role":               {model: integrationAWSAssumeRoleModel{}, attrTypes: integrationAWSAssumeRoleAttrTypes},
		"azure":                         {model: integrationAzureModel{}, attrTypes: integrationAzureAttrTypes},
		"azure.client_secret":           {model: integrationAzureClientSecretModel{}, attrTypes: integrationAzureClientSecretAttrTypes},
		"azure.federated":               {model: integrationAzureFederatedModel{}, attrTypes: integrationAzureFederatedAttrTypes},
		"gcp":                           {model: integrationGCPModel{}, attrTypes: integrationGCPAttrTypes},
		"gcp.service_account_key":       {model: integrationGCPKeyModel{}, attrTypes: integrationGCPKeyAttrTypes},
		"gcp.workload_identity":         {model: integrationGCPWorkloadIdentityModel{}, attrTypes: integrationGCPWorkloadIdentityAttrTypes},
		"datadog":                       {model: integrationDatadogModel{}, attrTypes: integrationDatadogAttrTypes},
		"mongodb_atlas":                 {model: integrationAtlasModel{}, attrTypes: integrationAtlasAttrTypes},
		"mongodb_atlas.api_key":         {model: integrationAtlasAPIKeyModel{}, attrTypes: integrationAtlasAPIKeyAttrTypes},
		"mongodb_atlas.service_account": {model: integrationAtlasServiceAccountModel{}, attrTypes: integrationAtlasServiceAccountAttrTypes},
	}
	eventSourceShapes = map[string]objectShape{
		"resource":      {model: eventSourceResourceModel{}, attrTypes: eventSourceResourceAttrTypes},
		"events":        {model: eventSourceEventModel{}, attrTypes: eventSourceEventAttrTypes},
		"events.filter": {model: filterModel{}, attrTypes: filterAttrTypes},
		"schedule":      {model: eventSourceScheduleModel{}, attrTypes: eventSourceScheduleAttrTypes},
		"status":        {attrTypes: eventSourceStatusAttrTypes},
	}
)

// withRoot returns the shapes of nested with root's model as the top level.
func withRoot(root any, nested map[string]objectShape) map[string]objectShape {
	out := map[string]objectShape{"": {model: root}}
	for p, s := range nested {
		out[p] = s
	}
	return out
}

// TestSchemaModelParity checks that each resource and data source describes
// its shape once: for every object of its schema, the model struct's tfsdk
// tags name exactly the schema's attributes and blocks with matching kinds,
// and the hand-written attribute types equal the schema's. A mismatch would
// otherwise surface only at run time, as a conversion error in front of a
// user.
func TestSchemaModelParity(t *testing.T) {
	ctx := context.Background()
	p := &SuperplaneProvider{}
	schemas := map[string]attr.Type{}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "superplane"}, &meta)
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		schemas[meta.TypeName] = resp.Schema.Type()
	}
	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "superplane"}, &meta)
		var resp datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &resp)
		schemas["data."+meta.TypeName] = resp.Schema.Type()
	}

	for name := range schemaShapes {
		if _, ok := schemas[name]; !ok {
			t.Errorf("schemaShapes names %s, which the provider does not serve", name)
		}
	}
	for name, typ := range schemas {
		shapes, ok := schemaShapes[name]
		if !ok {
			t.Errorf("%s: no entry in schemaShapes: name the model and attribute types of each of its objects", name)
			continue
		}
		objects := map[string]basetypes.ObjectType{}
		collectObjects("", typ, objects)
		for p, obj := range objects {
			shape, ok := shapes[p]
			if !ok {
				t.Errorf("%s: object %q has no entry in schemaShapes", name, p)
				continue
			}
			label := name + " " + p
			if p == "" {
				label = name
			}
			if shape.attrTypes != nil {
				for _, msg := range compareAttrTypes(shape.attrTypes, obj.AttrTypes) {
					t.Errorf("%s: attribute types: %s", label, msg)
				}
			}
			if shape.model != nil {
				for _, msg := range compareModel(ctx, reflect.TypeOf(shape.model), obj.AttrTypes) {
					t.Errorf("%s: model %T: %s", label, shape.model, msg)
				}
			}
		}
		for p := range shapes {
			if _, ok := objects[p]; !ok {
				t.Errorf("%s: schemaShapes names object %q, which the schema does not have", name, p)
			}
		}
	}
}

// collectObjects records every object type within typ by its path; the
// elements of lists, sets and maps stand at their collection's path.
func collectObjects(p string, typ attr.Type, out map[string]basetypes.ObjectType) {
	switch t := typ.(type) {
	case basetypes.ObjectType:
		out[p] = t
		for name, at := range t.AttrTypes {
			child := name
			if p != "" {
				child = p + "." + name
			}
			collectObjects(child, at, out)
		}
	case basetypes.ListType:
		collectObjects(p, t.ElemType, out)
	case basetypes.SetType:
		collectObjects(p, t.ElemType, out)
	case basetypes.MapType:
		collectObjects(p, t.ElemType, out)
	}
}

// compareAttrTypes lists the differences between hand-written attribute
// types and the schema's.
func compareAttrTypes(got, want map[string]attr.Type) []string {
	var msgs []string
	for _, name := range unionKeys(got, want) {
		g, inGot := got[name]
		w, inWant := want[name]
		switch {
		case !inGot:
			msgs = append(msgs, fmt.Sprintf("%q is in the schema but not in the map", name))
		case !inWant:
			msgs = append(msgs, fmt.Sprintf("%q is in the map but not in the schema", name))
		case !g.Equal(w):
			msgs = append(msgs, fmt.Sprintf("%q is %s in the map but %s in the schema", name, g, w))
		}
	}
	return msgs
}

// compareModel lists the differences between a model struct's tfsdk
// fields and the schema's attributes: a missing or extra name, or a field
// whose value type is of another kind (a types.List for a map).
func compareModel(ctx context.Context, model reflect.Type, want map[string]attr.Type) []string {
	got := map[string]attr.Type{}
	var msgs []string
	for i := range model.NumField() {
		f := model.Field(i)
		tag := f.Tag.Get("tfsdk")
		if tag == "" || tag == "-" {
			continue
		}
		v, ok := reflect.Zero(f.Type).Interface().(attr.Value)
		if !ok {
			msgs = append(msgs, fmt.Sprintf("field %s (%q) is not a framework value", f.Name, tag))
			continue
		}
		got[tag] = v.Type(ctx)
	}
	for _, name := range unionKeys(got, want) {
		g, inGot := got[name]
		w, inWant := want[name]
		switch {
		case !inGot:
			msgs = append(msgs, fmt.Sprintf("%q is in the schema but no field has it as tfsdk tag", name))
		case !inWant:
			msgs = append(msgs, fmt.Sprintf("field tagged %q is not in the schema", name))
		case reflect.TypeOf(g) != reflect.TypeOf(w):
			msgs = append(msgs, fmt.Sprintf("%q is a %T field but %s in the schema", name, g, w))
		}
	}
	return msgs
}

// unionKeys returns the names of both maps, sorted, so messages come in a
// stable order.
func unionKeys(a, b map[string]attr.Type) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestSchemaModelParityCatchesDrift proves the comparison fails on the
// mistakes it exists for: a renamed tag, a missing attribute and a type of
// another kind.
func TestSchemaModelParityCatchesDrift(t *testing.T) {
	ctx := context.Background()
	want := map[string]attr.Type{"name": types.StringType, "outputs": types.MapType{ElemType: types.StringType}}
	type renamed struct {
		Name    types.String `tfsdk:"nam"`
		Outputs types.Map    `tfsdk:"outputs"`
	}
	type wrongKind struct {
		Name    types.String `tfsdk:"name"`
		Outputs types.List   `tfsdk:"outputs"`
	}
	if msgs := compareModel(ctx, reflect.TypeOf(renamed{}), want); len(msgs) != 2 ||
		!strings.Contains(strings.Join(msgs, "\n"), `"name" is in the schema but no field`) {
		t.Errorf("renamed tag: %q", msgs)
	}
	if msgs := compareModel(ctx, reflect.TypeOf(wrongKind{}), want); len(msgs) != 1 || !strings.Contains(msgs[0], `"outputs"`) {
		t.Errorf("wrong kind: %q", msgs)
	}
	if msgs := compareAttrTypes(map[string]attr.Type{"name": types.StringType,
		"outputs": types.MapType{ElemType: types.Int64Type}}, want); len(msgs) != 1 {
		t.Errorf("wrong element type: %q", msgs)
	}
	if msgs := compareAttrTypes(map[string]attr.Type{"name": types.StringType}, want); len(msgs) != 1 {
		t.Errorf("missing attribute: %q", msgs)
	}
}
