package store

import "context"

// ExecSQL runs raw SQL in a unit of work. Tests use it to change rows behind the store's back,
// as an intruder or a careless administrator would.
func (db *DB) ExecSQL(ctx context.Context, sql string, args ...any) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.g.Exec(sql, args...).Error })
}

// GroupCommitStats returns how many batches the SQLite writer has committed and how many
// callers' writes they held; zeros without group commit.
func (db *DB) GroupCommitStats() (batches, writes int64) {
	if db.writer == nil {
		return 0, 0
	}
	return db.writer.batches.Load(), db.writer.writes.Load()
}

// ExecSQLTx runs raw SQL inside a unit of work.
func (db *DB) ExecSQLTx(tx *Tx, sql string, args ...any) error { return tx.g.Exec(sql, args...).Error }
