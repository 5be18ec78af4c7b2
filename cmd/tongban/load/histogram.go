package load

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram records latencies in microseconds, HDR style: below 2·subBuckets µs every
// microsecond has its own bucket, above that each power of two is split into subBuckets
// equal buckets, so a recorded value is off by less than 1/subBuckets (0.8 %) whatever its
// size. Recording is one atomic add, so all clients share one histogram per operation.
type histogram struct {
	counts [buckets]atomic.Int64
	max    atomic.Int64
	sum    atomic.Int64
	n      atomic.Int64
}

const (
	subBucketBits = 7
	subBuckets    = 1 << subBucketBits // 128
	// buckets covers up to 2^40 µs (12 days): far beyond any timeout.
	buckets = (40 - subBucketBits + 1) * subBuckets
)

// bucketOf is the index of the bucket that holds v µs.
func bucketOf(v int64) int {
	if v < 0 {
		v = 0
	}
	if v < 2*subBuckets {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - subBucketBits - 1 // v>>shift is in [subBuckets, 2·subBuckets)
	i := (shift+1)*subBuckets + int(v>>shift) - subBuckets
	if i >= buckets {
		return buckets - 1
	}
	return i
}

// bucketHigh is the largest value bucket i holds: what a percentile falling in it reports.
func bucketHigh(i int) int64 {
	if i < 2*subBuckets {
		return int64(i)
	}
	shift := i/subBuckets - 1
	low := int64(i%subBuckets+subBuckets) << shift
	return low + 1<<shift - 1
}

func (h *histogram) record(d time.Duration) {
	v := d.Microseconds()
	h.counts[bucketOf(v)].Add(1)
	h.sum.Add(v)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"meanMs"`
	P50   float64 `json:"p50Ms"`
	P95   float64 `json:"p95Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
}

// summary reads the percentiles. It is meant for after the run, when no one records.
func (h *histogram) summary() Latency {
	n := h.n.Load()
	if n == 0 {
		return Latency{}
	}
	l := Latency{Count: n, Mean: ms(h.sum.Load()) / float64(n), Max: ms(h.max.Load())}
	targets := []struct {
		q   float64
		out *float64
	}{{0.50, &l.P50}, {0.95, &l.P95}, {0.99, &l.P99}}
	var seen int64
	t := 0
	for i := range h.counts {
		seen += h.counts[i].Load()
		for t < len(targets) && float64(seen) >= targets[t].q*float64(n) {
			*targets[t].out = min(ms(bucketHigh(i)), l.Max)
			t++
		}
		if t == len(targets) {
			break
		}
	}
	return l
}

// countAbove is how many recorded values exceed d (to within a bucket).
func (h *histogram) countAbove(d time.Duration) int64 {
	var n int64
	for i := bucketOf(d.Microseconds()) + 1; i < buckets; i++ {
		n += h.counts[i].Load()
	}
	return n
}

func ms(us int64) float64 { return float64(us) / 1000 }
