package httpconn_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/connectors/callback"
	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/definitions"
)

// benchReceiver verifies each request's HMAC signature, as a real receiver must, and
// discards it.
func benchReceiver(b *testing.B) (*httpconn.Client, func()) {
	v := callback.NewVerifier([]byte("bench-key"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.Verify(r); err != nil {
			http.Error(w, err.Error(), 401)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	c, err := httpconn.New(&definitions.Connector{Name: "bench", Title: "基准", Kind: "push", Method: "POST", URL: srv.URL + "/in",
		Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "K"}}, httpconn.Options{Getenv: func(string) string { return "bench-key" }})
	if err != nil {
		b.Fatal(err)
	}
	return c, srv.Close
}

func record(size int) map[string]any {
	return map[string]any{"case": "XC20260001", "name": "张伟", "address": "河南省许昌市魏都区七一路街道七一东路168号",
		"note": strings.Repeat("许", max(size-120, 0)/3)}
}

// BenchmarkPush sends one signed JSON message of each size and waits for the answer: the
// procurement asks for a 2 KB record in under 500 ms, 10 KB messages at 110/s or more and
// 800 KB messages at 15/s or more.
func BenchmarkPush(b *testing.B) {
	for _, tc := range []struct {
		name string
		size int
	}{{"2KB", 2 << 10}, {"10KB", 10 << 10}, {"800KB", 800 << 10}} {
		b.Run(tc.name, func(b *testing.B) {
			c, stop := benchReceiver(b)
			defer stop()
			body := record(tc.size)
			b.SetBytes(int64(tc.size))
			for b.Loop() {
				if _, err := c.Do(context.Background(), httpconn.Request{Body: body, IdempotencyKey: "k"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkBatch sends 10,000 records of about 200 bytes (2 MB) in one gzip request; the
// procurement asks for it in under 2 s.
func BenchmarkBatch(b *testing.B) {
	c, stop := benchReceiver(b)
	defer stop()
	records := make([]map[string]any, 10000)
	for i := range records {
		records[i] = map[string]any{"seq": i, "idNumber": "411002198605120316", "name": "张伟", "division": "411002",
			"address": "河南省许昌市魏都区七一路街道七一东路168号院3号楼2单元501室", "status": "正常"}
	}
	for b.Loop() {
		if _, err := c.Do(context.Background(), httpconn.Request{Body: map[string]any{"messageId": "batch", "records": records}, Gzip: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(10000*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
