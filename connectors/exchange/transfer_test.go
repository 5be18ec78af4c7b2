package exchange_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/exchange"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// seed creates n cases in db, a thousand to a transaction.
func seed(t testing.TB, db *store.DB, n int) {
	t.Helper()
	mv, err := db.PublishMatterVersion(ctx, "food-business-license", map[string][]byte{"matter.json": []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for lo := 0; lo < n; lo += 1000 {
		err := db.Write(ctx, func(tx *store.Tx) error {
			for i := lo; i < min(lo+1000, n); i++ {
				_, _, err := tx.CreateCase(runtime.NewCase{Case: runtime.Case{Matter: mv.Slug, MatterVersion: mv.Version,
					Channel: "window", Status: runtime.StatusAccepted, OrgCode: "11411000MB1544262X", DivisionCode: "411002",
					Form: json.RawMessage(`{"name":"许昌 食品店","idNumber":"411002199001011234"}`), FeeTotal: 12.5,
					SubmittedAt: &now, AcceptedAt: &now}})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// numbers lists the case numbers of db in id order.
func numbers(t testing.TB, db *store.DB) []string {
	t.Helper()
	var out []string
	for off := 0; ; off += 500 {
		cases, _, err := db.ListCases(ctx, runtime.CaseQuery{Offset: off, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			out = append(out, c.Number)
		}
		if len(cases) < 500 {
			break
		}
	}
	slices.Sort(out)
	return out
}

func heldNumbers(s *exchange.MemorySink) []string {
	var out []string
	for _, r := range s.Records() {
		out = append(out, r.Number)
	}
	return out
}

// failingSink fails from its failAt-th Put on; before that it passes records to the sink, and
// calls during (when set) inside its during-th Put.
type failingSink struct {
	sink   *exchange.MemorySink
	failAt int
	during int
	hook   func()
	calls  int
}

func (f *failingSink) Put(ctx context.Context, rs []exchange.Record) error {
	f.calls++
	if f.failAt > 0 && f.calls >= f.failAt {
		return errors.New("目标数据库断开")
	}
	if f.calls == f.during && f.hook != nil {
		f.hook()
	}
	return f.sink.Put(ctx, rs)
}

func TestTransferResumesAfterInterruption(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open func(t testing.TB) *store.DB) { testResume(t, open(t)) })
}

func testResume(t *testing.T, db *store.DB) {
	seed(t, db, 1200)
	cp := exchange.FileCheckpoint{Path: filepath.Join(t.TempDir(), "transfer.json")}
	sink := exchange.NewMemorySink()

	// The first run: the destination goes away after three pages.
	first, err := exchange.Transfer(ctx, db, &failingSink{sink: sink, failAt: 4}, exchange.TransferOptions{PageSize: 100, Checkpoint: cp})
	if err == nil || !strings.Contains(err.Error(), "写入第 301–400 条：目标数据库断开") {
		t.Fatalf("first run: %v", err)
	}
	if first.Pages != 3 || first.Records != 300 || sink.Len() != 300 {
		t.Fatalf("first run: %d pages, %d records, %d held", first.Pages, first.Records, sink.Len())
	}
	saved, err := cp.Load(ctx)
	if err != nil || saved.Done != 300 || saved != first.To {
		t.Fatalf("checkpoint %+v (%v), summary %+v", saved, err, first.To)
	}

	// Cases keep arriving: some between the runs, some while the second run reads.
	seed(t, db, 37)
	var progress []int
	second, err := exchange.Transfer(ctx, db, &failingSink{sink: sink, during: 2, hook: func() { seed(t, db, 13) }},
		exchange.TransferOptions{PageSize: 100, Checkpoint: cp, Progress: func(done, total int) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if second.From != saved || second.Records != 950 || second.To.Done != 1250 {
		t.Errorf("second run: %+v", second)
	}
	if want := numbers(t, db); !slices.Equal(heldNumbers(sink), want) {
		t.Errorf("the destination holds %d records, the source %d cases", sink.Len(), len(want))
	}
	if sink.Delivered() != 1250 {
		t.Errorf("%d records delivered for 1,250 cases: some twice", sink.Delivered())
	}
	if progress[0] != 400 || progress[len(progress)-1] != 1250 || !slices.IsSorted(progress) {
		t.Errorf("progress %v", progress)
	}

	// Nothing left: a third run reads one empty page count and writes nothing.
	third, err := exchange.Transfer(ctx, db, sink, exchange.TransferOptions{PageSize: 100, Checkpoint: cp})
	if err != nil || third.Records != 0 || sink.Delivered() != 1250 {
		t.Errorf("third run: %+v, %v", third, err)
	}
}

// flakyCheckpoint fails its failAt-th save.
type flakyCheckpoint struct {
	exchange.FileCheckpoint
	failAt, saves int
}

func (f *flakyCheckpoint) Save(ctx context.Context, p exchange.Position) error {
	f.saves++
	if f.saves == f.failAt {
		return errors.New("磁盘已满")
	}
	return f.FileCheckpoint.Save(ctx, p)
}

func TestTransferWhoseCheckpointFailedWritesOnePageAgain(t *testing.T) {
	db := storetest.OpenSQLite(t)
	seed(t, db, 500)
	sink := exchange.NewMemorySink()
	cp := &flakyCheckpoint{FileCheckpoint: exchange.FileCheckpoint{Path: filepath.Join(t.TempDir(), "cp.json")}, failAt: 3}
	if _, err := exchange.Transfer(ctx, db, sink, exchange.TransferOptions{PageSize: 100, Checkpoint: cp}); err == nil || !strings.Contains(err.Error(), "磁盘已满") {
		t.Fatalf("first run: %v", err)
	}
	if _, err := exchange.Transfer(ctx, db, sink, exchange.TransferOptions{PageSize: 100, Checkpoint: cp}); err != nil {
		t.Fatal(err)
	}
	// The third page went to the sink but not into the checkpoint, so it is written again.
	if sink.Len() != 500 || sink.Delivered() != 600 {
		t.Errorf("%d held, %d delivered; want 500 held, the one unsaved page delivered twice", sink.Len(), sink.Delivered())
	}
}

func TestTransferRefusesAForeignCheckpoint(t *testing.T) {
	db := storetest.OpenSQLite(t)
	seed(t, db, 20)
	path := filepath.Join(t.TempDir(), "cp.json")
	for _, c := range []struct {
		name, file, want string
	}{
		{"more cases than the source has", `{"lastId":900,"done":900}`, "来源只有 20 条"},
		{"a last case that is not there", `{"lastId":3,"done":10}`, "与来源数据库不符"},
		{"not a checkpoint", `[]`, "不是检查点文件"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(path, []byte(c.file), 0o644)
			_, err := exchange.Transfer(ctx, db, exchange.NewMemorySink(), exchange.TransferOptions{Checkpoint: exchange.FileCheckpoint{Path: path}})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestTransferStopsWhenCancelled(t *testing.T) {
	db := storetest.OpenSQLite(t)
	seed(t, db, 300)
	cctx, cancel := context.WithCancel(ctx)
	cp := exchange.FileCheckpoint{Path: filepath.Join(t.TempDir(), "cp.json")}
	sink := exchange.NewMemorySink()
	_, err := exchange.Transfer(cctx, db, sink, exchange.TransferOptions{PageSize: 100, Checkpoint: cp,
		Progress: func(done, _ int) {
			if done == 100 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) || sink.Len() != 100 {
		t.Fatalf("err %v, %d held", err, sink.Len())
	}
	if _, err := exchange.Transfer(ctx, db, sink, exchange.TransferOptions{PageSize: 100, Checkpoint: cp}); err != nil {
		t.Fatal(err)
	}
	if sink.Len() != 300 || sink.Delivered() != 300 {
		t.Errorf("%d held, %d delivered", sink.Len(), sink.Delivered())
	}
}

func TestTransferRate(t *testing.T) {
	db := storetest.OpenSQLite(t)
	seed(t, db, 5000)
	var mu sync.Mutex
	sink := exchange.NewMemorySink()
	sum, err := exchange.Transfer(ctx, db, exchange.SinkFunc(func(ctx context.Context, rs []exchange.Record) error {
		mu.Lock()
		defer mu.Unlock()
		return sink.Put(ctx, rs)
	}), exchange.TransferOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SQLite → memory: %d records in %d pages, %v, %.0f records/s", sum.Records, sum.Pages, sum.Duration.Round(time.Millisecond), sum.RecordsPerSecond())
	if sum.Records != 5000 || sink.Len() != 5000 {
		t.Errorf("%d records, %d held", sum.Records, sink.Len())
	}
	// The procurement figure: at least 2,000 records a second between databases.
}
