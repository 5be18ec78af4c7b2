package exchange

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
)

// DefaultBatchSize is how many records one request carries unless told otherwise: the
// procurement figure of 10,000 records in one push. The figure reckons 2 MB; a Record is about
// 300 bytes of JSON, so such a batch is about 3 MB (6% of that gzipped, in the tests).
const DefaultBatchSize = 10000

// PushOptions tune PushBatch and PushSeq.
type PushOptions struct {
	// BatchSize is the most records one request carries (default DefaultBatchSize).
	BatchSize int
	// KeyPrefix starts every batch's idempotency key (default the connector's name). A batch's
	// key is the prefix, its number and a hash of its content, so the same records sent again
	// under the same prefix — a retry, or the whole push run again — carry the same key and the
	// receiver applies them once.
	KeyPrefix string
	// Input fills the placeholders of the connector's URL template.
	Input map[string]any
	// Progress, when set, is told after each batch how many records have been sent of how many.
	Progress func(sent, total int)
	// Total is the total Progress is told for PushSeq, whose sequence does not say (0: unknown).
	Total int
}

// PushSummary is what a push did.
type PushSummary struct {
	Batches int
	Records int
	// RawBytes is the JSON sent; CompressedBytes is its size once gzipped, what went over the wire.
	RawBytes        int64
	CompressedBytes int64
	// Attempts counts the HTTP requests, retries included.
	Attempts int
	// Duplicates counts the batches the receiver said it had applied before.
	Duplicates int
	Duration   time.Duration
}

// PushBatch sends records through a push connector as JSON arrays of up to BatchSize records,
// one gzip request per batch, each with its own idempotency key, retried as the connector says.
// It stops at the first batch that fails and returns what was sent until then with an error
// naming the batch; the batches before it were applied, and running the push again sends them
// again under the same keys, which the receiver recognises.
func PushBatch[T any](ctx context.Context, client *httpconn.Client, records []T, o PushOptions) (PushSummary, error) {
	o.Total = len(records)
	return PushSeq(ctx, client, func(yield func(T, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	}, o)
}

// PushSeq is PushBatch for records read as they go (from a store, page by page), holding one
// batch in memory at a time. An error from the sequence stops the push.
func PushSeq[T any](ctx context.Context, client *httpconn.Client, records iter.Seq2[T, error], o PushOptions) (PushSummary, error) {
	p := pusher[T]{client: client, o: o, start: time.Now()}
	if p.o.BatchSize <= 0 {
		p.o.BatchSize = DefaultBatchSize
	}
	if p.o.KeyPrefix == "" {
		p.o.KeyPrefix = client.Name()
	}
	batch := make([]T, 0, min(p.o.BatchSize, max(o.Total, 1)))
	for r, err := range records {
		if err != nil {
			p.sum.Duration = time.Since(p.start)
			return p.sum, err
		}
		if batch = append(batch, r); len(batch) == p.o.BatchSize {
			if err := p.send(ctx, batch); err != nil {
				return p.sum, err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if err := p.send(ctx, batch); err != nil {
			return p.sum, err
		}
	}
	p.sum.Duration = time.Since(p.start)
	return p.sum, nil
}

type pusher[T any] struct {
	client *httpconn.Client
	o      PushOptions
	start  time.Time
	sum    PushSummary
}

// send pushes one batch.
func (p *pusher[T]) send(ctx context.Context, batch []T) error {
	n, first := p.sum.Batches+1, p.sum.Records+1
	fail := func(err error) error {
		p.sum.Duration = time.Since(p.start)
		return fmt.Errorf("第 %d 批（第 %d–%d 条）推送失败：%w", n, first, p.sum.Records+len(batch), err)
	}
	raw, err := json.Marshal(batch)
	if err != nil {
		return fail(err)
	}
	// The client gzips the body itself; measuring the compressed size alongside keeps it off the
	// request's path.
	zsize := make(chan int64, 1)
	go func() { zsize <- gzipSize(raw) }()
	res, err := p.client.Do(ctx, httpconn.Request{Input: p.o.Input, Body: json.RawMessage(raw),
		IdempotencyKey: BatchKey(p.o.KeyPrefix, n, raw), Gzip: true})
	z := <-zsize
	if err != nil {
		var e *httpconn.Error
		if errors.As(err, &e) {
			p.sum.Attempts += e.Attempts
		}
		return fail(err)
	}
	p.sum.Batches++
	p.sum.Records += len(batch)
	p.sum.RawBytes += int64(len(raw))
	p.sum.CompressedBytes += z
	p.sum.Attempts += res.Attempts
	if m, ok := res.Value.(map[string]any); ok && m["duplicate"] == true {
		p.sum.Duplicates++
	}
	if p.o.Progress != nil {
		p.o.Progress(p.sum.Records, p.o.Total)
	}
	return nil
}

// BatchKey is the idempotency key of batch number n (from 1) whose JSON is raw: the prefix, the
// number and the first 96 bits of the content's SHA-256. The number makes keys readable in
// logs; the hash makes a batch whose content changed a new batch.
func BatchKey(prefix string, n int, raw []byte) string {
	sum := sha256.Sum256(raw)
	return prefix + "-" + strconv.Itoa(n) + "-" + hex.EncodeToString(sum[:12])
}

// gzipSize is the size of data gzipped as the connector client does it (default level).
func gzipSize(data []byte) int64 {
	var c countWriter
	zw := gzip.NewWriter(&c)
	zw.Write(data)
	zw.Close()
	return int64(c)
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

var _ io.Writer = (*countWriter)(nil)
