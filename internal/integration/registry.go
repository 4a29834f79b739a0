package integration

import (
	"context"
	"net/http"
	"sort"
)

// Type is one integration type: what the server needs of a tool to accept an
// integration of it and to say in status whether its credentials work. Each
// type lives in a package of its own under internal/integration/<type>, and
// internal/integration/all lists them.
type Type interface {
	// Name is the type's value of an integration's spec.type ("github").
	Name() string
	// ValidateURL returns an error naming field unless rawURL has the shape
	// an integration of this type needs. It makes no request.
	ValidateURL(field, rawURL string) error
	// Verify checks token against the tool at rawURL, with v's API URLs and
	// guarded client, and returns the result a user sees in status. The
	// Reason never contains the token.
	Verify(ctx context.Context, v *Verifier, rawURL, token string) Result
	// Authenticate sets on req what the tool needs to accept token.
	Authenticate(req *http.Request, token string)
}

// Hooks is the optional part of a Type whose event sources receive events
// through a webhook that SuperPlane provisions on the tool. resource is the
// source's repository or project.
type Hooks interface {
	// ResourceKind names what a source's resource is on the tool
	// ("repository"): the value of its spec.resource.type.
	ResourceKind() string
	// DefaultEvents are the tool events a source subscribes to when its
	// spec names none (nil: none).
	DefaultEvents() []string
	// DeliveryIDs reports whether the tool gives each delivery an id of
	// its own (GitHub's X-GitHub-Delivery). When it does not (Semaphore), a
	// delivery without one is recognised as a replay or a retry by its body
	// within a window.
	DeliveryIDs() bool
	EnsureHook(ctx context.Context, v *Verifier, integrationURL, token, resource string, want Hook, knownID string, pushSecret bool) (HookResult, error)
	CheckHook(ctx context.Context, v *Verifier, integrationURL, token, resource string, want Hook, knownID string) (HookCheck, error)
	DeleteHook(ctx context.Context, v *Verifier, integrationURL, token, resource, callbackURL string) error
}

// Registry maps type names to their Type. It is filled once, at start, and
// read-only afterwards, so it is safe for concurrent use.
type Registry struct {
	types map[string]Type
}

// NewRegistry returns a registry of types. A name given twice is a
// programming error and panics at start.
func NewRegistry(types ...Type) *Registry {
	r := &Registry{types: make(map[string]Type, len(types))}
	for _, t := range types {
		if _, dup := r.types[t.Name()]; dup {
			panic("integration: type " + t.Name() + " registered twice")
		}
		r.types[t.Name()] = t
	}
	return r
}

// Lookup returns the type named typ.
func (r *Registry) Lookup(typ string) (Type, bool) {
	t, ok := r.types[typ]
	return t, ok
}

// Hooks returns the webhook part of the type named typ, when it has one.
func (r *Registry) Hooks(typ string) (Hooks, bool) {
	t, ok := r.types[typ]
	if !ok {
		return nil, false
	}
	h, ok := t.(Hooks)
	return h, ok
}

// Runner returns the executor part of the type named typ, when it has one.
func (r *Registry) Runner(typ string) (Runner, bool) {
	t, ok := r.types[typ]
	if !ok {
		return nil, false
	}
	rn, ok := t.(Runner)
	return rn, ok
}

// RunIdentity returns the part of the type named typ that checks its runs'
// OIDC ID tokens, when it has one.
func (r *Registry) RunIdentity(typ string) (RunIdentity, bool) {
	t, ok := r.types[typ]
	if !ok {
		return nil, false
	}
	ri, ok := t.(RunIdentity)
	return ri, ok
}

// Names lists the registered type names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.types))
	for n := range r.types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Verify checks token against the integration of type typ at rawURL,
// through the registered type's Verify, and reports the outcome; it returns
// no error, since every failure is a verification result to show the user.
// Malformed input (an unknown type, a URL of the wrong shape, an empty
// token) fails without any request; so does a type the API accepts but no
// package registers. The token is never stored or logged, and is masked as
// "***" in the Reason even when a tool echoes it back.
func (r *Registry) Verify(ctx context.Context, v *Verifier, typ, rawURL, token string) Result {
	return verifyGuarded(typ, rawURL, token, func() Result {
		t, ok := r.Lookup(typ)
		if !ok {
			return Failf("integration type %q is not supported by this server", typ)
		}
		return t.Verify(ctx, v, rawURL, token)
	})
}
