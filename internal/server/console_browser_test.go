package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
)

// consoleChromium returns the browser the console's browser test drives:
// $SUPERPLANE_TEST_CHROME, else Debian's chromium (or another Chrome on the
// PATH). The test skips, saying so, when there is none: .ci/run installs
// chromium, so CI always runs it.
func consoleChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SUPERPLANE_TEST_CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not found: install it (apt-get install -y chromium) or set SUPERPLANE_TEST_CHROME=/path/to/chrome to run the console's browser test")
	return ""
}

// consoleBrowser is a fresh headless browser (its own profile, so its own
// cookies), started here, with a bound on everything done with it.
func consoleBrowser(t *testing.T, chrome string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first action starts the browser, which lives as long as ctx.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", chrome, err)
	}
	bounded, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	return bounded
}

// consoleScreenshotDir is where the test saves its screenshots:
// $SUPERPLANE_CONSOLE_SCREENSHOTS when set (docs/images/console.png was made so),
// else a temp dir the test names in its log.
func consoleScreenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("SUPERPLANE_CONSOLE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "superplane-console-screenshots-") //nolint:usetesting // the screenshots outlive the test, to be looked at

	if err != nil {
		t.Fatal(err)
	}
	return d
}

func consoleScreenshot(dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

// consoleUntil waits, polling in the page, for a JavaScript condition.
func consoleUntil(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(100*time.Millisecond))
}

// consoleRead runs a value-returning action in the page, failing the test on an
// error.
func consoleRead[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// consoleSteps runs actions in the page, failing the test on an error.
func consoleSteps(t *testing.T, ctx context.Context, what string, a ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, a...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestConsoleInBrowser drives the console in headless chromium as a user
// would: sign in with a pasted token, open a canvas, post a manual event,
// watch (without reloading) the stage wait for approval, approve it, and
// see the execution pass with its outputs. A viewer sees the queue but no
// Approve button, and a form posted to the console from another site's
// page is refused. The owner cancels a long-running execution and sees it
// cancelled, and the audit trail page shows the approval and the
// cancellation, made through the console.
func TestConsoleInBrowser(t *testing.T) {
	chrome := consoleChromium(t)
	e := newEnv(t, withExecutors(executor.Config{PollInterval: 20 * time.Millisecond, AllowedNetworks: fakesAllowed}))
	consoleRunEngine(t, e)
	consoleCanvas(t, e)
	// A second step after deploy, so the graph has three columns.
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", `{"stage":{"metadata":{"name":"smoke-test"},"spec":{
		"connections":[{"type":"TYPE_STAGE","name":"deploy"}],"executor":{"type":"noop","spec":{}}}}}`).decode(t, &api.StageResponse{})
	shots := consoleScreenshotDir(t)
	t.Logf("screenshots in %s", shots)

	owner := consoleBrowser(t, chrome)
	consoleSteps(t, owner, "sign in",
		chromedp.Navigate(e.url+"/"),
		chromedp.WaitVisible(chromedp.ID("token")),
		consoleScreenshot(shots, "1-sign-in"),
		chromedp.SendKeys(chromedp.ID("token"), e.tokens["owner"]),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/canvases/prod"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/canvases/prod"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-node="deploy"]`)),
	)
	// The keyboard starts at the skip link, and it is visibly focused.
	consoleSteps(t, owner, "tab", chromedp.KeyEvent("\t"))
	if focus := consoleRead(t, owner, "focus", chromedp.Evaluate[string](`document.activeElement.className + ' ' + getComputedStyle(document.activeElement).outlineStyle`)); focus != "skip solid" {
		t.Errorf("the first Tab focuses %q, want the skip link with a solid outline", focus)
	}
	// Every form control has a label.
	if n := consoleRead(t, owner, "labels", chromedp.Evaluate[int](`[...document.querySelectorAll('input:not([type=hidden]),select,textarea')].filter(el => el.labels.length === 0).length`)); n != 0 {
		t.Errorf("%d form controls on the canvas page have no label", n)
	}
	consoleSteps(t, owner, "emit a manual event and watch the stage wait",
		chromedp.SetValue(chromedp.ID("emit-payload"), `{"version":"1.2.3"}`),
		chromedp.Click(chromedp.ID("emit-submit")),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
		// From here the page is not reloaded: a marker on window survives
		// only if the live updates, not a navigation, change the graph.
		chromedp.Evaluate[chromedp.Void](`window.__sameConsolePage = true`),
		consoleUntil(`document.querySelector('[data-node="deploy"] [data-state]').textContent === 'waiting for approval'`),
		consoleScreenshot(shots, "2-canvas-waiting-for-approval"),
	)
	if same := consoleRead(t, owner, "marker", chromedp.Evaluate[bool](`window.__sameConsolePage === true`)); !same {
		t.Fatal("the page was reloaded: the graph should update in place")
	}
	consoleSteps(t, owner, "approve",
		chromedp.Click(chromedp.CSS(`[data-node="deploy"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`button.approve`)),
		consoleScreenshot(shots, "3-stage-queue"),
		chromedp.Click(chromedp.CSS(`button.approve`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
		consoleUntil(`document.querySelector('[data-execution][data-result="RESULT_PASSED"]') !== null`),
		consoleScreenshot(shots, "4-execution-passed"),
	)
	outputs := consoleRead(t, owner, "outputs", chromedp.Text(chromedp.CSS(`[data-execution] .outputs`)))
	if !strings.Contains(outputs, "released") || !strings.Contains(outputs, "v1.2.3") {
		t.Fatalf("the passed execution shows outputs %q, want released = v1.2.3", outputs)
	}
	consoleSteps(t, owner, "the canvas after the run",
		chromedp.Navigate(e.url+"/canvases/prod"),
		consoleUntil(`document.querySelector('[data-node="deploy"] [data-state]').textContent === 'last run passed'`),
		consoleScreenshot(shots, "5-canvas-after-run"),
	)

	// A second event waits for approval; the viewer sees it, and no
	// button to approve or discard it.
	e.do("owner", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"button","raw":{"version":"2.0.0"}}`).decode(t, &api.EventResponse{})
	viewer := consoleBrowser(t, chrome)
	consoleSteps(t, viewer, "the viewer signs in",
		chromedp.Navigate(e.url+"/canvases/prod/stages/deploy"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), e.tokens["viewer"]),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("queue")),
		consoleUntil(`document.querySelector('[data-stage-event]') !== null`),
		consoleScreenshot(shots, "6-viewer-stage"),
	)
	queued := consoleRead(t, viewer, "queue", chromedp.Evaluate[int](`document.querySelectorAll('[data-stage-event]').length`))
	buttons := consoleRead(t, viewer, "buttons", chromedp.Evaluate[int](`document.querySelectorAll('button.approve, button.secondary').length`))
	if queued != 1 || buttons != 0 {
		t.Fatalf("the viewer sees %d queued events and %d approve/discard buttons; want 1 and 0", queued, buttons)
	}

	// Another site's page posts a form to the console in the owner's
	// browser, which holds a session: refused, and the event stays
	// unapproved.
	var waiting api.ListStageEventsResponse
	e.do("owner", "GET", "/api/v1/canvases/prod/stages/deploy/events?states=STATE_WAITING", nil).decode(t, &waiting)
	if len(waiting.Events) != 1 {
		t.Fatalf("want one waiting event, got %+v", waiting.Events)
	}
	target := fmt.Sprintf("%s/canvases/prod/stages/deploy/events/%s/approve", e.url, waiting.Events[0].ID)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s"><input name="csrf" value="guessed"></form>
<script>document.getElementById("f").submit()</script>`, target)
	}))
	t.Cleanup(evil.Close)
	consoleSteps(t, owner, "the forged post",
		chromedp.Navigate(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)),
		consoleUntil(`location.href.startsWith("`+e.url+`") && document.querySelector('p.error') !== null`),
		consoleScreenshot(shots, "7-forged-post-refused"),
	)
	if refusal := consoleRead(t, owner, "refusal", chromedp.Text(chromedp.CSS(`p.error`))); !strings.Contains(refusal, "refused") {
		t.Fatalf("the forged post's answer: %q, want a refusal", refusal)
	}
	e.do("owner", "GET", "/api/v1/canvases/prod/stages/deploy/events?states=STATE_WAITING", nil).decode(t, &waiting)
	if len(waiting.Events) != 1 || len(waiting.Events[0].Approvals) != 0 {
		t.Fatalf("the forged post approved the event: %+v", waiting.Events)
	}

	// A stage whose executor waits runs until the owner cancels it, behind
	// a confirmation; the page then shows it cancelled.
	consoleSlowStage(t, e)
	e.do("owner", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"button","raw":{"version":"3.0.0"}}`).decode(t, &api.EventResponse{})
	running := consoleWaitExecution(t, e, "slow", func(ex api.Execution) bool { return ex.State == api.ExecutionStateStarted })
	consoleSteps(t, owner, "cancel the running execution",
		chromedp.Navigate(e.url+"/canvases/prod/stages/slow"),
		chromedp.WaitVisible(chromedp.ID("cancel-"+running.ID)),
		chromedp.Click(chromedp.ID("cancel-"+running.ID)),
		chromedp.WaitVisible(chromedp.ID("confirm-cancel-"+running.ID)),
		consoleScreenshot(shots, "8-cancel-confirmation"),
		chromedp.Click(chromedp.ID("confirm-cancel-"+running.ID)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
		consoleUntil(`document.querySelector('[data-execution="`+running.ID+`"][data-result="RESULT_CANCELLED"]') !== null`),
		consoleScreenshot(shots, "9-execution-cancelled"),
	)

	// The audit trail shows both, by the owner through the console.
	consoleSteps(t, owner, "the audit trail",
		chromedp.Navigate(e.url+"/"),
		chromedp.WaitVisible(chromedp.ID("nav-audit")),
		chromedp.Click(chromedp.ID("nav-audit")),
		chromedp.WaitVisible(chromedp.ID("audit-filters")),
		consoleUntil(`document.querySelector('tr[data-action="approve"][data-object-type="stage_event"]') !== null`),
		consoleScreenshot(shots, "10-audit-trail"),
	)
	for _, action := range []string{"approve", "cancel"} {
		row := consoleRead(t, owner, action+" row", chromedp.Text(chromedp.CSS(`tr[data-action="`+action+`"]`)))
		if !strings.Contains(row, "owner@example.com") || !strings.Contains(row, "console") || !strings.Contains(row, "succeeded") || !strings.Contains(row, "prod") {
			t.Errorf("the audit trail's %s row: %q, want the owner's success on prod through the console", action, row)
		}
	}
	if n := consoleRead(t, viewer, "viewer nav", chromedp.Evaluate[int](`document.querySelectorAll('a[href="/audit"]').length`)); n != 0 {
		t.Error("the viewer's page links to the audit trail")
	}
}
