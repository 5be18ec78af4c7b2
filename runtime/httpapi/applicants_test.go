package httpapi_test

import (
	"strings"
	"testing"
)

// TestServiceObjectsDecideWhoMayApply: an enterprise cannot file a matter for 自然人 only, nor a
// person one for 法人 only, as a draft or as a submission; the refusal says why and no case is
// stored.
func TestServiceObjectsDecideWhoMayApply(t *testing.T) {
	e := newEnv(t, "", nil)
	tests := []struct {
		who, matter string
		draft       bool
	}{
		{enterprise, "sole-proprietor-registration", true},
		{enterprise, "senior-longevity-allowance", false},
		{citizen, "construction-permit", true},
		{citizen, "public-venue-hygiene-license", false},
	}
	for _, tc := range tests {
		t.Run(tc.who+" "+tc.matter, func(t *testing.T) {
			token := e.Token(tc.who)
			before := len(e.expect(200)(e.call(token, "GET", "/api/v1/cases", nil))["items"].([]any))
			out := e.expect(403)(e.call(token, "POST", "/api/v1/cases", map[string]any{"matter": tc.matter, "form": sample(t, tc.matter), "draft": tc.draft}))
			if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "服务对象") {
				t.Errorf("refusal %q does not name the service objects", msg)
			}
			if after := len(e.expect(200)(e.call(token, "GET", "/api/v1/cases", nil))["items"].([]any)); after != before {
				t.Errorf("%d cases stored by the refused application", after-before)
			}
		})
	}
	// Either kind may file a matter that serves both.
	e.expect(201)(e.call(e.Token(citizen), "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": map[string]any{}, "draft": true}))
	e.expect(201)(e.call(e.Token(enterprise), "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": map[string]any{}, "draft": true}))
}

// TestFormWithInvalidUTF8IsRefused: bytes that are not UTF-8 anywhere in a form are refused with
// the field's pointer, as a draft, a saved draft and a submission, and nothing is stored.
func TestFormWithInvalidUTF8IsRefused(t *testing.T) {
	e := newEnv(t, "", nil)
	token := e.Token(citizen)
	draft := e.expect(201)(e.call(token, "POST", "/api/v1/cases", map[string]any{"matter": "sole-proprietor-registration", "form": map[string]any{}, "draft": true}))
	number := draft["number"].(string)
	before := len(e.expect(200)(e.call(token, "GET", "/api/v1/cases", nil))["items"].([]any))
	tests := []struct {
		name, method, url, body, pointer string
	}{
		{"draft", "POST", "/api/v1/cases", "{\"matter\":\"sole-proprietor-registration\",\"draft\":true,\"form\":{\"business\":{\"name\":\"陈记\xff烩面\"}}}", "/form/business/name"},
		{"submission", "POST", "/api/v1/cases", "{\"matter\":\"sole-proprietor-registration\",\"form\":{\"a\":[1,{\"b\":\"好\"},\"\xe9\x99\"]}}", "/form/a/2"},
		{"key", "POST", "/api/v1/cases", "{\"matter\":\"sole-proprietor-registration\",\"draft\":true,\"form\":{\"ok\":{\"\xc3(\":1}}}", "/form/ok"},
		{"saved draft", "PUT", "/api/v1/cases/" + number + "/form", "{\"form\":{\"operator\":{\"name\":\"\xfe张伟\"}}}", "/form/operator/name"},
		{"submitted draft", "POST", "/api/v1/cases/" + number + "/submit", "{\"form\":{\"x/y\":\"\x80\"}}", "/form/x~1y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := e.expect(400)(e.call(token, tc.method, tc.url, tc.body))
			fields, _ := out["error"].(map[string]any)["fields"].([]any)
			if len(fields) != 1 || fields[0].(map[string]any)["pointer"] != tc.pointer {
				t.Errorf("%v: fields %v, want one at %q", out, fields, tc.pointer)
			}
		})
	}
	if after := len(e.expect(200)(e.call(token, "GET", "/api/v1/cases", nil))["items"].([]any)); after != before {
		t.Errorf("%d cases stored by refused forms", after-before)
	}
	if form := e.expect(200)(e.call(token, "GET", "/api/v1/cases/"+number, nil))["form"]; len(form.(map[string]any)) != 0 {
		t.Errorf("the draft's form changed to %v", form)
	}
}

// TestStaffDoNotReadDrafts: an applicant's unsubmitted draft is theirs alone; staff of the
// matter's org, even its clerk, are answered as if it did not exist.
func TestStaffDoNotReadDrafts(t *testing.T) {
	e := newEnv(t, "", nil)
	n := e.expect(201)(e.call(e.Token(enterprise), "POST", "/api/v1/cases",
		map[string]any{"matter": "food-business-license", "form": sample(t, "food-business-license"), "draft": true}))["number"].(string)
	e.expect(200)(e.call(e.Token(enterprise), "GET", "/api/v1/cases/"+n, nil))
	for _, staff := range []string{"wd-amr/clerk", "wd-gov/admin"} {
		e.expect(404)(e.call(e.Token(staff), "GET", "/api/v1/cases/"+n, nil))
		e.expect(404)(e.call(e.Token(staff), "GET", "/api/v1/cases/"+n+"/events", nil))
		if list := e.expect(200)(e.call(e.Token(staff), "GET", "/api/v1/cases", nil)); strings.Contains(jsonText(list), n) {
			t.Fatalf("%s lists the draft %s", staff, n)
		}
	}
}

// TestUnrelatedStaffLearnNothingOfACase: staff of an org with no part in a case are answered
// 404 whatever its status, so they cannot tell which numbers exist; the case's own clerk is
// told why the action does not fit (409).
func TestUnrelatedStaffLearnNothingOfACase(t *testing.T) {
	e := newEnv(t, "", nil)
	n := e.expect(201)(e.call(e.Token(enterprise), "POST", "/api/v1/cases",
		map[string]any{"matter": "food-business-license", "form": sample(t, "food-business-license"), "draft": true}))["number"].(string)
	body := map[string]any{"opinion": "申请书未签字，请补正", "materials": []string{"application"}}
	e.expect(404)(e.call(e.staff("xc-health", "clerk"), "POST", "/api/v1/cases/"+n+"/correction", body))
	e.expect(409)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/cases/"+n+"/correction", body))
}
