package sqlsink_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/exchange"
	"github.com/xuchang-gov/tongban/connectors/exchange/sqlsink"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

var ctx = context.Background()

// destinations runs test on a SQLite file always and on PostgreSQL when configured.
func destinations(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, filepath.Join(t.TempDir(), "dest")) })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(storetest.PostgresEnv) == "" {
			t.Skip(storetest.PostgresEnv + " is not set: run scripts/postgres.sh to test on PostgreSQL")
		}
		test(t, storetest.PostgresDSN(t))
	})
}

func open(t *testing.T, dsn string) *sqlsink.Sink {
	t.Helper()
	s, err := sqlsink.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPutKeepsTheNewerRecord(t *testing.T) {
	destinations(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		at := time.Date(2025, 3, 3, 8, 30, 0, 123456000, time.UTC)
		accepted := at.Add(time.Minute)
		rec := exchange.Record{Number: "XC20250303000001", Matter: "food-business-license", MatterVersion: 2, Status: "accepted",
			Channel: "window", OrgCode: "11411000MB1544262X", DivisionCode: "411002", SubmittedAt: &at, AcceptedAt: &accepted,
			FeeTotal: 12.5, UpdatedAt: at.Add(time.Hour)}
		if err := s.Put(ctx, []exchange.Record{rec}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, rec.Number)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(rec), mustJSON(got); a != b {
			t.Errorf("stored\n%s\nread back\n%s", a, b)
		}

		older := rec
		older.Status, older.UpdatedAt = "submitted", at
		newer := rec
		newer.Status, newer.UpdatedAt = "approved", at.Add(2*time.Hour)
		for _, batch := range [][]exchange.Record{{newer}, {older}, {newer}} {
			if err := s.Put(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		got, _ = s.Get(ctx, rec.Number)
		n, _ := s.Count(ctx)
		if got.Status != "approved" || n != 1 {
			t.Errorf("status %s, %d rows; want the newer record kept, once", got.Status, n)
		}
		if got, err := s.Get(ctx, "XC-none"); got != nil || err != nil {
			t.Errorf("missing number: %v, %v", got, err)
		}
		// Opening again finds the table there.
		if _, err := sqlsink.Open(ctx, dsn); err != nil {
			t.Fatal(err)
		}
	})
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// TestTransferDatabaseToDatabase moves the cases of one store into another database, as
// `tongban exchange transfer --to-db` does, and measures the rate.
func TestTransferDatabaseToDatabase(t *testing.T) {
	const n = 3000
	src := storetest.OpenSQLite(t)
	mv, err := src.PublishMatterVersion(ctx, "food-business-license", map[string][]byte{"matter.json": []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	err = src.Write(ctx, func(tx *store.Tx) error {
		for range n {
			if _, _, err := tx.CreateCase(runtime.NewCase{Case: runtime.Case{Matter: mv.Slug, MatterVersion: mv.Version,
				Channel: "online", Status: runtime.StatusSubmitted, OrgCode: "11411000MB1544262X", DivisionCode: "411002",
				SubmittedAt: &now}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	destinations(t, func(t *testing.T, dsn string) {
		dst := open(t, dsn)
		cp := exchange.FileCheckpoint{Path: filepath.Join(t.TempDir(), "cp.json")}
		sum, err := exchange.Transfer(ctx, src, dst, exchange.TransferOptions{Checkpoint: cp})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("SQLite store → %s: %d records in %d pages, %v, %.0f records/s", filepath.Base(t.Name()), sum.Records, sum.Pages,
			sum.Duration.Round(time.Millisecond), sum.RecordsPerSecond())
		if got, _ := dst.Count(ctx); got != n || sum.Records != n {
			t.Errorf("%d rows, %d records transferred; want %d", got, sum.Records, n)
		}
		first, _ := src.GetCase(ctx, 1)
		if got, _ := dst.Get(ctx, first.Number); got == nil || got.Status != "submitted" {
			t.Errorf("case %s: %+v", first.Number, got)
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	for _, dsn := range []string{"", filepath.Join(t.TempDir(), "a?b.db")} {
		if _, err := sqlsink.Open(ctx, dsn); err == nil {
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "sqlsink")
	defer os.RemoveAll(dir)
	s, err := sqlsink.Open(context.Background(), filepath.Join(dir, "exchange.db"))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	s.Put(context.Background(), []exchange.Record{{Number: "XC20250303000001", Matter: "m", MatterVersion: 1,
		Status: "accepted", Channel: "window", OrgCode: "o", UpdatedAt: time.Now()}})
	n, _ := s.Count(context.Background())
	fmt.Println(n, "record in", sqlsink.Table)
	// Output: 1 record in exchange_cases
}
