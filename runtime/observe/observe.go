// Package observe carries what the layers serving a request learn about it — the template of
// the route it matched, the case it is about — out to the middleware of the composition root
// that measures and traces requests, and lets any layer open a trace span in the tracer its
// context carries. No handler, service or store package depends on a metrics or tracing
// library: the composition root puts what it uses behind these functions. Without a tracer in
// the context, Trace costs nothing.
package observe

import "context"

// Request is what the layers learned about one request.
type Request struct {
	// Route is the template of the route it matched, such as
	// "POST /api/v1/cases/:number/submit": never the raw path, so that metrics stay bounded.
	Route string
	// Case is the number of the case it is about, when there is one.
	Case string
}

type requestKey struct{}

// WithRequest returns ctx with room for what the layers learn about its request.
func WithRequest(ctx context.Context) (context.Context, *Request) {
	r := new(Request)
	return context.WithValue(ctx, requestKey{}, r), r
}

// SetRoute names the route template of the request ctx belongs to. The innermost layer knows
// the most, and names it first as the request returns through the layers: later calls change
// nothing.
func SetRoute(ctx context.Context, template string) {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok && r.Route == "" {
		r.Route = template
	}
}

// SetCase names the case the request of ctx is about.
func SetCase(ctx context.Context, number string) {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok && number != "" {
		r.Case = number
	}
}

// Tracer opens a span named name as a child of the one in ctx, and returns the context inside
// it and the function that ends it with its outcome.
type Tracer func(ctx context.Context, name string) (context.Context, func(error))

type tracerKey struct{}

// WithTracer returns ctx whose work is traced by t.
func WithTracer(ctx context.Context, t Tracer) context.Context {
	return context.WithValue(ctx, tracerKey{}, t)
}

// Trace opens a span in the tracer of ctx; without one it returns ctx and a function that does
// nothing.
func Trace(ctx context.Context, name string) (context.Context, func(error)) {
	if t, ok := ctx.Value(tracerKey{}).(Tracer); ok {
		return t(ctx, name)
	}
	return ctx, func(error) {}
}
