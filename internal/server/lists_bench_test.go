package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// benchPushPayload is the GitHub push make bench delivers (cmd/superplane-bench's
// pushBody): every execution of the lists below was triggered by one.
var benchPushPayload = []byte(`{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246",` +
	`"after":"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5","repository":{"id":1296269,"name":"app",` +
	`"full_name":"acme/app","private":true,"default_branch":"main","html_url":"https://github.com/acme/app"},` +
	`"pusher":{"name":"octocat","email":"octocat@example.com"},"head_commit":{"id":` +
	`"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5","message":"Release 1.2.3: faster queue heads and smaller` +
	` pages","timestamp":"2026-11-23T10:00:00Z","author":{"name":"Octo Cat","email":"octocat@example.com"},` +
	`"added":[],"removed":[],"modified":["internal/server/engine.go","internal/store/stagestore.go"]},` +
	`"environment":"production","version":"1.2.3","labels":["release","backend"]}`)

var benchPushHeaders = []byte(`{"content-type":"application/json","user-agent":"GitHub-Hookshot/5f1c2a0",` +
	`"x-github-delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958","x-github-event":"push","x-github-hook-id":"292430182"}`)

// BenchmarkLists is make bench's lists phase inside one process: the stage,
// event source and execution lists of 10, 300 and 1,000 rows read through
// the whole handler (authentication, the service, the store, the encoder).
// The stages and sources are what make bench creates (noop stages on one
// webhook source); every execution was triggered by a GitHub push. It
// reports the time a row (us/row) beside the time a list; -cpuprofile shows
// where a row's time goes.
func BenchmarkLists(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			databaseURL := filepath.Join(b.TempDir(), "superplane.db")
			if db == "postgres" {
				databaseURL = postgresSchemaURL(b)
			}
			lb := newListsBench(b, databaseURL)
			sizes := []int{10, 300, 1000}
			// What a list reads is created when a benchmark that reads it
			// first runs (-bench selects some; seeding all takes a while).
			seeded := map[int]bool{}
			canvas := func(b *testing.B, n int) string {
				if !seeded[n] {
					lb.seedCanvas(b, n)
					seeded[n] = true
				}
				return fmt.Sprintf("/api/v1/canvases/list-%d", n)
			}
			executions := func(b *testing.B, page int) string {
				if !seeded[0] {
					lb.seedExecutions(b, sizes[len(sizes)-1])
					seeded[0] = true
				}
				return fmt.Sprintf("/api/v1/canvases/list-executions/stages/exec/executions?limit=%d", page)
			}
			for _, n := range sizes {
				b.Run(fmt.Sprintf("stages-%d", n), func(b *testing.B) { lb.read(b, canvas(b, n)+"/stages", n) })
				b.Run(fmt.Sprintf("sources-%d", n), func(b *testing.B) { lb.read(b, canvas(b, n)+"/event-sources", n) })
				page := min(n, store.MaxPageLimit)
				b.Run(fmt.Sprintf("executions-%d", page), func(b *testing.B) { lb.read(b, executions(b, page), page) })
			}
		})
	}
}

type listsBench struct {
	st  store.Store
	svc *service.Services
	h   http.Handler
	tok string
	p   store.Principal
}

func newListsBench(b *testing.B, databaseURL string) *listsBench {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, databaseURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	keyFile := filepath.Join(b.TempDir(), "keys")
	if _, err := keyring.EnsureFile(keyFile); err != nil {
		b.Fatal(err)
	}
	ks, err := keyring.FileKeys(keyFile)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc := service.New(st, sealer.New(ks), log)
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		b.Fatal(err)
	}
	u, err := st.EnsureUser(ctx, org.ID, "owner@example.com")
	if err != nil {
		b.Fatal(err)
	}
	tok, hash, err := service.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: api.RoleOwner}); err != nil {
		b.Fatal(err)
	}
	return &listsBench{st: st, svc: svc, h: server.New(st, svc, log), tok: tok,
		p: store.Principal{User: u, Organization: org, Role: api.RoleOwner}}
}

// seedCanvas creates the canvas list-N with N webhook sources and N noop
// stages connected to the first, as make bench's lists phase does.
func (lb *listsBench) seedCanvas(b *testing.B, n int) {
	b.Helper()
	ctx := context.Background()
	canvas := fmt.Sprintf("list-%d", n)
	if _, err := lb.svc.Canvases.Create(ctx, lb.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: canvas}}}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, err := lb.svc.EventSources.Create(ctx, lb.p, canvas, api.EventSourceRequest{EventSource: &api.EventSource{
			Metadata: &api.EventSourceMetadata{Name: fmt.Sprintf("hook-%d", i)}, Spec: &api.EventSourceSpec{Type: api.EventSourceTypeWebhook},
		}}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range n {
		if _, err := lb.svc.Stages.Create(ctx, lb.p, canvas, api.StageRequest{Stage: &api.Stage{
			Metadata: &api.StageMetadata{Name: fmt.Sprintf("stage-%d", i)},
			Spec: &api.StageSpec{
				Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook-0"}},
				Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
			},
		}}); err != nil {
			b.Fatal(err)
		}
	}
}

// seedExecutions gives the stage exec of canvas list-executions n finished
// executions, each triggered by a GitHub push.
func (lb *listsBench) seedExecutions(b *testing.B, n int) {
	b.Helper()
	ctx := context.Background()
	c, err := lb.svc.Canvases.Create(ctx, lb.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "list-executions"}}})
	if err != nil {
		b.Fatal(err)
	}
	src, err := lb.svc.EventSources.Create(ctx, lb.p, c.Name, api.EventSourceRequest{EventSource: &api.EventSource{
		Metadata: &api.EventSourceMetadata{Name: "exec-hook"}, Spec: &api.EventSourceSpec{Type: api.EventSourceTypeWebhook},
	}})
	if err != nil {
		b.Fatal(err)
	}
	stage, err := lb.svc.Stages.Create(ctx, lb.p, c.Name, api.StageRequest{Stage: &api.Stage{
		Metadata: &api.StageMetadata{Name: "exec"},
		Spec: &api.StageSpec{
			Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "exec-hook"}},
			Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
		},
	}})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Millisecond)
		ev := store.StageEvent{ID: uuid.NewString(), OrgID: c.OrgID, CanvasID: c.ID, StageID: stage.ID, Connection: "exec-hook",
			TriggerSourceType: api.ConnectionTypeEventSource, TriggerSourceID: src.ID, TriggerSourceName: src.Name, TriggerEventID: uuid.NewString(),
			TriggerType: "push", TriggerPayload: benchPushPayload, TriggerHeaders: benchPushHeaders, State: store.StageEventPending,
			Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: at}
		if err := lb.st.InsertStageEvents(ctx, []store.StageEvent{ev}); err != nil {
			b.Fatal(err)
		}
		if err := lb.st.StartExecution(ctx, ev.ID, store.Execution{ID: uuid.NewString(), CreatedAt: at}); err != nil {
			b.Fatal(err)
		}
		claimed, ok, err := lb.st.ClaimExecution(ctx, "bench", at, at.Add(time.Hour), 0)
		if err != nil || !ok {
			b.Fatalf("claim: %v %v", ok, err)
		}
		claimed.Result, claimed.ResultReason, claimed.FinishedAt = "RESULT_PASSED", api.ResultReasonOK, at
		if err := lb.st.FinishExecution(ctx, claimed, "bench", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// read GETs path, a list of rows rows, once per iteration (after
// b.ResetTimer: the first call seeds). Beside the
// wall time it reports the process's CPU time a row (cpu-us/row): on the
// shared two cores the wall time mostly measures the other processes.
func (lb *listsBench) read(b *testing.B, path string, rows int) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU(b)
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+lb.tok)
		rec := httptest.NewRecorder()
		lb.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	cpu := processCPU(b) - cpu0
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*rows), "us/row")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*rows), "cpu-us/row")
}

// processCPU is the user and system CPU time the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
