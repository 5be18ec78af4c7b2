package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// probe answers a probe's status and problems, unauthenticated.
func probe(t *testing.T, url string) (int, []string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status   string   `json:"status"`
		Problems []string `json:"problems"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body.Problems
}

// TestProbes: /healthz answers while the process serves; /readyz only once the background work
// runs and until the server drains, saying in Chinese what is missing.
func TestProbes(t *testing.T) {
	s := apptest.Start(t, app.Config{})
	if code, _ := probe(t, s.URL+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz: %d, want 200", code)
	}
	code, problems := probe(t, s.URL+"/readyz")
	if code != http.StatusServiceUnavailable || len(problems) != 2 {
		t.Fatalf("/readyz before Run: %d %q, want 503 naming the deliverer and the timers", code, problems)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { s.Run(ctx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })
	deadline := time.Now().Add(5 * time.Second)
	for code, problems = probe(t, s.URL+"/readyz"); code != http.StatusOK; code, problems = probe(t, s.URL+"/readyz") {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz while running: %d %q, want 200", code, problems)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Drain()
	if code, problems = probe(t, s.URL+"/readyz"); code != http.StatusServiceUnavailable || len(problems) != 1 || problems[0] != "服务正在停止" {
		t.Fatalf("/readyz draining: %d %q, want 503 服务正在停止", code, problems)
	}
	if code, _ := probe(t, s.URL+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz draining: %d, want 200", code)
	}
	cancel()
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if code, problems = probe(t, s.URL+"/readyz"); code != http.StatusServiceUnavailable || len(problems) != 3 {
		t.Fatalf("/readyz after Run: %d %q, want 503 with the background work stopped", code, problems)
	}
}
