package service

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// Table is a spreadsheet being written row by row; the printing component provides it.
type Table interface {
	Append(values ...any) error
	Rows() int
	WriteTo(w io.Writer) (int64, error)
}

// NewTable starts a spreadsheet with one sheet and its header (widths in characters).
type NewTable func(sheet string, headers []string, widths []float64) (Table, error)

func (s *Service) newTable(sheet string, headers []string, widths []float64) (Table, error) {
	if s.tables == nil {
		return nil, runtime.Errorf(runtime.EINTERNAL, "no spreadsheet writer is configured")
	}
	return s.tables(sheet, headers, widths)
}

func clock(t *time.Time) any {
	if t == nil {
		return ""
	}
	return t.In(runtime.Zone).Format("2006-01-02 15:04")
}

// ExportCases writes the cases a staff member may list, filtered, as an Excel workbook. Rows are
// streamed page by page, so memory stays flat for any number of cases.
func (s *Service) ExportCases(ctx context.Context, u *runtime.User, f runtime.CaseFilter, w io.Writer) (int, error) {
	if err := mustBeStaff(u); err != nil {
		return 0, err
	}
	table, err := s.newTable("办件清单",
		[]string{"办件编号", "事项", "版本", "状态", "渠道", "实施机构", "提交时间", "受理时间", "办结时间", "承诺期限", "剩余工作日", "预警", "收费合计（元）"},
		[]float64{20, 28, 6, 10, 8, 14, 17, 17, 17, 17, 10, 8, 12})
	if err != nil {
		return 0, err
	}
	sf := runtime.CaseQuery{OrgCodes: s.scope(u), Matter: f.Matter, Limit: 500}
	if f.Status != "" {
		sf.Status = []runtime.Status{f.Status}
	}
	channels := map[string]string{"online": "网上申报", "window": "窗口受理"}
	warnings := map[string]string{"normal": "正常", "yellow": "黄灯", "red": "红灯"}
	for sf.Offset = 0; ; sf.Offset += sf.Limit {
		cases, _, err := s.db.ListCases(ctx, sf)
		if err != nil {
			return 0, err
		}
		for _, c := range cases {
			plan, mp, err := s.matterOf(ctx, c)
			if err != nil {
				return 0, err
			}
			d := deadlineOf(c, plan.Calendar, s.now())
			left := any("")
			if c.DueAt != nil && c.ConcludedAt == nil {
				left = d.RemainingDays
			}
			if err := table.Append(c.Number, mp.Def.Matter.Name, c.MatterVersion, runtime.StatusNames[c.Status], channels[c.Channel],
				mp.Def.Matter.Org.Name, clock(c.SubmittedAt), clock(c.AcceptedAt), clock(c.ConcludedAt), clock(c.DueAt),
				left, warnings[d.Warning], c.FeeTotal); err != nil {
				return 0, err
			}
		}
		if len(cases) < sf.Limit {
			break
		}
	}
	_, err = table.WriteTo(w)
	return table.Rows(), err
}

// ExportStatistics writes, per matter, how many of the staff member's cases stand in each status.
func (s *Service) ExportStatistics(ctx context.Context, u *runtime.User, w io.Writer) error {
	if err := mustBeStaff(u); err != nil {
		return err
	}
	statuses := []runtime.Status{runtime.StatusSubmitted, runtime.StatusCorrection, runtime.StatusInApproval, runtime.StatusApproved,
		runtime.StatusCertificated, runtime.StatusDelivered, runtime.StatusDenied, runtime.StatusNotAccepted, runtime.StatusArchived}
	headers := []string{"事项"}
	for _, st := range statuses {
		headers = append(headers, runtime.StatusNames[st])
	}
	table, err := s.newTable("办件统计", append(headers, "合计"), nil)
	if err != nil {
		return err
	}
	matters, err := s.ListMatters(ctx, runtime.MatterFilter{})
	if err != nil {
		return err
	}
	slices.SortFunc(matters, func(a, b runtime.MatterSummary) int { return strings.Compare(a.Name, b.Name) })
	orgs := s.scope(u)
	for _, m := range matters {
		row := []any{m.Name}
		total := 0
		for _, st := range statuses {
			_, n, err := s.db.ListCases(ctx, runtime.CaseQuery{OrgCodes: orgs, Matter: m.Slug, Status: []runtime.Status{st}, Limit: 1})
			if err != nil {
				return err
			}
			row = append(row, n)
			total += n
		}
		if err := table.Append(append(row, total)...); err != nil {
			return err
		}
	}
	_, err = table.WriteTo(w)
	return err
}
