package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
)

// validateTimeWindows refuses a time window whose end is its start: the
// window holds the minutes from start up to end, so it never opens and
// every event would wait for it forever. SuperPlane refuses it on apply
// (and servers before it accepted it); the plan is the place to say so.
func (v *stageValidator) validateTimeWindows(config *StageResourceModel) {
	windows, _ := listAs[stageTimeWindowModel](v.ctx, config.TimeWindows, v.diags)
	for i, w := range windows {
		if !isKnown(w.Start) || !isKnown(w.End) || w.Start.ValueString() != w.End.ValueString() {
			continue
		}
		v.diags.AddAttributeError(path.Root("time_window").AtListIndex(i).AtName("end"), "Empty time window",
			fmt.Sprintf("time_window end %q is its start: the window runs from start up to end, so it would never "+
				"open and every event would wait forever. For whole days write start = \"00:00\", end = \"24:00\"; "+
				"leave the block out to run at any time of day.", w.End.ValueString()))
	}
}
