package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/backup"
)

// TestBackupSize measures a backup of a data folder holding TONGBAN_BACKUP_CASES cases (say
// 100000), each a 个体工商户登记 application as 张伟 files it (its form, its audit trail): how
// long the backup takes and how large it is. It is a measurement, run by hand; without the
// variable it is skipped.
func TestBackupSize(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("TONGBAN_BACKUP_CASES"))
	if n == 0 {
		t.Skip("set TONGBAN_BACKUP_CASES to the number of cases to back up")
	}
	s := apptest.Start(t, app.Config{})
	ctx := context.Background()
	user, err := s.Service.Authenticate(ctx, s.Token("张伟"))
	if err != nil {
		t.Fatal(err)
	}
	form, err := os.ReadFile("../../../examples/matters/sole-proprietor-registration/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	const workers = 32
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				req := runtime.SubmitCase{Matter: "sole-proprietor-registration", Form: form, Draft: true, IdempotencyKey: fmt.Sprint("size-", i)}
				if _, err := s.Service.SubmitCase(ctx, user, req); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d cases filed in %s", n, time.Since(start).Round(time.Millisecond))
	dir := filepath.Join(t.TempDir(), "backup")
	start = time.Now()
	m, err := backup.Make(ctx, s.Store, s.Data, dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	db, _ := os.Stat(filepath.Join(s.Data, backup.Database))
	start = time.Now()
	if _, err := backup.Check(dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("backup of %d cases: %s, %d files, %.1f MB (the live database file %.1f MB); checking its manifest %s",
		n, took.Round(time.Millisecond), len(m.Files), float64(size)/1e6, float64(db.Size())/1e6, time.Since(start).Round(time.Millisecond))
}
