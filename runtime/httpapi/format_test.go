package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// testClock is a platform clock a test moves on.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// events returns the case's audit trail by event type, each event's data as text.
func (e *env) events(number string) map[string][]string {
	e.T.Helper()
	out := map[string][]string{}
	list := e.expect(200)(e.call(e.staff("xc-gov", "admin"), "GET", "/api/v1/cases/"+number+"/events", nil))
	for _, ev := range list["items"].([]any) {
		ev := ev.(map[string]any)
		out[ev["type"].(string)] = append(out[ev["type"].(string)], jsonText(ev["data"]))
	}
	return out
}

// TestMinimumLivingAllowance drives the second edition's means-tested allowance through the
// API: the township taking the case is computed from the form (orgFrom), the home visit's task
// form is checked and kept, the assisted review shows the rules' results and the computed values
// before the reviewer decides, and the 公示 timer counts 7 natural days over National Day.
func TestMinimumLivingAllowance(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 9, 30, 1, 0, 0, 0, time.UTC)}
	e := &env{apptest.Start(t, app.Config{Clock: clock.Now})}

	t.Run("西关街道受理、入户调查，区民政局辅助审批，公示7个自然日", func(t *testing.T) {
		c := e.apply(e.Token("张伟"), "minimum-living-allowance", sample(t, "minimum-living-allowance"), true)
		n := c["number"].(string)
		c = e.act(n, "wd-xiguan", "clerk", "accept", "accept")
		if status(c) != "in-approval" {
			t.Fatalf("after acceptance: %v", status(c))
		}
		investigator := e.staff("wd-xiguan", "investigator")
		visit := e.taskID(investigator, n, "visit")
		complete := fmt.Sprintf("/api/v1/tasks/%d/complete", visit)
		refused := e.expect(400)(e.call(investigator, "POST", complete, map[string]any{"outcome": "approve", "opinion": "已入户",
			"data": map[string]any{"householdSize": 0, "housing": "别墅"}}))
		for _, p := range []string{"/data/householdSize", "/data/housing", "/data/verifiedMonthlyIncome"} {
			if !namesField(refused["error"].(map[string]any), p) {
				t.Errorf("refusal does not name %s: %v", p, refused)
			}
		}
		e.expect(200)(e.call(investigator, "POST", complete, map[string]any{"outcome": "approve", "opinion": "已入户核实",
			"data": map[string]any{"householdSize": 3, "verifiedMonthlyIncome": 1200, "housing": "租住", "vehicles": 0}}))

		reviewer := e.staff("wd-civil", "reviewer")
		c = e.expect(200)(e.call(reviewer, "GET", "/api/v1/cases/"+n, nil))
		review := ""
		for _, task := range c["tasks"].([]any) {
			if task := task.(map[string]any); task["node"] == "review" {
				review = jsonText(task["review"])
			}
		}
		for _, want := range []string{`"advice":"pass"`, `"id":"perCapita"`, `"value":366.6666666666667`, `"id":"standard"`, `"value":620`, `"id":"verifiedPerCapita"`, `"value":400`} {
			if !strings.Contains(review, want) {
				t.Errorf("the review task does not show %s: %s", want, review)
			}
		}
		c = e.act(n, "wd-civil", "reviewer", "review", "approve")
		var until string
		for _, task := range c["tasks"].([]any) {
			if task := task.(map[string]any); task["node"] == "publicity" {
				until, _ = task["dueAt"].(string)
			}
		}
		if !strings.HasPrefix(until, "2026-10-07") {
			t.Fatalf("公示 of 7 natural days from 2026-09-30 ends %q, want 2026-10-07", until)
		}
		clock.set(time.Date(2026, 10, 8, 1, 0, 0, 0, time.UTC))
		if fired, err := e.Service.FireDueTimers(ctx); err != nil || fired != 1 {
			t.Fatalf("timers fired %d, %v", fired, err)
		}
		c = e.expect(200)(e.call(reviewer, "GET", "/api/v1/cases/"+n, nil))
		if status(c) != "approved" {
			t.Fatalf("after the publicity: %v", status(c))
		}
		ev := e.events(n)
		if created := strings.Join(ev["task-created"], "\n"); !strings.Contains(created, `"org":"wd-xiguan","orgFrom":"411002003"`) {
			t.Errorf("task-created does not say the org came from the form: %s", created)
		}
		if done := strings.Join(ev["task-completed"], "\n"); !strings.Contains(done, `"data":{"householdSize":3`) || !strings.Contains(done, `"outcome":"approve"`) {
			t.Errorf("the home visit's data or the decision is not in the audit trail: %s", done)
		}
		if d := strings.Join(ev["auto-decision"], "\n"); !strings.Contains(d, `"outcome":"assisted"`) || !strings.Contains(d, `"values":[`) {
			t.Errorf("the rules' record is not in the audit trail: %s", d)
		}
		e.verifyChain(n)
	})

	t.Run("没有办事处的街道由区民政局受理", func(t *testing.T) {
		form := sample(t, "minimum-living-allowance")
		form["township"] = "411002004"
		c := e.apply(e.Token("张伟"), "minimum-living-allowance", form, true)
		n := c["number"].(string)
		e.act(n, "wd-civil", "clerk", "accept", "accept")
		if !strings.Contains(strings.Join(e.events(n)["task-created"], "\n"), `"fallback":true`) {
			t.Error("the fallback org is not recorded")
		}
	})
}

// TestRealEstateCertificateReissueWaitsForPayment: the fee comes from the matter's parameters
// and values (住宅 80 元 plus one extra certificate at 10 元); after review the case waits for
// payment with its clock stopped, and the certificate is issued only once the payment
// platform's "paid" callback arrives, which also restarts the clock.
func TestRealEstateCertificateReissueWaitsForPayment(t *testing.T) {
	e := newEnv(t, "", nil)
	c := e.apply(e.Token("张伟"), "real-estate-certificate-reissue", sample(t, "real-estate-certificate-reissue"), false)
	n := c["number"].(string)
	if c["feeTotal"] != 90.0 {
		t.Fatalf("fee total %v, want 90 (登记费 80 + 工本费 10)", c["feeTotal"])
	}
	e.act(n, "xc-realestate", "clerk", "accept", "accept")
	c = e.act(n, "xc-realestate", "reviewer", "review", "approve")
	if status(c) != "in-approval" || c["deadline"].(map[string]any)["stopped"] != true {
		t.Fatalf("waiting for payment: status %v, deadline %v; want in approval with the clock stopped", status(c), c["deadline"])
	}
	paid := []byte(`{"case": "` + n + `", "amount": 90, "tradeNo": "T90", "paidAt": "2026-03-02T10:00:00Z"}`)
	if err := e.Service.ApplyCallback(ctx, "payment-platform", "order-"+n+"-paid", "paid", paid); err != nil {
		t.Fatal(err)
	}
	c = e.expect(200)(e.call(e.staff("xc-realestate", "clerk"), "GET", "/api/v1/cases/"+n, nil))
	if status(c) != "certificate-issued" || c["deadline"].(map[string]any)["stopped"] == true {
		t.Fatalf("after payment: status %v, deadline %v", status(c), c["deadline"])
	}
	ev := e.events(n)
	for _, typ := range []string{"payment-awaited", "clock-stopped", "fee-paid", "clock-resumed", "certificate-issued"} {
		if len(ev[typ]) != 1 {
			t.Errorf("%s recorded %d times, want once", typ, len(ev[typ]))
		}
	}
	e.verifyChain(n)
}
