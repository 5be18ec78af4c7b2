package runtime

import (
	"context"
	"time"
)

// Dashboards (数据看板) are boards of widgets, each a chart of one dataset query. A dashboard
// holds no data and no scope: whoever opens it sees the figures of their own org scope, because
// every widget's query goes through QueryDataset as the viewer.

// Widget types a dashboard may hold.
var WidgetTypes = []string{"number", "line", "bar", "stackedBar", "pie", "table", "ranking", "gauge", "funnel", "map"}

// DashboardGridColumns is the width of a dashboard's grid.
const DashboardGridColumns = 24

// Widget is one tile of a dashboard: where it sits on the grid and the query it shows.
type Widget struct {
	ID    string `json:"id" jsonschema:"required,description=组件标识（看板内唯一）"`
	Type  string `json:"type" jsonschema:"required,enum=number,enum=line,enum=bar,enum=stackedBar,enum=pie,enum=table,enum=ranking,enum=gauge,enum=funnel,enum=map,description=组件类型"`
	Title string `json:"title,omitempty" jsonschema:"description=标题"`
	X     int    `json:"x" jsonschema:"description=列（0 起，共 24 列）"`
	Y     int    `json:"y" jsonschema:"description=行（0 起）"`
	W     int    `json:"w" jsonschema:"required,description=宽（列数）"`
	H     int    `json:"h" jsonschema:"required,description=高（行数）"`
	// Dataset, Dimension and Measure name the query; Series is a second dimension (stacked
	// bars). Range is a time range relative to the day the board is shown: today, 7d, 30d,
	// month, 12m, year, or empty for all time.
	Dataset   string          `json:"dataset,omitempty" jsonschema:"description=数据集名"`
	Dimension string          `json:"dimension,omitempty" jsonschema:"description=分组维度"`
	Series    string          `json:"series,omitempty" jsonschema:"description=第二维度（堆叠柱图）"`
	Measure   string          `json:"measure,omitempty" jsonschema:"description=度量"`
	Filters   []DatasetFilter `json:"filters,omitempty" jsonschema:"description=筛选"`
	Range     string          `json:"range,omitempty" jsonschema:"enum=,enum=today,enum=7d,enum=30d,enum=month,enum=12m,enum=year,description=时间范围"`
}

// DashboardSpec is what a dashboard's author edits, exports and imports.
type DashboardSpec struct {
	Slug  string `json:"slug" jsonschema:"required,description=看板标识（小写字母、数字和连字符）"`
	Title string `json:"title" jsonschema:"required,description=看板名称"`
	// Refresh is how often the big-screen mode reloads its figures, in seconds (0: every 60).
	Refresh int      `json:"refresh,omitempty" jsonschema:"description=大屏刷新间隔（秒）"`
	Widgets []Widget `json:"widgets" jsonschema:"required,description=组件"`
}

// Dashboard is one stored version of a dashboard: its draft (Version 0) or a published version.
type Dashboard struct {
	DashboardSpec
	Version   int       `json:"version"`
	UpdatedBy UserRef   `json:"updatedBy"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// DashboardSummary lists a dashboard: its newest published version and whether a draft waits.
type DashboardSummary struct {
	Slug      string    `json:"slug"`
	Title     string    `json:"title"`
	Published int       `json:"published"`
	Draft     bool      `json:"draft"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// DashboardStore keeps dashboards: one draft each and their immutable published versions.
type DashboardStore interface {
	// SaveDashboardDraft stores d as the draft of its slug, replacing the one before.
	SaveDashboardDraft(ctx context.Context, d Dashboard) (*Dashboard, error)
	// PublishDashboard copies the draft into the next version and drops the draft; ENOTFOUND
	// without a draft.
	PublishDashboard(ctx context.Context, slug string, by UserRef, at time.Time) (*Dashboard, error)
	// Dashboard reads a version (0 the draft, -1 the newest published); ENOTFOUND without it.
	Dashboard(ctx context.Context, slug string, version int) (*Dashboard, error)
	// Dashboards lists every dashboard by slug.
	Dashboards(ctx context.Context) ([]DashboardSummary, error)
}

// DashboardService serves dashboards to staff: analysts and administrators edit and publish,
// every staff member opens published ones.
type DashboardService interface {
	Dashboards(ctx context.Context, u *User) ([]DashboardSummary, error)
	// Dashboard reads a version as Store.Dashboard; the draft only for editors.
	Dashboard(ctx context.Context, u *User, slug string, version int) (*Dashboard, error)
	// SaveDashboard checks and stores the spec as the draft; EINVALID naming the field.
	SaveDashboard(ctx context.Context, u *User, spec DashboardSpec) (*Dashboard, error)
	PublishDashboard(ctx context.Context, u *User, slug string) (*Dashboard, error)
}
