package app

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/felixge/httpsnoop"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/xuchang-gov/tongban/runtime/observe"
)

type startKey struct{}

// observed is h with every request watched: it gets a request id (answered as X-Request-ID and
// on each line logged in it), room for its route template (observe.SetRoute), a metric by route
// and status, and one access-log line. httpsnoop keeps the writer's Flusher and Hijacker, which
// uploads and downloads use.
func (a *App) observed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, id := withRequestID(r.Context(), r.Header.Get("X-Request-ID"))
		ctx, req := observe.WithRequest(context.WithValue(ctx, startKey{}, start))
		w.Header().Set("X-Request-ID", id)
		var span trace.Span
		if a.tracing != nil {
			ctx, span = a.tracing.request(r.WithContext(ctx))
		}
		r = r.WithContext(ctx)
		got := httpsnoop.CaptureMetrics(h, w, r)
		name := req.Route
		if name == "" {
			name = "other"
		}
		if span != nil {
			span.SetName(name)
			span.SetAttributes(attribute.String("http.route", name), attribute.Int("http.response.status_code", got.Code))
			if req.Case != "" {
				span.SetAttributes(attribute.String("tongban.case", req.Case))
			}
			if got.Code >= 500 {
				span.SetStatus(codes.Error, http.StatusText(got.Code))
			}
			span.End()
		}
		a.metrics.requests.WithLabelValues(name, strconv.Itoa(got.Code)).Observe(got.Duration.Seconds())
		a.Logger.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("route", name),
			slog.Int("status", got.Code), slog.Int64("bytes", got.Written), slog.Duration("took", got.Duration))
	})
}
