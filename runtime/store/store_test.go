package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// postgresEnv names the DSN of a PostgreSQL database the tests may create schemas in;
// scripts/postgres.sh starts one and prints it.
const postgresEnv = storetest.PostgresEnv

func openSQLite(t testing.TB, opts ...store.Option) *store.DB {
	return storetest.OpenSQLite(t, opts...)
}

func openPostgres(t testing.TB, opts ...store.Option) *store.DB {
	return storetest.OpenPostgres(t, opts...)
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
	if err := db.VerifyChain(ctx, c.ID, runtime.CaseHead{}); err != nil {
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
	if _, total, err := other.ListCases(ctx, runtime.CaseQuery{}); err != nil || total != 2 {
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
			errs[i] = db.Write(ctx, func(tx *store.Tx) error {
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
	cases, total, err := db.ListCases(ctx, runtime.CaseQuery{Limit: 500})
	if err != nil || total != n/2 {
		t.Fatalf("%d cases committed, want %d (%v)", total, n/2, err)
	}
	for _, c := range cases {
		if err := db.VerifyChain(ctx, c.ID, runtime.CaseHead{}); err != nil {
			t.Fatal(err)
		}
	}
	batches, writes := db.GroupCommitStats()
	t.Logf("%d writes in %d commits", writes, batches)
	if batches >= writes {
		t.Logf("no batching happened (%d writes, %d commits): the machine was too quiet to show it", writes, batches)
	}
}
