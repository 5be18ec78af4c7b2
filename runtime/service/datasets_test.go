package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// knownCases files the known set the datasets are checked against, on 2 March 2026, and
// moves the clock to 1 April:
//   - a draft of 高龄津贴 (王桂英), never counted;
//   - 高龄津贴 (魏都区民政局), approved the same day (uploaded papers go to a reviewer) and rated 5;
//   - 食品经营许可 (魏都区市场监管局) waiting for acceptance: its clock has not started;
//   - 食品经营许可 accepted, then sent back for correction: its clock is stopped;
//   - 公共场所卫生许可 (市卫健委) accepted and left: overdue by April.
func knownCases(t *testing.T, f *fixture) {
	t.Helper()
	if _, err := f.svc.SubmitCase(ctx, f.users["王桂英"], runtime.SubmitCase{Matter: "senior-longevity-allowance", Form: sampleForm(t, "senior-longevity-allowance"), Draft: true}); err != nil {
		t.Fatal(err)
	}
	senior := f.apply("王桂英", "senior-longevity-allowance", sampleForm(t, "senior-longevity-allowance"))
	senior = f.act(senior.Number, "wd-civil/reviewer", "review", "approve")
	if senior.ConcludedAt == nil {
		t.Fatalf("高龄津贴 not concluded: %s", senior.Status)
	}
	if err := f.svc.Evaluate(ctx, f.users["王桂英"], senior.Number, runtime.Evaluation{Score: 5}); err != nil {
		t.Fatal(err)
	}
	f.apply("许昌瑞祥置业有限公司", "food-business-license", sampleForm(t, "food-business-license"))
	food := f.apply("许昌瑞祥置业有限公司", "food-business-license", sampleForm(t, "food-business-license"))
	f.act(food.Number, "wd-amr/clerk", "accept", "accept")
	if _, err := f.svc.RequestCorrection(ctx, f.users["wd-amr/reviewer"], food.Number, "平面布局图不清晰，请重新提供", []string{"cateringLayout"}); err != nil {
		t.Fatal(err)
	}
	hygiene := f.apply("许昌瑞祥置业有限公司", "public-venue-hygiene-license", sampleForm(t, "public-venue-hygiene-license"))
	f.act(hygiene.Number, "xc-health/clerk", "accept", "accept")
	f.now = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
}

// TestDatasetsCountTheKnownCases checks each dataset's figures over the known cases, as the
// city's supervisor, a district's government and a department see them, on SQLite and
// PostgreSQL.
func TestDatasetsCountTheKnownCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixtureOn(t, open(t), memBundle(t))
		knownCases(t, f)
		cases := []struct {
			name, who string
			q         runtime.DatasetQuery
			want      string
		}{
			{"the city supervisor sees every case but the draft", "xc-service-center/supervisor",
				runtime.DatasetQuery{Dataset: "cases", Measures: []string{"count", "concluded", "overdue", "corrections"}},
				"[[4 1 1 1]]"},
			{"by on-time state", "xc-service-center/supervisor",
				runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"onTime"}, Measures: []string{"count"}},
				"[[no-limit 1] [overdue 1] [stopped 1] [untimed 1]]"},
			{"by month and district", "xc-service-center/supervisor",
				runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"month", "district"}, Measures: []string{"count"}},
				"[[2026-03 411000 1] [2026-03 411002 3]]"},
			{"by channel within March", "xc-service-center/supervisor",
				runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"channel"}, Measures: []string{"count", "onTimeRate", "immediate"}, From: "2026-03-01", To: "2026-04-01"},
				"[[online 4 1 1]]"},
			{"nothing in April", "xc-service-center/supervisor",
				runtime.DatasetQuery{Dataset: "cases", Measures: []string{"count", "avgHours"}, From: "2026-04-01"},
				"[[0 <nil>]]"},
			{"a district's government sees its own departments only", "wd-gov/admin",
				runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"org"}, Measures: []string{"count"}},
				"[[wd-amr 2] [wd-civil 1]]"},
			{"filtered by status", "wd-gov/admin",
				runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"matter"}, Measures: []string{"count"}, Filters: []runtime.DatasetFilter{{Dimension: "status", Values: []string{"correction", "submitted"}}}},
				"[[food-business-license 2]]"},
			{"a city department sees its own case", "xc-health/clerk",
				runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"district"}, Measures: []string{"count", "overdue"}},
				"[[411000 1 1]]"},
			{"a district department sees no other district's", "wd-civil/reviewer",
				runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"org"}, Measures: []string{"count"}},
				"[[wd-civil 1]]"},
			{"ratings", "xc-service-center/supervisor",
				runtime.DatasetQuery{Dataset: "evaluations", Dimensions: []string{"org"}, Measures: []string{"count", "avgScore", "satisfaction"}},
				"[[wd-civil 1 5 1]]"},
			{"no ratings in another's scope", "xc-health/clerk",
				runtime.DatasetQuery{Dataset: "evaluations", Measures: []string{"count", "avgScore"}},
				"[[0 <nil>]]"},
			{"corrections", "xc-service-center/supervisor",
				runtime.DatasetQuery{Dataset: "corrections", Dimensions: []string{"matter"}, Measures: []string{"count", "cases"}},
				"[[food-business-license 1 1]]"},
			{"tasks of a department", "xc-health/clerk",
				runtime.DatasetQuery{Dataset: "tasks", Dimensions: []string{"node", "status"}, Measures: []string{"count"}, Filters: []runtime.DatasetFilter{{Dimension: "kind", Values: []string{"person"}}}},
				"[[accept done 1] [review open 1]]"},
			{"the city's catalog", "xc-service-center/supervisor",
				runtime.DatasetQuery{Dataset: "catalog", Measures: []string{"count", "online", "fullyOnline", "zeroVisit"}},
				"[[11 11 3 3]]"},
			{"a district's catalog", "wd-gov/admin",
				runtime.DatasetQuery{Dataset: "catalog", Dimensions: []string{"org"}, Measures: []string{"count", "fullyOnlineRate"}},
				"[[wd-amr 2 0.5] [wd-civil 2 1] [wd-psb 1 0]]"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res, err := f.svc.QueryDataset(ctx, f.users[c.who], c.q)
				if err != nil {
					t.Fatal(err)
				}
				if got := fmt.Sprint(res.Rows); got != c.want {
					t.Errorf("got %s, want %s", got, c.want)
				}
				if len(res.Columns) != len(c.q.Dimensions)+len(c.q.Measures) {
					t.Errorf("columns %v", res.Columns)
				}
			})
		}
	})
}

func TestDatasetQueriesAreChecked(t *testing.T) {
	f := newFixture(t, memBundle(t))
	cases := []struct {
		name, who string
		q         runtime.DatasetQuery
		code      string
		pointer   string
	}{
		{"an unknown dataset", "xc-health/clerk", runtime.DatasetQuery{Dataset: "users", Measures: []string{"count"}}, runtime.EINVALID, "/dataset"},
		{"an unknown dimension", "xc-health/clerk", runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"form"}, Measures: []string{"count"}}, runtime.EINVALID, "/dimensions/0"},
		{"an unknown measure", "xc-health/clerk", runtime.DatasetQuery{Dataset: "cases", Measures: []string{"SUM(fee_total)"}}, runtime.EINVALID, "/measures/0"},
		{"no measure", "xc-health/clerk", runtime.DatasetQuery{Dataset: "cases"}, runtime.EINVALID, "/measures"},
		{"a filter on an unknown dimension", "xc-health/clerk", runtime.DatasetQuery{Dataset: "cases", Measures: []string{"count"}, Filters: []runtime.DatasetFilter{{Dimension: "1=1) OR (1", Values: []string{"x"}}}}, runtime.EINVALID, "/filters/0/dimension"},
		{"a malformed date", "xc-health/clerk", runtime.DatasetQuery{Dataset: "cases", Measures: []string{"count"}, From: "March"}, runtime.EINVALID, "/from"},
		{"an applicant", "王桂英", runtime.DatasetQuery{Dataset: "cases", Measures: []string{"count"}}, runtime.EFORBIDDEN, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.QueryDataset(ctx, f.users[c.who], c.q)
			if runtime.ErrorCode(err) != c.code {
				t.Fatalf("%v, want %s", err, c.code)
			}
			if e, ok := err.(*runtime.Error); c.pointer != "" && (!ok || len(e.Fields) == 0 || e.Fields[0].Pointer != c.pointer) {
				t.Errorf("%#v, want the pointer %s", err, c.pointer)
			}
		})
	}
}

// TestScorecardRanksTheKnownCases ranks the orgs and districts of the known cases for March.
func TestScorecardRanksTheKnownCases(t *testing.T) {
	f := newFixture(t, memBundle(t))
	knownCases(t, f)
	sc, err := f.svc.Scorecard(ctx, f.users["xc-service-center/supervisor"], "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	line := func(r runtime.ScoreRow) string {
		p := func(v *float64) string {
			if v == nil {
				return "-"
			}
			return fmt.Sprintf("%.2f", *v)
		}
		return fmt.Sprintf("%d %s %.2f matters %d/%d/%d cases %d/%d onTime %s satisfaction %s change %d",
			r.Rank, r.Code, r.Score, r.Matters, r.Online, r.FullyOnline, r.Cases, r.Concluded, p(r.OnTimeRate), p(r.Satisfaction), *r.Change)
	}
	var got []string
	for _, r := range append(sc.Orgs, sc.Districts...) {
		got = append(got, line(r))
	}
	want := []string{
		"1 wd-civil 100.00 matters 2/2/2 cases 1/1 onTime 1.00 satisfaction 1.00 change 0",
		"2 wd-amr 75.00 matters 2/2/1 cases 2/0 onTime - satisfaction - change 0",
		"3 xc-health 50.00 matters 2/2/0 cases 1/0 onTime - satisfaction - change 1",
		"4 wd-psb 50.00 matters 1/1/0 cases 0/0 onTime - satisfaction - change -1",
		"5 xc-healthcare-security 50.00 matters 1/1/0 cases 0/0 onTime - satisfaction - change 0",
		"6 xc-housing 50.00 matters 1/1/0 cases 0/0 onTime - satisfaction - change 0",
		"7 xc-hrss 50.00 matters 1/1/0 cases 0/0 onTime - satisfaction - change 0",
		"8 xc-realestate 50.00 matters 1/1/0 cases 0/0 onTime - satisfaction - change 0",
		"1 411002 90.00 matters 5/5/3 cases 3/1 onTime 1.00 satisfaction 1.00 change 0",
		"2 411000 50.00 matters 6/6/0 cases 1/0 onTime - satisfaction - change 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if sc.Districts[0].Name != "魏都区" || sc.Orgs[0].Name != "许昌市魏都区民政局" {
		t.Errorf("names %s, %s", sc.Districts[0].Name, sc.Orgs[0].Name)
	}
	district, err := f.svc.Scorecard(ctx, f.users["wd-gov/admin"], "2026-Q1")
	if err != nil {
		t.Fatal(err)
	}
	if len(district.Orgs) != 3 || len(district.Districts) != 1 || district.Districts[0].Code != "411002" {
		t.Errorf("a district's scorecard shows others: %+v", district)
	}
	if _, err := f.svc.Scorecard(ctx, f.users["wd-gov/admin"], "2026-13"); runtime.ErrorCode(err) != runtime.EINVALID {
		t.Errorf("a malformed period: %v", err)
	}
}
