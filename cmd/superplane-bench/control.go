package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// controlConfig holds the control command's flags.
type controlConfig struct {
	serverBin   string
	databaseURL string
	duration    time.Duration
	levels      intList
	out         string
	skipGrowth  bool
	// phases limits the throughput run to some of deliveries, busy,
	// secrets, lists (for profiling one path); empty runs all. tenants and
	// execution-lists run only when named.
	phases string
	// listSizes are the sizes of the lists phase.
	listSizes intList
	// tenantInterval is how often organization B delivers in the tenants
	// phase (tenants.go).
	tenantInterval time.Duration
	// tenantStages is how many noop stages B's deliveries go to in turn.
	tenantStages int
	// rate caps the busy phase's offered deliveries a second (0: none),
	// and busyConcurrency lists its load phases' concurrencies: a fixed
	// rate both the server and the floor sustain compares their CPU a
	// delivery, and their profiles, like for like.
	rate            float64
	busyConcurrency intList
}

// runs reports whether the throughput phase named p is selected.
func (c controlConfig) runs(p string) bool {
	return c.phases == "" || slices.Contains(strings.Split(c.phases, ","), p)
}

func runControl(ctx context.Context, command string, args []string, stdout, stderr io.Writer) error {
	cfg := controlConfig{levels: intList{1000, 10000, 100000}, listSizes: intList{10, 300, 1000}, busyConcurrency: intList{1, 16}}
	fs := newFlags("control", stderr)
	fs.StringVar(&cfg.serverBin, "server-bin", "", "superplane-server binary to start")
	fs.StringVar(&cfg.databaseURL, "database-url", "", "PostgreSQL server to create a fresh database on (default: SQLite in a temp dir)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of each throughput phase")
	fs.Var(&cfg.levels, "levels", "stored events and secrets at which reads are measured")
	fs.BoolVar(&cfg.skipGrowth, "skip-growth", false, "measure throughput only")
	fs.StringVar(&cfg.phases, "phases", "", "throughput phases to run: deliveries, busy, secrets, lists (default: all); tenants and execution-lists (the lists phase's executions alone) only when named")
	fs.Var(&cfg.listSizes, "list-sizes", "sizes of the stage, event source and execution lists read")
	fs.IntVar(&cfg.tenantStages, "tenant-stages", 1, "tenants phase: noop stages the quiet organization's deliveries go to in turn (1: all to one stage, which runs one execution at a time)")
	fs.DurationVar(&cfg.tenantInterval, "tenant-interval", 100*time.Millisecond, "tenants phase: how often the quiet organization delivers")
	fs.Float64Var(&cfg.rate, "rate", 0, "busy phase: offered deliveries a second at most (0: as fast as the workers go)")
	fs.Var(&cfg.busyConcurrency, "busy-concurrency", "busy phase: the load phases' concurrencies (the probes run during 16)")
	fs.StringVar(&cfg.out, "out", "", "JSON results file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.rate < 0 || len(cfg.busyConcurrency) == 0 {
		return errors.New("--rate must be positive or 0, --busy-concurrency not empty")
	}
	if cfg.serverBin == "" {
		return errors.New("--server-bin is required")
	}
	if !slices.IsSorted(cfg.listSizes) || len(cfg.listSizes) == 0 || cfg.listSizes[len(cfg.listSizes)-1] > 10_000 {
		return errors.New("--list-sizes must be ascending, at most 10,000")
	}
	rep := newReport("control", command)
	rep.Database = "sqlite"
	if cfg.databaseURL != "" {
		rep.Database = "postgres"
	}
	logf(stdout, "control plane on %s, %d CPUs (%s), load %s", rep.Database, rep.Machine.NProc, rep.Machine.CPUModel, rep.LoadBefore)

	if err := throughput(ctx, cfg, rep, stdout); err != nil {
		return err
	}
	if !cfg.skipGrowth {
		if err := growth(ctx, cfg, rep, stdout); err != nil {
			return err
		}
	}
	if err := rep.write(cfg.out); err != nil {
		return err
	}
	if cfg.out != "" {
		logf(stdout, "written to %s", cfg.out)
	}
	return nil
}

// pushBody is a delivery body of a realistic size (about 700 bytes, like a
// small CI notification).
var pushBody = []byte(`{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246",` +
	`"after":"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5","repository":{"id":1296269,"name":"app",` +
	`"full_name":"acme/app","private":true,"default_branch":"main","html_url":"https://github.com/acme/app"},` +
	`"pusher":{"name":"octocat","email":"octocat@example.com"},"head_commit":{"id":` +
	`"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5","message":"Release 1.2.3: faster queue heads and smaller` +
	` pages","timestamp":"2026-11-23T10:00:00Z","author":{"name":"Octo Cat","email":"octocat@example.com"},` +
	`"added":[],"removed":[],"modified":["internal/server/engine.go","internal/store/stagestore.go"]},` +
	`"environment":"production","version":"1.2.3","labels":["release","backend"]}`)

// source is an event source the load is sent to.
type source struct {
	id, key string
	target  string
	header  http.Header
	prefix  string // delivery ids are prefix + a sequence number
	body    []byte // nil: pushBody
}

// withBody is the source sending body instead (signed once), with delivery
// ids from prefix.
func (s *source) withBody(body []byte, prefix string) *source {
	h := s.header.Clone()
	h.Set("X-Signature-256", webhook.Sign([]byte(s.key), body))
	return &source{id: s.id, key: s.key, target: s.target, header: h, prefix: prefix, body: body}
}

func newSource(base string, created api.EventSourceResponse, prefix string) *source {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Signature-256", webhook.Sign([]byte(created.Key), pushBody))
	id := created.EventSource.Metadata.ID
	return &source{id: id, key: created.Key, target: base + "/api/v1/sources/" + id, header: h, prefix: prefix}
}

// deliver sends delivery i (a signed push; the signature is computed once,
// the delivery id makes each one a new event) and returns the receipt body.
func (s *source) deliver(ctx context.Context, i int) ([]byte, error) {
	h := s.header.Clone()
	h.Set("X-Delivery-Id", s.prefix+strconv.Itoa(i))
	body := s.body
	if body == nil {
		body = pushBody
	}
	return post(ctx, s.target, body, h)
}

// fixture is what the throughput run creates: a canvas whose source feeds
// nothing (deliveries), and one whose source feeds a noop stage (latency to
// an execution).
type fixture struct {
	load, probe *source
}

func createCanvasWithSource(ctx context.Context, c *apiClient, canvas, name string, prefix string) (*source, error) {
	if err := c.call(ctx, "POST", "/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{
		Metadata: &api.CanvasMetadata{Name: canvas}}}, nil); err != nil {
		return nil, err
	}
	var created api.EventSourceResponse
	if err := c.call(ctx, "POST", "/api/v1/canvases/"+canvas+"/event-sources", api.EventSourceRequest{EventSource: &api.EventSource{
		Metadata: &api.EventSourceMetadata{Name: name}, Spec: &api.EventSourceSpec{Type: api.EventSourceTypeWebhook},
	}}, &created); err != nil {
		return nil, err
	}
	if created.Key == "" || created.EventSource == nil || created.EventSource.Metadata == nil {
		return nil, errors.New("creating an event source returned no key")
	}
	return newSource(c.base, created, prefix), nil
}

func setupFixture(ctx context.Context, c *apiClient) (*fixture, error) {
	load, err := createCanvasWithSource(ctx, c, "load", "load-hook", "load-")
	if err != nil {
		return nil, err
	}
	probe, err := createCanvasWithSource(ctx, c, "probe", "probe-hook", "probe-")
	if err != nil {
		return nil, err
	}
	if err := c.call(ctx, "POST", "/api/v1/canvases/probe/stages", api.StageRequest{Stage: &api.Stage{
		Metadata: &api.StageMetadata{Name: "probe-noop"},
		Spec: &api.StageSpec{
			Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "probe-hook"}},
			Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
		},
	}}, nil); err != nil {
		return nil, err
	}
	return &fixture{load: load, probe: probe}, nil
}

// throughput measures deliveries at concurrency 1 and 16, the backlog
// drain, delivery-to-execution latency idle and under load, secret
// create+get pairs and memory, on a fresh server.
func throughput(ctx context.Context, cfg controlConfig, rep *report, w io.Writer) error {
	srv, err := startServer(ctx, serverOptions{bin: cfg.serverBin, databaseURL: cfg.databaseURL})
	if err != nil {
		return err
	}
	defer srv.stop()
	c := &apiClient{base: srv.url, token: srv.token}
	fx, err := setupFixture(ctx, c)
	if err != nil {
		return err
	}
	// Idle: after setup, the engine ticking, nothing to do.
	time.Sleep(3 * time.Second)
	idleRSS, _ := srv.memory()

	if cfg.runs("deliveries") {
		if err := deliveries(ctx, cfg, rep, w, srv, c, fx); err != nil {
			return err
		}
	}
	if cfg.runs("busy") {
		if err := busyCanvas(ctx, cfg, rep, w, srv, c); err != nil {
			return err
		}
	}
	if cfg.runs("secrets") {
		// Secrets: create (5 keys) then get, as pairs.
		for _, conc := range []int{1, 16} {
			cpu0 := srv.cpuSeconds()
			prefix := fmt.Sprintf("pair-c%d-", conc)
			p := runLoad(ctx, conc, 1_000_000, cfg.duration, func(ctx context.Context, i int) error {
				return secretPair(ctx, c, prefix+strconv.Itoa(i))
			})
			rep.add(w, fromPhase(fmt.Sprintf("secret create+get pairs c%d", conc), conc, p, srv.cpuSeconds()-cpu0))
		}
	}

	if cfg.runsExplicitly("tenants") { // tenants.go
		if err := tenants(ctx, cfg, rep, w, srv, c); err != nil {
			return err
		}
	}
	if cfg.runs("lists") {
		if err := lists(ctx, cfg, rep, w, srv, c); err != nil {
			return err
		}
	}
	if cfg.runs("lists") || cfg.runsExplicitly("execution-lists") {
		if err := executionLists(ctx, cfg, rep, w, srv, c); err != nil {
			return err
		}
	}

	rss, peak := srv.memory()
	rep.add(w, result{Name: "server memory (MiB)", Load: loadAvg(), Extra: map[string]any{
		"idleRSS": round(idleRSS, 1), "afterRSS": round(rss, 1), "peakRSS": round(peak, 1)}})
	return nil
}

// deliveries measures signed deliveries at concurrency 1 and 16, checks
// that each acknowledged one is stored, and the time from a delivery to its
// execution's start, idle and under load.
func deliveries(ctx context.Context, cfg controlConfig, rep *report, w io.Writer, srv *serverProc, c *apiClient, fx *fixture) error {
	// Probes: one delivery at a time to the noop stage's source, idle.
	probes := &probeSet{src: fx.probe}
	for i := range 50 {
		if err := probes.send(ctx, "idle"); err != nil {
			return fmt.Errorf("probe %d: %w", i, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	accepted := 0
	warm := runLoad(ctx, 16, 2000, 2*time.Second, func(ctx context.Context, i int) error {
		_, err := fx.load.deliver(ctx, 1_000_000+i)
		return err
	})
	accepted += warm.Count - warm.Errors

	next := 0
	for _, conc := range []int{1, 16} {
		// Under load at concurrency 16, probes run beside the deliveries.
		stopProbes := func() {}
		if conc == 16 {
			stopProbes = probes.every(ctx, 100*time.Millisecond, cfg.duration, "under load")
		}
		cpu0 := srv.cpuSeconds()
		start := next
		p := runLoad(ctx, conc, 1_000_000, cfg.duration, func(ctx context.Context, i int) error {
			_, err := fx.load.deliver(ctx, start+i)
			return err
		})
		loadEnd := time.Now()
		stopProbes()
		next += p.Count
		accepted += p.Count - p.Errors
		res := fromPhase(fmt.Sprintf("deliveries c%d", conc), conc, p, srv.cpuSeconds()-cpu0)
		if conc == 16 {
			// The engine routes what was accepted; how long until the
			// queue of pending events is empty again.
			drained, err := waitDrained(ctx, srv, 3*time.Minute)
			if err != nil {
				return err
			}
			res.Extra = map[string]any{"drainSeconds": round(drained.Sub(loadEnd).Seconds(), 2)}
		}
		rep.add(w, res)
	}

	// Every acknowledged delivery is in the database.
	stored, err := countRows(ctx, srv, `SELECT count(*) FROM events WHERE source_id = ?`, fx.load.id)
	if err != nil {
		return err
	}
	rep.add(w, result{Name: "deliveries acknowledged vs stored", Count: accepted, Load: loadAvg(),
		Extra: map[string]any{"acknowledged": accepted, "stored": stored}})
	if stored != accepted {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d deliveries acknowledged but %d stored", accepted, stored))
	}

	// Delivery to execution start, from the server's own timestamps.
	lat, err := probes.latencies(ctx, c, 2*time.Minute)
	if err != nil {
		return err
	}
	for _, label := range []string{"idle", "under load"} {
		d := lat[label]
		slices.Sort(d)
		r := result{Name: "delivery to execution start, " + label, Count: len(d), Load: loadAvg(),
			P50ms: ms(percentile(d, 0.5)), P99ms: ms(percentile(d, 0.99))}
		if len(d) > 0 {
			r.MaxMs = ms(d[len(d)-1])
		}
		rep.add(w, r)
	}
	return nil
}

// secretBody is a create request for a secret of 5 keys in the
// organization.
func secretBody(name string) []byte {
	return fmt.Appendf(nil, `{"domainType":"DOMAIN_TYPE_ORGANIZATION","secret":{"metadata":{"name":%q},`+
		`"spec":{"provider":"PROVIDER_LOCAL","local":{"data":{"DB_URL":"postgres://app:pw@db.internal:5432/app",`+
		`"API_TOKEN":"tok_3f9a1c2b7d8e4f60a1b2c3d4e5f60718","SIGNING_KEY":"c2lnbmluZy1rZXktb2YtMzItYnl0ZXMtbG9uZw==",`+
		`"REGION":"eu-west-1","LOG_LEVEL":"info"}}}}}`, name)
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// secretPair creates a secret with 5 keys and reads it back.
func secretPair(ctx context.Context, c *apiClient, name string) error {
	if err := createSecret(ctx, c, name); err != nil {
		return err
	}
	return c.call(ctx, "GET", "/api/v1/secrets/"+name+"?domainType=DOMAIN_TYPE_ORGANIZATION", nil, nil)
}

func createSecret(ctx context.Context, c *apiClient, name string) error {
	h := jsonHeader.Clone()
	h.Set("Authorization", "Bearer "+c.token)
	_, err := post(ctx, c.base+"/api/v1/secrets", secretBody(name), h)
	return err
}

// waitDrained polls until no event is pending routing and returns when.
func waitDrained(ctx context.Context, srv *serverProc, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		n, err := countRows(ctx, srv, `SELECT count(*) FROM events WHERE state = 'STATE_PENDING'`)
		if err != nil {
			return time.Time{}, err
		}
		if n == 0 {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%d events still pending %s after the load", n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countRows runs a count query on the server's database; "?" placeholders
// become PostgreSQL's $n there.
func countRows(ctx context.Context, srv *serverProc, query string, args ...any) (int, error) {
	if srv.postgres {
		n := 0
		out := make([]byte, 0, len(query)+8)
		for i := 0; i < len(query); i++ {
			if query[i] == '?' {
				n++
				out = strconv.AppendInt(append(out, '$'), int64(n), 10)
				continue
			}
			out = append(out, query[i])
		}
		query = string(out)
	}
	var n int
	err := srv.db.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

// probeSet sends single deliveries to the noop stage's source and
// remembers their event ids by label (idle, under load).
type probeSet struct {
	src *source
	// canvas, sourceName and stage locate the probes' events and
	// executions; empty: the fixture's probe canvas.
	canvas, sourceName, stage string
	// rotate, when set, are the stages probes go to in turn (each with its
	// source, whose body only that stage's filter passes) instead of stage:
	// a probe then finds its stage free unless the stage's previous probe
	// is still running, and measures the wait of an event, not of a queue.
	rotate []rotatedStage
	mu     sync.Mutex
	seq    int
	ids    map[string]string // event id -> label
	steps  map[string]map[string][]time.Duration
	// timeline is each probe's receipt, routing and start, in the order
	// found (probeSet.dump).
	timeline []probeTimes
}

// probeTimes is one probe's server stamps: received, routed (its stage
// event created) and started.
type probeTimes struct {
	label                     string
	received, routed, started time.Time
}

// dump writes every probe's stamps as tab-separated lines (label,
// received as Unix ns, accepted → routed ms, accepted → started ms) to
// the file SUPERPLANE_BENCH_PROBES names, if any: which probes were slow
// and when in the run (BENCHMARKS.md, round fifteen).
func (ps *probeSet) dump(suffix string) error {
	name := os.Getenv("SUPERPLANE_BENCH_PROBES")
	if name == "" {
		return nil
	}
	var b strings.Builder
	for _, t := range ps.timeline {
		fmt.Fprintf(&b, "%s\t%d\t%.3f\t%.3f\n", t.label, t.received.UnixNano(),
			float64(t.routed.Sub(t.received).Microseconds())/1000, float64(t.started.Sub(t.received).Microseconds())/1000)
	}
	return os.WriteFile(name+suffix, []byte(b.String()), 0o644)
}

// rotatedStage is a stage a rotating probeSet sends to, and its source.
type rotatedStage struct {
	stage string
	src   *source
}

// Probe timeline steps, all stamped by the server (probeSet.latencies).
const (
	stepRouted   = "accepted to routed (stage event created)"
	stepBehind   = "routed to the stage's previous execution finished (0: stage free)"
	stepAdvanced = "routed to execution created (queue advanced)"
	stepClaimed  = "execution created to started (claimed)"
	// stepRan is a noop execution's started → finished: its run, and, for
	// one claimed at routing (started_at = its stage event's creation, at
	// the match), the rest of its batch's routing transaction and commit.
	stepRan = "execution started to finished (noop; at routing: its transaction's commit too)"
)

func (ps *probeSet) send(ctx context.Context, label string) error {
	ps.mu.Lock()
	ps.seq++
	i := ps.seq
	ps.mu.Unlock()
	src := ps.src
	if len(ps.rotate) > 0 {
		src = ps.rotate[i%len(ps.rotate)].src
	}
	b, err := src.deliver(ctx, i)
	if err != nil {
		return err
	}
	var r webhook.Receipt
	if err := json.Unmarshal(b, &r); err != nil || r.EventID == "" {
		return fmt.Errorf("probe receipt %s: %v", b, err)
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.ids == nil {
		ps.ids = map[string]string{}
	}
	ps.ids[r.EventID] = label
	return nil
}

// every sends a probe each interval for at most d, until the returned stop
// is called.
func (ps *probeSet) every(ctx context.Context, interval, d time.Duration, label string) (stop func()) {
	ctx, cancel := context.WithTimeout(ctx, d)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = ps.send(ctx, label) // a probe lost to the deadline is not counted
			}
		}
	}()
	return func() { cancel(); <-done }
}

// latencies waits until every probe's execution started and returns, per
// label, the time from the event's receipt to its execution's start, both
// stamped by the server. It also keeps each probe's timeline by step
// (ps.steps: label -> step -> durations).
func (ps *probeSet) latencies(ctx context.Context, c *apiClient, timeout time.Duration) (map[string][]time.Duration, error) {
	ps.mu.Lock()
	want := len(ps.ids)
	ps.mu.Unlock()
	canvas, sourceName, stage := ps.canvas, ps.sourceName, ps.stage
	if canvas == "" {
		canvas, sourceName, stage = "probe", "probe-hook", "probe-noop"
	}
	stages := []string{stage}
	if len(ps.rotate) > 0 {
		stages = nil
		for _, r := range ps.rotate {
			stages = append(stages, r.stage)
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		received := map[string]time.Time{}
		err := pages(ctx, c, "/api/v1/canvases/"+canvas+"/events?sourceId="+sourceName, func(raw json.RawMessage) (time.Time, string, error) {
			var page api.ListEventsResponse
			if err := json.Unmarshal(raw, &page); err != nil {
				return time.Time{}, "", err
			}
			for _, ev := range page.Events {
				received[ev.ID] = *ev.ReceivedAt
			}
			if !page.HasNextPage || len(page.Events) == 0 {
				return time.Time{}, "", nil
			}
			last := page.Events[len(page.Events)-1]
			return *last.ReceivedAt, last.ID, nil
		})
		if err != nil {
			return nil, err
		}
		out := map[string][]time.Duration{}
		steps := map[string]map[string][]time.Duration{}
		var timeline []probeTimes
		started := 0
		for _, stage := range stages {
			var execs []api.Execution
			err = pages(ctx, c, "/api/v1/canvases/"+canvas+"/stages/"+stage+"/executions", func(raw json.RawMessage) (time.Time, string, error) {
				var page api.ListExecutionsResponse
				if err := json.Unmarshal(raw, &page); err != nil {
					return time.Time{}, "", err
				}
				execs = append(execs, page.Executions...)
				if !page.HasNextPage || len(page.Executions) == 0 {
					return time.Time{}, "", nil
				}
				last := page.Executions[len(page.Executions)-1]
				return *last.CreatedAt, last.ID, nil
			})
			if err != nil {
				return nil, err
			}
			// Oldest first: each execution's predecessor is the one before.
			slices.SortFunc(execs, func(a, b api.Execution) int { return a.CreatedAt.Compare(*b.CreatedAt) })
			for k, ex := range execs {
				if ex.StartedAt == nil || ex.StageEvent == nil || ex.StageEvent.TriggerEvent == nil {
					continue
				}
				id := ex.StageEvent.TriggerEvent.ID
				ps.mu.Lock()
				label, ok := ps.ids[id]
				ps.mu.Unlock()
				at, seen := received[id]
				if !ok || !seen {
					continue
				}
				out[label] = append(out[label], ex.StartedAt.Sub(at))
				started++
				if ex.StageEvent.CreatedAt == nil || ex.CreatedAt == nil {
					continue
				}
				routed := *ex.StageEvent.CreatedAt
				timeline = append(timeline, probeTimes{label: label, received: at, routed: routed, started: *ex.StartedAt})
				if steps[label] == nil {
					steps[label] = map[string][]time.Duration{}
				}
				st := steps[label]
				st[stepRouted] = append(st[stepRouted], routed.Sub(at))
				behind := time.Duration(0)
				if k > 0 && execs[k-1].FinishedAt != nil && execs[k-1].FinishedAt.After(routed) {
					behind = execs[k-1].FinishedAt.Sub(routed)
				}
				st[stepBehind] = append(st[stepBehind], behind)
				st[stepAdvanced] = append(st[stepAdvanced], ex.CreatedAt.Sub(routed))
				st[stepClaimed] = append(st[stepClaimed], ex.StartedAt.Sub(*ex.CreatedAt))
				if ex.FinishedAt != nil {
					st[stepRan] = append(st[stepRan], ex.FinishedAt.Sub(*ex.StartedAt))
				}
			}
		}
		if started >= want {
			ps.mu.Lock()
			ps.steps = steps
			ps.timeline = timeline
			ps.mu.Unlock()
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d probe executions started within %s", started, want, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// pages walks a keyset-paginated list (at most 1000 pages of 500); each
// returns the cursor of the next page, or a zero time at the end.
func pages(ctx context.Context, c *apiClient, path string, each func(json.RawMessage) (time.Time, string, error)) error {
	sep := "?"
	if slices.Contains([]byte(path), '?') {
		sep = "&"
	}
	cursor := ""
	for range 1000 {
		var raw json.RawMessage
		if err := c.call(ctx, "GET", path+sep+"limit=500"+cursor, nil, &raw); err != nil {
			return err
		}
		before, id, err := each(raw)
		if err != nil || before.IsZero() {
			return err
		}
		cursor = "&before=" + url.QueryEscape(before.Format(time.RFC3339Nano)) + "&beforeId=" + id
	}
	return nil
}
