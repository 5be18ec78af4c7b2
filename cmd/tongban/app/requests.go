package app

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/felixge/httpsnoop"

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
		ctx, route := observe.WithRoute(context.WithValue(ctx, startKey{}, start))
		w.Header().Set("X-Request-ID", id)
		r = r.WithContext(ctx)
		got := httpsnoop.CaptureMetrics(h, w, r)
		name := route()
		if name == "" {
			name = "other"
		}
		a.metrics.requests.WithLabelValues(name, strconv.Itoa(got.Code)).Observe(got.Duration.Seconds())
		a.Logger.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("route", name),
			slog.Int("status", got.Code), slog.Int64("bytes", got.Written), slog.Duration("took", got.Duration))
	})
}
