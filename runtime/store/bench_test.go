package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// BenchmarkCreateCaseParallel submits cases from many goroutines at once, as a busy portal
// does: each a durable transaction that creates the case with its first event, a task and an
// outbox message. On SQLite (synchronous=FULL) it compares group commit with one transaction
// per write.
func BenchmarkCreateCaseParallel(b *testing.B) {
	for _, bc := range []struct {
		name string
		open func(b *testing.B) *store.DB
	}{
		{"sqlite/group-commit", func(b *testing.B) *store.DB { return openSQLite(b) }},
		{"sqlite/no-group-commit", func(b *testing.B) *store.DB { return openSQLite(b, store.WithoutGroupCommit()) }},
		{"postgres", func(b *testing.B) *store.DB { return openPostgres(b, store.WithMaxConns(64)) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db := bc.open(b)
			mv, err := db.PublishMatterVersion(ctx, "food-license", matterFiles)
			if err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(32) // 64 goroutines on 2 cores
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					nc := newCase(mv, 0)
					nc.Tasks = []runtime.Task{{Node: "accept", OrgCode: "411000-scjg", Role: "clerk"}}
					nc.Outbox = []runtime.OutboxMessage{{Topic: "sms", Payload: json.RawMessage(`{"tpl":"received"}`)}}
					if _, _, err := db.CreateCase(ctx, nc); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cases/s")
			if batches, writes := db.GroupCommitStats(); batches > 0 {
				b.ReportMetric(float64(writes)/float64(batches), "writes/commit")
			}
		})
	}
}
