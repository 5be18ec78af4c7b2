// Package outbox delivers the messages the runtime writes to its outbox table in the same
// transaction as the change they announce: a Deliverer claims due messages, hands each to the
// Sender of its topic with its idempotency key, and marks it delivered, or failed to be tried
// again after a backoff, until the store turns it into a dead letter that a person replays.
//
// Delivery is at least once: a deliverer that dies mid-batch loses nothing, since the lease on
// what it claimed runs out and another deliverer claims it again. Receivers apply a message at
// most once by its idempotency key. Several deliverers, in one process or many, may share a
// store: claiming is row-locked there, so each message goes to one of them at a time.
package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// Queue is what a Deliverer needs of the store.
type Queue interface {
	// ClaimOutbox leases up to n due messages to the caller.
	ClaimOutbox(ctx context.Context, n int, lease time.Duration) ([]*runtime.OutboxMessage, error)
	// MarkDelivered records that a message arrived.
	MarkDelivered(ctx context.Context, id int64) error
	// MarkFailed records a failed delivery; the message is due again after backoff, or is a
	// dead letter once its attempts are spent.
	MarkFailed(ctx context.Context, id int64, reason string, backoff time.Duration) error
}

// Sender delivers one message to the system its topic names. It must send m.IdempotencyKey
// (over HTTP, as the Idempotency-Key header), so that the receiver applies a message it gets
// twice once. An error means the message may not have arrived and will be sent again.
type Sender interface {
	Send(ctx context.Context, m *runtime.OutboxMessage) error
}

// SenderFunc is a function that is a Sender.
type SenderFunc func(ctx context.Context, m *runtime.OutboxMessage) error

// Send implements Sender.
func (f SenderFunc) Send(ctx context.Context, m *runtime.OutboxMessage) error { return f(ctx, m) }

// Router picks the Sender of a topic: the entry named by the topic itself, else the longest
// entry ending in ".*" whose prefix the topic starts with ("connector.push.*" takes every
// "connector.push.<name>").
type Router map[string]Sender

// Sender returns the sender of topic.
func (r Router) Sender(topic string) (Sender, bool) {
	if s, ok := r[topic]; ok {
		return s, true
	}
	best, bestLen := Sender(nil), -1
	for k, s := range r {
		if p, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(topic, p) && len(p) > bestLen {
			best, bestLen = s, len(p)
		}
	}
	return best, best != nil
}

// Defaults of a Deliverer.
const (
	DefaultBatch       = 32
	DefaultConcurrency = 8
	DefaultLease       = 2 * time.Minute
	DefaultIdle        = time.Second
)

// Deliverer claims and delivers outbox messages. Set its fields before Run; it is safe to Wake
// from any goroutine.
type Deliverer struct {
	Queue   Queue
	Senders Router
	// Batch is how many messages one claim takes (default 32).
	Batch int
	// Concurrency is how many of them are sent at once (default 8).
	Concurrency int
	// Lease is how long a claimed message is ours; it must outlast a send with all its
	// retries, or another deliverer sends it too (harmless, but wasted). Default 2 minutes.
	Lease time.Duration
	// Idle is how long Run waits for new messages when none are due (default 1 s); Wake cuts
	// the wait short.
	Idle time.Duration
	// Backoff is the wait before the next try of a message that failed its attempts-th try
	// (default DefaultBackoff).
	Backoff func(attempts int) time.Duration
	Logger  *slog.Logger
	// Deliver, when set, is told of every delivery as it starts, and returns the context the
	// send runs in and the function told its outcome: the composition root counts deliveries
	// by connector and traces them with it.
	Deliver func(ctx context.Context, m *runtime.OutboxMessage) (context.Context, func(error))

	wakeOnce sync.Once
	wake     chan struct{}

	delivered, failed atomic.Int64
}

// DefaultBackoff waits 5 seconds after the first failure, doubling with each one up to half an
// hour, the upper half of each wait random so that messages that failed together spread out.
func DefaultBackoff(attempts int) time.Duration {
	d := min(5*time.Second<<min(max(attempts-1, 0), 20), 30*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// Stats are the deliverer's counts since it was made.
type Stats struct {
	Delivered int64
	Failed    int64
}

// Stats reports what the deliverer has done.
func (d *Deliverer) Stats() Stats {
	return Stats{Delivered: d.delivered.Load(), Failed: d.failed.Load()}
}

func (d *Deliverer) wakeChan() chan struct{} {
	d.wakeOnce.Do(func() { d.wake = make(chan struct{}, 1) })
	return d.wake
}

// Wake tells Run that messages were enqueued, so that it claims them without waiting.
func (d *Deliverer) Wake() {
	select {
	case d.wakeChan() <- struct{}{}:
	default:
	}
}

func (d *Deliverer) log() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// Run delivers until ctx ends. It claims again at once after a full batch, and otherwise waits
// Idle or until Wake. A store error is logged and retried after Idle. Messages in flight when
// ctx ends are left to their lease.
func (d *Deliverer) Run(ctx context.Context) error {
	idle := d.Idle
	if idle <= 0 {
		idle = DefaultIdle
	}
	batch := max(d.Batch, 0)
	if batch == 0 {
		batch = DefaultBatch
	}
	for {
		n, err := d.DeliverBatch(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			d.log().Error("outbox claim", "error", err)
		}
		if err == nil && n >= batch {
			continue
		}
		t := time.NewTimer(idle)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-d.wakeChan():
		case <-t.C:
		}
		t.Stop()
	}
}

// DeliverBatch claims one batch, delivers it and returns how many messages it claimed.
func (d *Deliverer) DeliverBatch(ctx context.Context) (int, error) {
	batch, conc, lease := d.Batch, d.Concurrency, d.Lease
	if batch <= 0 {
		batch = DefaultBatch
	}
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	if lease <= 0 {
		lease = DefaultLease
	}
	msgs, err := d.Queue.ClaimOutbox(ctx, batch, lease)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for _, m := range msgs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			d.deliver(ctx, m)
		})
	}
	wg.Wait()
	return len(msgs), nil
}

// deliver sends one message and records the outcome.
func (d *Deliverer) deliver(ctx context.Context, m *runtime.OutboxMessage) {
	end := func(error) {}
	if d.Deliver != nil {
		ctx, end = d.Deliver(ctx, m)
	}
	err := d.send(ctx, m)
	end(err)
	if err != nil && ctx.Err() != nil {
		// Shutting down mid-send: whether it arrived is unknown; the lease hands it out again.
		return
	}
	// Record the outcome even if ctx ends meanwhile: it is a short write, and a lost one only
	// means a redelivery.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err == nil {
		d.delivered.Add(1)
		if err := d.Queue.MarkDelivered(rctx, m.ID); err != nil {
			d.log().Error("outbox mark delivered", "id", m.ID, "error", err)
		}
		return
	}
	d.failed.Add(1)
	backoff := d.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	reason := err.Error()
	d.log().Warn("outbox delivery failed", "id", m.ID, "topic", m.Topic, "attempt", m.Attempts, "error", reason)
	if err := d.Queue.MarkFailed(rctx, m.ID, reason, backoff(m.Attempts)); err != nil {
		d.log().Error("outbox mark failed", "id", m.ID, "error", err)
	}
}

// send finds the message's sender and calls it, turning a panic into a failure.
func (d *Deliverer) send(ctx context.Context, m *runtime.OutboxMessage) (err error) {
	s, ok := d.Senders.Sender(m.Topic)
	if !ok {
		return fmt.Errorf("没有投递通道：主题 %s 没有配置发送方", m.Topic)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("发送方出错：%v", p)
		}
	}()
	return s.Send(ctx, m)
}
