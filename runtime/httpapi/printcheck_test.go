package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestApprovalRefusedForACertificateThatCannotPrint: a food licence whose legal representative's
// name has a character no shipped font holds (喆, outside GB 2312) is not approved into a
// certificate that could never be drawn: the decision is refused with a message naming the
// field and the character, and the case stays where it was, without a certificate.
func TestApprovalRefusedForACertificateThatCannotPrint(t *testing.T) {
	e := newEnv(t, "", nil)
	form := sample(t, "food-business-license")
	form["legalRepresentative"].(map[string]any)["name"] = "李喆"
	c := e.apply(e.Token(enterprise), "food-business-license", form, true)
	n := c["number"].(string)
	e.expect(200)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/cases/"+n+"/accept", map[string]any{"opinion": "材料齐全，予以受理"}))
	e.actAll(n, "wd-amr", step{"reviewer", "review", "approve"}, step{"inspector", "inspection", "approve"})
	token := e.staff("wd-amr", "decider")
	id := e.taskID(token, n, "decision")
	refusal := e.expect(400)(e.call(token, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", id), map[string]any{"outcome": "approve", "opinion": "准予许可"}))
	msg := refusal["error"].(map[string]any)["message"].(string)
	if !strings.Contains(msg, "暂不能制证：「法定代表人（负责人）」中的字 “喆” 不在字库中") {
		t.Fatalf("refusal = %s", msg)
	}
	after := e.expect(200)(e.call(token, "GET", "/api/v1/cases/"+n, nil))
	if status(after) != "in-approval" {
		t.Fatalf("after the refusal the case is %v", status(after))
	}
	if certs, _ := after["certificates"].([]any); len(certs) != 0 {
		t.Fatalf("certificates recorded: %v", certs)
	}
	e.verifyChain(n)
}

// TestSubmissionOverTheExpressionMemoryBudget: a fee whose range the form's numbers decide
// validates (its size is not written in it), and an application whose numbers make it exceed
// the expression engine's memory budget is refused with a Chinese message, not answered 500;
// nothing is submitted.
func TestSubmissionOverTheExpressionMemoryBudget(t *testing.T) {
	bundle := exampleBundle(t)
	fees := bundle["matters/food-business-license/fees.json"]
	fees.Data = []byte(strings.Replace(string(fees.Data), `"amount": "12"`, `"amount": "12 + len(1..int(form.premisesArea * 10000)) * 0"`, 1))
	e := newEnv(t, "", bundle)
	form := sample(t, "food-business-license") // 286.5 m²: a range of 2,865,000
	status, out := e.tryApply(e.Token(enterprise), "food-business-license", form, true)
	msg, _ := out["error"].(map[string]any)["message"].(string)
	if status != 400 || !strings.Contains(msg, "按所填内容无法计算收费") {
		t.Fatalf("submission: %d %v", status, out)
	}
	form["premisesArea"] = 28.6 // 286,000: within the budget
	if status, out := e.tryApply(e.Token(enterprise), "food-business-license", form, true); status != 200 {
		t.Fatalf("within the budget: %d %v", status, out)
	}
}
