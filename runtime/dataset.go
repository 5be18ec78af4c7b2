package runtime

import (
	"context"
	"io"
	"time"
)

// Datasets are the facts the monitor, the scorecard and dashboards are built from. Each is a
// fixed set of named dimensions (what to group and filter by) and measures (what to count or
// average), defined here and translated to SQL only by the store: nothing a browser sends ever
// becomes query text. Drafts are never counted; staff see only their org scope.

// Field is a dimension or a measure of a dataset.
type Field struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Type is string, date (YYYY-MM-DD), month (YYYY-MM), integer, number, hours or ratio (0..1).
	Type string `json:"type"`
}

// Dataset is one named set of facts with its dimensions and measures.
type Dataset struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Time names the instant a query's time range selects on.
	Time       string  `json:"time,omitempty"`
	Dimensions []Field `json:"dimensions"`
	Measures   []Field `json:"measures"`
}

// Dimension returns the dimension of that name, or nil.
func (d *Dataset) Dimension(name string) *Field { return field(d.Dimensions, name) }

// Measure returns the measure of that name, or nil.
func (d *Dataset) Measure(name string) *Field { return field(d.Measures, name) }

func field(fs []Field, name string) *Field {
	for i := range fs {
		if fs[i].Name == name {
			return &fs[i]
		}
	}
	return nil
}

// The dimensions several datasets share.
var (
	dimDay      = Field{"day", "日期", "date"}
	dimMonth    = Field{"month", "月份", "month"}
	dimMatter   = Field{"matter", "事项", "string"}
	dimOrg      = Field{"org", "实施机构", "string"}
	dimDistrict = Field{"district", "县（市、区）", "string"}
	dimChannel  = Field{"channel", "渠道", "string"}
)

// On-time states of a case (the cases dataset's onTime dimension).
const (
	OnTimeConcluded = "on-time"  // 按时办结
	OnTimeLate      = "late"     // 超期办结
	OnTimeRunning   = "running"  // 办理中，未超期
	OnTimeDueSoon   = "due-soon" // 办理中，一个工作日内到期（黄牌）
	OnTimeOverdue   = "overdue"  // 办理中，已超期
	OnTimeStopped   = "stopped"  // 计时暂停（补正、特别程序）
	OnTimeUntimed   = "untimed"  // 尚未起算（待预审、待受理）
	OnTimeNoLimit   = "no-limit" // 已办结，无时限（不予受理等）
)

// OnTimeNames are the Chinese names of the on-time states.
var OnTimeNames = map[string]string{
	OnTimeConcluded: "按时办结", OnTimeLate: "超期办结", OnTimeRunning: "办理中", OnTimeDueSoon: "即将到期", OnTimeOverdue: "已超期",
	OnTimeStopped: "计时暂停", OnTimeUntimed: "未起算", OnTimeNoLimit: "已办结（不计时）",
}

// DatasetCatalog is the name of the dataset of published matters (事项目录), which the service
// answers from the definitions rather than the store.
const DatasetCatalog = "catalog"

// Datasets lists every dataset.
var Datasets = []Dataset{
	{Name: "cases", Title: "办件", Time: "submittedAt",
		Dimensions: []Field{dimDay, dimMonth, {"status", "状态", "string"}, dimChannel, dimMatter, dimOrg, dimDistrict,
			{"onTime", "时限状态", "string"}, {"windowOrg", "受理窗口", "string"}},
		Measures: []Field{{"count", "办件量", "integer"}, {"concluded", "办结量", "integer"},
			{"onTimeConcluded", "按时办结量", "integer"}, {"overdue", "超期量", "integer"}, {"dueSoon", "即将到期", "integer"},
			{"onTimeRate", "按时办结率", "ratio"}, {"avgHours", "平均办理时长（小时）", "hours"},
			{"immediate", "即办件量（当日办结）", "integer"}, {"corrections", "补正中", "integer"}}},
	{Name: "tasks", Title: "办理环节", Time: "createdAt",
		Dimensions: []Field{dimDay, dimMonth, {"node", "环节", "string"}, {"kind", "类型", "string"}, dimOrg,
			{"role", "岗位", "string"}, {"status", "状态", "string"}},
		Measures: []Field{{"count", "环节数", "integer"}, {"done", "已完成", "integer"},
			{"open", "待办", "integer"}, {"overdue", "超时", "integer"}, {"avgHours", "平均用时（小时）", "hours"}}},
	{Name: "evaluations", Title: "好差评", Time: "ratedAt",
		Dimensions: []Field{dimDay, dimMonth, {"score", "评分", "integer"}, dimMatter, dimOrg, dimDistrict, dimChannel},
		Measures: []Field{{"count", "评价数", "integer"}, {"avgScore", "平均分", "number"},
			{"satisfied", "满意数（4 分及以上）", "integer"}, {"satisfaction", "满意度", "ratio"}}},
	{Name: "corrections", Title: "补齐补正", Time: "requestedAt",
		Dimensions: []Field{dimDay, dimMonth, dimMatter, dimOrg, dimDistrict, dimChannel},
		Measures:   []Field{{"count", "补正次数", "integer"}, {"cases", "补正办件数", "integer"}}},
	{Name: "fees", Title: "收费", Time: "submittedAt",
		Dimensions: []Field{dimDay, dimMonth, dimMatter, dimOrg, dimDistrict, {"paid", "是否已缴", "string"}},
		Measures: []Field{{"count", "收费办件数", "integer"}, {"amount", "应收金额（元）", "number"},
			{"paidAmount", "已缴金额（元）", "number"}}},
	{Name: DatasetCatalog, Title: "事项目录",
		Dimensions: []Field{dimMatter, dimOrg, dimDistrict, {"type", "事项类型", "string"}, {"caseType", "办件类型", "string"}},
		Measures: []Field{{"count", "事项数", "integer"}, {"online", "网上可办数", "integer"},
			{"onlineRate", "网上可办率", "ratio"}, {"fullyOnline", "一网通办数", "integer"},
			{"fullyOnlineRate", "一网通办实现率", "ratio"}, {"zeroVisit", "零跑动数", "integer"}}},
}

// DatasetByName returns the dataset of that name, or nil.
func DatasetByName(name string) *Dataset {
	for i := range Datasets {
		if Datasets[i].Name == name {
			return &Datasets[i]
		}
	}
	return nil
}

// DatasetFilter keeps the rows whose dimension has one of the values.
type DatasetFilter struct {
	Dimension string   `json:"dimension" jsonschema:"required,description=维度名"`
	Values    []string `json:"values" jsonschema:"required,description=保留的取值"`
}

// DatasetQuery asks a dataset for measures grouped by dimensions: names only, never query text.
type DatasetQuery struct {
	Dataset    string          `json:"dataset" jsonschema:"required,description=数据集名"`
	Dimensions []string        `json:"dimensions,omitempty" jsonschema:"description=分组维度"`
	Measures   []string        `json:"measures" jsonschema:"required,description=度量"`
	Filters    []DatasetFilter `json:"filters,omitempty" jsonschema:"description=筛选"`
	// From and To bound the dataset's time (YYYY-MM-DD in the platform's zone; To exclusive).
	From string `json:"from,omitempty" jsonschema:"format=date,description=起始日期（含）"`
	To   string `json:"to,omitempty" jsonschema:"format=date,description=截止日期（不含）"`
}

// DatasetResult is a query's answer: the columns (dimensions, then measures) and the rows,
// each dimension a string and each measure a number (null when there is nothing to average).
type DatasetResult struct {
	Dataset string  `json:"dataset"`
	Columns []Field `json:"columns"`
	Rows    [][]any `json:"rows"`
	// Labels names the values of the dimensions that have names (orgs, matters, districts,
	// statuses, channels, on-time states): by dimension, then value.
	Labels map[string]map[string]string `json:"labels,omitempty"`
}

// AggregateQuery is a dataset query as the store runs it: every name checked against the
// dataset, the time range resolved to instants, and the org scope set by the service.
type AggregateQuery struct {
	Dataset    string
	Dimensions []string
	Measures   []string
	Filters    []DatasetFilter
	// OrgCodes limits the rows to the orgs' own (a case's implementing org, a task's org); nil
	// is the whole platform.
	OrgCodes []string
	From, To *time.Time
	// Now decides running against overdue, and a running case due by Soon (the end of the
	// next working day) is warned; Zone is where days and months are counted.
	Now, Soon time.Time
	Zone      *time.Location
}

// AnalyticsStore answers dataset queries.
type AnalyticsStore interface {
	// Aggregate returns one row per group: the dimension values as strings, then each
	// measure as a float64 (nil when undefined, an average over nothing). EINVALID for a name
	// the dataset does not have.
	Aggregate(ctx context.Context, q AggregateQuery) ([][]any, error)
}

// DatasetService serves datasets to staff, each within their org scope.
type DatasetService interface {
	// QueryDataset answers q within the user's scope; EINVALID naming the field for an unknown
	// dataset, dimension, measure or a malformed date, EFORBIDDEN for anyone but staff.
	QueryDataset(ctx context.Context, u *User, q DatasetQuery) (*DatasetResult, error)
}

// ScoreRow is one unit's line of the scorecard (政务服务成绩单): an org or a county/district.
// Rates are 0..1, nil where there is nothing to divide by.
type ScoreRow struct {
	Code            string   `json:"code"`
	Name            string   `json:"name"`
	Matters         int      `json:"matters"`
	Online          int      `json:"online"`
	OnlineRate      *float64 `json:"onlineRate"`
	FullyOnline     int      `json:"fullyOnline"`
	FullyOnlineRate *float64 `json:"fullyOnlineRate"`
	Cases           int      `json:"cases"`
	Concluded       int      `json:"concluded"`
	OnTimeRate      *float64 `json:"onTimeRate"`
	AvgHours        *float64 `json:"avgHours"`
	ImmediateRate   *float64 `json:"immediateRate"`
	Satisfaction    *float64 `json:"satisfaction"`
	// Score is 100 × the mean of the rates the unit has (网上可办率, 一网通办实现率, 按时办结率,
	// 满意度); Rank orders by it, and Change is the places gained since the period before
	// (positive rising, negative falling, nil when it was not ranked then).
	Score  float64 `json:"score"`
	Rank   int     `json:"rank"`
	Change *int    `json:"change"`
}

// Scorecard ranks the units of a period.
type Scorecard struct {
	// Period is 2026-11 (a month), 2026-Q4 (a quarter) or 2026 (a year); Title names it.
	Period    string     `json:"period"`
	Title     string     `json:"title"`
	From      string     `json:"from"`
	To        string     `json:"to"`
	Orgs      []ScoreRow `json:"orgs"`
	Districts []ScoreRow `json:"districts"`
}

// ScorecardService ranks orgs and counties/districts.
type ScorecardService interface {
	// Scorecard is the period's scorecard within the user's scope (staff only); EINVALID for a
	// malformed period.
	Scorecard(ctx context.Context, u *User, period string) (*Scorecard, error)
	// PublicScorecard is the whole platform's, for the portal: figures only, no person in it.
	PublicScorecard(ctx context.Context, period string) (*Scorecard, error)
	// ExportScorecard writes the user's scorecard as a spreadsheet.
	ExportScorecard(ctx context.Context, u *User, period string, w io.Writer) error
}
