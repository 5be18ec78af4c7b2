package app

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/xuchang-gov/tongban/runtime/observe"
)

// tracing is the OpenTelemetry SDK behind observe.Tracer: a span per request (continuing the
// W3C trace context a caller sent: the proxy, or an outside system calling back), with child
// spans for the store's units of work, connector calls (their trace context sent on), rendering
// and outbox delivery. It is off — nil — unless an exporter is configured.
type tracing struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
}

// propagator reads and writes the W3C trace context (traceparent, tracestate).
var propagator = propagation.TraceContext{}

// newTracing sets tracing up for cfg: spans batched to the OTLP/HTTP endpoint, or sent at once
// to cfg.SpanExporter (tests); nil when neither is set.
func newTracing(ctx context.Context, cfg Config) (*tracing, error) {
	var opt sdktrace.TracerProviderOption
	switch {
	case cfg.SpanExporter != nil:
		opt = sdktrace.WithSyncer(cfg.SpanExporter)
	case cfg.OTLPEndpoint != "":
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.OTLPEndpoint))
		if err != nil {
			return nil, err
		}
		opt = sdktrace.WithBatcher(exp)
	default:
		return nil, nil
	}
	res := resource.NewSchemaless(attribute.String("service.name", "tongban"))
	p := sdktrace.NewTracerProvider(opt, sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.TraceSample))))
	return &tracing{provider: p, tracer: p.Tracer("github.com/xuchang-gov/tongban")}, nil
}

// trace is the observe.Tracer of the application's layers.
func (t *tracing) trace(ctx context.Context, name string) (context.Context, func(error)) {
	if !trace.SpanFromContext(ctx).SpanContext().IsSampled() {
		return ctx, func(error) {}
	}
	ctx, span := t.tracer.Start(ctx, name)
	return ctx, func(err error) { end(span, err) }
}

// request opens the span of one request, continuing the caller's trace.
func (t *tracing) request(r *http.Request) (context.Context, trace.Span) {
	ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer))
	return observe.WithTracer(ctx, t.trace), span
}

// client opens the span of a call to an outside system.
func (t *tracing) client(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, func(error)) {
	ctx, span := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, func(err error) { end(span, err) }
}

func end(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, maskPersonal(err.Error()))
	}
	span.End()
}

// shutdown sends the spans still batched and stops; a nil tracing has nothing to do.
func (t *tracing) shutdown() error {
	if t == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return t.provider.Shutdown(ctx)
}

// transport sends the trace context of each request's context on to the outside system.
type transport struct{ next http.RoundTripper }

func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !trace.SpanContextFromContext(r.Context()).IsValid() {
		return t.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	propagator.Inject(r.Context(), propagation.HeaderCarrier(r.Header))
	return t.next.RoundTrip(r)
}

// httpClient is the connectors' HTTP client, which propagates the trace context.
func httpClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: transport{t}}
}
