package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime/httpapi"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// TestDaysAreBeijingDays files a food business licence with its 容缺 material early in the
// morning and late at night in Beijing, just before 国庆节 and 春节 on the example calendar: the
// case number carries the Beijing date, the material is due at 23:59:59 Beijing time on the
// fifth working day from that date, and the handover list and the workbench name that one day.
func TestDaysAreBeijingDays(t *testing.T) {
	now := time.Now() // until each case sets its own
	var handover map[string]any
	render := func(w io.Writer, _ *definitions.CompiledPrint, vars rules.Vars, _ time.Time) error {
		handover = vars["notice"].(map[string]any)
		_, err := io.WriteString(w, "%PDF-1.4\n%%EOF\n")
		return err
	}
	e := &env{apptest.Start(t, app.Config{Clock: func() time.Time { return now }}, service.WithRender(render))}
	srv := httptest.NewServer(httpapi.New(httpapi.Server{Matters: e.Service, Cases: e.Service, Tasks: e.Service, Users: e.Service, Documents: e.Service}))
	defer srv.Close()
	beijing := time.FixedZone("UTC+8", 8*3600)
	tests := []struct {
		at   time.Time
		due  string
		name string
	}{
		{time.Date(2026, 9, 30, 7, 30, 0, 0, beijing), "2026-10-13", "国庆节前一天早上"},
		{time.Date(2026, 9, 30, 23, 30, 0, 0, beijing), "2026-10-13", "国庆节前一天深夜"},
		{time.Date(2026, 2, 13, 7, 30, 0, 0, beijing), "2026-02-27", "春节前早上"},
		{time.Date(2026, 2, 13, 23, 30, 0, 0, beijing), "2026-02-27", "春节前深夜"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now = tc.at
			c := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)
			n := c["number"].(string)
			if day := tc.at.Format("20060102"); !strings.HasPrefix(n, "XC"+day) {
				t.Errorf("case number %s, want the Beijing date %s", n, day)
			}
			var due time.Time
			for _, m := range c["materials"].([]any) {
				if m := m.(map[string]any); m["deferred"] == true {
					due, _ = time.Parse(time.RFC3339, m["dueAt"].(string))
				}
			}
			if want := tc.due + " 23:59:59"; due.In(beijing).Format(time.DateTime) != want {
				t.Fatalf("容缺 material due %s (%s in Beijing), want %s", due, due.In(beijing), want)
			}
			day, _ := time.Parse(time.DateOnly, tc.due)
			if shown, want := site.Funcs()["date"].(func(any) string)(due), day.Format("2006年1月2日"); shown != want {
				t.Errorf("the workbench shows the material due %s, want %s", shown, want)
			}
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/cases/"+n+"/notices/material-handover-list", nil)
			req.Header.Set("Authorization", "Bearer "+e.staff("wd-amr", "clerk"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("handover list: %v %v", resp, err)
			}
			resp.Body.Close()
			if want := "容缺受理，" + rules.Display(day) + "前补交"; !strings.Contains(jsonText(handover), want) {
				t.Errorf("handover list %s, want the note %q", jsonText(handover), want)
			}
		})
	}
}

// TestDeadlineIntoAYearWithoutACalendar accepts a food business licence (5 working days) in
// the last week of 2026, when the example bundle has no 2027 calendar: 元旦 is still a holiday,
// being fixed by law, and the deadline is marked provisional; one inside 2026 is not.
func TestDeadlineIntoAYearWithoutACalendar(t *testing.T) {
	now := time.Now() // until each case sets its own
	e := &env{apptest.Start(t, app.Config{Clock: func() time.Time { return now }})}
	beijing := time.FixedZone("UTC+8", 8*3600)
	tests := []struct {
		at          time.Time
		due         string
		provisional bool
	}{
		{time.Date(2026, 12, 28, 10, 0, 0, 0, beijing), "2027-01-05 23:59:59", true},
		{time.Date(2026, 12, 1, 7, 30, 0, 0, beijing), "2026-12-08 23:59:59", false},
	}
	for _, tc := range tests {
		t.Run(tc.at.Format(time.DateOnly), func(t *testing.T) {
			now = tc.at
			n := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)["number"].(string)
			clerk := e.staff("wd-amr", "clerk")
			e.expect(200)(e.call(clerk, "POST", "/api/v1/cases/"+n+"/pre-review", map[string]any{"opinion": "预审通过"}))
			e.expect(200)(e.call(clerk, "POST", "/api/v1/cases/"+n+"/accept", map[string]any{"opinion": "材料齐全，予以受理"}))
			d := e.expect(200)(e.call(clerk, "GET", "/api/v1/cases/"+n, nil))["deadline"].(map[string]any)
			due, _ := time.Parse(time.RFC3339, d["dueAt"].(string))
			if due.In(beijing).Format(time.DateTime) != tc.due || d["provisional"] != tc.provisional {
				t.Errorf("deadline %v (%s in Beijing), want due %s, provisional %t", d, due.In(beijing), tc.due, tc.provisional)
			}
		})
	}
}
