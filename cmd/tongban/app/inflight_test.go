package app

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLimitInFlight: at most limit requests of one kind are in the handler at once, the rest
// are served in their turn, never refused; reads do not wait for writes' turns.
func TestLimitInFlight(t *testing.T) {
	const limit, requests = 3, 12
	var now, peak atomic.Int64
	writesHeld := make(chan struct{})
	h := newInFlight(limit, t.TempDir()).limit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/hold" {
			<-writesHeld
			return
		}
		n := now.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond) // long enough for the others to pile up
		now.Add(-1)
	}), 1<<20)
	srv := httptest.NewServer(h)
	defer srv.Close()
	send := func(method, path string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s: status %d, want 200: waiting requests are served, not refused", method, path, resp.StatusCode)
		}
	}
	// Every write turn is taken by a request that does not finish yet.
	var held sync.WaitGroup
	for range limit {
		held.Go(func() { send(http.MethodPost, "/hold") })
	}
	var wg sync.WaitGroup
	for range requests {
		wg.Go(func() { send(http.MethodGet, "/") })
	}
	wg.Wait() // the reads were served while the writes held their turns
	if p := peak.Load(); p > limit {
		t.Errorf("%d requests in the handler at once, want at most %d", p, limit)
	}
	close(writesHeld)
	held.Wait()
	for range requests {
		wg.Go(func() { send(http.MethodPost, "/") })
	}
	wg.Wait()
	if p := peak.Load(); p > limit {
		t.Errorf("%d requests in the handler at once, want at most %d", p, limit)
	}
}
