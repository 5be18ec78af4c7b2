package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ownedConn is one SQLite connection taken out of its pool for good, with statements prepared
// once for its whole life. database/sql cannot reuse a statement prepared inside one transaction
// in the next, and gorm's PrepareStmt prepares inside them, so every statement of every write
// transaction was parsed again: 17% of the server's CPU under the submit load, all of it on the
// single writer. A statement prepared on a *sql.Conn stays valid as long as the connection, so
// transactions on an ownedConn are begun and ended with plain SQL instead of sql.Tx.
//
// An ownedConn is used by one goroutine at a time.
type ownedConn struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
	g     *gorm.DB // sessions start from this one: g.WithContext(ctx)
}

// maxPreparedPerConn bounds the statements one connection keeps; statements beyond it run
// unprepared. The store issues a few hundred distinct statements at most.
const maxPreparedPerConn = 512

// takeConn takes a connection of pool for good.
func takeConn(ctx context.Context, pool *gorm.DB) (*ownedConn, error) {
	sqlDB, err := pool.DB()
	if err != nil {
		return nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: taking a connection: %w", err)
	}
	c := &ownedConn{conn: conn, stmts: map[string]*sql.Stmt{}}
	c.g = pool.Session(&gorm.Session{NewDB: true, Context: context.Background()})
	c.g.Statement.ConnPool = c
	return c, nil
}

// stmt returns query prepared, or nil when the connection keeps no more statements.
func (c *ownedConn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	if len(c.stmts) >= maxPreparedPerConn {
		return nil, nil
	}
	s, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

// PrepareContext, ExecContext, QueryContext and QueryRowContext make an ownedConn gorm's
// connection pool.

func (c *ownedConn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.conn.PrepareContext(ctx, query)
}

func (c *ownedConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil || s == nil {
		return c.conn.ExecContext(ctx, query, args...)
	}
	return s.ExecContext(ctx, args...)
}

func (c *ownedConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil || s == nil {
		return c.conn.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

func (c *ownedConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, query)
	if err != nil || s == nil {
		return c.conn.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// begin starts a transaction: "BEGIN IMMEDIATE" takes the write lock at once, so a writer never
// fails upgrading a read lock; "BEGIN" suits readers.
func (c *ownedConn) begin(ctx context.Context, stmt string) error {
	_, err := c.ExecContext(ctx, stmt)
	return err
}

// end commits when commit is true and rolls back otherwise; a failed COMMIT is rolled back, so
// the connection is always left outside a transaction.
func (c *ownedConn) end(commit bool) error {
	ctx := context.Background()
	if !commit {
		_, err := c.ExecContext(ctx, "ROLLBACK")
		return err
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		// SQLite may have rolled back already, and then this ROLLBACK fails harmlessly.
		c.ExecContext(ctx, "ROLLBACK")
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// close finalizes the statements before it gives the connection back to be closed.
func (c *ownedConn) close() error {
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.Close())
	}
	return errors.Join(append(errs, c.conn.Close())...)
}
