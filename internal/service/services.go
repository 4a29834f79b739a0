package service

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/hooks"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/all"
	"github.com/superplane/terraform-provider-superplane/internal/oidc"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Services are the control plane's services, wired to each other. cmd
// builds them (store → sealer → engine → services → server) and passes them
// to server.New; tests build them the same way, with New.
type Services struct {
	Canvases     *Canvases
	Secrets      *Secrets
	Integrations *Integrations
	EventSources *EventSources
	Events       *Events
	Stages       *Stages
	Tokens       *Tokens
	Alerts       *Alerts
	Outputs      *Outputs
	// ConnectionGroups join several connections' events by key.
	ConnectionGroups *ConnectionGroups
	// Issuer is this server as an OIDC identity provider: cloud
	// integrations present its ID tokens instead of stored keys.
	Issuer *oidc.Issuer
	// ServiceAccounts are machine identities with tokens, managed as code.
	ServiceAccounts *ServiceAccounts
	// Sessions are the console's signed-in browsers.
	Sessions *Sessions
	// Audit keeps the audit trail of every change.
	Audit *Audit
	// AuthProviders are the organizations' ways to sign in; SignIns runs
	// the sign-in flows through them.
	AuthProviders *AuthProviders
	SignIns       *SignIns
	// Authz decides what a caller may do; Roles manages roles, groups of
	// users and canvas membership (authz.go, roles.go).
	Authz *Authorizer
	Roles *Roles
}

// Waker is all the services ask of the engine: a pass now, because a
// pending event arrived, rather than at its next tick.
type Waker interface{ Wake() }

// RoutingWaker is a Waker that can wake its routing alone: a delivery
// then does not also start a pass of every stage's queue, which under a
// stream of deliveries ran back to back beside routing (BENCHMARKS.md,
// execution start under load, round seven).
type RoutingWaker interface {
	Waker
	WakeRouting()
}

// RoutingYielder is an engine whose routing can hold a delivery's answer
// while the delivery's organization's unrouted events pile up, so routing
// keeps its batches short (engine/backlog.go).
type RoutingYielder interface {
	YieldRouting(ctx context.Context, org string)
}

// config is what the options set; New's defaults are a server's.
type config struct {
	tools      *integration.Verifier
	baseURL    string
	keyGrace   time.Duration
	checkEvery time.Duration
	now        func() time.Time
	engine     Waker
	audiences  []string
	allowGuest bool
}

// Option configures the services built by New.
type Option func(*config)

// WithTools sets how the services talk to GitHub and Semaphore (base URLs
// for GitHub Enterprise, or fakes in tests).
func WithTools(v *integration.Verifier) Option { return func(c *config) { c.tools = v } }

// WithBaseURL sets the public URL the server is reached at; webhook URLs
// given to senders and tools start with it.
func WithBaseURL(u string) Option {
	return func(c *config) { c.baseURL = strings.TrimSuffix(u, "/") }
}

// WithKeyGrace sets how long an event source's previous key still verifies
// after reset-key (default 1 hour).
func WithKeyGrace(d time.Duration) Option { return func(c *config) { c.keyGrace = d } }

// WithHookCheckInterval sets how often, at most, a read-only check asks the
// tool about one source's hook (default 10 s); a request within the
// interval answers the last observation. 0 checks on every request (tests).
func WithHookCheckInterval(d time.Duration) Option { return func(c *config) { c.checkEvery = d } }

// WithClock sets the services' clock (tests move it to check time windows:
// key grace, the body dedupe window).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithEngine sets the engine woken when a pending event arrives (default,
// or nil: none; the engine then finds the event at its next tick).
func WithEngine(w Waker) Option { return func(c *config) { c.engine = w } }

// WithOIDCAudiences sets the audiences a CI run's OIDC ID token may carry
// when it pushes outputs (default: the base URL).
func WithOIDCAudiences(a []string) Option { return func(c *config) { c.audiences = a } }

// WithGuestSignIn lets organizations' guest auth providers open read-only
// sessions (default off: the operator's --allow-guest-sign-in).
func WithGuestSignIn(on bool) Option { return func(c *config) { c.allowGuest = on } }

// New builds the services over st, sealing with sl and logging to log, and
// wires them service to service: a canvas's deletion removes its sources'
// hooks through EventSources, and a secret's rotation re-verifies its
// integrations through Integrations.
func New(st store.Store, sl *sealer.Sealer, log *slog.Logger, opts ...Option) *Services {
	c := config{tools: &integration.Verifier{}, baseURL: "http://127.0.0.1:8000", keyGrace: time.Hour,
		checkEvery: DefaultHookCheckInterval, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	types := all.Registry()
	provisioner := &hooks.Provisioner{Store: st, Sealer: sl, Tools: c.tools, BaseURL: c.baseURL, Now: c.now}
	s := &Services{
		Secrets:      &Secrets{Store: st, Sealer: sl, Log: log, Now: c.now},
		EventSources: &EventSources{Store: st, Sealer: sl, Hooks: provisioner, Types: types, Now: c.now, KeyGrace: c.keyGrace, CheckEvery: c.checkEvery},
		Events:       &Events{Store: st, Sealer: sl, Types: types, Now: c.now},
		Stages:       &Stages{Store: st, Types: types, Now: c.now},
		Tokens:       &Tokens{Store: st, Log: log, Now: c.now},
		Alerts:       &Alerts{Store: st, Now: c.now},
	}
	audiences := c.audiences
	if len(audiences) == 0 {
		audiences = []string{c.baseURL}
	}
	s.Outputs = &Outputs{Store: st, Types: types, Tools: c.tools, OIDC: &integration.OIDCVerifier{Tools: c.tools, Now: c.now},
		Audiences: audiences, Now: c.now}
	s.ConnectionGroups = &ConnectionGroups{Store: st, Now: c.now}
	s.ServiceAccounts = &ServiceAccounts{Store: st, Now: c.now}
	s.Sessions = &Sessions{Store: st, Tokens: s.Tokens, Log: log, Now: c.now, Secure: strings.HasPrefix(c.baseURL, "https://")}
	s.Audit = &Audit{Store: st, Now: c.now}
	s.Authz = &Authorizer{Store: st}
	s.Roles = &Roles{Store: st, Authz: s.Authz, Now: c.now}
	if c.engine != nil {
		s.Events.Wake = c.engine.Wake
		// A new event needs routing only: routing wakes the queues when it
		// queued something (an engine that can tell the two apart).
		if r, ok := c.engine.(RoutingWaker); ok {
			s.Events.Wake = r.WakeRouting
		}
		if y, ok := c.engine.(RoutingYielder); ok {
			s.Events.Yield = y.YieldRouting
		}
	}
	s.Issuer = &oidc.Issuer{URL: c.baseURL, Store: st, Sealer: sl, Now: c.now}
	s.Canvases = &Canvases{Store: st, Now: c.now, Deprovision: s.EventSources.Deprovision}
	s.Integrations = &Integrations{Store: st, Secrets: s.Secrets, Types: types, Tools: c.tools, Log: log, Now: c.now, Issuer: s.Issuer}
	s.Secrets.DataChanged = s.Integrations.ReverifyUsers
	s.AuthProviders = &AuthProviders{Store: st, Sealer: sl, Now: c.now}
	s.SignIns = &SignIns{Store: st, Providers: s.AuthProviders, Sessions: s.Sessions, Tools: c.tools, BaseURL: c.baseURL,
		Log: log, Now: c.now, AllowGuest: c.allowGuest}
	return s
}
