package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/designer"
	"github.com/xuchang-gov/tongban/runtime/httpapi"
)

// TestOpenAPIDescribesEveryRoute walks the routes the server with every part configured has
// mounted, and the paths and methods its /api/v1/openapi.json lists, and finds each in the other.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := sqliteEnv(t)
	svc := e.Service
	api := httpapi.New(httpapi.Server{Matters: svc, Cases: svc, Tasks: svc, Users: svc, Certificates: svc, Exports: svc,
		Documents: svc, Lookups: svc, Outbox: svc, Files: svc, Messages: svc, Resumable: svc, Design: designer.New(e.Store, nil),
		Callbacks: map[string]http.Handler{"housing-approval-system": http.NotFoundHandler()}})
	srv := httptest.NewServer(api)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q: %v", doc.OpenAPI, err)
	}
	var documented, mounted []string
	for p, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+p)
		}
	}
	for _, r := range api.Routes() {
		method, p, _ := strings.Cut(r, " ")
		mounted = append(mounted, method+" "+ginParam(p))
	}
	for _, r := range mounted {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is mounted but missing from openapi.json", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(mounted, r) {
			t.Errorf("openapi.json lists %s, which is not mounted", r)
		}
	}

	// The routes served by other code than the API's own handlers, with the headers of their
	// protocols.
	for _, c := range []struct {
		route   string
		headers []string
	}{
		{"OPTIONS /api/v1/uploads/", nil},
		{"POST /api/v1/uploads/", []string{"Tus-Resumable", "Upload-Length", "Upload-Metadata"}},
		{"HEAD /api/v1/uploads/{id}", []string{"Tus-Resumable"}},
		{"PATCH /api/v1/uploads/{id}", []string{"Tus-Resumable", "Upload-Offset"}},
		{"DELETE /api/v1/uploads/{id}", []string{"Tus-Resumable"}},
		{"POST /api/v1/callbacks/{connector}", []string{"X-Tongban-Signature", "X-Tongban-Timestamp", "X-Tongban-Nonce"}},
	} {
		method, p, _ := strings.Cut(c.route, " ")
		op := doc.Paths[p][strings.ToLower(method)]
		if op == nil || !slices.Contains(mounted, c.route) {
			t.Errorf("%s: mounted %v, documented %v", c.route, slices.Contains(mounted, c.route), op != nil)
			continue
		}
		var names []string
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			if p := p.(map[string]any); p["in"] == "header" && p["required"] == true {
				names = append(names, p["name"].(string))
			}
		}
		for _, h := range c.headers {
			if !slices.Contains(names, h) {
				t.Errorf("%s: required header %s not documented (has %v)", c.route, h, names)
			}
		}
	}
}
