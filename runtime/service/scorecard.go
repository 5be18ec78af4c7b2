package service

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

var _ runtime.ScorecardService = (*Service)(nil)

// Scorecard ranks the orgs and counties/districts of the user's scope for the period.
func (s *Service) Scorecard(ctx context.Context, u *runtime.User, period string) (*runtime.Scorecard, error) {
	if u == nil || u.Kind != "staff" {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有工作人员可以查看成绩单")
	}
	return s.scorecard(ctx, s.scope(u), period)
}

// PublicScorecard is the platform's scorecard as the portal publishes it: counts and rates of
// units, nothing about any applicant.
func (s *Service) PublicScorecard(ctx context.Context, period string) (*runtime.Scorecard, error) {
	return s.scorecard(ctx, nil, period)
}

// ExportScorecard writes the user's scorecard: one sheet, the orgs then the districts.
func (s *Service) ExportScorecard(ctx context.Context, u *runtime.User, period string, w io.Writer) error {
	sc, err := s.Scorecard(ctx, u, period)
	if err != nil {
		return err
	}
	headers := []string{"类别", "排名", "升降", "单位", "综合得分", "事项总数", "网上可办数", "网上可办率", "一网通办数", "一网通办实现率",
		"办件总量", "办结量", "按时办结率", "平均办理时长（小时）", "即办件占比", "满意度"}
	table, err := s.newTable(sc.Title, headers, []float64{10, 6, 6, 30, 10, 10, 10, 10, 10, 12, 10, 10, 10, 16, 10, 10})
	if err != nil {
		return err
	}
	for _, part := range []struct {
		kind string
		rows []runtime.ScoreRow
	}{{"机构", sc.Orgs}, {"县（市、区）", sc.Districts}} {
		for _, r := range part.rows {
			change := ""
			if r.Change != nil {
				change = fmt.Sprintf("%+d", *r.Change)
			}
			err := table.Append(part.kind, r.Rank, change, r.Name, round(r.Score), r.Matters, r.Online, pct(r.OnlineRate), r.FullyOnline,
				pct(r.FullyOnlineRate), r.Cases, r.Concluded, pct(r.OnTimeRate), num(r.AvgHours), pct(r.ImmediateRate), pct(r.Satisfaction))
			if err != nil {
				return err
			}
		}
	}
	_, err = table.WriteTo(w)
	return err
}

func round(v float64) float64 { return float64(int(v*10+0.5)) / 10 }

func pct(v *float64) any {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

func num(v *float64) any {
	if v == nil {
		return "—"
	}
	return round(*v)
}

var periodPattern = regexp.MustCompile(`^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$`)

// period resolves 2026-11, 2026-Q4 or 2026 ("" is the current month) to its first day, the
// first day after it and the first day of the period before, in the platform's zone.
func (s *Service) period(p string) (title string, from, to, before time.Time, err error) {
	if p == "" {
		p = s.now().In(runtime.Zone).Format("2006-01")
	}
	m := periodPattern.FindStringSubmatch(p)
	if m == nil {
		return "", from, to, before, runtime.Invalid("统计周期应为 2026-11（月）、2026-Q4（季度）或 2026（年）", runtime.FieldError{Pointer: "/period", Message: "格式不正确"})
	}
	year, _ := strconv.Atoi(m[1])
	switch {
	case m[2] != "":
		month, _ := strconv.Atoi(m[2])
		from = time.Date(year, time.Month(month), 1, 0, 0, 0, 0, runtime.Zone)
		return fmt.Sprintf("%d 年 %d 月", year, month), from, from.AddDate(0, 1, 0), from.AddDate(0, -1, 0), nil
	case m[3] != "":
		q, _ := strconv.Atoi(m[3])
		from = time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, runtime.Zone)
		return fmt.Sprintf("%d 年第 %d 季度", year, q), from, from.AddDate(0, 3, 0), from.AddDate(0, -3, 0), nil
	}
	from = time.Date(year, 1, 1, 0, 0, 0, 0, runtime.Zone)
	return fmt.Sprintf("%d 年", year), from, from.AddDate(1, 0, 0), from.AddDate(-1, 0, 0), nil
}

func (s *Service) scorecard(ctx context.Context, scope []string, p string) (*runtime.Scorecard, error) {
	title, from, to, before, err := s.period(p)
	if err != nil {
		return nil, err
	}
	sc := &runtime.Scorecard{Period: p, Title: title + "政务服务成绩单", From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
	if p == "" {
		sc.Period = from.Format("2006-01")
	}
	for _, part := range []struct {
		dim string
		out *[]runtime.ScoreRow
	}{{"org", &sc.Orgs}, {"district", &sc.Districts}} {
		now, err := s.ranked(ctx, scope, part.dim, from, to)
		if err != nil {
			return nil, err
		}
		was, err := s.ranked(ctx, scope, part.dim, before, from)
		if err != nil {
			return nil, err
		}
		for i := range now {
			if j := slices.IndexFunc(was, func(r runtime.ScoreRow) bool { return r.Code == now[i].Code }); j >= 0 {
				change := was[j].Rank - now[i].Rank
				now[i].Change = &change
			}
		}
		*part.out = now
	}
	return sc, nil
}

// ranked computes and ranks the units of one dimension (org or district) over [from, to).
func (s *Service) ranked(ctx context.Context, scope []string, dim string, from, to time.Time) ([]runtime.ScoreRow, error) {
	rows := map[string]*runtime.ScoreRow{}
	unit := func(code string, labels map[string]string) *runtime.ScoreRow {
		r := rows[code]
		if r == nil {
			r = &runtime.ScoreRow{Code: code, Name: cmp.Or(labels[code], code)}
			rows[code] = r
		}
		return r
	}
	queries := []struct {
		dataset  string
		measures []string
		timed    bool
		fill     func(r *runtime.ScoreRow, v []any)
	}{
		{runtime.DatasetCatalog, []string{"count", "online", "fullyOnline"}, false, func(r *runtime.ScoreRow, v []any) {
			r.Matters, r.Online, r.FullyOnline = count(v[0]), count(v[1]), count(v[2])
		}},
		{"cases", []string{"count", "concluded", "onTimeRate", "avgHours", "immediate"}, true, func(r *runtime.ScoreRow, v []any) {
			r.Cases, r.Concluded, r.OnTimeRate, r.AvgHours = count(v[0]), count(v[1]), ratePtr(v[2]), ratePtr(v[3])
			if r.Concluded > 0 {
				share := float64(count(v[4])) / float64(r.Concluded)
				r.ImmediateRate = &share
			}
		}},
		{"evaluations", []string{"satisfaction"}, true, func(r *runtime.ScoreRow, v []any) { r.Satisfaction = ratePtr(v[0]) }},
	}
	for _, q := range queries {
		aq := runtime.AggregateQuery{Dataset: q.dataset, Dimensions: []string{dim}, Measures: q.measures, OrgCodes: scope, Now: s.now(), Zone: runtime.Zone}
		if q.timed {
			aq.From, aq.To = &from, &to
		}
		res, err := s.aggregate(ctx, runtime.DatasetByName(q.dataset), aq)
		if err != nil {
			return nil, err
		}
		for _, row := range res.Rows {
			code, _ := row[0].(string)
			q.fill(unit(code, res.Labels[dim]), row[1:])
		}
	}
	out := make([]runtime.ScoreRow, 0, len(rows))
	for _, r := range rows {
		if r.Matters > 0 {
			r.OnlineRate = rate(r.Online, r.Matters)
			r.FullyOnlineRate = rate(r.FullyOnline, r.Matters)
		}
		var sum float64
		var n int
		for _, v := range []*float64{r.OnlineRate, r.FullyOnlineRate, r.OnTimeRate, r.Satisfaction} {
			if v != nil {
				sum, n = sum+*v, n+1
			}
		}
		if n > 0 {
			r.Score = 100 * sum / float64(n)
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b runtime.ScoreRow) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Cases, a.Cases), cmp.Compare(a.Code, b.Code))
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out, nil
}

func count(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func ratePtr(v any) *float64 {
	f, ok := v.(float64)
	if !ok {
		return nil
	}
	return &f
}

func rate(part, whole int) *float64 {
	v := float64(part) / float64(whole)
	return &v
}
