package httpapi_test

import (
	"encoding/json"
	"testing"
)

// TestAnswersKeepTheContract: what generated clients send by default and what they read back.
// A null form to prefill is an empty one and a form that is not an object is refused at /form;
// a malformed lookup key is bad input and an unknown connector is not found, never an outage;
// lists and fees are [] when empty, never null; creating a message answers 201 as the document
// says; audit events have camelCase keys like the rest of the API.
func TestAnswersKeepTheContract(t *testing.T) {
	e := newEnv(t, "", nil)
	person, clerk := e.Token(citizen), e.staff("wd-amr", "clerk")

	t.Run("prefill", func(t *testing.T) {
		for _, matter := range []string{"senior-longevity-allowance", "sole-proprietor-registration", "food-business-license"} {
			e.expect(200)(e.call(person, "POST", "/api/v1/matters/"+matter+"/prefill", `{"form":null}`))
			e.expect(200)(e.call(person, "POST", "/api/v1/matters/"+matter+"/prefill", `{}`))
			for _, form := range []string{`[1]`, `"x"`, `3`} {
				out := e.expect(400)(e.call(person, "POST", "/api/v1/matters/"+matter+"/prefill", `{"form":`+form+`}`))
				if fields := out["error"].(map[string]any)["fields"].([]any); fields[0].(map[string]any)["pointer"] != "/form" {
					t.Errorf("form %s refused at %v", form, fields)
				}
			}
		}
	})

	t.Run("lookups", func(t *testing.T) {
		e.expect(400)(e.call(clerk, "GET", "/api/v1/lookups/population-db/0", nil))
		e.expect(404)(e.call(clerk, "GET", "/api/v1/lookups/nonexistent/abc", nil))
		e.expect(404)(e.call(clerk, "GET", "/api/v1/lookups/sms-gateway/"+e.Credential(citizen).IDNumber, nil))
		e.expect(200)(e.call(clerk, "GET", "/api/v1/lookups/population-db/"+e.Credential(citizen).IDNumber, nil))
	})

	t.Run("empty lists and fees", func(t *testing.T) {
		raw := e.raw(person, "/api/v1/messages")
		if string(raw["items"]) != "[]" {
			t.Errorf("GET /messages with none: items %s, want []", raw["items"])
		}
		submitted := e.apply(person, "sole-proprietor-registration", sample(t, "sole-proprietor-registration"), false)
		n := submitted["number"].(string)
		if fees, ok := submitted["fees"].([]any); !ok || len(fees) != 0 {
			t.Errorf("submission answered fees %v, want []", submitted["fees"])
		}
		if fees := e.raw(person, "/api/v1/cases/"+n)["fees"]; string(fees) != "[]" {
			t.Errorf("GET /cases/%s: fees %s, want []", n, fees)
		}
		var list []map[string]json.RawMessage
		json.Unmarshal(e.raw(person, "/api/v1/cases")["items"], &list)
		for _, c := range list {
			if string(c["fees"]) != "[]" {
				t.Errorf("GET /cases: fees %s of %s, want []", c["fees"], c["number"])
			}
		}
		events := e.expect(200)(e.call(person, "GET", "/api/v1/cases/"+n+"/events", nil))["items"].([]any)
		for _, key := range []string{"type", "actor", "at", "data", "prevHash", "hash", "seq"} {
			if _, ok := events[1].(map[string]any)[key]; !ok {
				t.Errorf("event %v has no %q", events[1], key)
			}
		}
	})

	t.Run("created message", func(t *testing.T) {
		e.expect(201)(e.call(person, "POST", "/api/v1/messages", map[string]any{"kind": "consultation", "matter": "food-business-license", "body": "需要健康证吗？"}))
		doc := e.expect(200)(e.call("", "GET", "/api/v1/openapi.json", nil))
		responses := doc["paths"].(map[string]any)["/api/v1/messages"].(map[string]any)["post"].(map[string]any)["responses"].(map[string]any)
		if _, ok := responses["201"]; !ok || responses["200"] != nil {
			t.Errorf("POST /messages documented as %v, want 201", responses)
		}
	})
}

// raw gets url and returns the answer's top-level members as they were sent.
func (e *env) raw(token, url string) map[string]json.RawMessage {
	e.T.Helper()
	status, body := e.get(token, url)
	var out map[string]json.RawMessage
	if status != 200 || json.Unmarshal(body, &out) != nil {
		e.T.Fatalf("GET %s: %d %s", url, status, body)
	}
	return out
}
