package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// TestExecutionsDataSourcePagingIsBounded: against a server that ignores
// the page size (one execution a page) and always claims a next page, the
// data source follows the cursor (before and beforeId of the last item it
// got), stops after the pages its bound allows, and returns what it read,
// newest first, without repeats.
func TestExecutionsDataSourcePagingIsBounded(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(queries)
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		created := start.Add(-time.Duration(n) * time.Minute)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(api.ListExecutionsResponse{
			Executions:  []api.Execution{{ID: fmt.Sprintf("ex-%d", n), State: api.ExecutionStateFinished, Result: api.ResultPassed, CreatedAt: &created}},
			HasNextPage: true,
		})
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: "spt_test", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d := &ExecutionsDataSource{client: c}
	var sresp datasource.SchemaResponse
	d.Schema(ctx, datasource.SchemaRequest{}, &sresp)
	objType, ok := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the schema's type is not an object")
	}
	config := tftypes.NewValue(objType, map[string]tftypes.Value{
		"canvas":      tftypes.NewValue(tftypes.String, "c"),
		"stage":       tftypes.NewValue(tftypes.String, "s"),
		"limit":       tftypes.NewValue(tftypes.Number, big.NewFloat(maxExecutions)),
		"total_count": tftypes.NewValue(tftypes.Number, nil),
		"executions":  tftypes.NewValue(objType.AttributeTypes["executions"], nil),
	})
	req := datasource.ReadRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: config}}
	resp := &datasource.ReadResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: config}}
	d.Read(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var got ExecutionsDataSourceModel
	resp.Diagnostics.Append(resp.State.Get(ctx, &got)...)

	wantPages := maxExecutions/executionsPage + 1
	if len(queries) != wantPages {
		t.Errorf("%d requests, want the bound of %d", len(queries), wantPages)
	}
	if len(got.Executions.Elements()) != len(queries) {
		t.Errorf("%d executions from %d one-item pages", len(got.Executions.Elements()), len(queries))
	}
	// The second request continues after the first page's only item.
	if len(queries) > 1 {
		want := url.Values{"before": {start.Format(time.RFC3339Nano)}, "beforeId": {"ex-0"}, "limit": {strconv.Itoa(executionsPage)}}.Encode()
		if queries[1] != want {
			t.Errorf("second page asked %q, want %q", queries[1], want)
		}
	}
}
