package provider

import (
	"fmt"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

// TestAccEventSourceMoveWhenHookCannotBeRemoved: changing a GitHub
// source's repository while GitHub refuses the token fails and keeps the
// source where it was, with a hint at force_destroy; with force_destroy =
// true in the same apply the source moves and the old hook is left on
// GitHub, so the user is not stuck.
func TestAccEventSourceMoveWhenHookCannotBeRemoved(t *testing.T) {
	canvas := randName("acc-es-canvas")
	name := randName("acc-es-gh")
	integration, secret := randName("acc-es-int"), randName("acc-es-token")
	from, to := newFakeRepo("acc-es-from"), newFakeRepo("acc-es-to")
	good, bad := newToolToken(), unknownToolToken()
	t.Cleanup(func() {
		if acc.github == nil {
			return
		}
		for _, repo := range []string{from, to} {
			for _, h := range acc.github.Hooks(fakeGitHubOwner, repo) {
				acc.github.RemoveHook(fakeGitHubOwner, repo, h.ID)
			}
		}
	})
	source := eventSourceCfg{canvas: "superplane_canvas.test.name", name: name, typ: "github",
		integration: "superplane_integration.gh.name", resource: fmt.Sprintf("name = %q", from)}
	moved := source
	moved.resource = fmt.Sprintf("name = %q", to)
	forced := moved
	forced.forceDestroy = "true"
	// verify = false keeps the integration while its token is bad.
	withBad := canvasConfig(canvas) + githubConfig(integration, secret, bad, 2, "false")
	tfresource.Test(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { accPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkCanvasesGone(canvas),
		Steps: []tfresource.TestStep{
			{
				Config: canvasConfig(canvas) + githubConfig(integration, secret, good, 1, "false") + source.String(),
				Check:  oneHook(from, sourceAddr, "push"),
			},
			{Config: withBad + source.String()},
			// The old hook cannot be removed: the move fails, the source
			// stays, and the error says how to get out.
			{
				Config:      withBad + moved.String(),
				ExpectError: wordsRegexp(`Error updating event source.*Bad credentials.*force_destroy = true with the change`),
			},
			// force_destroy with the move: an update in place, which
			// moves the source and leaves the old hook on GitHub.
			{
				Config: withBad + forced.String(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(sourceAddr, plancheck.ResourceActionUpdate)},
				},
				Check: tfresource.ComposeTestCheckFunc(
					tfresource.TestCheckResourceAttr(sourceAddr, "resource.name", to),
					checkHooks(from, func(h []github.Hook) error {
						if len(h) != 1 {
							return fmt.Errorf("%d hooks on the old repository, want the 1 force_destroy left behind", len(h))
						}
						return nil
					})),
			},
		},
	})
}
