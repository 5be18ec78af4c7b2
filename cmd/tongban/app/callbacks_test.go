package app_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/connectors/hmacsig"
	"github.com/xuchang-gov/tongban/connectors/simulate"
)

// callbackRequest is a callback to the payment platform's endpoint with body, signed with a
// key that is not the connector's when signed: its headers pass, its signature does not.
func callbackRequest(t *testing.T, srv *apptest.Server, body io.Reader, length int64, signed bool) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/callbacks/"+simulate.Payment, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", "application/json")
	if signed {
		hmacsig.SignRequest(req, []byte("not-the-key"), "", hmacsig.DefaultHeaders, nil, time.Now())
	}
	return req
}

// TestCallbackBodies: a callback's signature headers are checked before its body is read, its
// body is capped at 256 KB whether announced or not, and it is worked on in its turn.
func TestCallbackBodies(t *testing.T) {
	srv := apptest.Start(t, app.Config{MaxInFlight: 1})
	huge := func() io.Reader { return io.MultiReader(strings.NewReader(`{"messageId":"`), neverEnding{}) }
	tests := []struct {
		name   string
		req    *http.Request
		status int
		reason string
	}{
		{"unsigned, endless", callbackRequest(t, srv, huge(), -1, false), http.StatusBadRequest, "missing"},
		{"unsigned, 16 MB announced", callbackRequest(t, srv, huge(), 16<<20, false), http.StatusBadRequest, "missing"},
		{"signed, 1 MB announced", callbackRequest(t, srv, huge(), 1<<20, true), http.StatusRequestEntityTooLarge, "too_large"},
		{"signed, endless", callbackRequest(t, srv, huge(), -1, true), http.StatusRequestEntityTooLarge, "too_large"},
		{"signed, small", callbackRequest(t, srv, strings.NewReader(`{"messageId":"m-1","type":"paid"}`), 33, true),
			http.StatusUnauthorized, "bad_signature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(t, tc.req)
			if status != tc.status || body["reason"] != tc.reason {
				t.Errorf("status %d %v, want %d %s", status, body, tc.status, tc.reason)
			}
		})
	}

	t.Run("in its turn", func(t *testing.T) {
		// The one write turn is held by a prefill waiting on a slow population database (one
		// lookup of two seconds). An answer is written after its turn is given back, so which
		// of the two is answered first does not tell; how long the callback waited does.
		srv.Simulators.SetFaults(simulate.Population, simulate.Faults{Latency: 2 * time.Second})
		defer srv.Simulators.SetFaults(simulate.Population, simulate.Faults{})
		var waited time.Duration
		var wg sync.WaitGroup
		elder := srv.Credential("王桂英")
		wg.Go(func() {
			call(t, srv, elder.Token, http.MethodPost, "/api/v1/matters/senior-longevity-allowance/prefill",
				map[string]any{"form": map[string]any{"elder": map[string]any{"idNumber": elder.IDNumber}}})
		})
		time.Sleep(500 * time.Millisecond)
		wg.Go(func() {
			start := time.Now()
			send(t, callbackRequest(t, srv, strings.NewReader(`{"messageId":"m-2","type":"paid"}`), 33, true))
			waited = time.Since(start)
		})
		wg.Wait()
		if waited < time.Second {
			t.Errorf("the callback was answered in %v: it did not wait for the turn the prefill held", waited)
		}
	})
}

// TestDemoCallbackSecretsAreThisFolders: the demo simulators' callback secrets come from the
// data folder's own key, so they differ between folders, and the constants anyone can read in
// the source sign nothing.
func TestDemoCallbackSecretsAreThisFolders(t *testing.T) {
	one, two := apptest.Start(t, app.Config{}), apptest.Start(t, app.Config{})
	env := simulate.SecretEnv(simulate.Payment)
	if a, b := one.Simulators.Secrets[env], two.Simulators.Secrets[env]; a == b || a == "demo-payment-platform-secret" || len(a) < 32 {
		t.Fatalf("payment secrets %q and %q", a, b)
	}
	body := `{"messageId":"m-1","type":"paid","case":"XC1"}`
	req, _ := http.NewRequest(http.MethodPost, one.URL+"/api/v1/callbacks/"+simulate.Payment, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	hmacsig.SignRequest(req, []byte("demo-payment-platform-secret"), "", hmacsig.DefaultHeaders, []byte(body), time.Now())
	if status, answer := send(t, req); status != http.StatusUnauthorized {
		t.Fatalf("a callback signed with the old constant: %d %v", status, answer)
	}
}
