package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
)

var _ runtime.DatasetService = (*Service)(nil)

// QueryDataset answers a dataset query within the user's scope (their org subtree, or the
// subtree their supervision covers): the scope is the server's to set, never the query's.
func (s *Service) QueryDataset(ctx context.Context, u *runtime.User, q runtime.DatasetQuery) (*runtime.DatasetResult, error) {
	if u == nil || u.Kind != "staff" {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有工作人员可以查看统计数据")
	}
	ds, aq, err := s.checkDatasetQuery(q)
	if err != nil {
		return nil, err
	}
	if aq.Soon, err = s.warnBy(ctx, aq.Now); err != nil {
		return nil, err
	}
	aq.OrgCodes = s.scope(u)
	return s.aggregate(ctx, ds, aq)
}

// warnBy is the instant up to which a running case is due soon (黄牌, one working day or less
// left, as deadlineOf warns): the end of the next working day on the calendar in force.
func (s *Service) warnBy(ctx context.Context, now time.Time) (time.Time, error) {
	plan, err := s.newestPlan(ctx)
	if err != nil || plan == nil {
		return runtime.EndOfDay(now), err
	}
	return runtime.EndOfDay(plan.Calendar.AddWorkingDays(runtime.Day(now), 1)), nil
}

// aggregate runs a checked query with its scope set, on the store or, for the matter catalog,
// on the published definitions.
func (s *Service) aggregate(ctx context.Context, ds *runtime.Dataset, aq runtime.AggregateQuery) (*runtime.DatasetResult, error) {
	res := &runtime.DatasetResult{Dataset: ds.Name, Rows: [][]any{}}
	for _, n := range aq.Dimensions {
		res.Columns = append(res.Columns, *ds.Dimension(n))
	}
	for _, n := range aq.Measures {
		res.Columns = append(res.Columns, *ds.Measure(n))
	}
	var rows [][]any
	var err error
	if ds.Name == runtime.DatasetCatalog {
		rows, err = s.catalogRows(ctx, aq)
	} else {
		rows, err = s.db.Aggregate(ctx, aq)
	}
	if err != nil {
		return nil, err
	}
	if rows != nil {
		res.Rows = rows
	}
	s.label(ctx, res, aq.Dimensions)
	return res, nil
}

// label names the values of the result's named dimensions.
func (s *Service) label(ctx context.Context, res *runtime.DatasetResult, dims []string) {
	var matters map[string]string
	name := func(dim, v string) (string, bool) {
		switch dim {
		case "org", "windowOrg":
			for _, o := range s.Orgs() {
				if o.Code == v {
					return o.Name, true
				}
			}
		case "matter":
			if matters == nil {
				matters = map[string]string{}
				list, _ := s.ListMatters(ctx, runtime.MatterFilter{})
				for _, m := range list {
					matters[m.Slug] = m.Name
				}
			}
			n, ok := matters[v]
			return n, ok
		case "district":
			return districtName(v)
		case "status":
			n, ok := runtime.StatusNames[runtime.Status(v)]
			return n, ok
		case "channel":
			n, ok := runtime.ChannelNames[v]
			return n, ok
		case "onTime":
			n, ok := runtime.OnTimeNames[v]
			return n, ok
		}
		return "", false
	}
	for i, dim := range dims {
		for _, row := range res.Rows {
			v, _ := row[i].(string)
			if n, ok := name(dim, v); ok {
				if res.Labels == nil {
					res.Labels = map[string]map[string]string{}
				}
				if res.Labels[dim] == nil {
					res.Labels[dim] = map[string]string{}
				}
				res.Labels[dim][v] = n
			}
		}
	}
}

// checkDatasetQuery checks every name of q against its dataset and resolves its dates to
// instants in the platform's zone.
func (s *Service) checkDatasetQuery(q runtime.DatasetQuery) (*runtime.Dataset, runtime.AggregateQuery, error) {
	ds := runtime.DatasetByName(q.Dataset)
	if ds == nil {
		return nil, runtime.AggregateQuery{}, runtime.Invalid("数据集不存在", runtime.FieldError{Pointer: "/dataset", Message: fmt.Sprintf("没有数据集 %q", q.Dataset)})
	}
	var fields []runtime.FieldError
	for i, n := range q.Dimensions {
		if ds.Dimension(n) == nil || slices.Index(q.Dimensions, n) != i {
			fields = append(fields, runtime.FieldError{Pointer: fmt.Sprintf("/dimensions/%d", i), Message: fmt.Sprintf("数据集「%s」没有维度 %q，或重复选择", ds.Title, n)})
		}
	}
	if len(q.Measures) == 0 {
		fields = append(fields, runtime.FieldError{Pointer: "/measures", Message: "至少选择一个度量"})
	}
	for i, n := range q.Measures {
		if ds.Measure(n) == nil {
			fields = append(fields, runtime.FieldError{Pointer: fmt.Sprintf("/measures/%d", i), Message: fmt.Sprintf("数据集「%s」没有度量 %q", ds.Title, n)})
		}
	}
	for i, f := range q.Filters {
		if ds.Dimension(f.Dimension) == nil {
			fields = append(fields, runtime.FieldError{Pointer: fmt.Sprintf("/filters/%d/dimension", i), Message: fmt.Sprintf("数据集「%s」没有维度 %q", ds.Title, f.Dimension)})
		}
		if len(f.Values) == 0 || len(f.Values) > 200 {
			fields = append(fields, runtime.FieldError{Pointer: fmt.Sprintf("/filters/%d/values", i), Message: "筛选取值应有 1 至 200 个"})
		}
	}
	aq := runtime.AggregateQuery{Dataset: ds.Name, Dimensions: q.Dimensions, Measures: q.Measures, Filters: q.Filters,
		Now: s.now(), Zone: runtime.Zone}
	for _, d := range []struct {
		value, pointer string
		to             **time.Time
	}{{q.From, "/from", &aq.From}, {q.To, "/to", &aq.To}} {
		if d.value == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.value, runtime.Zone)
		if err != nil {
			fields = append(fields, runtime.FieldError{Pointer: d.pointer, Message: "日期应为 YYYY-MM-DD"})
			continue
		}
		if ds.Time == "" {
			fields = append(fields, runtime.FieldError{Pointer: d.pointer, Message: fmt.Sprintf("数据集「%s」不按时间筛选", ds.Title)})
			continue
		}
		*d.to = &t
	}
	if len(fields) > 0 {
		return nil, aq, runtime.Invalid("统计查询有误", fields...)
	}
	return ds, aq, nil
}

// catalogRows counts the published matters of the scope's orgs (事项目录): how many may be
// applied for online (网上办理), how many fully online (网上办理 and 零跑动), and grouped and
// filtered by the dataset's dimensions.
func (s *Service) catalogRows(ctx context.Context, aq runtime.AggregateQuery) ([][]any, error) {
	matters, err := s.ListMatters(ctx, runtime.MatterFilter{})
	if err != nil {
		return nil, err
	}
	type group struct {
		dims                            []string
		count, online, full, zeroVisits float64
	}
	groups := map[string]*group{}
	for _, sum := range matters {
		_, _, mp, err := s.latest(ctx, sum.Slug)
		if err != nil {
			return nil, err
		}
		m := mp.Def.Matter
		if aq.OrgCodes != nil && !slices.Contains(aq.OrgCodes, m.Org.Code) {
			continue
		}
		values := map[string]string{"matter": sum.Slug, "org": m.Org.Code, "district": m.Org.DivisionCode, "type": m.Type, "caseType": m.CaseType}
		if !slices.ContainsFunc(aq.Filters, func(f runtime.DatasetFilter) bool { return !slices.Contains(f.Values, values[f.Dimension]) }) {
			dims := make([]string, len(aq.Dimensions))
			for i, d := range aq.Dimensions {
				dims[i] = values[d]
			}
			key := strings.Join(dims, "\x00")
			g := groups[key]
			if g == nil {
				g = &group{dims: dims}
				groups[key] = g
			}
			online := slices.Contains(m.HandlingForms, "网上办理")
			zero := m.Visits != nil && *m.Visits == 0
			g.count++
			g.online += b2f(online)
			g.full += b2f(online && zero)
			g.zeroVisits += b2f(zero)
		}
	}
	if len(groups) == 0 && len(aq.Dimensions) == 0 {
		groups[""] = &group{}
	}
	out := make([][]any, 0, len(groups))
	for _, g := range groups {
		row := make([]any, 0, len(g.dims)+len(aq.Measures))
		for _, d := range g.dims {
			row = append(row, d)
		}
		for _, m := range aq.Measures {
			row = append(row, map[string]any{"count": g.count, "online": g.online, "fullyOnline": g.full, "zeroVisit": g.zeroVisits,
				"onlineRate": share(g.online, g.count), "fullyOnlineRate": share(g.full, g.count)}[m])
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b []any) int {
		for i := range aq.Dimensions {
			if c := cmp.Compare(a[i].(string), b[i].(string)); c != 0 {
				return c
			}
		}
		return 0
	})
	return out, nil
}

// districtName is a county's name within its city (魏都区), or a city's own level (许昌市本级).
func districtName(code string) (string, bool) {
	full, ok := cn.DivisionName(code)
	if !ok || len(code) != 6 {
		return full, ok
	}
	if code[4:] == "00" {
		province, _ := cn.DivisionName(code[:2] + "0000")
		return strings.TrimPrefix(full, province) + "本级", true
	}
	city, _ := cn.DivisionName(code[:4] + "00")
	return strings.TrimPrefix(full, city), true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// share is part over whole, nil (undefined) over nothing.
func share(part, whole float64) any {
	if whole == 0 {
		return nil
	}
	return part / whole
}
