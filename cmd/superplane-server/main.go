// Command superplane-server is the SuperPlane control plane: it serves the
// v1 REST API over an embedded SQLite database or PostgreSQL, and manages API
// tokens and encryption keys.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/connlimit"
	"github.com/superplane/terraform-provider-superplane/internal/cpuprofile"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// version is set by the release build.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "superplane-server:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  superplane-server serve [--listen ADDR] [--base-url URL] [--data-dir DIR] [--database-url URL] [--encryption-keys-file FILE]
                          [--key-grace-period 1h] [--webhook-body-limit BYTES] [--reconcile-interval 5m] [--hook-check-interval 10s]
                          [--webhook-inflight-limit BYTES] [--max-connections 4096] [--max-connections-per-client 64]
                          [--trusted-proxies CIDR,...]
                          [--allowed-networks CIDR,...] [--max-running 64] [--max-running-per-org 4] [--event-retention 2160h]
                          [--metrics-listen ADDR]
  superplane-server token create --org NAME --role owner|admin|viewer|member [--canvas C [--canvas-role canvas_viewer]] [--user EMAIL] [--ttl 720h] [--init] [--data-dir DIR] [--database-url URL]
  superplane-server token list [--org NAME] [--data-dir DIR] [--database-url URL]
  superplane-server token revoke ID [--data-dir DIR] [--database-url URL]
  superplane-server keys rotate [--rewrap-only] [--data-dir DIR] [--database-url URL] [--encryption-keys-file FILE]
  superplane-server keys check [--data-dir DIR] [--database-url URL] [--encryption-keys-file FILE]
  superplane-server keys remove ID [--data-dir DIR] [--database-url URL] [--encryption-keys-file FILE]
  superplane-server version

Every flag has an environment variable: SUPERPLANE_LISTEN (default 127.0.0.1:8000),
SUPERPLANE_DATA_DIR (default ./.superplane), SUPERPLANE_DATABASE_URL (default: SQLite in the
data dir; postgres://... selects PostgreSQL), SUPERPLANE_ENCRYPTION_KEYS (id:base64,...; first
is active) or SUPERPLANE_ENCRYPTION_KEYS_FILE. SUPERPLANE_GITHUB_API_URL (GitHub Enterprise or a
test double), SUPERPLANE_SEMAPHORE_API_URL, SUPERPLANE_GITLAB_API_URL (the .../api/v4 base) and
SUPERPLANE_BITBUCKET_API_URL (the base without /2.0) override where integrations are verified;
SUPERPLANE_AWS_ENDPOINT_URL sends every AWS call of aws integrations there (a test double);
SUPERPLANE_AZURE_AUTHORITY_HOST (Entra ID's token endpoint host) and SUPERPLANE_AZURE_ENDPOINT_URL
(Azure Resource Manager) do the same for azure; SUPERPLANE_GCP_ENDPOINT_URL likewise every Google
call of gcp integrations; SUPERPLANE_AZURE_DEVOPS_API_URL replaces the scheme and host of
azure_devops integration URLs (a test double); SUPERPLANE_DATADOG_API_URL every Datadog call of
datadog integrations, whatever their site; SUPERPLANE_MONGODB_ATLAS_ENDPOINT_URL receives every
Atlas call of mongodb_atlas integrations.
serve also reads SUPERPLANE_BASE_URL, SUPERPLANE_KEY_GRACE_PERIOD (1h),
SUPERPLANE_WEBHOOK_BODY_LIMIT (5 MiB), SUPERPLANE_WEBHOOK_INFLIGHT_LIMIT (256 MiB),
SUPERPLANE_MAX_CONNECTIONS (4096), SUPERPLANE_MAX_CONNECTIONS_PER_CLIENT (64; 0 = no cap),
SUPERPLANE_TRUSTED_PROXIES (addresses held to the total cap only),
SUPERPLANE_RECONCILE_INTERVAL (5m),
SUPERPLANE_ALLOWED_NETWORKS (CIDRs the server may call although they are blocked: loopback,
private, link-local...), SUPERPLANE_POLL_INTERVAL (5s), SUPERPLANE_EXECUTION_LEASE (30s),
SUPERPLANE_HOOK_CHECK_INTERVAL (10s), SUPERPLANE_MAX_RUNNING (64), SUPERPLANE_MAX_RUNNING_PER_ORG (4; 0 = no cap),
SUPERPLANE_ROUTE_YIELD (128 on PostgreSQL, 0 on SQLite: unrouted events of an organization past which its deliveries wait for routing, at most 50 ms; 0 = never),
SUPERPLANE_EVENT_RETENTION (2160h, 90 days; 0 = keep forever), SUPERPLANE_AUDIT_RETENTION
(8760h, 365 days; 0 = keep forever) and SUPERPLANE_METRICS_LISTEN
(default none: no metrics; an address serves GET /metrics there, apart from the API). CI runs push outputs
(POST /api/v1/outputs) with an OIDC ID token whose audience is the base URL or one of
SUPERPLANE_OIDC_AUDIENCE (comma-separated); SUPERPLANE_GITHUB_OIDC_ISSUER and
SUPERPLANE_SEMAPHORE_OIDC_ISSUER override the issuers (test doubles).
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		_, _ = fmt.Fprint(stderr, usage)
		return errors.New("a command is required")
	}
	if helpFor(args, stdout) {
		return nil
	}
	err := dispatch(ctx, args, stdout, stderr, getenv)
	if errors.Is(err, flag.ErrHelp) {
		// The command's flag set has printed its usage: asking for it is
		// not a failure.
		return nil
	}
	return err
}

// dispatch runs the command args name.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	switch {
	case args[0] == "serve":
		return serve(ctx, args[1:], stderr, getenv)
	case args[0] == "token":
		return tokenCommand(ctx, args[1:], stdout, stderr, getenv)
	case args[0] == "keys" && len(args) > 1 && args[1] == "rotate":
		return keysRotate(ctx, args[2:], stdout, stderr, getenv)
	case args[0] == "keys" && len(args) > 1 && args[1] == "check":
		return keysCheck(ctx, args[2:], stdout, stderr, getenv)
	case args[0] == "keys" && len(args) > 1 && args[1] == "remove":
		return keysRemove(ctx, args[2:], stdout, stderr, getenv)
	case args[0] == "version":
		_, _ = fmt.Fprintln(stdout, version)
		return nil
	}
	_, _ = fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

// config holds what every command needs to reach the data.
type config struct {
	listen, dataDir, databaseURL, keysFile string
	// serve only
	baseURL           string
	keyGrace          time.Duration
	webhookBodyLimit  int64
	webhookInflight   int64 // request-body bytes held at once: receivers and API
	reconcileInterval time.Duration
	allowedNetworks   string
	pollInterval      time.Duration
	engineLease       time.Duration
	maxRunning        int64
	maxRunningPerOrg  int64
	routeWorkers      int64
	routeYieldSetting string // --route-yield as given; "" is the database's default (routeYield)
	hookCheckInterval time.Duration
	eventRetention    time.Duration
	metricsListen     string
	auditRetention    time.Duration
	// maxConns and maxConnsPerClient cap the API listener's open
	// connections (0: no cap); trustedProxies are held to the total only.
	maxConns, maxConnsPerClient int64
	trustedProxies              string
	// allowGuestSignIn lets organizations' guest auth providers open
	// read-only sessions.
	allowGuestSignIn bool
}

// removedAllowSetting is the http executor's former allow-list, replaced by
// outbound.Setting.
const removedAllowSetting = "SUPERPLANE_HTTP_EXECUTOR_ALLOW"

// serveOptions are the serve settings as options of the server, the
// services and the engine, each with its share.
type serveOptions struct {
	srv []server.Option
	svc []service.Option
	eng []engine.Option
}

// serverOptions turns the serve settings into server, service and engine
// options; the services and the engine share one guarded client to the
// tools. The base URL defaults to the listen address, which only local
// senders can reach.
func (c *config) serverOptions(listenAddr string, getenv func(string) string) (serveOptions, error) {
	base := c.baseURL
	if base == "" {
		base = "http://" + listenAddr
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return serveOptions{}, fmt.Errorf("--base-url %q must be an absolute http(s) URL", base)
	}
	if c.keyGrace < 0 || c.webhookBodyLimit <= 0 || c.reconcileInterval <= 0 {
		return serveOptions{}, errors.New("--key-grace-period must be >= 0, --webhook-body-limit and --reconcile-interval > 0")
	}
	// Below the body limit, a delivery at the limit could never be
	// received: that is a slip, not a setting.
	if c.webhookInflight < c.webhookBodyLimit {
		return serveOptions{}, fmt.Errorf("--webhook-inflight-limit (%d) must be at least --webhook-body-limit (%d)", c.webhookInflight, c.webhookBodyLimit)
	}
	if c.hookCheckInterval < 0 {
		return serveOptions{}, errors.New("--hook-check-interval must be >= 0")
	}
	// A retention under an hour is a slip (30m meant as 30 days, say), and
	// would delete history that was just made.
	if c.eventRetention != 0 && c.eventRetention < time.Hour {
		return serveOptions{}, errors.New("--event-retention must be 0 (keep events forever) or at least 1h")
	}
	if c.auditRetention != 0 && c.auditRetention < time.Hour {
		return serveOptions{}, errors.New("--audit-retention must be 0 (keep the audit trail forever) or at least 1h")
	}
	if c.maxRunning <= 0 || c.maxRunning > 10000 || c.maxRunningPerOrg < 0 || c.maxRunningPerOrg > 10000 {
		return serveOptions{}, errors.New("--max-running must be between 1 and 10000, --max-running-per-org between 0 (no cap) and 10000")
	}
	if c.routeWorkers < 1 || c.routeWorkers > 8 {
		return serveOptions{}, errors.New("--route-workers must be between 1 and 8")
	}
	if getenv(removedAllowSetting) != "" {
		// It allowed less than its successor (the http executor only):
		// starting without it would silently change what is reachable.
		return serveOptions{}, fmt.Errorf("%s was replaced by %s, which applies to every outbound call (integrations, webhooks, executors): rename it", removedAllowSetting, outbound.Setting)
	}
	allow, err := outbound.ParseAllowedNetworks(c.allowedNetworks)
	if err != nil {
		return serveOptions{}, fmt.Errorf("--allowed-networks (%s): %w", outbound.Setting, err)
	}
	tools := &integration.Verifier{
		GitHubAPIURL:    getenv("SUPERPLANE_GITHUB_API_URL"),
		SemaphoreAPIURL: getenv("SUPERPLANE_SEMAPHORE_API_URL"),
		GitLabAPIURL:    getenv("SUPERPLANE_GITLAB_API_URL"),
		BitbucketAPIURL: getenv("SUPERPLANE_BITBUCKET_API_URL"),
		AWSEndpointURL:  getenv("SUPERPLANE_AWS_ENDPOINT_URL"),
		GCPEndpointURL:  getenv("SUPERPLANE_GCP_ENDPOINT_URL"),
		DatadogAPIURL:   getenv("SUPERPLANE_DATADOG_API_URL"),
		Client:          outbound.New(outbound.Config{AllowedNetworks: allow, Timeout: 15 * time.Second}),
		// Where CI runs' OIDC ID tokens come from (a fake in tests): the
		// tokens' iss must name the same issuer.
		GitHubOIDCIssuer:    getenv("SUPERPLANE_GITHUB_OIDC_ISSUER"),
		SemaphoreOIDCIssuer: getenv("SUPERPLANE_SEMAPHORE_OIDC_ISSUER"),
		// Where azure integrations ask Entra ID for tokens and read their
		// subscription (a test double in tests; the guard still applies).
		AzureAuthorityHost: getenv("SUPERPLANE_AZURE_AUTHORITY_HOST"),
		AzureEndpointURL:   getenv("SUPERPLANE_AZURE_ENDPOINT_URL"),
		// Where azure_devops integrations are reached (a test double).
		AzureDevOpsAPIURL: getenv("SUPERPLANE_AZURE_DEVOPS_API_URL"),

		// Where mongodb_atlas integrations call Atlas (a test double).
		MongoDBAtlasEndpointURL: getenv("SUPERPLANE_MONGODB_ATLAS_ENDPOINT_URL"),
	}
	srv := []server.Option{server.WithWebhookBodyLimit(c.webhookBodyLimit), server.WithWebhookInflightLimit(c.webhookInflight)}
	svc := []service.Option{
		service.WithBaseURL(base),
		service.WithKeyGrace(c.keyGrace),
		service.WithHookCheckInterval(c.hookCheckInterval),
		service.WithTools(tools),
		service.WithOIDCAudiences(splitList(getenv("SUPERPLANE_OIDC_AUDIENCE"))),
		service.WithGuestSignIn(c.allowGuestSignIn),
	}
	eng := []engine.Option{
		engine.WithExecutors(executor.Config{
			GitHubAPIURL:    getenv("SUPERPLANE_GITHUB_API_URL"),
			SemaphoreAPIURL: getenv("SUPERPLANE_SEMAPHORE_API_URL"),
			GitLabAPIURL:    getenv("SUPERPLANE_GITLAB_API_URL"),
			BitbucketAPIURL: getenv("SUPERPLANE_BITBUCKET_API_URL"),
			PollInterval:    c.pollInterval,
			AllowedNetworks: allow,

			// Where azure_devops pipelines run (a test double).
			AzureDevOpsAPIURL: getenv("SUPERPLANE_AZURE_DEVOPS_API_URL"),
		}),
		engine.WithBaseURL(base),
		engine.WithTools(tools),
		engine.WithEventRetention(c.eventRetention),
		engine.WithAuditRetention(c.auditRetention),
	}
	yieldAt, err := c.routeYield()
	if err != nil {
		return serveOptions{}, err
	}
	eng = append(eng, engine.WithRouteYield(yieldAt))
	return serveOptions{srv: srv, svc: svc, eng: eng}, nil
}

// routeYield is how many events of one organization, received and not yet
// routed, make its receivers yield to routing (engine/backlog.go): on
// PostgreSQL only by default, where the receivers share the cores with
// the database; --route-yield or SUPERPLANE_ROUTE_YIELD sets it (0:
// never). Unlike the other counts, a malformed value is refused rather
// than replaced by the default: the default differs by database, so a
// typo would silently turn the yield on or off.
func (c *config) routeYield() (int, error) {
	v := c.routeYieldSetting
	if v == "" {
		if c.isPostgres() {
			return engine.DefaultRouteYield, nil
		}
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("--route-yield (SUPERPLANE_ROUTE_YIELD) %q: want a count of events, 0 or more", v)
	}
	return n, nil
}

// engineConfig is the engine's share of the serve settings; a per-org cap
// of 0 (no cap) is the engine's negative.
func (c *config) engineConfig() engine.Config {
	cfg := engine.Config{
		Interval: min(time.Second, c.pollInterval), Lease: c.engineLease,
		MaxRunning: int(c.maxRunning), MaxRunningPerOrg: int(c.maxRunningPerOrg),
		RouteWorkers: int(c.routeWorkers),
	}
	if cfg.MaxRunningPerOrg == 0 {
		cfg.MaxRunningPerOrg = -1
	}
	return cfg
}

func (c *config) bind(fs *flag.FlagSet, getenv func(string) string, withListen bool) {
	def := func(name, fallback string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return fallback
	}
	if withListen {
		fs.StringVar(&c.listen, "listen", def("SUPERPLANE_LISTEN", "127.0.0.1:8000"), "address to listen on")
		fs.StringVar(&c.baseURL, "base-url", getenv("SUPERPLANE_BASE_URL"), "public URL of this server, the start of webhook URLs (default http://<listen address>)")
		fs.DurationVar(&c.keyGrace, "key-grace-period", envDuration(getenv, "SUPERPLANE_KEY_GRACE_PERIOD", time.Hour), "how long an event source's previous key still verifies after reset-key")
		fs.Int64Var(&c.webhookBodyLimit, "webhook-body-limit", envInt(getenv, "SUPERPLANE_WEBHOOK_BODY_LIMIT", 5<<20), "largest webhook delivery accepted, in bytes")
		fs.Int64Var(&c.webhookInflight, "webhook-inflight-limit", envInt(getenv, "SUPERPLANE_WEBHOOK_INFLIGHT_LIMIT", webhook.DefaultMaxInflightBytes), "request-body bytes held at once across all webhook deliveries and API requests, one organization a quarter of them; a request that does not fit is answered 503 with Retry-After (at least --webhook-body-limit)")
		fs.StringVar(&c.allowedNetworks, "allowed-networks", getenv(outbound.Setting), "CIDR prefixes, comma separated, that integrations, webhook provisioning and executors may reach although they are blocked by default (loopback, private, CGNAT, link-local, metadata...); default none")
		fs.DurationVar(&c.pollInterval, "poll-interval", envDuration(getenv, "SUPERPLANE_POLL_INTERVAL", 5*time.Second), "how often running executions are polled")
		fs.DurationVar(&c.engineLease, "execution-lease", envDuration(getenv, "SUPERPLANE_EXECUTION_LEASE", 30*time.Second), "how long a running execution stays with this server without renewal; after a crash another start resumes it")
		fs.Int64Var(&c.maxRunning, "max-running", envInt(getenv, "SUPERPLANE_MAX_RUNNING", engine.DefaultMaxRunning), "executions this server runs at once")
		fs.Int64Var(&c.maxRunningPerOrg, "max-running-per-org", envInt(getenv, "SUPERPLANE_MAX_RUNNING_PER_ORG", engine.DefaultMaxRunningPerOrg), "running executions per organization, across all servers (0: no cap)")
		fs.Int64Var(&c.routeWorkers, "route-workers", envInt(getenv, "SUPERPLANE_ROUTE_WORKERS", engine.DefaultRouteWorkers), "routing loops this server runs; a second overlaps one batch's claim and matching with the previous batch's routing transaction (1: one batch at a time)")
		fs.StringVar(&c.routeYieldSetting, "route-yield", getenv("SUPERPLANE_ROUTE_YIELD"), "unrouted events of one organization past which its deliveries, once stored, wait for the next routing batch (at most 50 ms), so routing keeps up under a flood; other organizations never wait (default 128 on PostgreSQL, 0 on SQLite; 0: never)")
		fs.DurationVar(&c.reconcileInterval, "reconcile-interval", envDuration(getenv, "SUPERPLANE_RECONCILE_INTERVAL", 5*time.Minute), "how often provisioned webhooks are checked and repaired")
		fs.DurationVar(&c.eventRetention, "event-retention", envDuration(getenv, "SUPERPLANE_EVENT_RETENTION", engine.DefaultEventRetention), "how long events, and the stage events and finished executions older than them, are kept (0: forever)")
		fs.StringVar(&c.metricsListen, "metrics-listen", getenv("SUPERPLANE_METRICS_LISTEN"), "address of a second listener that serves GET /metrics (Prometheus) and nothing else; keep it off the public network (default: none, no metrics)")
		fs.DurationVar(&c.auditRetention, "audit-retention", envDuration(getenv, "SUPERPLANE_AUDIT_RETENTION", engine.DefaultAuditRetention), "how long the audit trail's records are kept (0: forever)")
		fs.BoolVar(&c.allowGuestSignIn, "allow-guest-sign-in", getenv("SUPERPLANE_ALLOW_GUEST_SIGN_IN") == "true", "let organizations that configure a guest auth provider offer read-only guest sessions (default off)")
		fs.Int64Var(&c.maxConns, "max-connections", envInt(getenv, "SUPERPLANE_MAX_CONNECTIONS", connlimit.DefaultTotal), "connections all clients may hold open at once, loopback's aside; more are answered 503 with Retry-After and closed (0: no cap)")
		fs.Int64Var(&c.maxConnsPerClient, "max-connections-per-client", envInt(getenv, "SUPERPLANE_MAX_CONNECTIONS_PER_CLIENT", connlimit.DefaultPerClient), "connections one client address (an IPv6 /64) may hold open at once; loopback and --trusted-proxies are not held to it (0: no cap)")
		fs.StringVar(&c.trustedProxies, "trusted-proxies", getenv("SUPERPLANE_TRUSTED_PROXIES"), "CIDR prefixes or addresses, comma separated, of reverse proxies or load balancers in front of the server: they carry many clients' connections, so only --max-connections applies to them (default none)")
		fs.DurationVar(&c.hookCheckInterval, "hook-check-interval", envDuration(getenv, "SUPERPLANE_HOOK_CHECK_INTERVAL", 10*time.Second), "how often, at most, GET ...?check=true asks the tool about one event source's webhook (0: every time)")
	}
	fs.StringVar(&c.dataDir, "data-dir", def("SUPERPLANE_DATA_DIR", ".superplane"), "directory for the embedded database and generated keys")
	fs.StringVar(&c.databaseURL, "database-url", getenv("SUPERPLANE_DATABASE_URL"), "database URL (default: SQLite in the data dir; postgres://... for PostgreSQL)")
	fs.StringVar(&c.keysFile, "encryption-keys-file", getenv("SUPERPLANE_ENCRYPTION_KEYS_FILE"), "file of encryption keys (id:base64, first is active)")
}

// envDuration and envInt read a default from the environment; a value that
// does not parse is left to the flag package to refuse via the default.
func envDuration(getenv func(string) string, name string, fallback time.Duration) time.Duration {
	if d, err := time.ParseDuration(getenv(name)); err == nil {
		return d
	}
	return fallback
}

func envInt(getenv func(string) string, name string, fallback int64) int64 {
	if n, err := strconv.ParseInt(getenv(name), 10, 64); err == nil {
		return n
	}
	return fallback
}

func (c *config) isPostgres() bool {
	return strings.HasPrefix(c.databaseURL, "postgres://") || strings.HasPrefix(c.databaseURL, "postgresql://")
}

func (c *config) openStore(ctx context.Context, opts ...store.OpenOption) (store.Store, error) {
	url := c.databaseURL
	if url == "" {
		if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
			return nil, err
		}
		url = filepath.Join(c.dataDir, "superplane.db")
	}
	return store.Open(ctx, url, opts...)
}

// keys loads the keyring: from SUPERPLANE_ENCRYPTION_KEYS, from a key file,
// or (embedded database only) from a key file generated in the data dir.
// There is no way to run without encryption.
func (c *config) keys(getenv func(string) string, log *slog.Logger, generate bool) (*keyring.KeySource, error) {
	if spec := getenv("SUPERPLANE_ENCRYPTION_KEYS"); spec != "" {
		ring, err := keyring.Parse(spec)
		if err != nil {
			return nil, fmt.Errorf("SUPERPLANE_ENCRYPTION_KEYS: %w", err)
		}
		return keyring.StaticKeys(ring), nil
	}
	if c.keysFile != "" {
		return keyring.FileKeys(c.keysFile)
	}
	if c.isPostgres() {
		return nil, errors.New("refusing to start: with PostgreSQL, set SUPERPLANE_ENCRYPTION_KEYS or SUPERPLANE_ENCRYPTION_KEYS_FILE (every replica needs the same keys)")
	}
	c.keysFile = filepath.Join(c.dataDir, "encryption.keys")
	if generate {
		created, err := keyring.EnsureFile(c.keysFile)
		if err != nil {
			return nil, err
		}
		if created {
			log.Warn("no encryption keys configured: generated a key file in the data dir; back it up, without it the secrets cannot be read",
				slog.String("file", c.keysFile))
		}
	}
	return keyring.FileKeys(c.keysFile)
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func serve(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	var c config
	fs := newFlagSet("serve", stderr)
	c.bind(fs, getenv, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	serveGC(ctx, getenv) // gc.go
	log := newLogger(stderr)
	if c.databaseURL == "" {
		if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
			return err
		}
	}
	// Until shutdown ends; the bench stops the server with SIGTERM.
	defer cpuprofile.StartIn(getenv(cpuprofile.ServerEnv), "server")()
	st, ks, err := c.openForServe(ctx, getenv, log)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()

	lnConfig, err := c.connLimits(log)
	if err != nil {
		return err
	}
	tcp, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	ln := connlimit.New(tcp, lnConfig)
	opts, err := c.serverOptions(ln.Addr().String(), getenv)
	if err != nil {
		return err
	}
	m, stopMetrics, err := c.serveMetrics(st, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	// Every database call is timed when there are metrics (none otherwise).
	st = metrics.Store(st, m)
	// store → sealer → engine → services → server: the services and the
	// server only wake the engine.
	sl := sealer.New(ks)
	eng := engine.New(st, sl, log, append(opts.eng, engine.WithMetrics(m))...)
	svc := service.New(st, sl, log, append(opts.svc, service.WithEngine(eng))...)
	handler := server.New(st, svc, log, append(opts.srv, server.WithEngine(eng), server.WithMetrics(m))...)
	go eng.RunReconciler(ctx, c.reconcileInterval)
	engineDone := make(chan struct{})
	go func() {
		defer close(engineDone)
		eng.Run(ctx, c.engineConfig())
	}()
	defer func() { <-engineDone }()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("superplane-server listening", slog.String("addr", ln.Addr().String()),
		slog.String("version", version), slog.Bool("postgres", c.isPostgres()),
		slog.String("database", store.Describe(c.storeURL())),
		slog.String("active_key", ks.Keyring().ActiveID()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// connLimits is the API listener's connection caps (connlimit).
func (c *config) connLimits(log *slog.Logger) (connlimit.Config, error) {
	if c.maxConns < 0 || c.maxConnsPerClient < 0 || c.maxConns > 1<<20 || c.maxConnsPerClient > 1<<20 {
		return connlimit.Config{}, errors.New("--max-connections and --max-connections-per-client must be between 0 (no cap) and 1048576")
	}
	proxies, err := connlimit.ParsePrefixes(c.trustedProxies)
	if err != nil {
		return connlimit.Config{}, fmt.Errorf("--trusted-proxies: %w", err)
	}
	return connlimit.Config{PerClient: int(c.maxConnsPerClient), Total: int(c.maxConns), TrustedProxies: proxies, Log: log, Name: "api"}, nil
}

func keysRotate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c config
	var rewrapOnly bool
	fs := newFlagSet("keys rotate", stderr)
	c.bind(fs, getenv, false)
	fs.BoolVar(&rewrapOnly, "rewrap-only", false, "do not add a key: rewrap everything under the current active key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr)
	ks, err := c.keys(getenv, log, false)
	if err != nil {
		return err
	}
	if getenv("SUPERPLANE_ENCRYPTION_KEYS") != "" {
		// Keys from the environment cannot be changed from here: the operator
		// puts the new key first on every replica, then runs rotate.
		rewrapOnly = true
	}
	if !rewrapOnly {
		id, err := keyring.PrependNewKey(c.keysFile)
		if err != nil {
			return err
		}
		_, _ = fmt.Fprintf(stdout, "new active key %s added to %s\n", id, c.keysFile)
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	n, err := sealer.RotateKeys(ctx, st, sealer.New(ks), log)
	if err != nil {
		return fmt.Errorf("after rewrapping %d secrets: %w", n, err)
	}
	_, _ = fmt.Fprintf(stdout, "rewrapped %d data keys (secrets and event source signing keys) under key %s\n", n, ks.Keyring().ActiveID())
	return nil
}

// validName is the rule for every name (api.NamePattern, api.MaxNameLength,
// api.IsUUID): an organization name is never a UUID either.
func validName(s string) bool {
	return s != "" && len(s) <= api.MaxNameLength && api.NamePattern.MatchString(s) && !api.IsUUID(s)
}

// splitList splits a comma-separated setting, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
