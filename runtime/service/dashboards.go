package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/xuchang-gov/tongban/runtime"
)

var _ runtime.DashboardService = (*Service)(nil)

// maxWidgets bounds a dashboard: a big screen shows a few dozen tiles, never hundreds.
const maxWidgets = 60

// dashboardEditor says whether u may edit and publish dashboards: analysts and administrators.
func dashboardEditor(u *runtime.User) bool {
	return u != nil && u.Kind == "staff" && (slices.Contains(u.Roles, runtime.RoleAnalyst) || slices.Contains(u.Roles, runtime.RoleAdmin))
}

func dashboardViewer(u *runtime.User) error {
	if u == nil || u.Kind != "staff" {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有工作人员可以查看数据看板")
	}
	return nil
}

func mayEditDashboards(u *runtime.User) error {
	if !dashboardEditor(u) {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有事项梳理人员和系统管理员可以编辑数据看板")
	}
	return nil
}

// Dashboards lists the dashboards; staff who do not edit see only published ones.
func (s *Service) Dashboards(ctx context.Context, u *runtime.User) ([]runtime.DashboardSummary, error) {
	if err := dashboardViewer(u); err != nil {
		return nil, err
	}
	list, err := s.db.Dashboards(ctx)
	if err != nil || dashboardEditor(u) {
		return list, err
	}
	return slices.DeleteFunc(list, func(d runtime.DashboardSummary) bool { return d.Published == 0 }), nil
}

// Dashboard reads a version of a dashboard (0 the draft, editors only; -1 the newest published).
func (s *Service) Dashboard(ctx context.Context, u *runtime.User, slug string, version int) (*runtime.Dashboard, error) {
	if err := dashboardViewer(u); err != nil {
		return nil, err
	}
	if version == 0 {
		if err := mayEditDashboards(u); err != nil {
			return nil, err
		}
	}
	return s.db.Dashboard(ctx, slug, version)
}

// SaveDashboard checks spec and stores it as the draft.
func (s *Service) SaveDashboard(ctx context.Context, u *runtime.User, spec runtime.DashboardSpec) (*runtime.Dashboard, error) {
	if err := mayEditDashboards(u); err != nil {
		return nil, err
	}
	if err := checkDashboard(spec); err != nil {
		return nil, err
	}
	if spec.Widgets == nil {
		spec.Widgets = []runtime.Widget{}
	}
	return s.db.SaveDashboardDraft(ctx, runtime.Dashboard{DashboardSpec: spec,
		UpdatedBy: runtime.UserRef{ID: u.ID, Name: u.Name}, UpdatedAt: s.now()})
}

// PublishDashboard publishes the draft as the next version.
func (s *Service) PublishDashboard(ctx context.Context, u *runtime.User, slug string) (*runtime.Dashboard, error) {
	if err := mayEditDashboards(u); err != nil {
		return nil, err
	}
	return s.db.PublishDashboard(ctx, slug, runtime.UserRef{ID: u.ID, Name: u.Name}, s.now())
}

var widgetRanges = []string{"", "today", "7d", "30d", "month", "12m", "year"}

// checkDashboard checks a dashboard's grid and that every widget names its dataset's fields.
func checkDashboard(spec runtime.DashboardSpec) error {
	var fields []runtime.FieldError
	bad := func(pointer, format string, args ...any) {
		fields = append(fields, runtime.FieldError{Pointer: pointer, Message: fmt.Sprintf(format, args...)})
	}
	if !orgCodePattern.MatchString(spec.Slug) {
		bad("/slug", "标识应为小写字母、数字和连字符")
	}
	if spec.Title == "" || len([]rune(spec.Title)) > 60 {
		bad("/title", "名称应有 1 至 60 个字")
	}
	if spec.Refresh < 0 || spec.Refresh > 3600 {
		bad("/refresh", "刷新间隔应在 0 至 3600 秒之间")
	}
	if len(spec.Widgets) > maxWidgets {
		bad("/widgets", "一个看板最多 %d 个组件", maxWidgets)
	}
	ids := map[string]bool{}
	for i, w := range spec.Widgets {
		at := func(f string) string { return fmt.Sprintf("/widgets/%d/%s", i, f) }
		if w.ID == "" || ids[w.ID] {
			bad(at("id"), "组件标识为空或重复")
		}
		ids[w.ID] = true
		if !slices.Contains(runtime.WidgetTypes, w.Type) {
			bad(at("type"), "没有组件类型 %q", w.Type)
		}
		if w.X < 0 || w.Y < 0 || w.W < 1 || w.H < 1 || w.X+w.W > runtime.DashboardGridColumns || w.H > 48 {
			bad(at("w"), "组件应在 %d 列的网格之内", runtime.DashboardGridColumns)
		}
		if !slices.Contains(widgetRanges, w.Range) {
			bad(at("range"), "没有时间范围 %q", w.Range)
		}
		if w.Dataset == "" {
			continue // not bound yet: the builder shows it empty
		}
		ds := runtime.DatasetByName(w.Dataset)
		if ds == nil {
			bad(at("dataset"), "没有数据集 %q", w.Dataset)
			continue
		}
		if w.Measure == "" || ds.Measure(w.Measure) == nil {
			bad(at("measure"), "数据集「%s」没有度量 %q", ds.Title, w.Measure)
		}
		for _, d := range [][2]string{{"dimension", w.Dimension}, {"series", w.Series}} {
			if d[1] != "" && ds.Dimension(d[1]) == nil {
				bad(at(d[0]), "数据集「%s」没有维度 %q", ds.Title, d[1])
			}
		}
		if w.Type == "map" && w.Dimension != "district" {
			bad(at("dimension"), "地图按县（市、区）分组")
		}
		if w.Range != "" && ds.Time == "" {
			bad(at("range"), "数据集「%s」不按时间筛选", ds.Title)
		}
		for j, f := range w.Filters {
			if ds.Dimension(f.Dimension) == nil || len(f.Values) == 0 {
				bad(fmt.Sprintf("/widgets/%d/filters/%d", i, j), "筛选的维度或取值有误")
			}
		}
	}
	if len(fields) > 0 {
		return runtime.Invalid("看板有误", fields...)
	}
	return nil
}

// PublishDashboards checks and publishes every dashboard spec (*.json) in dir of fsys as the
// platform, not as a person: the demo's example dashboards.
func (s *Service) PublishDashboards(ctx context.Context, fsys fs.FS, dir string) error {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		var spec runtime.DashboardSpec
		if err := json.Unmarshal(raw, &spec); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := checkDashboard(spec); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if _, err := s.db.SaveDashboardDraft(ctx, runtime.Dashboard{DashboardSpec: spec, UpdatedAt: s.now()}); err != nil {
			return err
		}
		if _, err := s.db.PublishDashboard(ctx, spec.Slug, runtime.UserRef{}, s.now()); err != nil {
			return err
		}
	}
	return nil
}
