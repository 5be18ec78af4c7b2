package store_test

import (
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// testDashboards drives a dashboard through draft, publication, a second draft and version
// reads, and checks the list names the draft and the newest version.
func testDashboards(t *testing.T, db *store.DB) {
	author := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "分析员", Kind: "staff", OrgCode: "411000"}))
	me := runtime.UserRef{ID: author.ID}
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	spec := runtime.DashboardSpec{Slug: "city", Title: "全市概览", Widgets: []runtime.Widget{
		{ID: "w1", Type: "number", W: 6, H: 4, Dataset: "cases", Measure: "count", Range: "month"}}}

	wantCode(t, errOf(db.PublishDashboard(ctx, "city", me, at)), runtime.ENOTFOUND)
	d := must[*runtime.Dashboard](t)(db.SaveDashboardDraft(ctx, runtime.Dashboard{DashboardSpec: spec, UpdatedBy: me, UpdatedAt: at}))
	if d.Version != 0 || d.UpdatedBy.Name != "分析员" || len(d.Widgets) != 1 || d.Widgets[0].Range != "month" {
		t.Fatalf("draft = %+v", d)
	}
	v1 := must[*runtime.Dashboard](t)(db.PublishDashboard(ctx, "city", me, at.Add(time.Hour)))
	if v1.Version != 1 || v1.Title != "全市概览" || !v1.UpdatedAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("published = %+v", v1)
	}
	wantCode(t, errOf(db.Dashboard(ctx, "city", 0)), runtime.ENOTFOUND)

	spec.Title, spec.Widgets = "全市概览（新）", append(spec.Widgets, runtime.Widget{ID: "w2", Type: "map", X: 6, W: 12, H: 8, Dataset: "cases", Dimension: "district", Measure: "count"})
	must[*runtime.Dashboard](t)(db.SaveDashboardDraft(ctx, runtime.Dashboard{DashboardSpec: spec, UpdatedBy: me, UpdatedAt: at}))
	spec.Refresh = 30
	must[*runtime.Dashboard](t)(db.SaveDashboardDraft(ctx, runtime.Dashboard{DashboardSpec: spec, UpdatedBy: me, UpdatedAt: at}))
	list := must[[]runtime.DashboardSummary](t)(db.Dashboards(ctx))
	if len(list) != 1 || list[0].Published != 1 || !list[0].Draft || list[0].Title != "全市概览（新）" {
		t.Fatalf("list = %+v", list)
	}
	if newest := must[*runtime.Dashboard](t)(db.Dashboard(ctx, "city", -1)); newest.Version != 1 || len(newest.Widgets) != 1 {
		t.Fatalf("newest published = %+v", newest)
	}
	v2 := must[*runtime.Dashboard](t)(db.PublishDashboard(ctx, "city", me, at.Add(2*time.Hour)))
	if v2.Version != 2 || len(v2.Widgets) != 2 || v2.Refresh != 30 {
		t.Fatalf("second version = %+v", v2)
	}
	if old := must[*runtime.Dashboard](t)(db.Dashboard(ctx, "city", 1)); old.Title != "全市概览" {
		t.Fatalf("version 1 changed: %+v", old)
	}
	wantCode(t, errOf(db.Dashboard(ctx, "city", 3)), runtime.ENOTFOUND)
}

func errOf[T any](_ T, err error) error { return err }
