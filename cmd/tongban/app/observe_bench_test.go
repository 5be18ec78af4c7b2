package app

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

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
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"observed", a.observed(bare)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest("GET", "/api/v1/progress/ABC123", nil)
			before := cpuTime()
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), r)
			}
			b.ReportMetric(float64((cpuTime()-before).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the CPU time this process has used, in user and system mode.
func cpuTime() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
