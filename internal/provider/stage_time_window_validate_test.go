package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestStageTimeWindowEndIsStart: a time window ending at its start (which
// would never open) is refused at plan time at its end attribute; one
// spanning midnight, and one whose times are not known yet, are not.
func TestStageTimeWindowEndIsStart(t *testing.T) {
	ctx := context.Background()
	window := func(start, end types.String) stageTimeWindowModel {
		return stageTimeWindowModel{Start: start, End: end, WeekDays: types.ListNull(types.StringType)}
	}
	for _, tc := range []struct {
		name    string
		windows []stageTimeWindowModel
		at      int // index of the window at fault, -1 for none
	}{
		{"end is start", []stageTimeWindowModel{window(types.StringValue("09:00"), types.StringValue("17:00")),
			window(types.StringValue("08:00"), types.StringValue("08:00"))}, 1},
		{"spans midnight", []stageTimeWindowModel{window(types.StringValue("22:00"), types.StringValue("02:00"))}, -1},
		{"a whole day", []stageTimeWindowModel{window(types.StringValue("00:00"), types.StringValue("24:00"))}, -1},
		{"not known yet", []stageTimeWindowModel{window(types.StringUnknown(), types.StringUnknown())}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := validStage(t)
			var diags diag.Diagnostics
			m.TimeWindows = blockListValue(ctx, stageTimeWindowAttrTypes, tc.windows, &diags)
			validateStage(ctx, m, &diags)
			errs := diags.Errors()
			if tc.at < 0 {
				if len(errs) != 0 {
					t.Fatalf("errors: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1: %v", len(errs), errs)
			}
			want := path.Root("time_window").AtListIndex(tc.at).AtName("end")
			if withPath, ok := errs[0].(diag.DiagnosticWithPath); !ok || !withPath.Path().Equal(want) {
				t.Errorf("error at %v, want %v", errs[0], want)
			}
			if !strings.Contains(errs[0].Detail(), "never") {
				t.Errorf("detail %q does not say the window never opens", errs[0].Detail())
			}
		})
	}
}

// TestStageTimeWindowTimes: the plan takes a window's end as HH:MM or 24:00
// (the end of the day, for whole days) and its start as HH:MM only, as the
// server does; anything else fails the plan at that attribute.
func TestStageTimeWindowTimes(t *testing.T) {
	ctx := context.Background()
	var sr resource.SchemaResponse
	(&StageResource{}).Schema(ctx, resource.SchemaRequest{}, &sr)
	block, ok := sr.Schema.Blocks["time_window"].(schema.ListNestedBlock)
	if !ok {
		t.Fatalf("time_window is %T", sr.Schema.Blocks["time_window"])
	}
	refused := func(attr, value string) bool {
		a, ok := block.NestedObject.Attributes[attr].(schema.StringAttribute)
		if !ok {
			t.Fatalf("time_window.%s is %T", attr, block.NestedObject.Attributes[attr])
		}
		resp := &validator.StringResponse{}
		for _, v := range a.Validators {
			v.ValidateString(ctx, validator.StringRequest{Path: path.Root("time_window").AtListIndex(0).AtName(attr), ConfigValue: types.StringValue(value)}, resp)
		}
		return resp.Diagnostics.HasError()
	}
	for _, tc := range []struct {
		attr, value string
		refused     bool
	}{
		{"end", "24:00", false}, {"end", "23:59", false}, {"end", "00:00", false},
		{"end", "24:01", true}, {"end", "25:00", true}, {"end", "9:00", true},
		{"start", "24:00", true}, {"start", "00:00", false},
	} {
		if got := refused(tc.attr, tc.value); got != tc.refused {
			t.Errorf("time_window.%s = %q: refused %v, want %v", tc.attr, tc.value, got, tc.refused)
		}
	}
}
