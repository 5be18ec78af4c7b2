package workbench_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

// enableAppointments has the clerk of the food licence's org take appointments for it, with
// capacity places per slot.
func enableAppointments(t *testing.T, e *webtest.Env, capacity int) {
	t.Helper()
	e.Get(clerk, "/work/appointments?matter=food-business-license").Expect(t, 200).Contains(t, "接受网上预约", "每个时段可预约人数")
	e.Post(clerk, "/work/appointments", url.Values{"matter": {"food-business-license"}, "enabled": {"1"}, "slotMinutes": {"60"},
		"capacity": {fmt.Sprint(capacity)}, "opens": {"09:00"}, "closes": {"17:00"}, "days": {"10"}}).Expect(t, http.StatusSeeOther)
}

// TestBookAnAppointment: staff set up appointments in the workbench; a citizen finds 预约 on the
// guide, books a slot, sees it with its check-in code and cancels it; a full slot is refused.
func TestBookAnAppointment(t *testing.T) {
	e := newWorkbench(t)
	e.Post(clerk, "/work/appointments", url.Values{"matter": {"food-business-license"}, "enabled": {"1"}, "slotMinutes": {"60"},
		"capacity": {"0"}, "opens": {"17:00"}, "closes": {"09:00"}, "days": {"10"}}).Expect(t, 400).Contains(t, "每个时段可预约人数应为 1 到 500", "开始早于结束")
	e.Post("xc-health/clerk", "/work/appointments", url.Values{"matter": {"food-business-license"}, "enabled": {"1"}, "slotMinutes": {"60"},
		"capacity": {"1"}, "opens": {"09:00"}, "closes": {"17:00"}, "days": {"10"}}).Expect(t, 403)
	enableAppointments(t, e, 1)
	e.Get("", "/matters/food-business-license").Expect(t, 200).Contains(t, "预约到窗口办理")
	page := e.Get(webtest.Citizen, "/matters/food-business-license/appointment").Expect(t, 200).Contains(t, "余 1 个")
	i := strings.Index(page.Body, `name="slot" value="`) + len(`name="slot" value="`)
	slot := page.Body[i : i+strings.Index(page.Body[i:], `"`)]
	e.Post(webtest.Citizen, "/matters/food-business-license/appointment", url.Values{"slot": {slot}}).Expect(t, http.StatusSeeOther)
	mine := e.Get(webtest.Citizen, "/appointments?msg=booked").Expect(t, 200).Contains(t, "预约成功", "食品经营许可证核发", "已预约", "取消预约")
	e.Post("李秀兰", "/matters/food-business-license/appointment", url.Values{"slot": {slot}}).Expect(t, http.StatusConflict).Contains(t, "已约满")
	list, err := e.Service.MyAppointments(ctx, e.User(webtest.Citizen))
	if err != nil || len(list) != 1 || !strings.Contains(mine.Body, list[0].Code) {
		t.Fatalf("appointments %+v %v", list, err)
	}
	e.Post(webtest.Citizen, fmt.Sprintf("/appointments/%d/cancel", list[0].ID), nil).Expect(t, http.StatusSeeOther)
	e.Get(webtest.Citizen, "/appointments").Expect(t, 200).Contains(t, "已取消").Lacks(t, "取消预约</button>")
	e.Post("李秀兰", "/matters/food-business-license/appointment", url.Values{"slot": {slot}}).Expect(t, http.StatusSeeOther)
}

// TestConcurrentBookings: 200 people book the same slot of 10 places through the service at
// once, on the program's SQLite; ten get a place.
func TestConcurrentBookings(t *testing.T) {
	e := newWorkbench(t)
	enableAppointments(t, e, 10)
	days, err := e.Service.OpenSlots(ctx, "matter:food-business-license")
	if err != nil || len(days) == 0 {
		t.Fatalf("slots %v %v", days, err)
	}
	day, slot := days[len(days)-1].Day, days[len(days)-1].Slots[0].Start
	var wg sync.WaitGroup
	var mu sync.Mutex
	got, full := 0, 0
	for i := range 200 {
		u, err := e.Store.CreateUser(ctx, runtime.User{Name: fmt.Sprintf("预约人%03d", i), Kind: "person"})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.Service.BookAppointment(ctx, u, "matter:food-business-license", day, slot)
			mu.Lock()
			defer mu.Unlock()
			switch runtime.ErrorCode(err) {
			case "":
				got++
			case runtime.ECONFLICT:
				full++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got != 10 || full != 190 {
		t.Fatalf("%d booked, %d refused", got, full)
	}
}

// TestArriveAndTakeTicket: a booking for today is checked in at the queue machine with its
// code and becomes a ticket; anyone takes a ticket by matter, numbered in the group's order.
func TestArriveAndTakeTicket(t *testing.T) {
	e := newWorkbench(t)
	enableAppointments(t, e, 3)
	days, err := e.Service.OpenSlots(ctx, "matter:food-business-license")
	if err != nil || len(days) == 0 {
		t.Fatalf("slots %v %v", days, err)
	}
	first := e.Post("", "/hall/ticket", url.Values{"matter": {"food-business-license"}}).Expect(t, 200).Text("ticket")
	if !strings.Contains(first, "001") {
		t.Fatalf("first ticket %q", first)
	}
	e.Post("", "/hall/ticket", url.Values{"code": {"00000000"}}).Expect(t, 404).Contains(t, "签到码不正确")
	a, err := e.Service.BookAppointment(ctx, e.User(webtest.Citizen), "matter:food-business-license", days[0].Day, days[0].Slots[0].Start)
	if err != nil {
		t.Fatal(err)
	}
	if days[0].Day != time.Now().In(runtime.Zone).Format(time.DateOnly) {
		e.Post("", "/hall/ticket", url.Values{"code": {a.Code}}).Expect(t, http.StatusConflict).Contains(t, "不是今天的")
		return
	}
	second := e.Post("", "/hall/ticket", url.Values{"code": {a.Code}}).Expect(t, 200).Contains(t, "前面还有 1 人等候").Text("ticket")
	if !strings.Contains(second, "002") {
		t.Fatalf("checked-in ticket %q", second)
	}
	e.Get(webtest.Citizen, "/appointments").Expect(t, 200).Contains(t, "已到达")
}

// TestReminderAndNoShow: the day before, the timers text the reminder once; the day after,
// a booking not kept is recorded as a no-show.
func TestReminderAndNoShow(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 9, 9, 0, 0, 0, runtime.Zone)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newWorkbench(t, service.WithClock(clock))
	enableAppointments(t, e, 3)
	u := e.User(webtest.Citizen)
	a, err := e.Service.BookAppointment(ctx, u, "matter:food-business-license", "2026-12-10", "10:00")
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.Service.FireDueTimers(ctx)
	if err != nil || first < 1 {
		t.Fatalf("the day before: %d handled, %v", first, err)
	}
	if again, err := e.Service.FireDueTimers(ctx); err != nil || again != 0 {
		t.Fatalf("reminded twice: %d %v", again, err)
	}
	mu.Lock()
	now = now.AddDate(0, 0, 2)
	mu.Unlock()
	if _, err := e.Service.FireDueTimers(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := e.Service.MyAppointments(ctx, u)
	if err != nil || len(list) != 1 || list[0].ID != a.ID || list[0].Status != runtime.AppointmentNoShow {
		t.Fatalf("after the day: %+v %v", list, err)
	}
	e.Get(webtest.Citizen, "/appointments").Expect(t, 200).Contains(t, "未到（爽约）")
}
