package store_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to make and drop test schemas
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// postgresEnv names the DSN of a PostgreSQL database the tests may create schemas in;
// scripts/postgres.sh starts one and prints it.
const postgresEnv = "TONGBAN_TEST_POSTGRES"

// openSQLite opens a store in a fresh temporary data folder.
func openSQLite(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	db, err := store.Open(ctx, t.TempDir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens a store on a fresh schema of the database named by TONGBAN_TEST_POSTGRES,
// and drops the schema afterwards. It skips the test when the variable is not set.
func openPostgres(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skip(postgresEnv + " is not set: run scripts/postgres.sh to test on PostgreSQL")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", postgresEnv, err)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := store.Open(ctx, dsn+sep+"search_path="+schema, opts...)
	t.Cleanup(func() {
		if db != nil {
			db.Close()
		}
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSQLite(t *testing.T) {
	RunConformance(t, func(t *testing.T) *store.DB { return openSQLite(t) })
}

func TestSQLiteWithoutGroupCommit(t *testing.T) {
	RunConformance(t, func(t *testing.T) *store.DB { return openSQLite(t, store.WithoutGroupCommit()) })
}

func TestPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set: run scripts/postgres.sh to test on PostgreSQL")
	}
	RunConformance(t, func(t *testing.T) *store.DB { return openPostgres(t) })
}

func TestSQLiteFileAndReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if db.Dialect() != "sqlite" {
		t.Fatalf("dialect %q", db.Dialect())
	}
	mv := publish(t, db)
	c, _, err := db.CreateCase(ctx, newCase(mv, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tongban.db")); err != nil {
		t.Fatalf("database file: %v", err)
	}
	// Opening again runs no migration twice and finds what was written.
	db, err = store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.GetCase(ctx, c.ID); err != nil || got.Number != c.Number {
		t.Fatalf("after reopening: %v, %v", got, err)
	}
	if err := db.VerifyChain(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateCase(ctx, newCase(mv, 0)); err != nil {
		t.Fatal(err)
	}
	// A second process-like handle on the same file works beside the first.
	other, err := store.Open(ctx, filepath.Join(dir, "tongban.db"), store.WithoutGroupCommit())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, total, err := other.ListCases(ctx, store.CaseFilter{}); err != nil || total != 2 {
		t.Fatalf("second handle sees %d cases, %v", total, err)
	}
}

// TestGroupCommitIsolatesCallers runs many writes at once, half of which fail — by returning
// an error, by a constraint violation, by panicking — and checks that exactly the others were
// committed, sharing transactions.
func TestGroupCommitIsolatesCallers(t *testing.T) {
	db := openSQLite(t)
	mv := publish(t, db)
	const n = 60
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = db.WithTx(ctx, func(tx *store.Tx) error {
				c, _, err := tx.CreateCase(newCase(mv, 0))
				if err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return errors.New("rejected")
				case 3:
					if i%8 == 3 {
						panic("bug")
					}
					// Violates the unique (case_id, seq): the statement fails, the batch goes on.
					_, err := tx.AppendEvents(c.ID, []runtime.Event{{Type: "x"}})
					if err != nil {
						return err
					}
					return db.ExecSQLTx(tx, "INSERT INTO case_events (case_id, seq, type, actor, at, prev_hash, hash) VALUES (?, 1, 'dup', '', CURRENT_TIMESTAMP, '', '')", c.ID)
				}
				return nil
			})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if (i%2 == 0) != (err == nil) {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	cases, total, err := db.ListCases(ctx, store.CaseFilter{Limit: 500})
	if err != nil || total != n/2 {
		t.Fatalf("%d cases committed, want %d (%v)", total, n/2, err)
	}
	for _, c := range cases {
		if err := db.VerifyChain(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	batches, writes := db.GroupCommitStats()
	t.Logf("%d writes in %d commits", writes, batches)
	if batches >= writes {
		t.Logf("no batching happened (%d writes, %d commits): the machine was too quiet to show it", writes, batches)
	}
}
