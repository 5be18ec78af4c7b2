package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/xuchang-gov/tongban/runtime"
)

// expr is a piece of SQL with the arguments of its placeholders.
type expr struct {
	sql  string
	args []any
}

// sqlDialect writes what SQLite and PostgreSQL spell differently: days and months of an
// instant in the platform's zone, and the hours between two instants.
type sqlDialect struct {
	postgres bool
	// offset is the zone's offset from UTC in minutes; Asia/Shanghai keeps one all year.
	offset int
}

// local formats col as layout ("day" or "month") in the zone.
func (d sqlDialect) local(col, unit string) string {
	if d.postgres {
		f := map[string]string{"day": "YYYY-MM-DD", "month": "YYYY-MM"}[unit]
		return fmt.Sprintf("to_char((%s AT TIME ZONE 'UTC') + interval '%d minutes', '%s')", col, d.offset, f)
	}
	f := map[string]string{"day": "%Y-%m-%d", "month": "%Y-%m"}[unit]
	return fmt.Sprintf("strftime('%s', %s, '%+d minutes')", f, col, d.offset)
}

// hours is the time from start to end in hours, NULL when either is.
func (d sqlDialect) hours(end, start string) string {
	if d.postgres {
		return fmt.Sprintf("(EXTRACT(EPOCH FROM (%s - %s)) / 3600.0)", end, start)
	}
	return fmt.Sprintf("((julianday(%s) - julianday(%s)) * 24.0)", end, start)
}

// datasetSQL is how the store reads one dataset: its rows, the instant its time range
// selects on, the org its scope applies to, and each dimension and measure as SQL. These
// tables are the only place a dataset's names become query text.
type datasetSQL struct {
	from, where, time, org string
	// day, when set, is a column holding the local date of time, which the time range then
	// selects on (dates in, not instants).
	day      string
	dims     map[string]func(d sqlDialect, q runtime.AggregateQuery) expr
	measures map[string]func(d sqlDialect, q runtime.AggregateQuery) expr
}

func plain(s string) func(sqlDialect, runtime.AggregateQuery) expr {
	return func(sqlDialect, runtime.AggregateQuery) expr { return expr{sql: s} }
}

func localDim(col, unit string) func(sqlDialect, runtime.AggregateQuery) expr {
	return func(d sqlDialect, _ runtime.AggregateQuery) expr { return expr{sql: d.local(col, unit)} }
}

// count1 counts the rows where cond holds.
func count1(cond string) string { return "COALESCE(SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END), 0)" }

// ratio divides two counts, NULL over none.
func ratio(num, den string) string { return "(1.0 * " + num + " / NULLIF(" + den + ", 0))" }

const (
	caseConcluded = "c.concluded_at IS NOT NULL"
	caseOnTime    = "c.concluded_at IS NOT NULL AND (c.due_at IS NULL OR c.concluded_at <= c.due_at)"
	// caseOverdue is a case past its deadline: concluded late, or running (not stopped) past it.
	caseOverdue = "c.due_at IS NOT NULL AND ((c.concluded_at IS NULL AND c.stopped_at IS NULL AND c.due_at < ?) OR c.concluded_at > c.due_at)"
	// caseDueSoon is a running case not yet overdue (the first argument) but due by the second.
	caseDueSoon = "c.concluded_at IS NULL AND c.stopped_at IS NULL AND c.due_at >= ? AND c.due_at <= ?"
)

func caseDims(timeCol string) map[string]func(sqlDialect, runtime.AggregateQuery) expr {
	return map[string]func(sqlDialect, runtime.AggregateQuery) expr{
		"day": localDim(timeCol, "day"), "month": localDim(timeCol, "month"),
		"matter": plain("c.matter"), "org": plain("c.org_code"), "district": plain("substr(c.division_code, 1, 6)"),
		"channel": plain("c.channel"),
	}
}

// with is m with the entries of more added, later ones replacing earlier.
func with(m map[string]func(sqlDialect, runtime.AggregateQuery) expr, more ...map[string]func(sqlDialect, runtime.AggregateQuery) expr) map[string]func(sqlDialect, runtime.AggregateQuery) expr {
	for _, mm := range more {
		maps.Copy(m, mm)
	}
	return m
}

// submittedDay reads a case's days and months from the day of submission the store keeps.
var submittedDay = map[string]func(sqlDialect, runtime.AggregateQuery) expr{
	"day": plain("c.submitted_day"), "month": plain("substr(c.submitted_day, 1, 7)"),
}

var datasetsSQL = map[string]datasetSQL{
	"cases": {from: "cases c", where: "c.status <> 'draft'", time: "c.submitted_at", day: "c.submitted_day", org: "c.org_code",
		dims: with(caseDims("c.submitted_at"), submittedDay, map[string]func(sqlDialect, runtime.AggregateQuery) expr{
			"status": plain("c.status"), "windowOrg": plain("c.window_org"),
			"onTime": func(_ sqlDialect, q runtime.AggregateQuery) expr {
				return expr{sql: fmt.Sprintf(`CASE WHEN c.concluded_at IS NOT NULL THEN
					(CASE WHEN c.due_at IS NULL THEN '%s' WHEN c.concluded_at <= c.due_at THEN '%s' ELSE '%s' END)
					WHEN c.stopped_at IS NOT NULL THEN '%s' WHEN c.due_at IS NULL THEN '%s'
					WHEN c.due_at < ? THEN '%s' WHEN c.due_at <= ? THEN '%s' ELSE '%s' END`, runtime.OnTimeNoLimit, runtime.OnTimeConcluded, runtime.OnTimeLate,
					runtime.OnTimeStopped, runtime.OnTimeUntimed, runtime.OnTimeOverdue, runtime.OnTimeDueSoon, runtime.OnTimeRunning), args: []any{q.Now, q.Soon}}
			},
		}),
		measures: map[string]func(sqlDialect, runtime.AggregateQuery) expr{
			"count":           plain("COUNT(*)"),
			"concluded":       plain(count1(caseConcluded)),
			"onTimeConcluded": plain(count1(caseOnTime)),
			"overdue": func(_ sqlDialect, q runtime.AggregateQuery) expr {
				return expr{sql: count1(caseOverdue), args: []any{q.Now}}
			},
			"dueSoon": func(_ sqlDialect, q runtime.AggregateQuery) expr {
				return expr{sql: count1(caseDueSoon), args: []any{q.Now, q.Soon}}
			},
			"onTimeRate": plain(ratio(count1(caseOnTime), count1(caseConcluded))),
			"avgHours": func(d sqlDialect, _ runtime.AggregateQuery) expr {
				return expr{sql: "AVG(" + d.hours("c.concluded_at", "c.submitted_at") + ")"}
			},
			"immediate": func(d sqlDialect, _ runtime.AggregateQuery) expr {
				return expr{sql: count1(caseConcluded + " AND " + d.local("c.concluded_at", "day") + " = c.submitted_day")}
			},
			"corrections": plain(count1("c.status = 'correction'")),
		}},
	"tasks": {from: "tasks t", time: "t.created_at", org: "t.org_code",
		dims: map[string]func(sqlDialect, runtime.AggregateQuery) expr{
			"day": localDim("t.created_at", "day"), "month": localDim("t.created_at", "month"),
			"node": plain("t.node"), "kind": plain("t.kind"), "org": plain("t.org_code"), "role": plain("t.role"), "status": plain("t.status"),
		},
		measures: map[string]func(sqlDialect, runtime.AggregateQuery) expr{
			"count": plain("COUNT(*)"),
			"done":  plain(count1("t.status = 'done'")),
			"open":  plain(count1("t.status IN ('open', 'claimed')")),
			"overdue": func(_ sqlDialect, q runtime.AggregateQuery) expr {
				return expr{sql: count1("t.kind = 'person' AND t.due_at IS NOT NULL AND ((t.status IN ('open', 'claimed') AND t.due_at < ?) OR t.done_at > t.due_at)"), args: []any{q.Now}}
			},
			"avgHours": func(d sqlDialect, _ runtime.AggregateQuery) expr {
				return expr{sql: "AVG(CASE WHEN t.status = 'done' THEN " + d.hours("t.done_at", "t.created_at") + " END)"}
			},
		}},
	"evaluations": {from: "evaluations e JOIN cases c ON c.id = e.case_id", time: "e.created_at", org: "c.org_code",
		dims: with(caseDims("e.created_at"), map[string]func(sqlDialect, runtime.AggregateQuery) expr{"score": plain("CAST(e.score AS TEXT)")}),
		measures: map[string]func(sqlDialect, runtime.AggregateQuery) expr{
			"count":        plain("COUNT(*)"),
			"avgScore":     plain("AVG(1.0 * e.score)"),
			"satisfied":    plain(count1("e.score >= 4")),
			"satisfaction": plain(ratio(count1("e.score >= 4"), "COUNT(*)")),
		}},
	"corrections": {from: "case_events ev JOIN cases c ON c.id = ev.case_id", where: "ev.type = 'correction-requested'",
		time: "ev.at", org: "c.org_code", dims: caseDims("ev.at"),
		measures: map[string]func(sqlDialect, runtime.AggregateQuery) expr{
			"count": plain("COUNT(*)"),
			"cases": plain("COUNT(DISTINCT c.id)"),
		}},
	"fees": {from: "cases c", where: "c.status <> 'draft' AND c.fee_total > 0", time: "c.submitted_at", day: "c.submitted_day", org: "c.org_code",
		dims: with(caseDims("c.submitted_at"), submittedDay, map[string]func(sqlDialect, runtime.AggregateQuery) expr{
			"paid": plain("CASE WHEN c.fee_paid_at IS NOT NULL THEN 'paid' ELSE 'unpaid' END"),
		}),
		measures: map[string]func(sqlDialect, runtime.AggregateQuery) expr{
			"count":      plain("COUNT(*)"),
			"amount":     plain("SUM(c.fee_total)"),
			"paidAmount": plain("SUM(CASE WHEN c.fee_paid_at IS NOT NULL THEN c.fee_total ELSE 0 END)"),
		}},
}

// Aggregate answers a dataset query with one GROUP BY over the dataset's rows.
func (db *DB) Aggregate(ctx context.Context, q runtime.AggregateQuery) ([][]any, error) {
	ds, ok := datasetsSQL[q.Dataset]
	if !ok {
		return nil, runtime.Invalid(fmt.Sprintf("没有数据集 %q", q.Dataset))
	}
	zone := q.Zone
	if zone == nil {
		zone = time.UTC
	}
	_, off := q.Now.In(zone).Zone()
	d := sqlDialect{postgres: db.dialect == dialectPostgres, offset: off / 60}

	var sel, where []string
	var selArgs, whereArgs []any
	for _, name := range q.Dimensions {
		f, ok := ds.dims[name]
		if !ok {
			return nil, runtime.Invalid(fmt.Sprintf("数据集 %s 没有维度 %q", q.Dataset, name))
		}
		e := f(d, q)
		sel, selArgs = append(sel, e.sql), append(selArgs, e.args...)
	}
	for _, name := range q.Measures {
		f, ok := ds.measures[name]
		if !ok {
			return nil, runtime.Invalid(fmt.Sprintf("数据集 %s 没有度量 %q", q.Dataset, name))
		}
		e := f(d, q)
		sel, selArgs = append(sel, e.sql), append(selArgs, e.args...)
	}
	if len(q.Measures) == 0 {
		return nil, runtime.Invalid("至少选择一个度量")
	}
	if ds.where != "" {
		where = append(where, ds.where)
	}
	if q.OrgCodes != nil {
		where, whereArgs = append(where, ds.org+" IN ?"), append(whereArgs, q.OrgCodes)
	}
	for _, bound := range []struct {
		at *time.Time
		op string
	}{{q.From, " >= ?"}, {q.To, " < ?"}} {
		switch {
		case bound.at == nil:
		case ds.day != "":
			where, whereArgs = append(where, ds.day+bound.op), append(whereArgs, bound.at.In(zone).Format(time.DateOnly))
		default:
			where, whereArgs = append(where, ds.time+bound.op), append(whereArgs, bound.at.UTC())
		}
	}
	for _, f := range q.Filters {
		dim, ok := ds.dims[f.Dimension]
		if !ok {
			return nil, runtime.Invalid(fmt.Sprintf("数据集 %s 没有维度 %q", q.Dataset, f.Dimension))
		}
		e := dim(d, q)
		where, whereArgs = append(where, e.sql+" IN ?"), append(whereArgs, append(e.args, f.Values)...)
	}
	text := "SELECT " + strings.Join(sel, ", ") + " FROM " + ds.from
	if len(where) > 0 {
		text += " WHERE " + strings.Join(where, " AND ")
	}
	if n := len(q.Dimensions); n > 0 {
		pos := make([]string, n)
		for i := range pos {
			pos[i] = fmt.Sprint(i + 1)
		}
		text += " GROUP BY " + strings.Join(pos, ", ") + " ORDER BY " + strings.Join(pos, ", ")
	}
	var out [][]any
	err := db.readOne(ctx, func(g *gorm.DB) error {
		rows, err := g.Raw(text, append(selArgs, whereArgs...)...).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			dims := make([]sql.NullString, len(q.Dimensions))
			ms := make([]sql.NullFloat64, len(q.Measures))
			dest := make([]any, 0, len(dims)+len(ms))
			for i := range dims {
				dest = append(dest, &dims[i])
			}
			for i := range ms {
				dest = append(dest, &ms[i])
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			row := make([]any, 0, len(dest))
			for _, v := range dims {
				row = append(row, v.String)
			}
			for _, v := range ms {
				if v.Valid {
					row = append(row, v.Float64)
				} else {
					row = append(row, nil)
				}
			}
			out = append(out, row)
		}
		return rows.Err()
	})
	return out, wrap(err, "aggregate "+q.Dataset)
}
