package integration

import (
	"context"
	"net/http"
)

// Cloud is the optional part of a Type whose integrations are configured by
// typed settings rather than a URL and one token: the clouds (aws; azure
// and gcp slot in the same way). Their credentials are either keys kept in
// a secret or, with no cloud secret stored at all, an ID token of this
// server's OIDC issuer that the cloud exchanges for short-lived
// credentials.
type Cloud interface {
	// VerifyCloud checks the credentials c describes with the cloud and
	// returns the result a user sees in status (aws: the account and ARN
	// of GetCallerIdentity). The Reason quotes the cloud's own error code
	// and message and never a credential.
	VerifyCloud(ctx context.Context, v *Verifier, c CloudCredentials) Result
}

// CloudSigner is the optional part of a Cloud type whose credentials sign
// a stage's outbound HTTP requests (aws: SigV4).
type CloudSigner interface {
	// SignRequest authenticates req, whose body is body, with the
	// credentials c describes. Its error is fit for an execution's message
	// and holds no credential.
	SignRequest(ctx context.Context, v *Verifier, c CloudCredentials, req *http.Request, body []byte, opts SignOptions) error
}

// SignOptions are what an http executor spec says about signing (its aws
// object): "" means what the request's host says, else the integration's.
type SignOptions struct {
	Service, Region string
	// Scope is the scope of a bearer token (azure: its spec.azure.scope);
	// "" means the type's default.
	Scope string
	// Scopes are the OAuth scopes of a gcp stage's access token (its
	// spec.gcp.scopes); nil means cloud-platform.
	Scopes []string
}

// CloudSigner returns the signing part of the type named typ, when it has
// one.
func (r *Registry) CloudSigner(typ string) (CloudSigner, bool) {
	t, ok := r.types[typ]
	if !ok {
		return nil, false
	}
	s, ok := t.(CloudSigner)
	return s, ok
}

// CloudCredentials is what a Cloud type gets from its caller for one
// call: nothing here is kept after it.
type CloudCredentials struct {
	// Settings are the integration's settings, the type's wire shape as
	// JSON (aws: api.AWSIntegration, secret references without names).
	Settings []byte
	// Secret holds the values of the integration's secret (nil when it
	// uses none). The caller clears it after the call.
	Secret map[string]string
	// IDToken mints an ID token of this server for audience, with the
	// subject of the integration or stage that asks. nil when the server
	// cannot issue tokens.
	IDToken func(ctx context.Context, audience string) (string, error)
	// Subject is the subject IDToken's tokens carry, for messages.
	Subject string
}

// Cloud returns the cloud part of the type named typ, when it has one.
func (r *Registry) Cloud(typ string) (Cloud, bool) {
	t, ok := r.types[typ]
	if !ok {
		return nil, false
	}
	c, ok := t.(Cloud)
	return c, ok
}

// VerifyCloud checks a cloud integration's credentials through its type,
// with what every verification shares: a panic costs one verification, and
// every secret value (and any ID token the type minted) is masked in the
// Reason even when the cloud echoes it back.
func (r *Registry) VerifyCloud(ctx context.Context, v *Verifier, typ string, c CloudCredentials) (res Result) {
	minted := []string{}
	if c.IDToken != nil {
		mint := c.IDToken
		c.IDToken = func(ctx context.Context, audience string) (string, error) {
			tok, err := mint(ctx, audience)
			if err == nil {
				minted = append(minted, tok)
			}
			return tok, err
		}
	}
	defer func() {
		if p := recover(); p != nil {
			res = Fail("internal error while verifying the integration")
		}
		also := append([]string{}, minted...)
		for _, val := range c.Secret {
			also = append(also, val)
		}
		res.Reason = Redact(res.Reason, "", also...)
	}()
	cloud, ok := r.Cloud(typ)
	if !ok {
		return Failf("integration type %q has no cloud credentials", typ)
	}
	return cloud.VerifyCloud(ctx, v, c)
}
