package exchange_test

import (
	"path/filepath"
	"testing"

	"github.com/xuchang-gov/tongban/connectors/exchange"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// BenchmarkPush10000 is the procurement figure: 10,000 records in one gzip request to an HMAC
// receiver, over loopback HTTP; both sides run in this process.
func BenchmarkPush10000(b *testing.B) {
	rc := startReceiver(b)
	client := pushClient(b, rc.URL, 0)
	records := sampleRecords(10000)
	var sum exchange.PushSummary
	for b.Loop() {
		var err error
		if sum, err = exchange.PushBatch(ctx, client, records, exchange.PushOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(sum.RawBytes)
	b.ReportMetric(float64(sum.CompressedBytes), "gzip-bytes")
}

// BenchmarkTransfer reads 20,000 cases of a SQLite store page by page into a memory sink.
func BenchmarkTransfer(b *testing.B) {
	db := storetest.OpenSQLite(b)
	seed(b, db, 20000)
	for b.Loop() {
		sum, err := exchange.Transfer(ctx, db, exchange.NewMemorySink(), exchange.TransferOptions{
			Checkpoint: exchange.FileCheckpoint{Path: filepath.Join(b.TempDir(), "cp.json")}})
		if err != nil || sum.Records != 20000 {
			b.Fatal(sum, err)
		}
		b.ReportMetric(sum.RecordsPerSecond(), "records/s")
	}
}
