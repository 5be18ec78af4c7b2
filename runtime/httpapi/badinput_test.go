package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
)

func sqliteEnv(t *testing.T) *env {
	return newEnv(t, "", nil)
}

// snapshot counts what a bad request must not change.
func (e *env) snapshot() string {
	cases, total, err := e.Store.ListCases(ctx, runtime.CaseQuery{Limit: 500})
	if err != nil {
		e.T.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cases=%d", total)
	for _, c := range cases {
		events, _ := e.Store.ListEvents(ctx, c.ID)
		fmt.Fprintf(&b, " %s:%s:r%d:e%d", c.Number, c.Status, c.Revision, len(events))
	}
	messages, err := e.Store.MessagesFor(ctx, "wd-amr", 500)
	if err != nil {
		e.T.Fatal(err)
	}
	fmt.Fprintf(&b, " messages=%d", len(messages))
	return b.String()
}

// TestBadInputIsRefusedAndChangesNothing sends each kind of bad request and checks the answer is
// a clear 4xx in the one error shape, naming the field where there is one, and that nothing
// stored changed.
func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	e := sqliteEnv(t)
	owner := e.Token(enterprise)
	c := e.apply(owner, "food-business-license", sample(t, "food-business-license"), true)
	number := c["number"].(string)
	draft := e.expect(201)(e.call(owner, "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": map[string]any{}, "draft": true}))["number"].(string)
	badID := sample(t, "food-business-license")
	badID["legalRepresentative"].(map[string]any)["idNumber"] = "411002198503140214"
	wrongType := sample(t, "food-business-license")
	wrongType["premisesArea"] = "一百二十"

	cases := []struct {
		name    string
		token   string
		method  string
		url     string
		body    any
		status  int
		code    string
		pointer string
	}{
		{"malformed JSON", owner, "POST", "/api/v1/cases", `{"matter": "food-business-license", "form": {`, 400, "invalid", ""},
		{"wrong type of a request field", owner, "POST", "/api/v1/cases", `{"matter": 12}`, 400, "invalid", "/matter"},
		{"unknown request field", owner, "POST", "/api/v1/cases", `{"matter": "food-business-license", "colour": "red"}`, 400, "invalid", "/colour"},
		{"wrong type of a form field", owner, "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": wrongType}, 400, "invalid", "/form/premisesArea"},
		{"invalid ID number checksum", owner, "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": badID}, 400, "invalid", "/form/legalRepresentative/idNumber"},
		{"injection string as a matter", owner, "POST", "/api/v1/cases", map[string]any{"matter": "x'; DROP TABLE cases; --", "form": map[string]any{}}, 404, "not_found", ""},
		{"oversized body", owner, "POST", "/api/v1/cases", `{"matter": "` + strings.Repeat("长", 1<<19) + `"}`, 413, "too_large", ""},
		{"unknown matter", owner, "POST", "/api/v1/cases", map[string]any{"matter": "no-such-matter", "form": map[string]any{}}, 404, "not_found", ""},
		{"no token", "", "GET", "/api/v1/cases", nil, 401, "unauthorized", ""},
		{"forged token", "tb_forged", "GET", "/api/v1/cases", nil, 401, "unauthorized", ""},
		{"forged case number", owner, "GET", "/api/v1/cases/XC20260101999999", nil, 404, "not_found", ""},
		{"another applicant's case", e.Token(citizen), "GET", "/api/v1/cases/" + number, nil, 404, "not_found", ""},
		{"another applicant's audit trail", e.Token(citizen), "GET", "/api/v1/cases/" + number + "/events", nil, 404, "not_found", ""},
		{"staff of another org", e.staff("xc-health", "clerk"), "GET", "/api/v1/cases/" + number, nil, 404, "not_found", ""},
		{"another applicant's draft", e.Token(citizen), "PUT", "/api/v1/cases/" + draft + "/form", map[string]any{"form": map[string]any{}}, 404, "not_found", ""},
		{"applicant acting on a task", owner, "GET", "/api/v1/tasks", nil, 403, "forbidden", ""},
		{"wrong progress query code", "", "GET", "/api/v1/progress?number=" + number + "&queryCode=AAAAAAAA", nil, 404, "not_found", ""},
		{"evaluation out of range", owner, "POST", "/api/v1/cases/" + number + "/evaluation", map[string]any{"score": 9}, 400, "invalid", "/score"},
		{"message of an unknown kind", owner, "POST", "/api/v1/messages", map[string]any{"kind": "praise", "matter": "food-business-license", "body": "你好"}, 400, "invalid", "/kind"},
		{"message without a body", owner, "POST", "/api/v1/messages", map[string]any{"kind": "consultation", "matter": "food-business-license", "body": " "}, 400, "invalid", "/body"},
		{"message about another's case", e.Token(citizen), "POST", "/api/v1/messages", map[string]any{"kind": "complaint", "matter": "food-business-license", "caseNumber": number, "body": "太慢"}, 400, "invalid", "/caseNumber"},
		{"message body of the wrong type", owner, "POST", "/api/v1/messages", map[string]any{"kind": "consultation", "matter": "food-business-license", "body": 5}, 400, "invalid", ""},
		{"answer by an applicant", owner, "POST", "/api/v1/messages/1/answer", map[string]any{"answer": "好"}, 403, "forbidden", ""},
		{"answer to no message", e.staff("wd-amr", "clerk"), "POST", "/api/v1/messages/999999/answer", map[string]any{"answer": "好"}, 404, "not_found", ""},
		{"unknown route", owner, "GET", "/api/v1/nothing", nil, 404, "not_found", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.snapshot()
			status, out := e.call(c.token, c.method, c.url, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %v", status, c.status, out)
			}
			errBody, _ := out["error"].(map[string]any)
			if errBody == nil || errBody["code"] != c.code || errBody["message"] == "" {
				t.Fatalf("error body %v, want code %s and a message", out, c.code)
			}
			if c.pointer != "" && !namesField(errBody, c.pointer) {
				t.Fatalf("fields %v do not name %s", errBody["fields"], c.pointer)
			}
			if after := e.snapshot(); after != before {
				t.Fatalf("stored state changed:\n%s\n%s", before, after)
			}
		})
	}
}

func TestUploadChecks(t *testing.T) {
	e := sqliteEnv(t)
	owner := e.Token(enterprise)
	number := e.expect(201)(e.call(owner, "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": map[string]any{}, "draft": true}))["number"].(string)
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	cases := []struct {
		name     string
		token    string
		material string
		file     string
		content  []byte
		status   int
	}{
		{"a real PDF", owner, "application", "申请书.pdf", pdf, 201},
		{"a script named .pdf", owner, "application", "申请书.pdf", []byte("<script>alert(1)</script>"), 400},
		{"an executable named .jpg", owner, "application", "照片.jpg", []byte("MZ\x90\x00\x03\x00\x00\x00"), 400},
		{"an unknown material", owner, "passport", "a.pdf", pdf, 400},
		{"someone else's case", e.Token(citizen), "application", "a.pdf", pdf, 404},
		{"larger than the server takes", owner, "application", "big.pdf", append(append([]byte{}, pdf...), make([]byte, 7<<20)...), 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := e.upload(c.token, number, c.material, c.file, c.content)
			if status != c.status {
				t.Fatalf("status %d, want %d: %v", status, c.status, out)
			}
		})
	}
	t.Run("hostile file name is neutralised and the hash recorded", func(t *testing.T) {
		out := e.expect(201)(e.upload(owner, number, "application", "../../etc/passwd\u202Efdp.exe", pdf))
		if name := out["name"].(string); strings.Contains(name, "/") || strings.Contains(name, "\u202E") || !strings.HasSuffix(name, ".pdf") {
			t.Fatalf("name %q", name)
		}
		if len(out["sha256"].(string)) != 64 {
			t.Fatalf("sha256 %v", out["sha256"])
		}
	})
}

func TestIdempotencyKeyMakesOneCase(t *testing.T) {
	e := sqliteEnv(t)
	token := e.Token(elder)
	form := sample(t, "senior-longevity-allowance")
	draft := e.expect(201)(e.call(token, "POST", "/api/v1/cases", map[string]any{"matter": "senior-longevity-allowance", "form": form, "draft": true}))
	_ = draft
	body := map[string]any{"matter": "sole-proprietor-registration", "form": sample(t, "sole-proprietor-registration"), "draft": true}
	first := e.expect(201)(e.call(e.Token(citizen), "POST", "/api/v1/cases", body, "Idempotency-Key", "retry-1"))
	again := e.expect(201)(e.call(e.Token(citizen), "POST", "/api/v1/cases", body, "Idempotency-Key", "retry-1"))
	if first["number"] != again["number"] {
		t.Fatalf("a retry made a second case: %v and %v", first["number"], again["number"])
	}
	_, list := e.call(e.Token(citizen), "GET", "/api/v1/cases", nil)
	if list["total"].(float64) != 1 {
		t.Fatalf("want 1 case, got %v", list["total"])
	}
}

func TestApproverActsOnlyOnTheirRoleAndOrg(t *testing.T) {
	e := sqliteEnv(t)
	c := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)
	n := c["number"].(string)
	id := e.taskID(e.staff("wd-amr", "clerk"), n, "accept")
	for _, who := range []struct{ org, role string }{{"wd-amr", "decider"}, {"xc-amr", "clerk"}, {"xc-health", "clerk"}} {
		status, out := e.call(e.staff(who.org, who.role), "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", id), map[string]any{"outcome": "accept"})
		if status != http.StatusForbidden && status != http.StatusNotFound {
			t.Fatalf("%s/%s completed someone else's task: %d %v", who.org, who.role, status, out)
		}
	}
	clerk := e.staff("wd-amr", "clerk")
	e.expect(400)(e.call(clerk, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", id), map[string]any{"outcome": "approve"}))
	e.expect(200)(e.call(clerk, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", id), map[string]any{"outcome": "accept"}))
	e.expect(409)(e.call(clerk, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", id), map[string]any{"outcome": "accept"}))
}

func TestPublicProgressAndEvaluation(t *testing.T) {
	e := sqliteEnv(t)
	c := e.apply(e.Token(elder), "senior-longevity-allowance", sample(t, "senior-longevity-allowance"), false)
	n, code := c["number"].(string), c["queryCode"].(string)
	p := e.expect(200)(e.call("", "GET", "/api/v1/progress?number="+n+"&queryCode="+code, nil))
	if p["status"] != "approved" || p["applicant"] != "王**" {
		t.Fatalf("progress %v", p)
	}
	e.expect(200)(e.call(e.Token(elder), "POST", "/api/v1/cases/"+n+"/evaluation", map[string]any{"score": 5, "comment": "当场办结，很方便"}))
	e.expect(409)(e.call(e.Token(elder), "POST", "/api/v1/cases/"+n+"/evaluation", map[string]any{"score": 1}))
	v := e.expect(200)(e.call(e.Token(elder), "GET", "/api/v1/cases/"+n, nil))
	if v["evaluation"].(map[string]any)["score"].(float64) != 5 {
		t.Fatalf("evaluation %v", v["evaluation"])
	}
}

func ginParam(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func namesField(errBody map[string]any, pointer string) bool {
	fields, _ := errBody["fields"].([]any)
	for _, f := range fields {
		if f.(map[string]any)["pointer"] == pointer && f.(map[string]any)["message"] != "" {
			return true
		}
	}
	return false
}

// TestDecisionsGiveTheirReason: not accepting, denying and returning without a reason, or with
// an opinion over 2,000 characters, are refused with 400 naming /opinion, and change nothing.
func TestDecisionsGiveTheirReason(t *testing.T) {
	e := sqliteEnv(t)
	n := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)["number"].(string)
	clerk, reviewer := e.staff("wd-amr", "clerk"), e.staff("wd-amr", "reviewer")
	acceptance := e.taskID(clerk, n, "accept")
	refused := func(t *testing.T, token, url string, body map[string]any) {
		t.Helper()
		before := e.snapshot()
		out := e.expect(400)(e.call(token, "POST", url, body))
		errBody, _ := out["error"].(map[string]any)
		if errBody == nil || errBody["code"] != "invalid" || errBody["message"] == "" || !namesField(errBody, "/opinion") {
			t.Fatalf("error %v does not name /opinion", out)
		}
		if after := e.snapshot(); after != before {
			t.Fatalf("stored state changed:\n%s\n%s", before, after)
		}
	}
	for _, c := range []struct {
		name string
		url  string
		body map[string]any
	}{
		{"not-accept without a reason", "/api/v1/cases/" + n + "/not-accept", map[string]any{}},
		{"not-accept with a blank reason", "/api/v1/cases/" + n + "/not-accept", map[string]any{"opinion": " \n\t "}},
		{"not-accept as a task outcome without a reason", fmt.Sprintf("/api/v1/tasks/%d/complete", acceptance), map[string]any{"outcome": "not-accept"}},
		{"accept with an opinion too long", "/api/v1/cases/" + n + "/accept", map[string]any{"opinion": strings.Repeat("意", 2001)}},
	} {
		t.Run(c.name, func(t *testing.T) { refused(t, clerk, c.url, c.body) })
	}
	e.act(n, "wd-amr", "clerk", "accept", "accept")
	review := e.taskID(reviewer, n, "review")
	for _, c := range []struct {
		name string
		url  string
		body map[string]any
	}{
		{"deny with an empty opinion", fmt.Sprintf("/api/v1/tasks/%d/complete", review), map[string]any{"outcome": "deny", "opinion": ""}},
		{"deny with a blank opinion", fmt.Sprintf("/api/v1/tasks/%d/complete", review), map[string]any{"outcome": "deny", "opinion": "   "}},
		{"approve with an opinion too long", fmt.Sprintf("/api/v1/tasks/%d/complete", review), map[string]any{"outcome": "approve", "opinion": strings.Repeat("意", 2001)}},
		{"return without a reason", fmt.Sprintf("/api/v1/tasks/%d/return", review), map[string]any{"to": "accept"}},
	} {
		t.Run(c.name, func(t *testing.T) { refused(t, reviewer, c.url, c.body) })
	}
	e.expect(200)(e.call(reviewer, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", review), map[string]any{"outcome": "approve", "opinion": strings.Repeat("意", 2000)}))
}
