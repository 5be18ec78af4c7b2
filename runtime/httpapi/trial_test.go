package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/runtime/trial"
)

// TestTrialClock: in demo mode with a trial clock an administrator sets and advances the
// platform's time and runs the due timers at once, so the 7-day 公示 of the allowance ends in
// a few calls; nobody else may, and a server without a trial clock refuses everyone.
func TestTrialClock(t *testing.T) {
	e := &env{apptest.Start(t, app.Config{Trial: trial.New(nil, time.Date(2026, 9, 30, 1, 0, 0, 0, time.UTC))})}
	admin, clerk := e.staff("xc-gov", "admin"), e.staff("wd-civil", "clerk")

	now := e.expect(200)(e.call(admin, "GET", "/api/v1/admin/clock", nil))
	if !strings.HasPrefix(now["now"].(string), "2026-09-30T01:0") || now["trial"] != true {
		t.Fatalf("trial clock reads %v", now)
	}
	for _, c := range []struct {
		name, token, method, path string
		body                      any
		status                    int
	}{
		{"a clerk may not move the clock", clerk, "POST", "/api/v1/admin/clock", map[string]any{"advanceDays": 1}, 403},
		{"a clerk may not fire timers", clerk, "POST", "/api/v1/admin/timers/fire", nil, 403},
		{"the clock never goes back", admin, "POST", "/api/v1/admin/clock", map[string]any{"advanceDays": -1}, 400},
		{"nor may anonymous callers", "", "POST", "/api/v1/admin/timers/fire", nil, 401},
	} {
		t.Run(c.name, func(t *testing.T) { e.expect(c.status)(e.call(c.token, c.method, c.path, c.body)) })
	}

	t.Run("公示7个自然日，拨快后立即运行", func(t *testing.T) {
		c := e.apply(e.Token("张伟"), "minimum-living-allowance", sample(t, "minimum-living-allowance"), true)
		n := c["number"].(string)
		e.act(n, "wd-xiguan", "clerk", "accept", "accept")
		investigator := e.staff("wd-xiguan", "investigator")
		e.expect(200)(e.call(investigator, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", e.taskID(investigator, n, "visit")),
			map[string]any{"outcome": "approve", "opinion": "已入户核实", "data": map[string]any{"householdSize": 3, "verifiedMonthlyIncome": 1200, "housing": "租住", "vehicles": 0}}))
		e.act(n, "wd-civil", "reviewer", "review", "approve")

		fired := e.expect(200)(e.call(admin, "POST", "/api/v1/admin/timers/fire", nil))
		if st := status(e.expect(200)(e.call(clerk, "GET", "/api/v1/cases/"+n, nil))); st != "in-approval" {
			t.Fatalf("before the 公示 ends: %v (fired %v)", st, fired)
		}
		moved := e.expect(200)(e.call(admin, "POST", "/api/v1/admin/clock", map[string]any{"at": "2026-10-08T09:00:00+08:00"}))
		if !strings.HasPrefix(moved["now"].(string), "2026-10-08T01:0") {
			t.Fatalf("clock set to %v", moved)
		}
		fired = e.expect(200)(e.call(admin, "POST", "/api/v1/admin/timers/fire", nil))
		if fired["fired"].(float64) < 1 {
			t.Fatalf("fired %v", fired)
		}
		if st := status(e.expect(200)(e.call(clerk, "GET", "/api/v1/cases/"+n, nil))); st != "approved" {
			t.Fatalf("after the 公示: %v", st)
		}
		later := e.expect(200)(e.call(admin, "POST", "/api/v1/admin/clock", map[string]any{"advanceDays": 1, "advanceHours": 2}))
		if !strings.HasPrefix(later["now"].(string), "2026-10-09T03:0") {
			t.Fatalf("advanced to %v", later)
		}
	})

	t.Run("没有试运行时钟时一律拒绝", func(t *testing.T) {
		real := newEnv(t, "", nil)
		admin := real.staff("xc-gov", "admin")
		if v := real.expect(200)(real.call(admin, "GET", "/api/v1/admin/clock", nil)); v["trial"] != false {
			t.Errorf("a real clock reads as a trial: %v", v)
		}
		real.expect(403)(real.call(admin, "POST", "/api/v1/admin/clock", map[string]any{"advanceDays": 7}))
		real.expect(403)(real.call(admin, "POST", "/api/v1/admin/timers/fire", nil))
	})
}
