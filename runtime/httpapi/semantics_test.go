package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHTTPSemantics: the answers to requests that get HTTP itself wrong, in the one error shape.
// A method a path does not have is 405 with Allow; HEAD is GET without the body; JSON sent
// under another media type is 415; an idempotency key reused for another application is 422;
// an empty file is refused naming it; paging parameters are integers in range; the protocol
// errors of the resumable uploads have the API's shape.
func TestHTTPSemantics(t *testing.T) {
	e := sqliteEnv(t)
	person := e.Token(citizen)
	// request sends a raw request and returns the status, the header and the body.
	request := func(method, url, contentType, body string, headers ...string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, e.URL+url, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Authorization", "Bearer "+person)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(raw)
	}
	draft := `{"matter":"sole-proprietor-registration","form":{},"draft":true}`

	for _, c := range []struct {
		name, method, url, contentType, body string
		headers                              []string
		status                               int
		// code is the error code of the answer; "" for a success.
		code string
	}{
		{name: "a method the path does not have", method: "DELETE", url: "/api/v1/matters", status: 405, code: "method_not_allowed"},
		{name: "PUT on a POST route", method: "PUT", url: "/api/v1/cases/X/accept", contentType: "application/json", body: "{}", status: 405, code: "method_not_allowed"},
		{name: "JSON sent as text/plain", method: "POST", url: "/api/v1/cases", contentType: "text/plain", body: draft, status: 415, code: "unsupported_media_type"},
		{name: "JSON sent as a form", method: "POST", url: "/api/v1/messages", contentType: "application/x-www-form-urlencoded", body: `{"kind":"consultation"}`, status: 415, code: "unsupported_media_type"},
		{name: "JSON without a media type", method: "POST", url: "/api/v1/cases", body: draft, status: 415, code: "unsupported_media_type"},
		{name: "JSON with a charset", method: "POST", url: "/api/v1/cases", contentType: "application/json; charset=utf-8", body: draft, status: 201},
		{name: "an offset that is not a number", method: "GET", url: "/api/v1/cases?offset=abc", status: 400, code: "invalid"},
		{name: "a limit out of range", method: "GET", url: "/api/v1/cases?limit=501", status: 400, code: "invalid"},
		{name: "a limit in range", method: "GET", url: "/api/v1/cases?offset=0&limit=500", status: 200},
		{name: "a resumable upload without Tus-Resumable", method: "POST", url: "/api/v1/uploads/", headers: []string{"Upload-Length", "10"}, status: 412, code: "invalid"},
		{name: "a resumable upload without its length", method: "POST", url: "/api/v1/uploads/", headers: []string{"Tus-Resumable", "1.0.0"}, status: 400, code: "invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, header, body := request(c.method, c.url, c.contentType, c.body, c.headers...)
			if status != c.status || c.code != "" && !strings.Contains(body, `{"error":{"code":"`+c.code+`"`) {
				t.Fatalf("%d %s, want %d %s", status, body, c.status, c.code)
			}
			if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("answered as %q", ct)
			}
			if status == 405 && header.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
		})
	}

	t.Run("HEAD is GET without the body", func(t *testing.T) {
		for _, url := range []string{"/api/v1/matters", "/api/v1/openapi.json", "/api/v1/cases", "/api/v1/matters/food-business-license"} {
			status, header, body := request("HEAD", url, "", "")
			if status != 200 || body != "" || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
				t.Errorf("HEAD %s: %d %q %q", url, status, header.Get("Content-Type"), body)
			}
		}
		if status, _, body := request("HEAD", "/api/v1/cases/NOPE", "", ""); status != 404 || body != "" {
			t.Errorf("HEAD of a case that does not exist: %d %q", status, body)
		}
	})

	t.Run("an idempotency key reused", func(t *testing.T) {
		key := []string{"Idempotency-Key", "semantics-1"}
		first := e.expect(201)(e.call(person, "POST", "/api/v1/cases", draft, key...))
		again := e.expect(201)(e.call(person, "POST", "/api/v1/cases", draft, key...))
		if again["number"] != first["number"] {
			t.Errorf("the same request again made %v, want %v", again["number"], first["number"])
		}
		other := `{"matter":"sole-proprietor-registration","form":{"name":"另一份"},"draft":true}`
		out := e.expect(422)(e.call(person, "POST", "/api/v1/cases", other, key...))
		if out["error"].(map[string]any)["code"] != "idempotency_key_reused" {
			t.Errorf("answer %v", out)
		}
		// The case the key made is as it was.
		if c := e.expect(200)(e.call(person, "GET", "/api/v1/cases/"+first["number"].(string), nil)); c["status"] != "draft" {
			t.Errorf("case %v", c)
		}
	})

	t.Run("an empty file", func(t *testing.T) {
		out := e.expect(400)(e.uploadFile(person, "身份证.pdf", nil))
		if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "身份证.pdf") {
			t.Errorf("refusal %q does not name the file", msg)
		}
		number := e.expect(201)(e.call(person, "POST", "/api/v1/cases", draft))["number"].(string)
		_, guide := e.call("", "GET", "/api/v1/matters/sole-proprietor-registration", nil)
		var material string
		for _, m := range guide["materials"].([]any) {
			if m := m.(map[string]any); m["fileTypes"] != nil && material == "" {
				material = m["id"].(string)
			}
		}
		out = e.expect(400)(e.upload(person, number, material, "申请书.pdf", nil))
		if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "申请书.pdf") {
			t.Errorf("refusal %q does not name the file", msg)
		}
	})
}
