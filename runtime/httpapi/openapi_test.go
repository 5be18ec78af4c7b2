package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
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

// TestDocumentServesGenerators checks what client generators and linters need of the document:
// named components with plain names, no boolean schemas (but additionalProperties false), an
// id, a description, security and a declared tag for every operation, a licence, and the
// contracts integrators met wrong before — typed paging, the wrapped lookup result, requests
// requiring only what the server needs and refusing unknown fields.
func TestDocumentServesGenerators(t *testing.T) {
	e := sqliteEnv(t)
	var doc map[string]any
	if err := json.Unmarshal(e.document(), &doc); err != nil {
		t.Fatal(err)
	}
	components := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name := range components {
		if !plainName.MatchString(name) {
			t.Errorf("component %q has no plain name", name)
		}
	}
	for _, want := range []string{"CaseView", "TaskView", "Error", "CaseViewList", "Message", "Question"} {
		if components[want] == nil {
			t.Errorf("no component %s", want)
		}
	}
	var booleans func(v any, at string)
	booleans = func(v any, at string) {
		switch v := v.(type) {
		case bool:
			if !strings.HasSuffix(at, "/additionalProperties") || v {
				t.Errorf("boolean schema %v at %s", v, at)
			}
		case map[string]any:
			for k, x := range v {
				if k != "required" && k != "enum" && k != "nullable" {
					booleans(x, at+"/"+k)
				}
			}
		case []any:
			for i, x := range v {
				booleans(x, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	booleans(components, "#/components/schemas")
	if lic, _ := doc["info"].(map[string]any)["license"].(map[string]any); lic["name"] == nil {
		t.Error("no info.license")
	}
	declared := map[string]bool{}
	for _, tag := range doc["tags"].([]any) {
		declared[tag.(map[string]any)["name"].(string)] = true
	}
	ids := map[string]bool{}
	for p, ops := range doc["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			op := op.(map[string]any)
			id, _ := op["operationId"].(string)
			if !plainName.MatchString(id) || ids[id] {
				t.Errorf("%s %s: operationId %q", method, p, id)
			}
			ids[id] = true
			if op["description"] == "" || op["security"] == nil || !declared[op["tags"].([]any)[0].(string)] {
				t.Errorf("%s %s: description %v, security %v, tags %v", method, p, op["description"], op["security"], op["tags"])
			}
			responses := op["responses"].(map[string]any)
			if responses["4XX"] != nil || responses["5XX"] != nil {
				t.Errorf("%s %s: error ranges instead of statuses", method, p)
			}
		}
	}

	op := func(method, p string) map[string]any {
		return doc["paths"].(map[string]any)[p].(map[string]any)[method].(map[string]any)
	}
	body := func(method, p string) map[string]any {
		ref := op(method, p)["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
		return components[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	required := func(s map[string]any) string {
		var names []string
		for _, n := range s["required"].([]any) {
			names = append(names, n.(string))
		}
		return strings.Join(names, ",")
	}
	for _, c := range []struct{ method, path, required string }{
		{"post", "/api/v1/messages", "kind,matter,body"},
		{"post", "/api/v1/cases/{number}/not-accept", "opinion"},
		{"post", "/api/v1/tasks/{id}/return", "to,opinion"},
		{"post", "/api/v1/tasks/{id}/complete", "outcome"},
		{"post", "/api/v1/cases/{number}/evaluation", "score"},
		{"post", "/api/v1/cases", "matter"},
	} {
		s := body(c.method, c.path)
		if got := required(s); got != c.required || s["additionalProperties"] != false {
			t.Errorf("%s %s: requires %q (want %q), additionalProperties %v", c.method, c.path, got, c.required, s["additionalProperties"])
		}
	}
	for _, p := range []string{"/api/v1/cases/{number}/accept", "/api/v1/cases/{number}/pre-review", "/api/v1/tasks/{id}/handover"} {
		if s := body("post", p); s["required"] != nil {
			t.Errorf("%s requires %v", p, s["required"])
		}
	}
	if score := body("post", "/api/v1/cases/{number}/evaluation")["properties"].(map[string]any)["score"].(map[string]any); score["minimum"] != 1.0 || score["maximum"] != 5.0 {
		t.Errorf("score %v", score)
	}
	for _, p := range op("get", "/api/v1/cases")["parameters"].([]any) {
		if p := p.(map[string]any); (p["name"] == "offset" || p["name"] == "limit") && p["schema"].(map[string]any)["type"] != "integer" {
			t.Errorf("%s is %v", p["name"], p["schema"])
		}
	}
	lookup := op("get", "/api/v1/lookups/{connector}/{key}")["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"]
	if result := components[strings.TrimPrefix(lookup.(string), "#/components/schemas/")].(map[string]any)["properties"].(map[string]any)["result"]; result == nil {
		t.Errorf("the lookup answer is not wrapped in result: %v", lookup)
	}
}

var plainName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
