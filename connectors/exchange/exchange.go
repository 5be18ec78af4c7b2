// Package exchange moves case records in bulk to other systems: a push of up to 10,000 records
// in one gzip request through a push connector, each batch under an idempotency key of its own
// so that a retried batch is applied once (PushBatch, and Receiver for the other side); and a
// DB-to-DB style transfer that reads the store page by page in case order and writes to a Sink
// with a checkpoint, so that an interrupted transfer resumes where it stopped (Transfer).
//
// What travels is a Record: the public facts of a case that the 办件信息库 (requirement 4.3.2)
// gathers — number, matter, status, channel, org, division, the dates of submission, acceptance
// and conclusion, the fee total. The form, the materials, the applicant and the query code stay
// in the store: they are personal data or secrets, and the exchange has no use for them.
package exchange

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// Record is one case as the exchange carries it. Number identifies it everywhere: a receiver
// keeps one record per number, and the newer UpdatedAt wins.
type Record struct {
	Number        string     `json:"number"`
	Matter        string     `json:"matter"`
	MatterVersion int        `json:"matterVersion"`
	Status        string     `json:"status"`
	Channel       string     `json:"channel"`
	OrgCode       string     `json:"orgCode"`
	DivisionCode  string     `json:"divisionCode,omitempty"`
	SubmittedAt   *time.Time `json:"submittedAt,omitempty"`
	AcceptedAt    *time.Time `json:"acceptedAt,omitempty"`
	ConcludedAt   *time.Time `json:"concludedAt,omitempty"`
	FeeTotal      float64    `json:"feeTotal"`
	// UpdatedAt is when the case last changed, so that a receiver given two versions of one
	// case keeps the newer.
	UpdatedAt time.Time `json:"updatedAt"`
}

// RecordOf takes the exchanged fields of c.
func RecordOf(c *runtime.Case) Record {
	return Record{
		Number: c.Number, Matter: c.Matter, MatterVersion: c.MatterVersion, Status: string(c.Status),
		Channel: c.Channel, OrgCode: c.OrgCode, DivisionCode: c.DivisionCode,
		SubmittedAt: c.SubmittedAt, AcceptedAt: c.AcceptedAt, ConcludedAt: c.ConcludedAt,
		FeeTotal: c.FeeTotal, UpdatedAt: c.UpdatedAt,
	}
}

// Sink is where records go: the receiving side of a push, or the destination of a transfer.
type Sink interface {
	// Put stores records, all or none. A record whose number is stored already replaces it
	// unless the stored one is newer, so that putting a batch again changes nothing.
	Put(ctx context.Context, records []Record) error
}

// SinkFunc is a function as a Sink.
type SinkFunc func(ctx context.Context, records []Record) error

// Put implements Sink.
func (f SinkFunc) Put(ctx context.Context, records []Record) error { return f(ctx, records) }

var (
	_ Sink = SinkFunc(nil)
	_ Sink = (*MemorySink)(nil)
)

// MemorySink keeps records in memory, for tests, simulators and demos. It also counts what it
// was given, so that a test can tell a record applied twice from one applied once.
type MemorySink struct {
	mu        sync.Mutex
	records   map[string]Record
	puts      int
	delivered int
}

// NewMemorySink returns an empty MemorySink.
func NewMemorySink() *MemorySink { return &MemorySink{records: map[string]Record{}} }

// Put implements Sink.
func (s *MemorySink) Put(_ context.Context, records []Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.puts++
	s.delivered += len(records)
	for _, r := range records {
		if old, ok := s.records[r.Number]; ok && old.UpdatedAt.After(r.UpdatedAt) {
			continue
		}
		s.records[r.Number] = r
	}
	return nil
}

// Len is how many distinct records the sink holds.
func (s *MemorySink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// Puts is how many times Put was called.
func (s *MemorySink) Puts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts
}

// Delivered is how many records all Puts together were given; more than Len means some record
// was delivered more than once.
func (s *MemorySink) Delivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered
}

// Records returns the records held, by number.
func (s *MemorySink) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Record, 0, len(s.records))
	for _, r := range s.records {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.Number, b.Number) })
	return out
}
