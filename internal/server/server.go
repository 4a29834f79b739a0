// Package server serves the SuperPlane v1 REST API. It owns routing,
// authentication, authorization and the one table from error classes to HTTP
// statuses. Every domain's rules live in internal/service: a handler only
// decodes, calls a service method for the principal and encodes; the
// webhook receivers (internal/webhook) reach service.Events through a thin
// adapter. The services come built from cmd (service.New).
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/metrics"
	"github.com/superplane/terraform-provider-superplane/internal/oidc"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// Server is the control plane's HTTP API.
type Server struct {
	store store.Store
	log   *slog.Logger
	// The services hold the rules of their domains; the handlers decode,
	// call them and encode.
	canvases     *service.Canvases
	secrets      *service.Secrets
	integrations *service.Integrations
	eventSources *service.EventSources
	events       *service.Events
	stages       *service.Stages
	tokens       *service.Tokens
	alerts       *service.Alerts
	outputs      *service.Outputs
	groups       *service.ConnectionGroups
	issuer       *oidc.Issuer
	accounts     *service.ServiceAccounts
	maxBody      int64
	maxInflight  int64 // admission.go; 0 is the receivers' default
	// bodies is the request-body budget the receivers and the API's routes
	// share (admission.go).
	bodies *webhook.Budget
	// engine is woken when something it waits for happened.
	engine Waker
	now    func() time.Time
	// specJSON holds the stages' specs as lists answer them
	// (stagespec_json.go).
	specJSON specJSONCache
	mux      *http.ServeMux
	// patterns lists the authenticated routes in registration order (see
	// Routes).
	patterns []string
	// publicPatterns lists the routes that take no API token (see
	// PublicRoutes).
	publicPatterns []string
	// metrics records requests and deliveries (nil: nothing is recorded).
	metrics *metrics.Metrics
	// sessions are the console's; consolePatterns lists its routes (see
	// ConsoleRoutes).
	sessions        *service.Sessions
	consolePatterns []string
	// audit records every change and lists the records (audit.go).
	audit *service.Audit
	// signIns signs people in through the organizations' auth providers
	// (signin.go) and keeps the providers (auth_providers.go).
	signIns *service.SignIns
	// authz decides each request (authz.go); roles serves the roles,
	// groups, users and canvas members routes (roles.go).
	authz *service.Authorizer
	roles *service.Roles
}

// Option configures a Server.
type Option func(*Server)

// Waker is all the server asks of the engine (internal/engine): a pass now,
// because a queue head was approved, rather than at its next tick (an
// arrived event wakes it through service.WithEngine). The engine works
// from the database alone, so a server without one (tests, or a replica
// that runs no engine) loses nothing but latency.
type Waker interface{ Wake() }

type noEngine struct{}

func (noEngine) Wake() {}

// WithEngine sets the engine the server wakes (default, or nil: none).
func WithEngine(w Waker) Option {
	return func(s *Server) {
		if w != nil {
			s.engine = w
		}
	}
}

// WithWebhookBodyLimit sets the largest delivery a receiver accepts
// (default 5 MiB).
func WithWebhookBodyLimit(n int64) Option { return func(s *Server) { s.maxBody = n } }

// New returns a server over st that serves the services svc (built by
// service.New, which wires them to each other) and logs to log. The
// services' settings (tools, base URL, key grace, check interval) are
// service options; the server's own are its Options.
func New(st store.Store, svc *service.Services, log *slog.Logger, opts ...Option) *Server {
	s := &Server{
		store: st, log: log, maxBody: 5 << 20, engine: noEngine{}, now: time.Now, mux: http.NewServeMux(),
		canvases: svc.Canvases, secrets: svc.Secrets, integrations: svc.Integrations,
		eventSources: svc.EventSources, events: svc.Events, stages: svc.Stages, tokens: svc.Tokens,
		alerts: svc.Alerts, outputs: svc.Outputs, groups: svc.ConnectionGroups, issuer: svc.Issuer,
		accounts: svc.ServiceAccounts,
		sessions: svc.Sessions,
		audit:    svc.Audit,
		signIns:  svc.SignIns,
		authz:    svc.Authz,
		roles:    svc.Roles,
	}
	for _, o := range opts {
		o(s)
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.public("GET /health", s.health)
	s.public("GET /ready", s.ready)
	s.public("GET /api/v1/openapi.json", s.openAPI)
	s.public("GET "+oidc.DiscoveryPath, s.openIDConfiguration)
	s.public("GET "+oidc.JWKSPath, s.jwks)

	s.handle("GET /api/v1/me", s.me)
	s.handleSelf("POST /api/v1/me/token", s.regenerateToken)
	s.sessionRoutes()

	s.handle("GET /api/v1/canvases", s.listCanvases)
	s.handle("POST /api/v1/canvases", s.createCanvas)
	s.handle("GET /api/v1/canvases/{idOrName}", s.describeCanvas)
	s.handle("PATCH /api/v1/canvases/{idOrName}", s.updateCanvas)
	s.handle("DELETE /api/v1/canvases/{idOrName}", s.deleteCanvas)

	s.handle("GET /api/v1/secrets", s.listSecrets)
	s.handle("POST /api/v1/secrets", s.createSecret)
	s.handleScoped("GET /api/v1/secrets/{idOrName}", secretScope, s.describeSecret)
	s.handle("PATCH /api/v1/secrets/{idOrName}", s.updateSecret)
	s.handle("DELETE /api/v1/secrets/{idOrName}", s.deleteSecret)

	s.handle("GET /api/v1/integrations", s.listIntegrations)
	s.handle("POST /api/v1/integrations", s.createIntegration)
	s.handle("GET /api/v1/integrations/{idOrName}", s.describeIntegration)
	s.handle("PATCH /api/v1/integrations/{idOrName}", s.updateIntegration)
	s.handle("DELETE /api/v1/integrations/{idOrName}", s.deleteIntegration)
	s.handle("POST /api/v1/integrations/{idOrName}/verify", s.verifyIntegration)

	s.handle("GET /api/v1/canvases/{canvasIdOrName}/event-sources", s.listEventSources)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/event-sources", s.createEventSource)
	s.handle("GET /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}", s.describeEventSource)
	s.handle("PATCH /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}", s.updateEventSource)
	s.handle("DELETE /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}", s.deleteEventSource)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}/reset-key", s.resetEventSourceKey)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}/refresh", s.refreshEventSource)
	s.handle("GET /api/v1/canvases/{canvasIdOrName}/events", s.listEvents)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/events", s.createEvent)

	s.handle("GET /api/v1/canvases/{canvasIdOrName}/stages", s.listStages)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/stages", s.createStage)
	s.handle("GET /api/v1/canvases/{canvasIdOrName}/stages/{idOrName}", s.describeStage)
	s.handle("PATCH /api/v1/canvases/{canvasIdOrName}/stages/{idOrName}", s.updateStage)
	s.handle("DELETE /api/v1/canvases/{canvasIdOrName}/stages/{idOrName}", s.deleteStage)
	s.handle("GET /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events", s.listStageEvents)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events/{eventId}/approve", s.approveStageEvent)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events/{eventId}/discard", s.discardStageEvent)
	s.handle("GET /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/executions", s.listExecutions)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/executions/{executionId}/cancel", s.cancelExecution)

	s.handle("GET /api/v1/canvases/{canvasIdOrName}/alerts", s.listAlerts)
	s.handle("PATCH /api/v1/canvases/{canvasIdOrName}/alerts/{alertId}/acknowledge", s.acknowledgeAlert)
	s.handle("GET /api/v1/canvases/{canvasIdOrName}/rejections", s.listRejections)

	s.handle("GET /api/v1/canvases/{canvasIdOrName}/connection-groups", s.listConnectionGroups)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/connection-groups", s.createConnectionGroup)
	s.handle("GET /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}", s.describeConnectionGroup)
	s.handle("PATCH /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}", s.updateConnectionGroup)
	s.handle("DELETE /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}", s.deleteConnectionGroup)
	s.handle("GET /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}/field-sets", s.listFieldSets)

	s.serviceAccountRoutes()
	s.authProviderRoutes()
	s.handle("GET "+api.AuditEventsPath, s.listAuditEvents)
	s.roleRoutes()

	// Receivers authenticate deliveries by signature, not by token.
	receiver := webhook.NewHandler(receiverSources{s.events}, receiverSink{s.events}, webhook.Config{MaxBodyBytes: s.maxBody, Budget: s.bodyBudget(), Logger: s.log, Now: s.now, Observe: s.observeDelivery()})
	s.public("POST /api/v1/sources/{id}", receiver.ServeCustom)
	s.public("POST /api/v1/sources/{id}/{integrationType}", receiver.ServeIntegration)
	// A CI run authenticates with its execution's output token or its
	// OIDC ID token, not with an API token.
	s.public("POST "+api.OutputsPath, s.anonymousBody(api.MaxPushOutputsRequest, s.auditedPush(s.pushOutputs)))
	// The CLI trades a browser sign-in's one-time code for a token: it has
	// no token yet, so the code and its PKCE verifier authenticate.
	s.public("POST "+api.CLISignInTokenPath, s.anonymousBody(maxBodyBytes, s.cliSignInToken))

	s.consoleRoutes()

	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, notFound("no route for %s %s", r.Method, r.URL.Path))
	})
}

// handlerFunc is an authenticated API handler; a returned error becomes the
// contract's error body.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p store.Principal) error

// handle registers an authenticated route. Writes (anything but GET) need
// the owner or admin role.
func (s *Server) handle(pattern string, h handlerFunc) {
	s.register(pattern, h, !strings.HasPrefix(pattern, "GET "))
}

// register registers an authenticated route; when write, it needs the owner
// or admin role.
func (s *Server) register(pattern string, h handlerFunc, write bool) {
	s.registerScoped(pattern, nil, func(w http.ResponseWriter, r *http.Request, p store.Principal, _ service.Prefetched) error {
		return h(w, r, p)
	}, write)
}

// scopedHandlerFunc is an authenticated API handler that also gets what its
// route's scope lookup found (see handleScoped).
type scopedHandlerFunc func(w http.ResponseWriter, r *http.Request, p store.Principal, pre service.Prefetched) error

// handleScoped registers an authenticated GET route whose token is looked
// up with the records scope names in the request, in one statement
// (service.Tokens.AuthenticateIn), so that reading one record costs one
// round trip.
func (s *Server) handleScoped(pattern string, scope func(*http.Request) store.Scope, h scopedHandlerFunc) {
	s.registerScoped(pattern, scope, h, !strings.HasPrefix(pattern, "GET "))
}

// registerScoped registers an authenticated route, its token looked up with
// the records scope names when scope is set; when write, it needs the owner
// or admin role.
func (s *Server) registerScoped(pattern string, scope func(*http.Request) store.Scope, h scopedHandlerFunc, write bool) {
	s.patterns = append(s.patterns, pattern)
	s.mux.HandleFunc(pattern, s.audited(pattern, func(w http.ResponseWriter, r *http.Request) {
		var (
			p   store.Principal
			pre service.Prefetched
			err error
		)
		if scope == nil {
			p, err = s.authenticate(r)
		} else {
			p, pre, err = s.authenticateIn(r, scope(r))
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.auditPrincipal(w, r, p)
		if lw, ok := w.(*logWriter); ok {
			lw.userID = p.User.ID
		}
		// Before anything reads the body (authorize may peek at it).
		held, admitted := s.admitBody(r, p.Organization.ID)
		if !admitted {
			s.writeOverloaded(w, r)
			return
		}
		defer s.bodies.Release(p.Organization.ID, held)
		r = s.admitted(r, p.Organization.ID, held)
		// Who may call what is the permission table's (authz.go); write
		// is what a route without a row there counts as.
		r, err = s.authorize(r, pattern, p, write)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		armAudit(r)
		if err := h(w, r, p, pre); err != nil {
			s.writeError(w, r, err)
		}
	}))
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	created := p.User.CreatedAt
	me := api.Me{
		ID:               p.User.ID,
		Email:            p.User.Email,
		OrganizationID:   p.Organization.ID,
		CreatedAt:        &created,
		HasToken:         true,
		OrganizationName: p.Organization.Name,
		Role:             p.Role,
	}
	if exp := p.Token.ExpiresAt; !exp.IsZero() {
		me.TokenExpiresAt = &exp
	}
	writeJSON(w, http.StatusOK, me)
	return nil
}

// ServeHTTP adds a request id, recovers from panics (no input may take the
// process down) and logs one line per request: never a body, header value
// or query string, so neither secret values nor tokens reach the log. A
// webhook delivery's line is the receiver's (webhook.RequestLine), which
// carries this one's fields and the delivery's.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if !requestIDPattern.MatchString(id) {
		id = newRequestID()
	}
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
	lw := &logWriter{ResponseWriter: w, status: http.StatusOK, requestID: id}
	lw.Header().Set("X-Request-Id", id)
	defer func() {
		if v := recover(); v != nil {
			s.log.ErrorContext(r.Context(), "panic in handler", slog.String("request_id", id),
				slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
			if !lw.wrote {
				s.writeError(lw, r, fmt.Errorf("panic"))
			}
		}
		took := time.Since(start)
		// LogAttrs, not InfoContext: InfoContext's ...any boxes each
		// Attr, six allocations on every request (issue 17).
		if !lw.logged {
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", lw.status),
				slog.String("user_id", lw.userID),
				slog.Duration("duration", took))
		}
		// The mux set r.Pattern when a route matched: the pattern, never
		// the path, so ids in paths make no new series.
		s.metrics.Request(r.Pattern, lw.status, took)
	}()
	s.mux.ServeHTTP(lw, r)
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type logWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	userID string
	// requestID is the request's; logged tells that the handler wrote the
	// request's line (webhook.RequestLine), so ServeHTTP writes none.
	requestID string
	logged    bool
}

// RequestID is the request's id, for the receiver's line (webhook.RequestLine).
func (w *logWriter) RequestID() string { return w.requestID }

// Logged records that the receiver wrote the request's line.
func (w *logWriter) Logged() { w.logged = true }

var _ webhook.RequestLine = (*logWriter)(nil)

func (w *logWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status = status
		w.wrote = true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}
