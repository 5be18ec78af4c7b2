package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/outbox"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// BenchmarkDeliver measures delivery through the outbox on SQLite: claim, a signed HTTP push
// of a 2 KB message, mark delivered; one op is one message.
func BenchmarkDeliver(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	client, err := httpconn.New(&definitions.Connector{Name: "bench", Title: "基准", Kind: "push", Method: "POST", URL: srv.URL,
		Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "K"}}, httpconn.Options{Getenv: func(string) string { return "k" }})
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	payload, _ := json.Marshal(map[string]any{"note": string(make([]byte, 2000))})
	ctx := context.Background()
	for i := range b.N {
		if _, err := db.Enqueue(ctx, runtime.OutboxMessage{Topic: "notify.bench", Payload: payload, IdempotencyKey: fmt.Sprint("b", i)}); err != nil {
			b.Fatal(err)
		}
	}
	d := &outbox.Deliverer{Queue: db, Senders: outbox.Router{"notify.*": &outbox.HTTPSender{Client: client}}, Batch: 64, Concurrency: 16}
	b.ResetTimer()
	start := time.Now()
	for d.Stats().Delivered < int64(b.N) {
		if _, err := d.DeliverBatch(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
