package load

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// stats is what the clients record during the measured part of a run. Everything a request
// touches is an atomic counter, so the clients never wait for one another here.
type stats struct {
	all      histogram
	requests atomic.Int64
	failed   atomic.Int64

	mu     sync.RWMutex
	ops    map[string]*opStats
	txs    map[string]*txStats
	errors map[string]*atomic.Int64
}

type opStats struct {
	h      histogram
	errors atomic.Int64
}

type txStats struct {
	h      histogram
	failed atomic.Int64
}

func newStats() *stats {
	return &stats{ops: map[string]*opStats{}, txs: map[string]*txStats{}, errors: map[string]*atomic.Int64{}}
}

// get returns m[key], creating it on first use.
func get[T any](mu *sync.RWMutex, m map[string]*T, key string) *T {
	mu.RLock()
	v := m[key]
	mu.RUnlock()
	if v != nil {
		return v
	}
	mu.Lock()
	defer mu.Unlock()
	if v = m[key]; v == nil {
		v = new(T)
		m[key] = v
	}
	return v
}

// record counts one request: its latency, and its error when it failed or had the wrong status.
func (s *stats) record(op string, d time.Duration, status int, err error, want int) {
	s.requests.Add(1)
	s.all.record(d)
	o := get(&s.mu, s.ops, op)
	o.h.record(d)
	if err != nil || status != want {
		s.failed.Add(1)
		o.errors.Add(1)
		get(&s.mu, s.errors, errorKind(status, err)).Add(1)
	}
}

// transaction counts one finished transaction of a kind, or one that failed part way.
func (s *stats) transaction(kind string, d time.Duration, err error) {
	t := get(&s.mu, s.txs, kind)
	if err != nil {
		t.failed.Add(1)
		return
	}
	t.h.record(d)
}

// OpResult is one kind of request in the result.
type OpResult struct {
	Op      string  `json:"op"`
	Count   int64   `json:"count"`
	PerSec  float64 `json:"perSec"`
	Errors  int64   `json:"errors"`
	Latency Latency `json:"latency"`
}

// TxResult is one kind of transaction (a whole application, a browse, a case approved to the end).
type TxResult struct {
	Kind      string  `json:"kind"`
	Completed int64   `json:"completed"`
	Failed    int64   `json:"failed"`
	PerSec    float64 `json:"perSec"`
	Latency   Latency `json:"latency"`
}

// fill writes the recorded figures into the result; elapsed is the measured wall time.
func (s *stats) fill(res *Result, elapsed time.Duration, slow time.Duration) {
	secs := elapsed.Seconds()
	res.Requests = s.requests.Load()
	res.RequestsPerSec = float64(res.Requests) / secs
	res.Latency = s.all.summary()
	res.SlowRequests = s.all.countAbove(slow)
	res.ErrorCount = s.failed.Load()
	res.Errors = map[string]int64{}
	for k, v := range s.errors {
		res.Errors[k] = v.Load()
	}
	for name, o := range s.ops {
		res.Ops = append(res.Ops, OpResult{Op: name, Count: o.h.n.Load(), PerSec: float64(o.h.n.Load()) / secs,
			Errors: o.errors.Load(), Latency: o.h.summary()})
	}
	sort.Slice(res.Ops, func(i, j int) bool { return opOrder(res.Ops[i].Op) < opOrder(res.Ops[j].Op) })
	for kind, t := range s.txs {
		tr := TxResult{Kind: kind, Completed: t.h.n.Load(), Failed: t.failed.Load(), Latency: t.h.summary()}
		tr.PerSec = float64(tr.Completed) / secs
		res.Transactions = append(res.Transactions, tr)
		res.TransactionCount += tr.Completed
	}
	sort.Slice(res.Transactions, func(i, j int) bool { return res.Transactions[i].Kind < res.Transactions[j].Kind })
	res.TransactionsPerSec = float64(res.TransactionCount) / secs
}

// opOrder puts the requests in the order a transaction sends them.
func opOrder(op string) int {
	for i, o := range []string{opCreate, opUpload, opSubmit, opSearch, opGuide, opProgress, opCase, opClaim, opComplete} {
		if o == op {
			return i
		}
	}
	return 100
}
