// Command floorprovider is the plugin floor of BENCHMARKS.md's provider
// overhead (issue 17, goal 5): a terraform-plugin-framework provider with
// exactly the schemas of terraform-provider-superplane (it asks the real
// resources and data sources for them) that does no work at all. Create and
// Update store the plan, Read keeps the state, Delete forgets; no network, no
// client. Terraform pays the same process starts, handshakes, schema
// transfers, msgpack encodings and framework schema walks for it as for the
// real provider, so the real provider's time over this one is what its own
// code (validation, plan modifiers, the HTTP round trips and the server)
// costs.
//
// It is built by bench/run.sh only and never shipped. It lives outside
// cmd/ and internal/ because it links internal/provider (for the schemas),
// which nothing shipped may do.
package main

import (
	"context"
	"log"
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/cpuprofile"
	sp "github.com/superplane/terraform-provider-superplane/internal/provider"
)

// Address is where the bench's configurations find this provider (through
// dev_overrides); its type name is superplane, so the same resource blocks
// resolve to it.
const Address = "registry.terraform.io/bench/superplane"

func main() {
	// The same settings as the real provider's main.go, so the comparison
	// measures code and round trips, not log sinks or the collector.
	quietSDKLogs()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	stopProfile := cpuprofile.Start("floor")
	err := providerserver.Serve(context.Background(), newFloor, providerserver.ServeOpts{Address: Address})
	stopProfile()
	if err != nil {
		log.Fatal(err.Error())
	}
}

// quietSDKLogs turns the SDK's trace sinks off when no log is asked for,
// as the real provider does.
func quietSDKLogs() {
	for _, v := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		if os.Getenv(v) != "" {
			return
		}
	}
	for _, v := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		_ = os.Setenv(v, "OFF")
	}
}

// floor is the provider: the real one's metadata and schema, no Configure
// work.
type floor struct {
	real provider.Provider
}

func newFloor() provider.Provider { return &floor{real: sp.New("floor")()} }

func (f *floor) Metadata(ctx context.Context, req provider.MetadataRequest, resp *provider.MetadataResponse) {
	f.real.Metadata(ctx, req, resp)
}

func (f *floor) Schema(ctx context.Context, req provider.SchemaRequest, resp *provider.SchemaResponse) {
	f.real.Schema(ctx, req, resp)
}

func (f *floor) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {}

func (f *floor) Resources(ctx context.Context) []func() resource.Resource {
	var out []func() resource.Resource
	for _, newReal := range f.real.Resources(ctx) {
		out = append(out, func() resource.Resource { return &floorResource{real: newReal()} })
	}
	return out
}

func (f *floor) DataSources(ctx context.Context) []func() datasource.DataSource {
	var out []func() datasource.DataSource
	for _, newReal := range f.real.DataSources(ctx) {
		out = append(out, func() datasource.DataSource { return &floorDataSource{real: newReal()} })
	}
	return out
}

// floorResource has the real resource's type name and schema and stores
// whatever it is given.
type floorResource struct {
	real resource.Resource
}

func (r *floorResource) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	r.real.Metadata(ctx, req, resp)
}

func (r *floorResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	r.real.Schema(ctx, req, resp)
}

func (r *floorResource) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	raw, err := known(req.Plan.Raw)
	if err != nil {
		resp.Diagnostics.AddError("floor", err.Error())
		return
	}
	resp.State.Raw = raw
}

func (r *floorResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (r *floorResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	raw, err := known(req.Plan.Raw)
	if err != nil {
		resp.Diagnostics.AddError("floor", err.Error())
		return
	}
	resp.State.Raw = raw
}

func (r *floorResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// floorDataSource has the real data source's schema; its read returns the
// configuration.
type floorDataSource struct {
	real datasource.DataSource
}

func (d *floorDataSource) Metadata(ctx context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	d.real.Metadata(ctx, req, resp)
}

func (d *floorDataSource) Schema(ctx context.Context, req datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	d.real.Schema(ctx, req, resp)
}

func (d *floorDataSource) Read(_ context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	raw, err := known(req.Config.Raw)
	if err != nil {
		resp.Diagnostics.AddError("floor", err.Error())
		return
	}
	resp.State.Raw = raw
}

// known replaces every unknown value (a computed attribute the server would
// fill) with null, which Terraform accepts after an apply. With
// FLOOR_COMPUTED=values it stores a value of the server's size instead for
// unknown strings (36 characters: an id, a timestamp), numbers and bools,
// so Terraform carries as much state for the floor as for the real
// provider (BENCHMARKS.md, issue 17 round four); unknown objects and
// collections stay null.
func known(v tftypes.Value) (tftypes.Value, error) {
	fill := os.Getenv("FLOOR_COMPUTED") == "values"
	return tftypes.Transform(v, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() {
			return v, nil
		}
		if fill {
			switch {
			case v.Type().Is(tftypes.String):
				return tftypes.NewValue(tftypes.String, "00000000-0000-7000-8000-000000000000"), nil
			case v.Type().Is(tftypes.Number):
				return tftypes.NewValue(tftypes.Number, 1), nil
			case v.Type().Is(tftypes.Bool):
				return tftypes.NewValue(tftypes.Bool, false), nil
			}
		}
		return tftypes.NewValue(v.Type(), nil), nil
	})
}
