package page_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
)

func TestDeadlineColours(t *testing.T) {
	due := time.Now().Add(72 * time.Hour)
	soon := time.Now().Add(3 * time.Hour)
	past := time.Now().Add(-time.Hour)
	stopped := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name      string
		v         any
		class     string
		remaining string
	}{
		{"正常", runtime.Deadline{DueAt: &due, RemainingDays: 3, Warning: "normal"}, "due-ok", "剩余 3 个工作日"},
		{"黄灯", runtime.Deadline{DueAt: &due, RemainingDays: 1, Warning: "yellow"}, "due-warn", "剩余 1 个工作日"},
		{"今日到期", runtime.Deadline{DueAt: &due, RemainingDays: 0, Warning: "yellow"}, "due-warn", "今日到期"},
		{"红灯", runtime.Deadline{DueAt: &past, RemainingDays: -2, Warning: "red"}, "due-late", "已超期 2 个工作日"},
		{"暂停", runtime.Deadline{DueAt: &due, Stopped: true}, "due-stopped", "计时暂停"},
		{"补正中", runtime.Deadline{DueAt: &due, Stopped: true, StoppedSince: &stopped}, "due-stopped", "计时暂停（3月3日 18:00 起）"},
		{"未受理", runtime.Deadline{}, "due-none", "受理后开始计时"},
		{"已办结", runtime.Deadline{DueAt: &due, Warning: "normal", Concluded: true}, "due-none", "已办结"},
		{"待办正常", &due, "due-ok", ""},
		{"待办将到期", &soon, "due-warn", ""},
		{"待办超时", &past, "due-late", ""},
		{"待办无时限", (*time.Time)(nil), "due-none", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := page.DueClass(c.v); got != c.class {
				t.Errorf("class %s, want %s", got, c.class)
			}
			if d, ok := c.v.(runtime.Deadline); ok {
				if got := page.Remaining(d); got != c.remaining {
					t.Errorf("remaining %q, want %q", got, c.remaining)
				}
			}
		})
	}
}

func TestTimeline(t *testing.T) {
	ev := func(typ, actor string, data any) runtime.Event {
		raw, _ := json.Marshal(data)
		return runtime.Event{Type: typ, Actor: actor, Data: raw, At: time.Now()}
	}
	events := []runtime.Event{
		ev("created", "user:1:张伟", nil),
		ev("draft-saved", "user:1:张伟", nil),
		ev("submitted", "user:1:张伟", nil),
		ev("task-created", "system", map[string]any{"name": "受理"}),
		ev("task-claimed", "user:9:窗口", nil),
		ev("correction-requested", "user:9:窗口", map[string]any{"opinion": "请补正"}),
		ev("certificate-issued", "system", map[string]any{"number": "JY411002"}),
	}
	public := page.Timeline(events, false)
	if len(public) != 5 || public[2].Name != "进入「受理」环节" || public[3].Detail != "请补正" || public[0].Actor != "" {
		t.Fatalf("public timeline %+v", public)
	}
	staff := page.Timeline(events, true)
	if len(staff) != len(events) || staff[4].Actor != "窗口" {
		t.Fatalf("staff timeline %+v", staff)
	}
	if c := page.Certificates(events); len(c) != 1 || c[0] != "JY411002" {
		t.Fatalf("certificates %v", c)
	}
}

// TestTimelineLicenseFallback: the timeline says how an e-license with an upload fallback came.
func TestTimelineLicenseFallback(t *testing.T) {
	cases := []struct {
		name string
		data map[string]any
		want string
	}{
		{"fetched", map[string]any{"via": "e-license", "number": "91411002MA9L3KQ5X2"}, "电子证照库已获取"},
		{"uploaded", map[string]any{"via": "fallback-upload", "problem": "电子证照库查询失败"}, "电子证照库未能获取，已上传材料代替（电子证照库查询失败）"},
		{"received", map[string]any{"via": "received", "problem": "未配置电子证照库"}, "电子证照库未能获取，窗口已核验原件（未配置电子证照库）"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := json.Marshal(tc.data)
			steps := page.Timeline([]runtime.Event{{Type: "e-license-fallback", Data: raw}}, false)
			if len(steps) != 1 || steps[0].Name != "获取电子证照" || steps[0].Detail != tc.want {
				t.Errorf("timeline %+v", steps)
			}
		})
	}
}

// TestTimelineNamesSteps: a completed step is named, and logistics entries say the state and
// the waybill.
func TestTimelineNamesSteps(t *testing.T) {
	ev := func(typ string, data any) runtime.Event {
		raw, _ := json.Marshal(data)
		return runtime.Event{Type: typ, Actor: "system", Data: raw, At: time.Now()}
	}
	steps := page.Timeline([]runtime.Event{
		ev("task-completed", map[string]any{"node": "review", "name": "审核", "outcome": "approve"}),
		ev("delivery-tracking", map[string]any{"status": "collected", "waybillNo": "1180000000007", "description": "【许昌市政务服务中心】已揽收"}),
	}, false)
	if steps[0].Name != "「审核」办理完成" || steps[1].Name != "物流进度：已揽收" || steps[1].Detail != "【许昌市政务服务中心】已揽收 · 运单号 1180000000007" {
		t.Fatalf("timeline %+v", steps)
	}
}
