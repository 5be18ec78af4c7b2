// Package storetest opens real stores for tests: a SQLite file in a temporary folder, and a
// fresh schema on the PostgreSQL server named by TONGBAN_TEST_POSTGRES (scripts/postgres.sh
// starts one and prints it).
package storetest

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create schemas

	"github.com/xuchang-gov/tongban/runtime/store"
)

// PostgresEnv names the environment variable holding the test PostgreSQL DSN.
const PostgresEnv = "TONGBAN_TEST_POSTGRES"

// OpenSQLite opens a store in a fresh temporary data folder.
func OpenSQLite(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	return open(t, t.TempDir(), opts...)
}

// PostgresDSN returns a DSN for a fresh schema on the test PostgreSQL, dropped when the test
// ends. It skips the test when TONGBAN_TEST_POSTGRES is not set.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Skip(PostgresEnv + " is not set: run scripts/postgres.sh to test on PostgreSQL")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// OpenPostgres opens a store on a fresh schema of the test PostgreSQL.
func OpenPostgres(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	return open(t, PostgresDSN(t), opts...)
}

// open opens the store at dsn until the test ends.
func open(t testing.TB, dsn string, opts ...store.Option) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Each runs test once on every database there is: SQLite always, PostgreSQL when configured.
// open opens a fresh store on it.
func Each(t *testing.T, test func(t *testing.T, open func(t testing.TB) *store.DB)) {
	EachDSN(t, func(t *testing.T, dsn func(t testing.TB) string) {
		test(t, func(t testing.TB) *store.DB { return open(t, cmp.Or(dsn(t), t.TempDir())) })
	})
}

// EachDSN is Each for tests that have the store opened for them, as the application opens
// it: dsn names a fresh database — "" for SQLite, whose file then lives in the data folder
// of whoever opens it (as app.Config.DB reads it), a new schema's DSN for PostgreSQL.
func EachDSN(t *testing.T, test func(t *testing.T, dsn func(t testing.TB) string)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, func(testing.TB) string { return "" })
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(PostgresEnv) == "" {
			t.Skip(PostgresEnv + " is not set: run scripts/postgres.sh to test on PostgreSQL")
		}
		test(t, PostgresDSN)
	})
}
