package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// SignInFlowLifetime bounds a browser's round trip through an auth
// provider: the flow cookie and its state expire after it.
const SignInFlowLifetime = 10 * time.Minute

// SignInCallbackPath is the redirect URI every OAuth provider is
// registered with: {base URL}/sign-in/callback.
const SignInCallbackPath = "/sign-in/callback"

// Public addresses of the providers; a provider's url overrides them
// (GitHub Enterprise, tests).
const (
	githubWeb        = "https://github.com"
	githubAPI        = "https://api.github.com"
	entraAuthority   = "https://login.microsoftonline.com"
	googleIssuer     = "https://accounts.google.com"
	backstageAud     = "backstage"
	guestSubject     = "guest"
	maxIdentityToken = 16 << 10
)

// signInAlgs are the only signatures accepted on an ID token: none, HMAC
// (which a public key would "verify" as a shared secret) and the rest are
// refused before any key is looked at.
var signInAlgs = []string{oidc.RS256, oidc.ES256}

// SignIns runs sign-in through the auth providers: the authorization code
// flow with PKCE (S256), state and, for OIDC, a nonce; Backstage identity
// tokens; guest sessions. A signed-in user gets a console session bound to
// a token minted for it, so revoking works as for pasted tokens.
type SignIns struct {
	Store     store.Store
	Providers *AuthProviders
	Sessions  *Sessions
	// Tools holds the guarded outbound client every call to a provider
	// goes through.
	Tools   *integration.Verifier
	BaseURL string
	Log     *slog.Logger
	Now     func() time.Time
	// AllowGuest is the operator's switch: guest providers sign nobody in
	// unless it is on.
	AllowGuest bool
}

// SignInOption is a button of the sign-in page.
type SignInOption struct {
	Org, Name, Type, Label string
}

// Options lists the providers the sign-in page offers, guest ones only when
// the operator allows guests.
func (s *SignIns) Options(ctx context.Context) ([]SignInOption, error) {
	list, err := s.Store.ListAuthProviders(ctx, "")
	if err != nil {
		return nil, err
	}
	out := []SignInOption{}
	for _, ap := range list {
		if ap.Type == api.AuthProviderGuest && !s.AllowGuest {
			continue
		}
		spec, err := DecodeAuthProviderSpec(ap)
		if err != nil {
			continue
		}
		label := spec.DisplayName
		if label == "" {
			label = defaultLabel(ap.Type)
		}
		out = append(out, SignInOption{Org: ap.OrgName, Name: ap.Name, Type: ap.Type, Label: label})
	}
	return out, nil
}

func defaultLabel(typ string) string {
	switch typ {
	case api.AuthProviderGitHub:
		return "GitHub"
	case api.AuthProviderEntra:
		return "Microsoft"
	case api.AuthProviderGoogle:
		return "Google"
	case api.AuthProviderBackstage:
		return "Backstage"
	}
	return "Guest (read only)"
}

// SignInFlow is what a browser carries through a provider's round trip, in
// a short-lived HttpOnly cookie: the state it must come back with, the PKCE
// verifier, the nonce, which provider, and where to go afterwards.
type SignInFlow struct {
	Provider string `json:"p"`
	Org      string `json:"o"`
	State    string `json:"s"`
	Verifier string `json:"v"`
	Nonce    string `json:"n,omitempty"`
	Next     string `json:"x,omitempty"`
	Expires  int64  `json:"e"`
}

// Encode is the flow as a cookie value.
func (f SignInFlow) Encode() string {
	b, _ := json.Marshal(f)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeSignInFlow reads a flow cookie's value.
func DecodeSignInFlow(v string) (SignInFlow, bool) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) > 4096 {
		return SignInFlow{}, false
	}
	var f SignInFlow
	if json.Unmarshal(b, &f) != nil || f.State == "" || f.Verifier == "" {
		return SignInFlow{}, false
	}
	return f, true
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// provider finds an organization's provider by names (the sign-in URLs name
// both); every miss is the same 404.
func (s *SignIns) provider(ctx context.Context, org, name string) (store.AuthProvider, api.AuthProviderSpec, error) {
	list, err := s.Store.ListAuthProviders(ctx, "")
	if err != nil {
		return store.AuthProvider{}, api.AuthProviderSpec{}, err
	}
	for _, ap := range list {
		if ap.OrgName == org && ap.Name == name {
			spec, err := DecodeAuthProviderSpec(ap)
			return ap, spec, err
		}
	}
	return store.AuthProvider{}, api.AuthProviderSpec{}, NotFound("no auth provider %q in organization %q", name, org)
}

// oauthConfig is the provider's OAuth client, its secret opened for this
// one flow.
func (s *SignIns) oauthConfig(ctx context.Context, ap store.AuthProvider, spec api.AuthProviderSpec, withSecret bool) (*oauth2.Config, *oidc.Provider, error) {
	cfg := &oauth2.Config{ClientID: spec.ClientID, RedirectURL: s.BaseURL + SignInCallbackPath}
	var op *oidc.Provider
	switch ap.Type {
	case api.AuthProviderGitHub:
		web := githubWeb
		if spec.URL != "" {
			web = spec.URL
		}
		cfg.Endpoint = oauth2.Endpoint{AuthURL: web + "/login/oauth/authorize", TokenURL: web + "/login/oauth/access_token", AuthStyle: oauth2.AuthStyleInParams}
		cfg.Scopes = []string{"read:user", "user:email"}
		if spec.AllowedOrganization != "" {
			cfg.Scopes = append(cfg.Scopes, "read:org")
		}
	case api.AuthProviderEntra, api.AuthProviderGoogle:
		var err error
		op, err = oidc.NewProvider(s.client(ctx), issuerOf(ap.Type, spec))
		if err != nil {
			return nil, nil, unavailable("auth provider %q: its OpenID configuration cannot be read: %v", ap.Name, err)
		}
		cfg.Endpoint = op.Endpoint()
		cfg.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	default:
		return nil, nil, Invalid("auth provider %q (%s) does not sign in through the browser's redirect", ap.Name, ap.Type)
	}
	if withSecret {
		secret, err := s.Providers.clientSecret(ctx, ap)
		if err != nil {
			return nil, nil, err
		}
		cfg.ClientSecret = secret
	}
	return cfg, op, nil
}

func issuerOf(typ string, spec api.AuthProviderSpec) string {
	if typ == api.AuthProviderEntra {
		base := entraAuthority
		if spec.URL != "" {
			base = spec.URL
		}
		return base + "/" + spec.Tenant + "/v2.0"
	}
	if spec.URL != "" {
		return spec.URL
	}
	return googleIssuer
}

// client is ctx carrying the guarded outbound client for oauth2 and
// go-oidc, which take their client from the context.
func (s *SignIns) client(ctx context.Context) context.Context {
	hc := s.Tools.OutboundClient().HTTPClient()
	ctx = oidc.ClientContext(ctx, hc)
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

// Begin starts a browser's sign-in through an organization's provider: it
// returns the provider's authorization URL and the flow the browser keeps.
func (s *SignIns) Begin(ctx context.Context, org, name, next string) (string, SignInFlow, error) {
	ap, spec, err := s.provider(ctx, org, name)
	if err != nil {
		return "", SignInFlow{}, err
	}
	cfg, op, err := s.oauthConfig(ctx, ap, spec, false)
	if err != nil {
		return "", SignInFlow{}, err
	}
	f := SignInFlow{Provider: ap.ID, Org: ap.OrgID, State: randomString(), Verifier: oauth2.GenerateVerifier(), Next: next,
		Expires: s.Now().Add(SignInFlowLifetime).Unix()}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(f.Verifier)}
	if op != nil {
		f.Nonce = randomString()
		opts = append(opts, oidc.Nonce(f.Nonce))
		if ap.Type == api.AuthProviderGoogle && spec.HostedDomain != "" {
			opts = append(opts, oauth2.SetAuthURLParam("hd", spec.HostedDomain))
		}
	}
	return cfg.AuthCodeURL(f.State, opts...), f, nil
}

// identity is who a provider vouched for.
type identity struct {
	subject, email, name string
}

// Finish completes a browser's sign-in: the state must be the flow's, the
// code is exchanged with the flow's PKCE verifier, the ID token (OIDC) or
// the user's API answers (GitHub) say who signed in, and the user gets a
// session. Every refusal is 401 with the reason.
func (s *SignIns) Finish(ctx context.Context, f SignInFlow, state, code string) (string, store.Principal, error) {
	if f.State == "" || state != f.State {
		return "", store.Principal{}, unauthenticated("sign-in refused: the state does not match this browser's sign-in; start again")
	}
	if s.Now().Unix() > f.Expires {
		return "", store.Principal{}, unauthenticated("sign-in refused: it took longer than %s; start again", SignInFlowLifetime)
	}
	if code == "" {
		return "", store.Principal{}, unauthenticated("sign-in refused: the provider sent no code")
	}
	ap, err := s.Store.FindAuthProvider(ctx, f.Org, f.Provider)
	if err != nil {
		return "", store.Principal{}, err
	}
	spec, err := DecodeAuthProviderSpec(ap)
	if err != nil {
		return "", store.Principal{}, err
	}
	cfg, op, err := s.oauthConfig(ctx, ap, spec, true)
	if err != nil {
		return "", store.Principal{}, err
	}
	cctx := s.client(ctx)
	tok, err := cfg.Exchange(cctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return "", store.Principal{}, unauthenticated("sign-in refused: %s did not accept the code: %s", ap.Type, exchangeReason(err))
	}
	var id identity
	if op != nil {
		id, err = s.verifyIDToken(cctx, ap, spec, op, tok, f.Nonce)
	} else {
		id, err = s.githubIdentity(cctx, spec, tok)
	}
	if err != nil {
		return "", store.Principal{}, err
	}
	return s.open(ctx, ap, spec, id)
}

// exchangeReason is the provider's error code, never its whole answer
// (which might echo what was sent).
func exchangeReason(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return re.ErrorCode
	}
	return "the token request failed"
}

// verifyIDToken checks an OIDC ID token with go-oidc (signature RS256 or
// ES256 by a key of the issuer's JWKS, issuer, audience = client id,
// expiry), then the nonce, and the type's restriction: Entra's tenant
// (tid), Google's hosted domain (hd) and verified email.
func (s *SignIns) verifyIDToken(ctx context.Context, ap store.AuthProvider, spec api.AuthProviderSpec, op *oidc.Provider, tok *oauth2.Token, nonce string) (identity, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return identity{}, unauthenticated("sign-in refused: %s sent no ID token", ap.Type)
	}
	v := op.VerifierContext(ctx, &oidc.Config{ClientID: spec.ClientID, SupportedSigningAlgs: signInAlgs, Now: s.Now})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return identity{}, unauthenticated("sign-in refused: the ID token is not valid: %s", idTokenReason(err))
	}
	if nonce == "" || idt.Nonce != nonce {
		return identity{}, unauthenticated("sign-in refused: the ID token's nonce is not this sign-in's")
	}
	var c struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		TID           string `json:"tid"`
		HD            string `json:"hd"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&c); err != nil {
		return identity{}, unauthenticated("sign-in refused: the ID token's claims cannot be read")
	}
	switch ap.Type {
	case api.AuthProviderEntra:
		// The v2.0 issuer names the tenant, and so does tid: both must be
		// the configured one, or a user of another tenant gets in.
		if !strings.EqualFold(c.TID, spec.Tenant) {
			return identity{}, unauthenticated("sign-in refused: the account belongs to another Microsoft Entra tenant")
		}
	case api.AuthProviderGoogle:
		if spec.HostedDomain != "" && !strings.EqualFold(c.HD, spec.HostedDomain) {
			return identity{}, unauthenticated("sign-in refused: the Google account is not of the domain %s", spec.HostedDomain)
		}
		if c.EmailVerified != true && c.EmailVerified != "true" {
			return identity{}, unauthenticated("sign-in refused: the Google account's email is not verified")
		}
	}
	if c.Email == "" {
		return identity{}, unauthenticated("sign-in refused: the provider gave no email (grant the email scope)")
	}
	return identity{subject: idt.Subject, email: strings.ToLower(c.Email), name: c.Name}, nil
}

// idTokenReason says why go-oidc refused a token, in words a user can act
// on; the token itself never appears.
func idTokenReason(err error) string {
	var exp *oidc.TokenExpiredError
	msg := err.Error()
	switch {
	case errors.As(err, &exp):
		return "it has expired"
	case strings.Contains(msg, "issuer"), strings.Contains(msg, "different provider"):
		return "wrong issuer"
	case strings.Contains(msg, "audience"):
		return "wrong audience"
	case strings.Contains(msg, "signature"), strings.Contains(msg, "signing"), strings.Contains(msg, "algorithm"):
		return "bad signature"
	}
	return "malformed"
}

// open finds or provisions the user and opens a session for it.
func (s *SignIns) open(ctx context.Context, ap store.AuthProvider, spec api.AuthProviderSpec, id identity) (string, store.Principal, error) {
	if len(spec.AllowedEmailDomains) > 0 {
		_, domain, _ := strings.Cut(id.email, "@")
		ok := false
		for _, d := range spec.AllowedEmailDomains {
			ok = ok || strings.EqualFold(domain, d)
		}
		if !ok {
			return "", store.Principal{}, unauthenticated("sign-in refused: the email's domain is not one this organization allows")
		}
	}
	role := spec.DefaultRole
	if role == "" {
		role = api.RoleViewer
	}
	u, role, err := s.Store.SignInUser(ctx, store.SignInIdentity{
		ProviderID: ap.ID, OrgID: ap.OrgID, Subject: id.subject, Email: id.email, Name: id.name, Role: role, At: Timestamp(s.Now),
	})
	if err != nil {
		return "", store.Principal{}, err
	}
	if ap.Type == api.AuthProviderGuest {
		role = api.RoleViewer
	}
	return s.Sessions.Open(ctx, u, role, ap.Name)
}

// Backstage signs in with a Backstage user identity token: signed by a key
// of the Backstage auth backend's JWKS ({url}/api/auth/.well-known/
// jwks.json), issuer {url}/api/auth, audience backstage, not expired.
func (s *SignIns) Backstage(ctx context.Context, org, name, token string) (string, store.Principal, error) {
	ap, spec, err := s.provider(ctx, org, name)
	if err != nil {
		return "", store.Principal{}, err
	}
	if ap.Type != api.AuthProviderBackstage {
		return "", store.Principal{}, Invalid("auth provider %q is %s: it signs in through its button, not with a posted token", name, ap.Type)
	}
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxIdentityToken {
		return "", store.Principal{}, Invalid("token: post the Backstage user identity token")
	}
	cctx := s.client(ctx)
	issuer := spec.URL + "/api/auth"
	keys := oidc.NewRemoteKeySet(cctx, issuer+"/.well-known/jwks.json")
	v := oidc.NewVerifier(issuer, keys, &oidc.Config{ClientID: backstageAud, SupportedSigningAlgs: signInAlgs, Now: s.Now})
	idt, err := v.Verify(cctx, token)
	if err != nil {
		return "", store.Principal{}, unauthenticated("sign-in refused: the Backstage token is not valid: %s", idTokenReason(err))
	}
	var c struct {
		Email string `json:"email"`
	}
	_ = idt.Claims(&c)
	if idt.Subject == "" {
		return "", store.Principal{}, unauthenticated("sign-in refused: the Backstage token names no user")
	}
	return s.open(ctx, ap, spec, identity{subject: idt.Subject, email: strings.ToLower(c.Email), name: idt.Subject})
}

// Guest opens a read-only session as the organization's guest: only when
// the operator allows guests and the organization has a guest provider.
func (s *SignIns) Guest(ctx context.Context, org, name string) (string, store.Principal, error) {
	if !s.AllowGuest {
		return "", store.Principal{}, denied("guest sign-in is off on this server (the operator enables it with --allow-guest-sign-in)")
	}
	ap, spec, err := s.provider(ctx, org, name)
	if err != nil {
		return "", store.Principal{}, err
	}
	if ap.Type != api.AuthProviderGuest {
		return "", store.Principal{}, Invalid("auth provider %q is %s, not guest", name, ap.Type)
	}
	spec.AllowedEmailDomains = nil
	return s.open(ctx, ap, spec, identity{subject: guestSubject, name: guestSubject})
}

// githubIdentity asks GitHub's API who the token's user is: its numeric id
// (the subject: a login can be renamed), its verified primary email, and,
// when the provider restricts it, an active membership of the organization.
func (s *SignIns) githubIdentity(ctx context.Context, spec api.AuthProviderSpec, tok *oauth2.Token) (identity, error) {
	apiBase := githubAPI
	if spec.URL != "" && spec.URL != githubWeb {
		apiBase = spec.URL + "/api/v3"
	}
	get := func(path string, v any) (int, error) {
		code, err := s.Tools.GetJSONWithToken(ctx, apiBase, path, tok.AccessToken, v)
		if err != nil {
			return code, unavailable("GitHub cannot be reached: %v", err)
		}
		return code, nil
	}
	var user struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	}
	if code, err := get("/user", &user); err != nil || code != 200 || user.ID == 0 {
		return identity{}, unauthenticated("sign-in refused: GitHub did not say who signed in (%d)", code)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if code, err := get("/user/emails", &emails); err != nil || code != 200 {
		return identity{}, unauthenticated("sign-in refused: GitHub did not list the user's emails (%d): grant the user:email scope", code)
	}
	email := ""
	for _, e := range emails {
		if e.Primary && e.Verified {
			email = strings.ToLower(e.Email)
		}
	}
	if email == "" {
		return identity{}, unauthenticated("sign-in refused: the GitHub account has no verified primary email")
	}
	if org := spec.AllowedOrganization; org != "" {
		var m struct {
			State string `json:"state"`
		}
		if code, err := get("/user/memberships/orgs/"+url.PathEscape(org), &m); err != nil || code != 200 || m.State != "active" {
			return identity{}, unauthenticated("sign-in refused: the GitHub account is not an active member of %s", org)
		}
	}
	return identity{subject: fmt.Sprint(user.ID), email: email, name: user.Login}, nil
}
