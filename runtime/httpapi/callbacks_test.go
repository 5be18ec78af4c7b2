package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/callback"
	"github.com/xuchang-gov/tongban/connectors/hmacsig"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime/httpapi"
)

// TestCallbacksReachTheirConnector sends callbacks to the API server, which passes each to the
// endpoint of the connector its path names.
func TestCallbacksReachTheirConnector(t *testing.T) {
	const secret = "demo-secret"
	conns := []*definitions.Connector{{Name: "housing-approval-system", Kind: "push", Callbacks: []string{"step", "result"},
		Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "HOUSING_KEY"}}}
	var applied []string
	endpoints := callback.Endpoints(conns, func(string) string { return secret }, callback.NewMemoryDedup(),
		func(_ context.Context, connector string, m callback.Message) error {
			applied = append(applied, connector+" "+m.ID)
			return nil
		}, nil, nil)
	srv := httptest.NewServer(httpapi.New(httpapi.Server{Callbacks: endpoints}))
	defer srv.Close()

	body := `{"messageId":"m1","type":"result"}`
	for _, c := range []struct {
		name, method, path, key string
		status                  int
		answer                  string
	}{
		{"signed", "POST", "/api/v1/callbacks/housing-approval-system", secret, 200, `"duplicate":false`},
		{"the same message again", "POST", "/api/v1/callbacks/housing-approval-system", secret, 200, `"duplicate":true`},
		{"a wrong key", "POST", "/api/v1/callbacks/housing-approval-system", "another", 401, `"reason":"bad_signature"`},
		{"a connector without callbacks", "POST", "/api/v1/callbacks/population-db", secret, 404, `"code":"not_found"`},
		{"not a POST", "GET", "/api/v1/callbacks/housing-approval-system", secret, 405, `"code":"method_not_allowed"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			hmacsig.SignRequest(req, []byte(c.key), "", hmacsig.DefaultHeaders, []byte(body), time.Now())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status || !strings.Contains(string(raw), c.answer) || !json.Valid(raw) {
				t.Fatalf("%d %s, want %d with %s", resp.StatusCode, raw, c.status, c.answer)
			}
		})
	}
	if len(applied) != 1 || applied[0] != "housing-approval-system m1" {
		t.Fatalf("applied %v, want the message once", applied)
	}
}

// TestCallbackTypesBelongToTheirConnector: a callback carries only the message types its
// connector declares, so a "paid" signed with the SMS gateway's key leaves the fee unpaid and
// the case waiting; the payment platform's own "paid" then goes through.
func TestCallbackTypesBelongToTheirConnector(t *testing.T) {
	e := newEnv(t, "", nil)
	n := e.apply(e.Token("张伟"), "real-estate-certificate-reissue", sample(t, "real-estate-certificate-reissue"), false)["number"].(string)
	e.act(n, "xc-realestate", "clerk", "accept", "accept")
	e.act(n, "xc-realestate", "reviewer", "review", "approve")
	paid := func(connector, messageID string) (int, string) {
		body := `{"messageId": "` + messageID + `", "type": "paid", "case": "` + n + `", "amount": 90, "tradeNo": "T90", "paidAt": "2026-03-02T10:00:00Z"}`
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/v1/callbacks/"+connector, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		key := e.Simulators.Secrets[simulate.SecretEnv(connector)]
		hmacsig.SignRequest(req, []byte(key), "", hmacsig.DefaultHeaders, []byte(body), time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	for _, connector := range []string{simulate.SMS, simulate.Logistics} {
		if status, answer := paid(connector, connector+"-paid"); status != http.StatusForbidden && status != http.StatusNotFound {
			t.Fatalf("a paid callback signed by %s: %d %s, want it refused", connector, status, answer)
		}
	}
	if c := e.expect(200)(e.call(e.staff("xc-realestate", "clerk"), "GET", "/api/v1/cases/"+n, nil)); status(c) != "in-approval" || len(e.events(n)["fee-paid"]) != 0 {
		t.Fatalf("after refused callbacks: status %v, the fee marked paid", status(c))
	}
	if status, answer := paid(simulate.Payment, "payment-paid"); status != http.StatusOK {
		t.Fatalf("the payment platform's paid callback: %d %s", status, answer)
	}
	if c := e.expect(200)(e.call(e.staff("xc-realestate", "clerk"), "GET", "/api/v1/cases/"+n, nil)); status(c) != "certificate-issued" {
		t.Fatalf("after payment: status %v", status(c))
	}
}
