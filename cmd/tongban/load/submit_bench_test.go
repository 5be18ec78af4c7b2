package load

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/internal/benchcpu"
)

// BenchmarkSubmitThroughTheHandler files the food licence sample as the submit scenario does —
// one POST /api/v1/cases naming materials uploaded beforehand — straight into the program's HTTP
// handler (app.New with the demo bundle on a temporary folder, no sockets), 32 applicants at a
// time so that the durable store's group commit batches them as under load. It reports the
// process's CPU time per application (cpu-ns/op). Profile it with
//
//	go test ./cmd/tongban/load -run '^$' -bench SubmitThroughTheHandler -cpuprofile cpu.pprof
func BenchmarkSubmitThroughTheHandler(b *testing.B) {
	srv := apptest.Start(b, app.Config{})
	form, err := fs.ReadFile(examples.Bundle, "matters/food-business-license/sample.json")
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{Target: srv.URL, Scenario: Submit, Clients: 1, Requests: 1, Form: form}
	for _, c := range srv.Credentials {
		cfg.Credentials = append(cfg.Credentials, Credential{Name: c.Name, Kind: c.Kind, Org: c.Org, Roles: c.Roles, Token: c.Token})
	}
	if err := cfg.defaults(); err != nil {
		b.Fatal(err)
	}
	r := &runner{cfg: cfg, base: srv.URL, client: &http.Client{}, runID: "bench"}
	r.stats.Store(newStats())
	f, err := r.prepare(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if !f.oneRequest {
		b.Fatal("the application is not one request")
	}
	h := srv.App.Server().Handler
	var seq atomic.Int64
	b.SetParallelism(16) // × GOMAXPROCS applicants
	b.ReportAllocs()
	start := benchcpu.Time()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/api/v1/cases", bytes.NewReader(f.createBody))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+f.applicant)
			req.Header.Set("Idempotency-Key", "bench-"+strconv.FormatInt(seq.Add(1), 10))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 201 {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
	benchcpu.Report(b, start)
}
