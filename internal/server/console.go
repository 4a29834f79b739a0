package server

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The console: server-rendered html/template pages (which escape every
// value for its context) with one small script for live updates, embedded in
// the binary so that building the server needs only Go.
//
//go:embed console
var consoleFiles embed.FS

// SessionCookie is the name of the console's session cookie.
const SessionCookie = "superplane_session"

// consoleCSP allows only this server's own script, styles and images: no
// inline script or style, no framing, forms posting only here.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// consolePage is what every page's template receives.
type consolePage struct {
	Title string
	// Signed-in pages: who, the CSRF token for their forms, whether the
	// caller may act on the page's canvas (an organization owner or admin,
	// or a canvas role that allows it) or only read, and whether it may
	// read the organization's audit trail.
	User     string
	Org      string
	Role     string
	CanWrite bool
	CanAudit bool
	CSRF     string
	// Nav marks the current section in the navigation.
	Nav string
	// Notice and Error are one-line messages above the page's content.
	Notice string
	Error  string
	Data   any
}

// consoleHandler is a console page for a signed-in principal; sid is the
// session id (for the CSRF token). A returned error becomes an error page.
type consoleHandler func(w http.ResponseWriter, r *http.Request, c *consoleCtx) error

// consoleCtx is the request's signed-in principal and its session id.
type consoleCtx struct {
	p   store.Principal
	sid string
	// sessionID names the session in audit records (sid is the secret).
	sessionID string
	// canOperate says a canvas role lets the caller act on the page's
	// canvas (consoleAuthorize sets it; the organization role is checked
	// apart, by canWrite).
	canOperate bool
	// canAudit says the caller may read the audit trail (consoleAuthorize
	// sets it).
	canAudit bool
}

func (c *consoleCtx) page(title, nav string, data any) consolePage {
	return consolePage{
		Title: title, User: c.p.User.Email, Org: c.p.Organization.Name, Role: c.p.Role,
		CanWrite: canWrite(c.p) || c.canOperate, CanAudit: c.canAudit, CSRF: service.CSRFToken(c.sid), Nav: nav, Data: data,
	}
}

func canWrite(p store.Principal) bool { return p.Role == api.RoleOwner || p.Role == api.RoleAdmin }

// consoleTemplates parses every page with the layout once; a template error
// is a bug of this binary, found by any test that renders the page.
var consoleTemplates = func() map[string]*template.Template {
	funcs := consoleFuncs()
	pages, err := fs.Glob(consoleFiles, "console/pages/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "console/pages/"), ".html")
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(consoleFiles, "console/layout.html", p))
	}
	return out
}()

// ConsoleRoutes returns the pattern of every console route, in
// registration order. They are neither API routes (Routes) nor token-less
// API routes (PublicRoutes): the console authenticates by session cookie,
// and its tests check each one.
func (s *Server) ConsoleRoutes() []string {
	return slices.Clone(s.consolePatterns)
}

func (s *Server) consoleRoutes() {
	static, err := fs.Sub(consoleFiles, "console/static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	s.consoleRaw("GET /static/{file}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
	s.consoleRaw("GET /sign-in", s.signInPage)
	s.consoleRaw("POST /sign-in", s.anonymousForm(maxSignInForm, s.signIn))
	s.consoleRaw("POST /sign-out", s.anonymousForm(maxSignInForm, s.signOut))
	s.signInRoutes()

	s.consoleGet("GET /{$}", s.consoleCanvases)
	s.consoleGet("GET /canvases/{canvas}", s.consoleCanvas)
	s.consoleGet("GET /canvases/{canvas}/stages/{stage}", s.consoleStage)
	s.consoleGet("GET /integrations", s.consoleIntegrations)
	s.consoleGet("GET /secrets", s.consoleSecrets)
	s.consoleGet("GET /audit", s.consoleAudit)
	s.consolePost("POST /canvases/{canvas}/events", s.consoleEmit)
	s.consolePost("POST /canvases/{canvas}/stages/{stage}/events/{event}/approve", s.consoleApprove)
	s.consolePost("POST /canvases/{canvas}/stages/{stage}/events/{event}/discard", s.consoleDiscard)
	s.consolePost("POST /canvases/{canvas}/alerts/{alert}/acknowledge", s.consoleAcknowledge)
	s.consolePost("POST /canvases/{canvas}/stages/{stage}/executions/{execution}/cancel", s.consoleCancel)
	s.consoleSessionRoutes()
}

// consoleRaw registers a console route with the security headers and
// nothing else.
func (s *Server) consoleRaw(pattern string, h http.HandlerFunc) {
	s.consolePatterns = append(s.consolePatterns, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		h(w, r)
	})
}

// consoleGet registers a page that needs a session; without one it sends
// the browser to the sign-in page.
func (s *Server) consoleGet(pattern string, h consoleHandler) {
	s.consoleRaw(pattern, func(w http.ResponseWriter, r *http.Request) {
		c, err := s.consoleSession(w, r)
		if err != nil {
			s.consoleAuthFailed(w, r, err)
			return
		}
		if err := s.consoleAuthorize(r, c); err != nil {
			s.consoleError(w, r, c, err)
			return
		}
		if err := h(w, r, c); err != nil {
			s.consoleError(w, r, c, err)
		}
	})
}

// consolePost registers a form action: same-origin only, with a session,
// the session's CSRF token, and a role that may write. Once the session is
// known the post is recorded in the audit trail, as the API's changes are
// (refusals too), before its answer is sent.
func (s *Server) consolePost(pattern string, h consoleHandler) {
	s.consoleRaw(pattern, s.auditedAs(consoleAuditRoute(pattern), func(w http.ResponseWriter, r *http.Request) {
		if err := sameOrigin(r); err != nil {
			s.consoleError(w, r, nil, err)
			return
		}
		c, err := s.consoleSession(w, r)
		if err != nil {
			s.consoleAuthFailed(w, r, err)
			return
		}
		s.consoleAuditPrincipal(w, r, c)
		held, admitted := s.admitBodyUpTo(r, c.p.Organization.ID, maxConsoleForm)
		if !admitted {
			s.consoleOverloaded(w, r, c)
			return
		}
		defer s.bodies.Release(c.p.Organization.ID, held)
		if !s.consoleForm(w, r, c, c.p.Organization.ID, maxConsoleForm) {
			return
		}
		if !service.CheckCSRF(c.sid, r.PostFormValue("csrf")) {
			s.log.WarnContext(r.Context(), "console form refused: CSRF token mismatch", slog.String("request_id", requestID(r.Context())),
				slog.String("path", r.URL.Path), slog.String("user_id", c.p.User.ID))
			s.consoleError(w, r, c, forbidden("the form's security token does not match your session: reload the page and try again"))
			return
		}
		if err := s.consolePostAllowed(r, pattern, c); err != nil {
			s.consoleError(w, r, c, err)
			return
		}
		if err := h(w, r, c); err != nil {
			s.consoleError(w, r, c, err)
		}
	}))
}

// securityHeaders are on every console answer.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// sameOrigin refuses a state-changing request sent by another origin's
// page: the browser says where a request comes from (Sec-Fetch-Site, and
// Origin on every POST), and neither can be set by a page's script. A
// request with neither header is not from a browser that needs the
// protection; the CSRF token still has to match.
func sameOrigin(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return forbidden("cross-site form posts are refused (Sec-Fetch-Site: %s)", site)
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || origin == "null" || u.Host != r.Host {
			return forbidden("form posts from another origin are refused")
		}
	}
	return nil
}

// consoleSession finds the request's session.
func (s *Server) consoleSession(w http.ResponseWriter, r *http.Request) (*consoleCtx, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return nil, unauthenticated("not signed in")
	}
	ss, p, err := s.sessions.Authenticate(r.Context(), ck.Value)
	if err != nil {
		return nil, err
	}
	if lw, ok := w.(*logWriter); ok {
		lw.userID = p.User.ID
	}
	return &consoleCtx{p: p, sid: ck.Value, sessionID: ss.ID}, nil
}

// consoleAuthFailed sends a browser without a valid session to the
// sign-in page, saying why (expired, signed out) when it was signed in;
// the live-update script's requests get a plain 401 instead.
func (s *Server) consoleAuthFailed(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := s.classify(r, err)
	if code != api.CodeUnauthenticated {
		s.consoleError(w, r, nil, err)
		return
	}
	if _, cerr := r.Cookie(SessionCookie); cerr == nil {
		s.clearSessionCookie(w)
	}
	if r.Header.Get("X-Console-Live") != "" {
		http.Error(w, msg, http.StatusUnauthorized)
		return
	}
	q := url.Values{}
	if msg != "not signed in" {
		q.Set("ended", "1")
	}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.Path)
	}
	target := "/sign-in"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// consoleError answers with an error page carrying the API's status and
// message (never an internal detail: classify logs those).
func (s *Server) consoleError(w http.ResponseWriter, r *http.Request, c *consoleCtx, err error) {
	code, msg := s.classify(r, err)
	var page consolePage
	if c != nil {
		page = c.page("Error", "", nil)
	} else {
		page = consolePage{Title: "Error"}
	}
	page.Error = msg
	s.render(w, r, statusOf(code), "error", page)
}

// render writes a page; the template runs into a buffer first, so a
// failure mid-page sends an error instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, page consolePage) {
	t, ok := consoleTemplates[name]
	if !ok {
		s.writeError(w, r, errors.New("console: no template "+name))
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, page); err != nil {
		s.log.ErrorContext(r.Context(), "console template", slog.String("request_id", requestID(r.Context())),
			slog.String("template", name), slog.String("error", err.Error()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
