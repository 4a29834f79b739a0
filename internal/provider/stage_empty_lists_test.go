package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// emptyListForms are the forms a list of stageEmptyLists takes: left out,
// set to [] and set to values (nil, empty and full Go slices).
var emptyListForms = map[string][]string{"null": nil, "[]": {}, "values": {"x"}}

// stageWithLists is stageFixture with the second time window's weekDays and
// the second mapping's lastExecution results set to form (results of the
// form "values" are RESULT_PASSED, days "friday").
func stageWithLists(t *testing.T, form string) *api.Stage {
	t.Helper()
	st := stageFixture(t, &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}})
	days, results := emptyListForms[form], emptyListForms[form]
	if len(days) > 0 {
		days, results = []string{"friday"}, []string{api.ResultPassed}
	}
	st.Spec.Conditions[2].TimeWindow.WeekDays = days
	st.Spec.InputMappings[1].Values[2].ValueFrom.LastExecution.Results = results
	return st
}

// listForms reads back the form of the second time window's week_days and
// of the second mapping's third value's results in a state.
func listForms(ctx context.Context, t *testing.T, st tfsdk.State) (days, results string) {
	t.Helper()
	form := func(p path.Path) string {
		var l types.List
		if d := st.GetAttribute(ctx, p, &l); d.HasError() {
			t.Fatalf("%s: %v", p, d)
		}
		switch {
		case l.IsNull():
			return "null"
		case len(l.Elements()) == 0:
			return "[]"
		}
		return "values"
	}
	return form(path.Root("time_window").AtListIndex(1).AtName("week_days")),
		form(path.Root("input_mapping").AtListIndex(1).AtName("value").AtListIndex(2).AtName("from_last_execution").AtName("results"))
}

// stageState is the state (or plan) of the stage of stageWithLists(form);
// form "import" is the state an import starts from: id and canvas only.
func stageState(ctx context.Context, t *testing.T, sch tfsdk.State, form string) tfsdk.State {
	t.Helper()
	st := tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(sch.Schema.Type().TerraformType(ctx), nil)}
	var d diag.Diagnostics
	if form == "import" {
		d.Append(st.SetAttribute(ctx, path.Root("id"), "id-1")...)
		d.Append(st.SetAttribute(ctx, path.Root("canvas"), "prod")...)
	} else {
		m, md := stageModelFrom(ctx, stageWithLists(t, form), &StageResourceModel{Canvas: types.StringValue("prod")})
		d.Append(md...)
		d.Append(st.Set(ctx, m)...)
	}
	if d.HasError() {
		t.Fatal(d)
	}
	return st
}

// TestStageEmptyListsReadAsPlanned: whether the server answers a list left
// out (or set to []) as null or as [], the state holds the form the plan or
// the prior state holds: null for null, [] for [], and null after an import
// (the configuration's usual form); a server answering elements is
// believed. Create and Read are run against a server answering each form.
func TestStageEmptyListsReadAsPlanned(t *testing.T) {
	ctx := context.Background()
	var answering atomic.Value // the form the server answers
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		form, _ := answering.Load().(string)
		_ = json.NewEncoder(w).Encode(api.StageResponse{Stage: stageWithLists(t, form)})
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: "spt_x", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	r := &StageResource{client: c}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	blank := tfsdk.State{Schema: sresp.Schema}

	for _, answer := range []string{"null", "[]", "values"} {
		answering.Store(answer)
		for _, prior := range []string{"null", "[]", "values", "import"} {
			want := "null"
			switch {
			case answer == "values":
				want = "values"
			case prior == "[]":
				want = "[]"
			}
			t.Run(fmt.Sprintf("read/answer %s/state %s", answer, prior), func(t *testing.T) {
				state := stageState(ctx, t, blank, prior)
				req := resource.ReadRequest{State: state}
				resp := &resource.ReadResponse{State: state}
				r.Read(ctx, req, resp)
				if resp.Diagnostics.HasError() {
					t.Fatal(resp.Diagnostics)
				}
				if days, results := listForms(ctx, t, resp.State); days != want || results != want {
					t.Errorf("week_days %s, results %s; want %s", days, results, want)
				}
			})
			if prior == "import" || prior == "values" && answer != "values" {
				continue // a create is answered with what it sent
			}
			t.Run(fmt.Sprintf("create/answer %s/plan %s", answer, prior), func(t *testing.T) {
				st := stageState(ctx, t, blank, prior)
				plan := tfsdk.Plan(st)
				resp := &resource.CreateResponse{State: tfsdk.State{Schema: st.Schema, Raw: tftypes.NewValue(st.Raw.Type(), nil)}}
				r.Create(ctx, resource.CreateRequest{Plan: plan}, resp)
				if resp.Diagnostics.HasError() {
					t.Fatal(resp.Diagnostics)
				}
				if days, results := listForms(ctx, t, resp.State); days != want || results != want {
					t.Errorf("week_days %s, results %s; want %s", days, results, want)
				}
			})
		}
	}
}

// TestEmptyListsLikeKeepsTheRest: the other elements and attributes of the
// blocks are left as the answer has them (the first window's days, the
// other values), and nothing changes where nothing is empty.
func TestEmptyListsLikeKeepsTheRest(t *testing.T) {
	ctx := context.Background()
	m, d := stageModelFrom(ctx, stageWithLists(t, "[]"), &StageResourceModel{Canvas: types.StringValue("prod")})
	if d.HasError() {
		t.Fatal(d)
	}
	before := *m
	stageEmptyListsLike(ctx, m, nil)
	windows, _ := listAs[stageTimeWindowModel](ctx, m.TimeWindows, &d)
	if len(windows) != 2 || fmt.Sprint(windows[0].WeekDays) != `["monday"]` || windows[1].Start.ValueString() != "22:00" || !windows[1].WeekDays.IsNull() {
		t.Errorf("time windows = %v", m.TimeWindows)
	}
	if m.InputMappings.Equal(before.InputMappings) {
		t.Error("results [] with no prior value stayed []")
	}
	m.TimeWindows, m.InputMappings = before.TimeWindows, before.InputMappings
	if !sameModel(m, &before) {
		t.Error("attributes outside the blocks changed")
	}

	full, _ := stageModelFrom(ctx, stageWithLists(t, "values"), &StageResourceModel{Canvas: types.StringValue("prod")})
	again := *full
	stageEmptyListsLike(ctx, full, nil)
	if !sameModel(full, &again) {
		t.Error("a stage without empty lists changed")
	}
}
