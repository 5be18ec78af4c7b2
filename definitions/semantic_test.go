package definitions_test

import (
	"strings"
	"testing"
	"time"
)

// TestWarnings: validate warns, without refusing, of a promised limit running into a year the
// calendar does not hold and of a step titled 自然日 whose days count working days.
func TestWarnings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		today time.Time
		title string
		want  []string
	}{
		{"nothing to say", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), "审查甲", nil},
		{"the promised limit runs into 2027", time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC), "审查甲",
			[]string{"matters/demo/matter.json:/promisedLimitDays: 警告：承诺时限5个工作日自今天起到 2027-01-05，工作日历没有 2027 年的放假安排"}},
		{"a title saying 自然日 over working days", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), "审查甲（2个自然日）",
			[]string{"matters/demo/workflow.json:/nodes/3/limitDays: 警告：节点「审查甲（2个自然日）」的名称写的是自然日，时长却按工作日计（2个工作日）"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := bundleFS(t, "testdata/bundle")
			wf := fsys["matters/demo/workflow.json"]
			wf.Data = []byte(strings.Replace(string(wf.Data), `"name": "审查甲"`, `"name": "`+tc.title+`"`, 1))
			plan, problems := loadAndCompile(fsys)
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			got := plan.Warnings(tc.today)
			if len(got) != len(tc.want) {
				t.Fatalf("warnings:\n%v", got.Error())
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i].String(), w) {
					t.Errorf("warning %d: %s\nwant %s…", i, got[i], w)
				}
			}
		})
	}
}
