// Package observe carries what the layers serving a request learn about it — the template of
// the route it matched — out to the middleware of the composition root that measures and traces
// requests, so that no handler package depends on a metrics or tracing library and every
// request is labelled by a template, never by its raw path.
package observe

import "context"

type routeKey struct{}

// WithRoute returns ctx with room for the request's route template, and a function that reads
// it once the request has been served ("" when no layer named one).
func WithRoute(ctx context.Context) (context.Context, func() string) {
	route := new(string)
	return context.WithValue(ctx, routeKey{}, route), func() string { return *route }
}

// SetRoute names the route template of the request ctx belongs to, such as
// "POST /api/v1/cases/:number/submit". The innermost layer knows the most, and names it first
// as the request returns through the layers: later calls change nothing.
func SetRoute(ctx context.Context, template string) {
	if route, ok := ctx.Value(routeKey{}).(*string); ok && *route == "" && template != "" {
		*route = template
	}
}
