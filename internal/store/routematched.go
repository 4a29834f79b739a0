package store

import "context"

// routeMatchedKey is the context key of WithRouteMatched's function.
type routeMatchedKey struct{}

// WithRouteMatched returns a context under which RouteEventsBatch calls
// matched once it has called route for every event it claimed, before its
// routing transaction begins; it is not called when the claim found no
// event or failed. The engine's routing workers take turns with it: the
// next batch is claimed and matched while this one's transaction runs.
func WithRouteMatched(ctx context.Context, matched func()) context.Context {
	return context.WithValue(ctx, routeMatchedKey{}, matched)
}

// routeMatched calls the function WithRouteMatched put in ctx, if any.
func routeMatched(ctx context.Context) {
	if f, ok := ctx.Value(routeMatchedKey{}).(func()); ok && f != nil {
		f()
	}
}
