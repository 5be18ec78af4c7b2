package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// openPostgres opens a pgx pool. Several runtime instances may share the database: every piece
// of shared work is claimed with a row lock, and no instance keeps state another one needs.
//
// gorm's PrepareStmt stays off: it prepares inside transactions, where database/sql cannot reuse
// a statement in the next one, so each statement would cost a Parse round trip every time. pgx
// keeps its own cache of prepared statements per connection instead.
func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	g, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, NowFunc: db.now})
	if err != nil {
		return fmt.Errorf("store: open PostgreSQL: %w", err)
	}
	s, _ := g.DB()
	s.SetMaxOpenConns(db.cfg.postgresMaxConn)
	s.SetMaxIdleConns(db.cfg.postgresMaxConn)
	s.SetConnMaxIdleTime(5 * time.Minute)
	if err := s.PingContext(ctx); err != nil {
		s.Close()
		return fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	// The case-number counter gets a pool of its own whose commits do not wait for the disk:
	// see nextCaseNumber.
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	seq, err := gorm.Open(postgres.Open(dsn+sep+"synchronous_commit=off"), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		s.Close()
		return fmt.Errorf("store: open PostgreSQL: %w", err)
	}
	ss, _ := seq.DB()
	ss.SetMaxOpenConns(4)
	ss.SetMaxIdleConns(4)
	db.dialect, db.gdb, db.rdb, db.seq = dialectPostgres, g, g, seq
	return nil
}

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// retryable reports errors after which running the whole transaction again may succeed:
// serialization failures and deadlocks on PostgreSQL.
func (db *DB) retryable(err error) bool {
	c := pgCode(err)
	return c == "40001" || c == "40P01"
}

// isUnique reports a unique or primary key violation on either database.
func isUnique(err error) bool {
	return pgCode(err) == "23505" || isSQLiteUnique(err)
}

// isForeignKey reports a foreign key violation on either database.
func isForeignKey(err error) bool {
	return pgCode(err) == "23503" || isSQLiteFK(err)
}

// forUpdate is the row-lock suffix of a SELECT: PostgreSQL locks the rows; SQLite needs none,
// because its one writer already excludes every other writer.
func (db *DB) forUpdate(skipLocked bool) string {
	if db.dialect != dialectPostgres {
		return ""
	}
	if skipLocked {
		return " FOR UPDATE SKIP LOCKED"
	}
	return " FOR UPDATE"
}
