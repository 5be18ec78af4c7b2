// Package store keeps the runtime's state — matter versions, cases and their audit trail, tasks,
// users and tokens, the outbox, blob metadata — in SQL through gorm, on an embedded SQLite file
// by default or on a shared PostgreSQL server in production, behind one set of methods that
// behave the same on both.
//
// DB and Tx implement the storage ports of package runtime (runtime.Store, runtime.Tx). Every
// method runs in one transaction. Writes that must happen together (change a case, append its
// events, open tasks, enqueue outbox messages) go through DB.WithTx, whose Tx offers the same
// writes. On SQLite all writes pass through one writer goroutine that commits the writes that
// arrive together as one transaction (group commit, see groupcommit.go); on PostgreSQL each
// unit of work is its own transaction and work shared by several instances is claimed with row
// locks.
//
// gorm row structs are private to this package and mapped to the domain types of package
// runtime. Errors are *runtime.Error with a code (not_found, conflict, invalid, unauthorized,
// forbidden) where the caller can act on them; anything else is internal.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/observe"
	"gorm.io/gorm"
)

// DB is an open store. Its methods are safe for concurrent use.
type DB struct {
	// Now is the clock. Tests replace it; it must be set before the DB is shared.
	Now func() time.Time

	dialect string          // dialectSQLite or dialectPostgres
	gdb     *gorm.DB        // writes (on SQLite: the one writer connection)
	rdb     *gorm.DB        // reads (on SQLite: a pool of read-only connections; else gdb)
	readers chan *ownedConn // SQLite: the read-only connections that read transactions take
	seq     *gorm.DB        // PostgreSQL: the case-number counter's own pool
	writer  *groupCommitter
	cfg     config
	file    string // SQLite: the database file
}

const (
	dialectSQLite   = "sqlite"
	dialectPostgres = "postgres"
)

type config struct {
	groupCommit     bool
	maxBatch        int
	readConns       int
	outboxMaxTries  int
	logger          *slog.Logger
	postgresMaxConn int
	hooks           Hooks
}

// Hooks are told what the store does, for whoever watches it: the composition root turns them
// into metrics, so that the store depends on no metrics library. (Units of work are traced
// through observe.Trace, in the tracer of their context.)
// Each may be nil.
type Hooks struct {
	// Commit is told of every commit of writes: how many units of work it held (on SQLite,
	// those group commit joined; else one) and how long it took from BEGIN to a durable COMMIT.
	Commit func(units int, took time.Duration)
	// Event is told the type of every audit event, once the unit of work that appended it is
	// committed.
	Event func(typ string)
}

// WithHooks sets who is told what the store does.
func WithHooks(h Hooks) Option { return func(c *config) { c.hooks = h } }

// committed tells Hooks.Commit of a commit of units units that began at start.
func (db *DB) committed(units int, start time.Time) {
	if db.cfg.hooks.Commit != nil {
		db.cfg.hooks.Commit(units, time.Since(start))
	}
}

// Option changes how Open sets up the store.
type Option func(*config)

// WithoutGroupCommit makes every SQLite write its own transaction and fsync instead of sharing
// one with the writes that arrive at the same time. It exists to measure what group commit buys;
// it has no effect on PostgreSQL.
func WithoutGroupCommit() Option { return func(c *config) { c.groupCommit = false } }

// WithMaxBatch bounds how many callers' writes group commit puts in one SQLite transaction
// (default 256).
func WithMaxBatch(n int) Option { return func(c *config) { c.maxBatch = max(n, 1) } }

// WithOutboxMaxAttempts sets after how many failed deliveries MarkFailed moves a message to the
// dead letters (default 10).
func WithOutboxMaxAttempts(n int) Option { return func(c *config) { c.outboxMaxTries = max(n, 1) } }

// WithLogger sets where the store reports what it cannot return to a caller, such as a panic
// inside a group-committed write. The default discards.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithMaxConns bounds the PostgreSQL connection pool (default 20).
func WithMaxConns(n int) Option { return func(c *config) { c.postgresMaxConn = max(n, 1) } }

// Open opens the store named by dsn and brings its schema up to date:
//
//   - "" → the SQLite file data/tongban.db under the working directory;
//   - a folder path → the SQLite file <folder>/tongban.db (the folder is created);
//   - a path ending in ".db" → that SQLite file;
//   - "postgres://…" or "postgresql://…" → PostgreSQL (a pgx connection string; add
//     search_path=… to use a schema other than public).
//
// SQLite runs in WAL mode with synchronous=FULL, so an acknowledged write survives a crash or
// power loss, with foreign keys on and a busy timeout for other processes sharing the file.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	cfg := config{groupCommit: true, maxBatch: 256, readConns: 8, outboxMaxTries: 10,
		logger: slog.New(slog.DiscardHandler), postgresMaxConn: 20}
	for _, o := range opts {
		o(&cfg)
	}
	db := &DB{Now: time.Now, cfg: cfg}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		err = db.openPostgres(ctx, dsn)
	} else {
		err = db.openSQLite(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close stops the writer and closes the connections. Writes still queued are refused.
func (db *DB) Close() error {
	if db.writer != nil {
		db.writer.close()
	}
	var errs []error
	for range cap(db.readers) {
		errs = append(errs, (<-db.readers).close())
	}
	pools := []*gorm.DB{db.gdb, db.seq}
	if db.rdb != db.gdb {
		pools = append(pools, db.rdb)
	}
	for _, g := range pools {
		if g == nil {
			continue
		}
		if s, err := g.DB(); err == nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// Dialect says which database the store runs on: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// now returns the clock's time as stored: UTC, at the microsecond PostgreSQL keeps.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// Tx is one unit of work: everything done through it commits together or not at all. A Tx is
// used by one goroutine, only inside the function given to WithTx, and carries that call's
// context.
type Tx struct {
	db  *DB
	g   *gorm.DB
	now time.Time
	// after holds what AfterCommit was given; nil where the unit of work cannot take any (reads).
	after *[]func()
}

// AfterCommit has fn run once this unit of work is committed and durable — never if it is
// rolled back — in the goroutine that asked for it, before its Write returns. It is for work too
// slow for the single SQLite writer that must follow the commit, such as rendering a document.
func (tx *Tx) AfterCommit(fn func()) {
	if tx.after == nil {
		panic("store: AfterCommit outside a unit of work that writes")
	}
	*tx.after = append(*tx.after, fn)
}

// runAfter runs the functions a committed unit of work left for after its commit.
func runAfter(after []func()) {
	for _, fn := range after {
		fn()
	}
}

// The store is the runtime's storage port.
var (
	_ runtime.Store = (*DB)(nil)
	_ runtime.Tx    = (*Tx)(nil)
)

// WithTx runs fn as one atomic unit of work and commits it when fn returns nil; an error from fn
// (or a panic) undoes all of fn's writes and is returned. It is how the service layer changes a
// case, appends events, opens tasks and enqueues outbox messages together. On SQLite the unit
// of work shares its transaction with others that arrive at the same time (see Write), isolated
// from them by a savepoint. fn must not call methods of db itself: use tx. Write is the same
// with the *Tx itself, for the store's methods beyond runtime.Tx.
func (db *DB) WithTx(ctx context.Context, fn func(tx runtime.Tx) error) error {
	return db.Write(ctx, func(tx *Tx) error { return fn(tx) })
}

// Write is the write path under WithTx and every writing method. On SQLite with group commit
// (the default) it hands fn to the writer goroutine, which runs the functions that are waiting
// one after another in one transaction, each inside its own SAVEPOINT so that a failing one is
// rolled back alone, and returns to each caller only after the shared COMMIT is durable. Without
// group commit (WithoutGroupCommit), and on PostgreSQL, fn runs in a transaction of its own;
// PostgreSQL transactions that hit a serialization failure or deadlock are retried.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, end := observe.Trace(ctx, "store.write")
	defer func() { end(err) }()
	if db.writer != nil {
		return db.writer.do(ctx, fn)
	}
	for attempt := 0; ; attempt++ {
		var after []func()
		start := time.Now()
		err := db.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			return runFn(fn, &Tx{db: db, g: g, now: db.now(), after: &after})
		})
		if attempt < 3 && db.retryable(err) {
			continue
		}
		if err == nil {
			db.committed(1, start)
			runAfter(after)
		}
		return err
	}
}

// read runs fn on a consistent snapshot: a transaction on a read-only connection.
func (db *DB) read(ctx context.Context, fn func(tx *Tx) error) (err error) {
	ctx, end := observe.Trace(ctx, "store.read")
	defer func() { end(err) }()
	if db.readers == nil {
		return db.rdb.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			return fn(&Tx{db: db, g: g, now: db.now()})
		})
	}
	c, err := db.borrow(ctx)
	if err != nil {
		return err
	}
	defer func() { db.readers <- c }()
	if err := c.begin(ctx, "BEGIN"); err != nil {
		return err
	}
	// A read keeps nothing: it always ends with ROLLBACK, also when fn panics.
	defer c.end(false)
	return fn(&Tx{db: db, g: c.g.WithContext(ctx), now: db.now()})
}

// readOne runs fn, which reads with one statement and so needs no snapshot, on a read
// connection. On SQLite that is one of the owned read-only connections: database/sql hands a
// freed connection to a random waiter, and under 3,000 clients some requests waited for one
// past their clients' 30 s timeout; the owned ones go to whoever asked first.
func (db *DB) readOne(ctx context.Context, fn func(g *gorm.DB) error) error {
	if db.readers == nil {
		return fn(db.rdb.WithContext(ctx))
	}
	c, err := db.borrow(ctx)
	if err != nil {
		return err
	}
	defer func() { db.readers <- c }()
	return fn(c.g.WithContext(ctx))
}

// borrow takes one of the owned read-only connections, in the order asked for; the caller
// gives it back to db.readers.
func (db *DB) borrow(ctx context.Context) (*ownedConn, error) {
	select {
	case c := <-db.readers:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// runFn calls fn and turns a panic into an error, so that a bug in one caller's function
// cannot take down a transaction shared with others.
func runFn(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return fn(tx)
}

var errPanic = errors.New("store: panic in unit of work")

// notFound and conflict build the domain errors the store returns.
func notFound(format string, args ...any) error {
	return runtime.Errorf(runtime.ENOTFOUND, format, args...)
}

func conflict(format string, args ...any) error {
	return runtime.Errorf(runtime.ECONFLICT, format, args...)
}

// wrap adds what the store was doing to an internal error and passes domain errors unchanged.
func wrap(err error, doing string) error {
	if err == nil {
		return nil
	}
	var e *runtime.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("store: %s: %w", doing, err)
}

// page normalises paging: limit defaults to 50 and is at most 500.
func page(offset, limit int) (int, int) {
	if limit <= 0 {
		limit = 50
	}
	return max(offset, 0), min(limit, 500)
}

// pageTotal is how many rows q selects in all, read rows having come back for the page at
// offset of at most limit rows: a first page that is not full holds them all, and then nothing
// needs counting.
func pageTotal(q *gorm.DB, offset, limit, read int) (int, error) {
	if offset == 0 && read < limit {
		return read, nil
	}
	var n int64
	err := q.Count(&n).Error
	return int(n), err
}
