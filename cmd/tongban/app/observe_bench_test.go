package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/xuchang-gov/tongban/internal/benchcpu"
	"github.com/xuchang-gov/tongban/runtime/observe"
)

// BenchmarkObservedRequest measures what watching a request costs — the request id, the
// route's metric and the access-log line written to a file — against the bare handler. It
// reports the process's CPU time per request (cpu-ns/op), which other work on the machine does
// not inflate as it does the wall time.
func BenchmarkObservedRequest(b *testing.B) {
	log, err := os.Create(filepath.Join(b.TempDir(), "log"))
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		observe.SetRoute(r.Context(), "GET /api/v1/progress/:code")
		w.Write([]byte(`{"status":"accepted"}`))
	})
	a := &App{Config: Config{Logger: NewLogger(log, slog.LevelInfo)}, metrics: newMetrics()}
	traced := &App{Config: a.Config, metrics: newMetrics()}
	traced.tracing, err = newTracing(context.Background(), Config{SpanExporter: discardSpans{}, TraceSample: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"observed", a.observed(bare)}, {"traced-10%", traced.observed(bare)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest("GET", "/api/v1/progress/ABC123", nil)
			start := benchcpu.Time()
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), r)
			}
			benchcpu.Report(b, start)
		})
	}
}

// discardSpans is an exporter that drops what it is given: the cost measured is the SDK's.
type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }
