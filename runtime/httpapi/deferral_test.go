package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// withFollowUp gives the food licence's 容缺 material (the manager's training) a second-edition
// follow-up: 5 working days from acceptance, an SMS one working day before, and onOverdue.
func withFollowUp(t *testing.T, onOverdue string) fstest.MapFS {
	t.Helper()
	b := exampleBundle(t)
	name := "matters/food-business-license/materials.json"
	var doc map[string]any
	if err := json.Unmarshal(b[name].Data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, m := range doc["materials"].([]any) {
		if m := m.(map[string]any); m["id"] == "managerTraining" {
			fu := map[string]any{"from": "acceptance", "remindDaysBefore": 1, "onOverdue": onOverdue}
			if onOverdue == "escalate" {
				fu["escalateTo"] = map[string]any{"role": "decider"}
			}
			m["followUp"] = fu
		}
	}
	raw, _ := json.Marshal(doc)
	b[name] = &fstest.MapFile{Data: raw}
	return b
}

// deferredDue is the deadline the case shows for the deferred manager's training, or "".
func deferredDue(c map[string]any) string {
	for _, m := range c["materials"].([]any) {
		if m := m.(map[string]any); m["id"] == "managerTraining" {
			s, _ := m["dueAt"].(string)
			return s
		}
	}
	return ""
}

// TestDeferredMaterialFollowUp: the 容缺 deadline counts from acceptance; the applicant is
// reminded by SMS a working day before; the material is handed in while the case is in
// approval without a correction round and without stopping the clock; no certificate is
// issued while it is outstanding; and when the deadline passes the declared rule applies.
func TestDeferredMaterialFollowUp(t *testing.T) {
	pdfName, pdf := fileFor([]any{"pdf"})
	for _, tc := range []struct {
		onOverdue string
		// after checks the case once the deadline has passed with the material outstanding.
		after func(t *testing.T, e *env, n string, c map[string]any)
	}{
		{"escalate", func(t *testing.T, e *env, n string, c map[string]any) {
			if got := strings.Join(e.events(n)["deferred-overdue"], ""); !strings.Contains(got, `"supervisor":"wd-amr/decider"`) {
				t.Errorf("deferred-overdue: %s", got)
			}
			if status(c) != "in-approval" || c["deadline"].(map[string]any)["stopped"] == true {
				t.Errorf("escalation changed the case: %v %v", status(c), c["deadline"])
			}
		}},
		{"stop-clock", func(t *testing.T, e *env, n string, c map[string]any) {
			if c["deadline"].(map[string]any)["stopped"] != true {
				t.Fatalf("the clock runs on: %v", c["deadline"])
			}
			e.expect(201)(e.upload(e.Token(enterprise), n, "managerTraining", pdfName, pdf))
			c = e.expect(200)(e.call(e.staff("wd-amr", "clerk"), "GET", "/api/v1/cases/"+n, nil))
			if c["deadline"].(map[string]any)["stopped"] == true || !strings.Contains(strings.Join(e.events(n)["clock-resumed"], ""), `"reason":"deferred-supplied"`) {
				t.Errorf("the clock did not run again when the material came: %v", c["deadline"])
			}
		}},
		{"not-approved", func(t *testing.T, e *env, n string, c map[string]any) {
			if status(c) != "denied" || c["concludedAt"] == nil {
				t.Fatalf("after the deadline: %v", status(c))
			}
			e.expect(409)(e.upload(e.Token(enterprise), n, "managerTraining", pdfName, pdf))
		}},
	} {
		t.Run(tc.onOverdue, func(t *testing.T) {
			// Monday 2 March 2026, 09:00 in Beijing.
			clock := &testClock{now: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
			e := &env{apptest.Start(t, app.Config{Clock: clock.Now, Definitions: withFollowUp(t, tc.onOverdue)})}
			clerk := e.staff("wd-amr", "clerk")
			c := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)
			n := c["number"].(string)
			if due := deferredDue(c); due != "" {
				t.Fatalf("the deadline counts from acceptance, but it is %s at submission", due)
			}
			e.expect(409)(e.upload(e.Token(enterprise), n, "application", pdfName, pdf))
			clock.set(time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC))
			c = e.expect(200)(e.call(clerk, "POST", "/api/v1/cases/"+n+"/accept", map[string]any{"opinion": "容缺受理"}))
			if due := deferredDue(c); !strings.HasPrefix(due, "2026-03-10") {
				t.Fatalf("5 working days from acceptance on 3 March end %q, want 2026-03-10", due)
			}
			c = e.actAll(n, "wd-amr", step{"reviewer", "review", "approve"}, step{"inspector", "inspection", "approve"})
			decider := e.staff("wd-amr", "decider")
			decision := fmt.Sprintf("/api/v1/tasks/%d/complete", e.taskID(decider, n, "decision"))
			refused := e.expect(409)(e.call(decider, "POST", decision, map[string]any{"outcome": "approve", "opinion": "准予"}))
			if !strings.Contains(jsonText(refused), "容缺材料") {
				t.Errorf("refusal does not name the outstanding material: %v", refused)
			}

			clock.set(time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC))
			if _, err := e.Service.FireDueTimers(ctx); err != nil {
				t.Fatal(err)
			}
			msgs, err := e.Store.ClaimOutbox(ctx, 100, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			reminded := false
			for _, m := range msgs {
				reminded = reminded || strings.Contains(string(m.Payload), `"template":"deferred-material-due"`) && strings.Contains(string(m.Payload), "2026年3月10日")
			}
			if !reminded {
				t.Errorf("no reminder SMS naming the deadline in the outbox")
			}

			clock.set(time.Date(2026, 3, 11, 1, 0, 0, 0, time.UTC))
			if _, err := e.Service.FireDueTimers(ctx); err != nil {
				t.Fatal(err)
			}
			c = e.expect(200)(e.call(clerk, "GET", "/api/v1/cases/"+n, nil))
			tc.after(t, e, n, c)
			e.verifyChain(n)
		})
	}

	t.Run("补交后制证，期限不再触发", func(t *testing.T) {
		clock := &testClock{now: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
		e := &env{apptest.Start(t, app.Config{Clock: clock.Now, Definitions: withFollowUp(t, "not-approved")})}
		c := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)
		n := c["number"].(string)
		e.expect(200)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/cases/"+n+"/accept", map[string]any{"opinion": "容缺受理"}))
		e.actAll(n, "wd-amr", step{"reviewer", "review", "approve"}, step{"inspector", "inspection", "approve"})
		e.expect(201)(e.upload(e.Token(enterprise), n, "managerTraining", pdfName, pdf))
		c = e.act(n, "wd-amr", "decider", "decision", "approve")
		if status(c) != "certificate-issued" || c["deadline"].(map[string]any)["stopped"] == true {
			t.Fatalf("after the material came and the decision: %v %v", status(c), c["deadline"])
		}
		if !strings.Contains(strings.Join(e.events(n)["deferred-supplied"], ""), `"material":"managerTraining"`) {
			t.Error("the handing-in is not in the audit trail")
		}
		clock.set(time.Date(2026, 3, 20, 2, 0, 0, 0, time.UTC))
		if _, err := e.Service.FireDueTimers(ctx); err != nil {
			t.Fatal(err)
		}
		if ev := e.events(n); ev["deferred-overdue"] != nil || ev["deferred-reminded"] != nil {
			t.Errorf("the follow-up of a supplied material went on: %v", ev)
		}
	})
}
