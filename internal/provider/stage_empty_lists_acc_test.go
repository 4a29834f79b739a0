package provider

import (
	"fmt"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// newNullListsProxy stands in front of the acceptance server (which answers
// a time window's weekDays and a lastExecution's results as [] when they
// hold nothing, as the contract's server does) and answers them as null
// instead, as this project's server did before: whether the list was left
// out or sent as [].
func newNullListsProxy(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(stageAnswerProxy(t, emptyListsToNull))
	t.Cleanup(srv.Close)
	return srv.URL
}

// emptyListsToNull sets every empty weekDays and results list in v to null.
func emptyListsToNull(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if l, isList := e.([]any); isList && len(l) == 0 && (k == "weekDays" || k == "results") {
				x[k] = nil
				continue
			}
			emptyListsToNull(e)
		}
	case []any:
		for _, e := range x {
			emptyListsToNull(e)
		}
	}
}

// TestAccStageEmptyLists applies a stage whose time windows leave
// week_days out, set it to [] and to days, and whose from_last_execution
// values do the same with results, against a server answering the lists
// that hold nothing as [] (this one, as v1 does) and one answering them as
// null (newNullListsProxy): the apply is consistent, the state holds each
// list as written, the next plan is empty, an update that swaps the forms
// is too, and an import reads the lists left out as null (one set to []
// imports as null as well: nothing in the answer tells them apart). A
// first plan with a window ending at its start fails at that attribute.
func TestAccStageEmptyLists(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("needs TF_ACC=1")
	}
	for _, server := range []string{"answers []", "answers null"} {
		t.Run(server, func(t *testing.T) {
			endpoint := os.Getenv(EnvEndpoint)
			if server == "answers null" {
				endpoint = newNullListsProxy(t)
			}
			testAccStageEmptyLists(t, endpoint)
		})
	}
}

// nullAfterImport matches the flat state keys of the lists of
// testAccStageEmptyLists that an import must read as null: those of the
// first two windows and values (the config sets them to [] or leaves them
// out).
var nullAfterImport = regexp.MustCompile(`^(time_window\.[01]\.week_days|input_mapping\.0\.value\.[01]\.from_last_execution\.(0\.)?results)\.#$`)

func testAccStageEmptyLists(t *testing.T, endpoint string) {
	canvas, stage := randName("acc-empty"), randName("acc-empty-stage")
	addr := "superplane_stage.test"
	// forms are the week_days (and results) of the three windows (and
	// values), in order.
	config := func(forms [3]string, description string) string {
		lists := func(name string, form string, values string) string {
			switch form {
			case "unset":
				return ""
			case "[]":
				return name + " = []"
			}
			return name + " = " + values
		}
		var windows, values strings.Builder
		for i, f := range forms {
			fmt.Fprintf(&windows, "\n  time_window {\n    start = \"0%d:00\"\n    end   = \"23:00\"\n    %s\n  }\n", i, lists("week_days", f, `["monday", "friday"]`))
			fmt.Fprintf(&values, "\n    value {\n      name = \"V%d\"\n      from_last_execution {\n        %s\n      }\n    }\n", i, lists("results", f, `["passed"]`))
		}
		return fmt.Sprintf(`
provider "superplane" {
  endpoint = %[1]q
}

resource "superplane_canvas" "test" {
  name = %[2]q
}

resource "superplane_event_source" "hook" {
  canvas = superplane_canvas.test.name
  name   = "hook"
  type   = "webhook"
}

resource "superplane_stage" "test" {
  canvas      = superplane_canvas.test.name
  name        = %[3]q
  description = %[4]q

  connect {
    type = "event_source"
    name = superplane_event_source.hook.name
  }

  input {
    name = "V0"
  }
  input {
    name = "V1"
  }
  input {
    name = "V2"
  }

  input_mapping {%[6]s
  }
%[5]s
  noop {}
}
`, endpoint, canvas, stage, description, windows.String(), values.String())
	}
	days := func(i int) tfjsonpath.Path {
		return tfjsonpath.New("time_window").AtSliceIndex(i).AtMapKey("week_days")
	}
	results := func(i int) tfjsonpath.Path {
		return tfjsonpath.New("input_mapping").AtSliceIndex(0).AtMapKey("value").AtSliceIndex(i).
			AtMapKey("from_last_execution").AtMapKey("results")
	}
	// formChecks checks the state holds each list as forms has it.
	formChecks := func(forms [3]string) []statecheck.StateCheck {
		var checks []statecheck.StateCheck
		for i, f := range forms {
			var want, wantResults knownvalue.Check = knownvalue.Null(), knownvalue.Null()
			switch f {
			case "[]":
				want, wantResults = knownvalue.ListSizeExact(0), knownvalue.ListSizeExact(0)
			case "values":
				want = knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("monday"), knownvalue.StringExact("friday")})
				wantResults = knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("passed")})
			}
			checks = append(checks, statecheck.ExpectKnownValue(addr, days(i), want), statecheck.ExpectKnownValue(addr, results(i), wantResults))
		}
		return checks
	}
	first := [3]string{"unset", "[]", "values"}
	swapped := [3]string{"[]", "unset", "values"}
	empty := tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}

	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkStageGone(canvas, stage),
		Steps: []tfresource.TestStep{
			{
				// A window ending at its start (the first one's 00:00)
				// fails the plan at its end, before anything is made.
				Config:      strings.Replace(config(first, "one"), `end   = "23:00"`, `end   = "00:00"`, 1),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Empty time window.*end\s+= "00:00".*never\s+open`),
			},
			{Config: config(first, "one"), ConfigStateChecks: formChecks(first)},
			{Config: config(first, "one"), ConfigPlanChecks: empty},
			{
				// Another change: the update's answer keeps the forms.
				Config: config(swapped, "two"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: formChecks(swapped),
			},
			{Config: config(swapped, "two"), ConfigPlanChecks: empty},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     canvas + "/" + stage,
				ImportStateVerify: true,
				// The window and value set to [] import as null.
				ImportStateVerifyIgnore: []string{"time_window.0.week_days", "input_mapping.0.value.0.from_last_execution"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("%d states imported", len(states))
					}
					a := states[0].Attributes
					for k, v := range a {
						if nullAfterImport.MatchString(k) {
							return fmt.Errorf("%s = %s, want the list null", k, v)
						}
					}
					if a["time_window.2.week_days.#"] != "2" {
						return fmt.Errorf("time_window.2.week_days.# = %q, want 2", a["time_window.2.week_days.#"])
					}
					return nil
				},
			},
		},
	})
}
