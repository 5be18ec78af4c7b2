// Package sqlsink is an exchange.Sink on a SQL database — the destination of `tongban exchange
// transfer --to-db` and of `tongban exchange receive --to-db`: the records land in a table of
// their own, exchange_cases, one row per case number, in a SQLite file or on PostgreSQL, named
// as store.Open names a store. The tongban tables of that database, if any, are not touched.
package sqlsink

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver

	"github.com/xuchang-gov/tongban/connectors/exchange"
)

// Table is the table the records go to.
const Table = "exchange_cases"

// rowsPerStatement bounds a multi-row INSERT: 13 parameters a row stays far below SQLite's
// 32,766 and PostgreSQL's 65,535.
const rowsPerStatement = 200

// Sink writes records into Table.
type Sink struct {
	db       *sql.DB
	postgres bool
	// Now stamps received_at (default time.Now).
	Now func() time.Time
}

var _ exchange.Sink = (*Sink)(nil)

// Open opens the database named by dsn and creates Table if it is missing. dsn is a folder (the
// SQLite file tongban.db in it), a path ending in .db, or a postgres:// connection string.
func Open(ctx context.Context, dsn string) (*Sink, error) {
	s := &Sink{Now: time.Now}
	var err error
	switch {
	case dsn == "":
		return nil, errors.New("sqlsink: 缺少目标数据库")
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		s.postgres = true
		if s.db, err = sql.Open("pgx", dsn); err != nil {
			return nil, fmt.Errorf("sqlsink: 打开 PostgreSQL：%w", err)
		}
		s.db.SetMaxOpenConns(4)
	default:
		path := dsn
		if !strings.HasSuffix(dsn, ".db") {
			path = filepath.Join(dsn, "tongban.db")
		}
		if strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("sqlsink: SQLite 路径 %q 不能含 ? 或 #", path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("sqlsink: %w", err)
		}
		s.db, err = sql.Open("sqlite", path+"?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)")
		if err != nil {
			return nil, fmt.Errorf("sqlsink: 打开 %s：%w", path, err)
		}
		s.db.SetMaxOpenConns(1)
	}
	if _, err := s.db.ExecContext(ctx, s.ddl()); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("sqlsink: 建表 %s：%w", Table, err)
	}
	return s, nil
}

func (s *Sink) ddl() string {
	timeType, realType := "TEXT", "REAL"
	if s.postgres {
		timeType, realType = "TIMESTAMPTZ", "DOUBLE PRECISION"
	}
	return strings.NewReplacer("{{time}}", timeType, "{{real}}", realType).Replace(`CREATE TABLE IF NOT EXISTS ` + Table + ` (
		number TEXT PRIMARY KEY,
		matter TEXT NOT NULL,
		matter_version INTEGER NOT NULL,
		status TEXT NOT NULL,
		channel TEXT NOT NULL,
		org_code TEXT NOT NULL,
		division_code TEXT NOT NULL,
		submitted_at {{time}},
		accepted_at {{time}},
		concluded_at {{time}},
		fee_total {{real}} NOT NULL,
		updated_at {{time}} NOT NULL,
		received_at {{time}} NOT NULL
	)`)
}

// columns of Table in the order Put binds them.
const columns = "number, matter, matter_version, status, channel, org_code, division_code, submitted_at, accepted_at, concluded_at, fee_total, updated_at, received_at"

const nColumns = 13

// Close closes the database.
func (s *Sink) Close() error { return s.db.Close() }

// Put implements exchange.Sink: one transaction, a record replacing the stored one of its number
// unless that one is newer.
func (s *Sink) Put(ctx context.Context, records []exchange.Record) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.Now().UTC()
	args := make([]any, 0, rowsPerStatement*nColumns)
	for lo := 0; lo < len(records); lo += rowsPerStatement {
		chunk := records[lo:min(lo+rowsPerStatement, len(records))]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r.Number, r.Matter, r.MatterVersion, r.Status, r.Channel, r.OrgCode, r.DivisionCode,
				s.timeArg(r.SubmittedAt), s.timeArg(r.AcceptedAt), s.timeArg(r.ConcludedAt), r.FeeTotal,
				s.timeArg(&r.UpdatedAt), s.timeArg(&now))
		}
		if _, err := tx.ExecContext(ctx, s.upsert(len(chunk)), args...); err != nil {
			return fmt.Errorf("写入 %s：%w", Table, err)
		}
	}
	return tx.Commit()
}

// upsert is the INSERT of n rows.
func (s *Sink) upsert(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + Table + " (" + columns + ") VALUES ")
	p := 0
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range nColumns {
			if j > 0 {
				b.WriteByte(',')
			}
			p++
			if s.postgres {
				b.WriteString("$" + strconv.Itoa(p))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	b.WriteString(` ON CONFLICT (number) DO UPDATE SET matter = excluded.matter, matter_version = excluded.matter_version,
		status = excluded.status, channel = excluded.channel, org_code = excluded.org_code,
		division_code = excluded.division_code, submitted_at = excluded.submitted_at,
		accepted_at = excluded.accepted_at, concluded_at = excluded.concluded_at,
		fee_total = excluded.fee_total, updated_at = excluded.updated_at, received_at = excluded.received_at
		WHERE ` + Table + `.updated_at <= excluded.updated_at`)
	return b.String()
}

// timeLayout stores SQLite times as fixed-width UTC text, so that comparing the text compares
// the times.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func (s *Sink) timeArg(t *time.Time) any {
	switch {
	case t == nil:
		return nil
	case s.postgres:
		return t.UTC()
	}
	return t.UTC().Format(timeLayout)
}

// Count is how many records the table holds.
func (s *Sink) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+Table).Scan(&n)
	return n, err
}

// Get returns the record of a case number, or nil when there is none.
func (s *Sink) Get(ctx context.Context, number string) (*exchange.Record, error) {
	q := "SELECT " + columns + " FROM " + Table + " WHERE number = ?"
	if s.postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	var r exchange.Record
	var submitted, accepted, concluded, updated, received sql.Null[any]
	err := s.db.QueryRowContext(ctx, q, number).Scan(&r.Number, &r.Matter, &r.MatterVersion, &r.Status, &r.Channel,
		&r.OrgCode, &r.DivisionCode, &submitted, &accepted, &concluded, &r.FeeTotal, &updated, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		v   sql.Null[any]
		dst **time.Time
	}{{submitted, &r.SubmittedAt}, {accepted, &r.AcceptedAt}, {concluded, &r.ConcludedAt}} {
		if *f.dst, err = timeOf(f.v); err != nil {
			return nil, err
		}
	}
	u, err := timeOf(updated)
	if err != nil || u == nil {
		return nil, fmt.Errorf("%s.updated_at: %v", Table, err)
	}
	r.UpdatedAt = *u
	return &r, nil
}

// timeOf reads a time column: time.Time from PostgreSQL, text from SQLite.
func timeOf(v sql.Null[any]) (*time.Time, error) {
	if !v.Valid || v.V == nil {
		return nil, nil
	}
	switch x := v.V.(type) {
	case time.Time:
		t := x.UTC()
		return &t, nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		return &t, err
	case []byte:
		t, err := time.Parse(time.RFC3339Nano, string(x))
		return &t, err
	}
	return nil, fmt.Errorf("unexpected time value %T", v.V)
}
