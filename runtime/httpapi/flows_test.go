package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

const (
	enterprise = "许昌瑞祥置业有限公司"
	citizen    = "张伟"
	elder      = "王桂英"
)

// TestExampleMattersEndToEnd drives every example matter through the real HTTP API on every
// database: submission, acceptance, each approval path, and the audit chain afterwards.
func TestExampleMattersEndToEnd(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn func(t testing.TB) string) {
		e := newEnv(t, dsn(t), nil)

		t.Run("食品经营许可：受理、审查、现场核查、决定、制证、送达，容缺材料", func(t *testing.T) {
			c := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)
			n := c["number"].(string)
			if status(c) != "submitted" || c["deadline"].(map[string]any)["dueAt"] != nil {
				t.Fatalf("after submission: %v %v", status(c), c["deadline"])
			}
			deferred := false
			for _, m := range c["materials"].([]any) {
				deferred = deferred || m.(map[string]any)["deferred"] == true
			}
			if !deferred {
				t.Fatal("the deferrable material was not recorded as deferred (容缺)")
			}
			c = e.expect(200)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/cases/"+n+"/pre-review", map[string]any{"opinion": "预审通过，请携带原件到窗口"}))
			if status(c) != "pre-reviewed" {
				t.Fatalf("after pre-review: %v", status(c))
			}
			c = e.expect(200)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/cases/"+n+"/accept", map[string]any{"opinion": "材料齐全，予以受理"}))
			if status(c) != "in-approval" || c["deadline"].(map[string]any)["dueAt"] == nil {
				t.Fatalf("after acceptance: %v %v", status(c), c["deadline"])
			}
			c = e.actAll(n, "wd-amr", step{"reviewer", "review", "approve"}, step{"inspector", "inspection", "approve"},
				step{"decider", "decision", "approve"})
			if status(c) != "certificate-issued" {
				t.Fatalf("after decision: %v", status(c))
			}
			c = e.act(n, "wd-amr", "clerk", "deliver", "")
			if status(c) != "delivered" || c["concludedAt"] == nil {
				t.Fatalf("after delivery: %v %v", status(c), c["concludedAt"])
			}
			e.checkVerification(n)
			if c = e.expect(200)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/cases/"+n+"/archive", nil)); status(c) != "archived" {
				t.Fatalf("after archiving: %v", status(c))
			}
			// The city government sees the district's case (org subtree); the health commission does not.
			e.expect(200)(e.call(e.staff("xc-gov", "admin"), "GET", "/api/v1/cases/"+n, nil))
			e.expect(404)(e.call(e.staff("xc-health", "clerk"), "GET", "/api/v1/cases/"+n, nil))
			e.verifyChain(n)
		})

		t.Run("建筑工程施工许可：三个部门并联审查后汇聚", func(t *testing.T) {
			c := e.apply(e.Token(enterprise), "construction-permit", sample(t, "construction-permit"), true)
			n := c["number"].(string)
			e.act(n, "xc-housing", "clerk", "accept", "accept")
			e.act(n, "xc-nr", "reviewer", "planningCheck", "approve")
			c = e.act(n, "xc-civil-defense", "reviewer", "civilDefenseReview", "approve")
			open := 0
			for _, task := range c["tasks"].([]any) {
				if task.(map[string]any)["status"] == "open" {
					open++
				}
			}
			if open != 1 {
				t.Fatalf("while one branch is still open, want 1 open task, got %d", open)
			}
			c = e.act(n, "xc-housing", "reviewer", "qualitySafetyReview", "approve")
			if e.taskID(e.staff("xc-housing", "checker"), n, "check") == 0 {
				t.Fatal("the join did not open the check")
			}
			c = e.actAll(n, "xc-housing", step{"checker", "check", "approve"}, step{"decider", "decide", "approve"},
				step{"clerk", "deliver", ""})
			if status(c) != "delivered" {
				t.Fatalf("final status %v", status(c))
			}
			e.verifyChain(n)
		})

		t.Run("公共场所卫生许可：决定不予许可", func(t *testing.T) {
			c := e.apply(e.Token(enterprise), "public-venue-hygiene-license", sample(t, "public-venue-hygiene-license"), true)
			n := c["number"].(string)
			c = e.actAll(n, "xc-health", step{"clerk", "accept", "accept"}, step{"reviewer", "review", "approve"},
				step{"inspector", "inspect", "approve"}, step{"checker", "check", "approve"}, step{"decider", "decide", "deny"})
			if status(c) != "denied" || c["concludedAt"] == nil {
				t.Fatalf("after denial: %v", status(c))
			}
			e.verifyChain(n)
		})

		t.Run("个体工商户设立登记：退回受理后重新受理", func(t *testing.T) {
			c := e.apply(e.Token(citizen), "sole-proprietor-registration", sample(t, "sole-proprietor-registration"), true)
			n := c["number"].(string)
			e.act(n, "wd-amr", "clerk", "accept", "accept")
			token := e.staff("wd-amr", "decider")
			id := e.taskID(token, n, "decision")
			e.expect(200)(e.call(token, "POST", fmt.Sprintf("/api/v1/tasks/%d/return", id), map[string]any{"to": "accept", "opinion": "经营场所证明不清晰，退回受理环节核实"}))
			e.act(n, "wd-amr", "clerk", "accept", "accept")
			c = e.act(n, "wd-amr", "decider", "decision", "approve")
			if status(c) != "certificate-issued" || c["concludedAt"] == nil {
				t.Fatalf("after approval: %v", status(c))
			}
			e.verifyChain(n)
		})

		t.Run("补齐补正：计时暂停，补正后恢复", func(t *testing.T) {
			c := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)
			n := c["number"].(string)
			clerk := e.staff("wd-amr", "clerk")
			c = e.expect(200)(e.call(clerk, "POST", "/api/v1/cases/"+n+"/correction", map[string]any{"opinion": "申请书未签字，请补正", "materials": []string{"application"}}))
			if status(c) != "correction" || c["deadline"].(map[string]any)["stopped"] != true {
				t.Fatalf("correction: %v %v", status(c), c["deadline"])
			}
			id := e.taskID(clerk, n, "accept")
			e.expect(409)(e.call(clerk, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", id), map[string]any{"outcome": "accept"}))
			c = e.expect(200)(e.call(e.Token(enterprise), "POST", "/api/v1/cases/"+n+"/correction/resume", map[string]any{}))
			if status(c) != "submitted" || c["deadline"].(map[string]any)["stopped"] != false {
				t.Fatalf("resume: %v %v", status(c), c["deadline"])
			}
			c = e.act(n, "wd-amr", "clerk", "accept", "accept")
			if status(c) != "in-approval" {
				t.Fatalf("accepted after correction: %v", status(c))
			}
			e.verifyChain(n)
		})

		t.Run("高龄津贴：智能秒批当场办结", func(t *testing.T) {
			c := e.apply(e.Token(elder), "senior-longevity-allowance", sample(t, "senior-longevity-allowance"), false)
			if status(c) != "approved" || c["concludedAt"] == nil {
				t.Fatalf("auto approval: %v", status(c))
			}
			for _, m := range c["materials"].([]any) {
				m := m.(map[string]any)
				if m["id"] == "elderIdCard" || m["id"] == "householdRegister" {
					l, _ := m["license"].(map[string]any)
					if l == nil || l["number"] == "" || len(fmt.Sprint(l["hash"])) != 64 || len(m["files"].([]any)) != 0 {
						t.Fatalf("%s was not fetched from the e-license library: %v", m["id"], m)
					}
				}
			}
			events := e.expect(200)(e.call(e.Token(elder), "GET", "/api/v1/cases/"+c["number"].(string)+"/events", nil))
			found := false
			for _, ev := range events["items"].([]any) {
				ev := ev.(map[string]any)
				if ev["type"] == "auto-decision" {
					found = strings.Contains(fmt.Sprint(ev["data"]), "ageAtLeast80")
				}
			}
			if !found {
				t.Fatal("the auto decision's full record is missing from the audit trail")
			}
			e.verifyChain(c["number"].(string))
		})

		t.Run("不予受理须写明理由", func(t *testing.T) {
			c := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)
			url := "/api/v1/cases/" + c["number"].(string) + "/not-accept"
			clerk := e.staff("wd-amr", "clerk")
			e.expect(400)(e.call(clerk, "POST", url, map[string]any{}))
			c = e.expect(200)(e.call(clerk, "POST", url, map[string]any{"opinion": "申请事项不属于本机关职权范围"}))
			if status(c) != "not-accepted" {
				t.Fatalf("not accepted: %v", status(c))
			}
		})

		t.Run("转办：认领后交给同岗位同事", func(t *testing.T) {
			c := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)
			n := c["number"].(string)
			clerk := e.staff("wd-amr", "clerk")
			id := e.taskID(clerk, n, "accept")
			e.expect(200)(e.call(clerk, "POST", fmt.Sprintf("/api/v1/tasks/%d/claim", id), nil))
			e.expect(403)(e.call(clerk, "POST", fmt.Sprintf("/api/v1/tasks/%d/handover", id), map[string]any{"user": 1}))
			e.expect(200)(e.call(clerk, "POST", fmt.Sprintf("/api/v1/tasks/%d/handover", id), map[string]any{"user": 0, "opinion": "请其他窗口办理"}))
			e.act(n, "wd-amr", "clerk", "accept", "accept")
		})
	})
}

// TestAutoApprovalHandsOverOnRuleError publishes a 高龄津贴 whose rule reads a field that is
// absent when the elder applies in person: the rule errors, and the case goes to a person with
// the reason, never lost.
func TestAutoApprovalHandsOverOnRuleError(t *testing.T) {
	bundle := exampleBundle(t)
	wf := "matters/senior-longevity-allowance/workflow.json"
	bundle[wf].Data = []byte(strings.Replace(string(bundle[wf].Data),
		`"condition": "form.payment.accountHolder == form.elder.name"`,
		`"condition": "form.payment.accountHolder == form.elder.name || form.payment.accountHolder == form.agent.name"`, 1))
	e := newEnv(t, "", bundle)
	form := sample(t, "senior-longevity-allowance")
	form["relationship"] = "本人"
	delete(form, "agent")
	form["elder"].(map[string]any)["mobile"] = "13903745678"
	form["payment"].(map[string]any)["accountHolder"] = "他人"
	c := e.apply(e.Token(elder), "senior-longevity-allowance", form, false)
	if status(c) != "submitted" {
		t.Fatalf("status %v, want the case waiting for a person", status(c))
	}
	n := c["number"].(string)
	events := e.expect(200)(e.call(e.Token(elder), "GET", "/api/v1/cases/"+n+"/events", nil))
	handover := ""
	for _, ev := range events["items"].([]any) {
		ev := ev.(map[string]any)
		if ev["type"] == "auto-decision" {
			handover = fmt.Sprint(ev["data"])
		}
	}
	if !strings.Contains(handover, "handover") {
		t.Fatalf("no handover recorded: %s", handover)
	}
	c = e.act(n, "wd-civil", "reviewer", "review", "approve")
	if status(c) != "approved" {
		t.Fatalf("after manual review: %v", status(c))
	}
}

// step is one person's action in a flow: their role, the node, the outcome.
type step struct{ role, node, outcome string }

// actAll performs the steps in order within one org and returns the case after the last.
func (e *env) actAll(number, org string, steps ...step) map[string]any {
	e.T.Helper()
	var c map[string]any
	for _, s := range steps {
		c = e.act(number, org, s.role, s.node, s.outcome)
	}
	return c
}

// checkVerification finds the certificate of a case in its audit trail and checks the public
// verification: valid with masked personal data, then revoked by the issuing org's decider.
func (e *env) checkVerification(number string) {
	e.T.Helper()
	events := e.expect(200)(e.call(e.Token(enterprise), "GET", "/api/v1/cases/"+number+"/events", nil))
	cert := ""
	for _, ev := range events["items"].([]any) {
		ev := ev.(map[string]any)
		if ev["type"] == "certificate-issued" {
			cert = ev["data"].(map[string]any)["number"].(string)
		}
	}
	if !strings.HasPrefix(cert, "JY411002") {
		e.T.Fatalf("certificate number %q", cert)
	}
	v := e.expect(200)(e.call("", "GET", "/api/v1/certificates/"+cert+"/verification", nil))
	if v["status"] != "valid" || v["title"] != "食品经营许可证" {
		e.T.Fatalf("verification %v", v)
	}
	page := fmt.Sprint(v["fields"])
	if !strings.Contains(page, "经营者名称") || !strings.Contains(page, "许可证编号") || strings.Contains(page, "19780611") {
		e.T.Fatalf("fields are missing or not masked: %s", page)
	}
	// Only what the template marks public: not the legal representative, nor the addresses.
	resp, err := http.Get(e.URL + "/verify/" + cert)
	if err != nil {
		e.T.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, private := range []string{"法定代表人", "李建伟", "住所", "七一路东段186号"} {
		if strings.Contains(page, private) || strings.Contains(string(html), private) {
			e.T.Fatalf("the verification shows %s, which the template does not mark public: %s", private, page)
		}
	}
	e.expect(403)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/certificates/"+cert+"/revocation", map[string]any{"reason": "x"}))
	// The city's administrator answers for the city's departments, not for a district's.
	e.expect(403)(e.call(e.staff("xc-gov", "admin"), "POST", "/api/v1/certificates/"+cert+"/revocation", map[string]any{"reason": "x"}))
	v = e.expect(200)(e.call(e.staff("wd-amr", "decider"), "POST", "/api/v1/certificates/"+cert+"/revocation", map[string]any{"reason": "经营者申请注销"}))
	if v["status"] != "revoked" {
		e.T.Fatalf("after revocation %v", v)
	}
	e.expect(404)(e.call("", "GET", "/api/v1/certificates/JY41100299999999/verification", nil))
}

func TestConsultationThroughTheAPI(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn func(t testing.TB) string) {
		e := newEnv(t, dsn(t), nil)
		asker, clerk := e.Token(enterprise), e.staff("wd-amr", "clerk")
		m := e.expect(201)(e.call(asker, "POST", "/api/v1/messages", map[string]any{"kind": "consultation", "matter": "food-business-license", "body": "网络食品销售需要另外备案吗？"}))
		id := fmt.Sprint(m["id"])
		if m["answeredAt"] != nil || m["askedBy"] == nil {
			t.Fatalf("asked: %v", m)
		}
		if list := e.expect(200)(e.call(e.staff("xc-health", "clerk"), "GET", "/api/v1/messages?scope=org", nil)); list["total"].(float64) != 0 {
			t.Fatalf("another org sees it: %v", list)
		}
		if list := e.expect(200)(e.call(clerk, "GET", "/api/v1/messages?scope=org", nil)); list["total"].(float64) != 1 {
			t.Fatalf("the matter's org: %v", list)
		}
		e.expect(200)(e.call(clerk, "POST", "/api/v1/messages/"+id+"/answer", map[string]any{"answer": "需要，在取得许可后 30 日内向区局备案。"}))
		e.expect(409)(e.call(clerk, "POST", "/api/v1/messages/"+id+"/answer", map[string]any{"answer": "再答一次"}))
		mine := e.expect(200)(e.call(asker, "GET", "/api/v1/messages", nil))
		items := mine["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["answer"] != "需要，在取得许可后 30 日内向区局备案。" {
			t.Fatalf("the asker's messages: %v", mine)
		}
	})
}

// TestSupervisorsReturnAClaimedTask: a task a reviewer has claimed is returned by a colleague
// only if they supervise the org — its 督办 or the administrator of its government — not by
// another government's administrator.
func TestSupervisorsReturnAClaimedTask(t *testing.T) {
	e := newEnv(t, "", nil)
	for _, tc := range []struct {
		who    string
		status int
	}{
		{"xc-gov/admin", 403},
		{"wd-gov/admin", 200},
		{"wd-amr/supervisor", 200},
	} {
		t.Run(tc.who, func(t *testing.T) {
			n := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)["number"].(string)
			e.act(n, "wd-amr", "clerk", "accept", "accept")
			reviewer := e.staff("wd-amr", "reviewer")
			id := e.taskID(reviewer, n, "review")
			e.expect(200)(e.call(reviewer, "POST", fmt.Sprintf("/api/v1/tasks/%d/claim", id), nil))
			e.expect(tc.status)(e.call(e.Token(tc.who), "POST", fmt.Sprintf("/api/v1/tasks/%d/return", id),
				map[string]any{"to": "accept", "opinion": "场所证明不清晰，退回受理环节核实"}))
			if returned := len(e.events(n)["task-returned"]); returned != map[int]int{200: 1, 403: 0}[tc.status] {
				t.Fatalf("task-returned recorded %d times", returned)
			}
		})
	}
}
